"""botgraph: find coordinated account networks in social-media comment data.

>>> import botgraph
>>> data = botgraph.simulate(n_organic=300, days=4, rng=7)
>>> result = botgraph.detect(data.records)
>>> isinstance(result, botgraph.Detection)
True
"""

from __future__ import annotations

from botgraph._version import __version__
from botgraph.communities import Partition, communities
from botgraph.detection import Detection, detect
from botgraph.errors import BotgraphError, MissingDependencyError, ParameterError, SchemaError
from botgraph.evaluate import Evaluation, evaluate
from botgraph.fusion import CoordinationNetwork, fuse
from botgraph.groups import WeakGroup, weak_groups
from botgraph.ingest import Records, RejectedRow, ingest
from botgraph.projection import CoactionPairs, CoGraph, project, project_partition
from botgraph.scoring import AccountScore, Cluster, EvidenceRecord, score
from botgraph.significance import EdgeSignificance, coaction_significance, fdr_bh
from botgraph.similarity import SimilarityGraph, account_similarity
from botgraph.simulate import NetworkSpec, SimulatedData, Truth, simulate
from botgraph.traces import BipartiteGraph, traces
from botgraph.windows import SweepResult, SweepRow, WindowEstimate, estimate_window, sweep

__all__ = [
    "AccountScore",
    "BipartiteGraph",
    "BotgraphError",
    "Cluster",
    "CoGraph",
    "CoactionPairs",
    "CoordinationNetwork",
    "Detection",
    "EdgeSignificance",
    "Evaluation",
    "EvidenceRecord",
    "MissingDependencyError",
    "NetworkSpec",
    "ParameterError",
    "Partition",
    "Records",
    "RejectedRow",
    "SchemaError",
    "SimilarityGraph",
    "SimulatedData",
    "SweepResult",
    "SweepRow",
    "Truth",
    "WeakGroup",
    "WindowEstimate",
    "__version__",
    "account_similarity",
    "coaction_significance",
    "communities",
    "detect",
    "estimate_window",
    "evaluate",
    "fdr_bh",
    "fuse",
    "ingest",
    "project",
    "project_partition",
    "score",
    "simulate",
    "sweep",
    "traces",
    "weak_groups",
]
