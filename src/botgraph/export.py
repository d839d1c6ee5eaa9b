"""Export: turn botgraph tables and graphs into pandas, networkx, igraph, GraphML, GEXF."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._optional import import_optional

# The columns_to_* helpers serve the result classes' to_pandas/to_networkx/to_igraph
# methods, which are the public way to reach them.
__all__ = ["write_gexf", "write_graphml"]

_ENDPOINTS = ("account_a", "account_b")


def _plain(value: Any) -> Any:
    """numpy scalar → Python scalar, so graph attributes serialise cleanly."""
    return value.item() if isinstance(value, np.generic) else value


def columns_to_pandas(columns: Mapping[str, Any]) -> Any:
    """DataFrame from a dict of equally long columns (needs pandas)."""
    pd = import_optional("pandas", feature="to_pandas()")
    return pd.DataFrame({name: np.asarray(col) for name, col in columns.items()})


def columns_to_networkx(
    accounts: NDArray[np.object_],
    columns: Mapping[str, Any],
    *,
    node_attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """Undirected networkx graph: every account a node, one edge per table row."""
    import networkx as nx

    g = nx.Graph()
    attrs = node_attributes or {}
    g.add_nodes_from((str(a), dict(attrs.get(str(a), {}))) for a in accounts.tolist())
    names = [n for n in columns if n not in _ENDPOINTS]
    lists = {n: np.asarray(columns[n]).tolist() for n in names}
    for i, (a, b) in enumerate(zip(columns["account_a"], columns["account_b"], strict=True)):
        g.add_edge(str(a), str(b), **{n: _plain(lists[n][i]) for n in names})
    return g


def columns_to_igraph(
    accounts: NDArray[np.object_],
    account_a: NDArray[np.int64],
    account_b: NDArray[np.int64],
    columns: Mapping[str, Any],
    *,
    node_attributes: Mapping[str, NDArray[Any]] | None = None,
) -> Any:
    """Undirected igraph graph with vertex attribute ``name`` and edge attributes."""
    import igraph as ig

    g = ig.Graph(n=int(accounts.shape[0]), directed=False)
    g.vs["name"] = [str(a) for a in accounts.tolist()]
    for name, values in (node_attributes or {}).items():
        g.vs[name] = np.asarray(values).tolist()
    g.add_edges(np.column_stack([account_a, account_b]).tolist())
    for name, col in columns.items():
        if name not in _ENDPOINTS:
            g.es[name] = np.asarray(col).tolist()
    return g


def _graph_for_file(graph: Any) -> Any:
    """Copy of a networkx graph whose attributes GraphML/GEXF writers accept."""
    import networkx as nx

    out = nx.Graph()
    for node, data in graph.nodes(data=True):
        out.add_node(node, **{k: _file_value(v) for k, v in data.items() if v is not None})
    for a, b, data in graph.edges(data=True):
        out.add_edge(a, b, **{k: _file_value(v) for k, v in data.items() if v is not None})
    return out


def _file_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def write_graphml(graph: Any, path: str | os.PathLike[str]) -> None:
    """Write a networkx graph as GraphML, flattening attributes to scalars.

    Parameters
    ----------
    graph : networkx.Graph
        For example ``result.to_networkx()`` or ``cograph.to_networkx()``.
    path : str or path-like
        File to write.

    Returns
    -------
    None

    Notes
    -----
    GraphML holds only scalar attributes: tuples and lists become space-separated
    strings, numpy scalars become Python scalars, ``None`` attributes are left out.

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> g = nx.Graph()
    >>> g.add_edge("a", "b", evidence=("r1", "r2"))
    >>> path = os.path.join(tempfile.mkdtemp(), "g.graphml")
    >>> write_graphml(g, path)
    >>> nx.read_graphml(path).edges["a", "b"]["evidence"]
    'r1 r2'
    """
    import networkx as nx

    nx.write_graphml(_graph_for_file(graph), os.fspath(path))


def write_gexf(graph: Any, path: str | os.PathLike[str]) -> None:
    """Write a networkx graph as GEXF (for Gephi), flattening attributes to scalars.

    Parameters
    ----------
    graph : networkx.Graph
        For example ``result.to_networkx()``.
    path : str or path-like
        File to write.

    Returns
    -------
    None

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> g = nx.Graph()
    >>> g.add_edge("a", "b", weight=2.5)
    >>> path = os.path.join(tempfile.mkdtemp(), "g.gexf")
    >>> write_gexf(g, path)
    >>> nx.read_gexf(path).number_of_edges()
    1
    """
    import networkx as nx

    nx.write_gexf(_graph_for_file(graph), os.fspath(path))
