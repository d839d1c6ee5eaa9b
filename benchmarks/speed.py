"""Speed and memory benchmark of botgraph, with coordination-network-toolkit beside it.

Usage::

    python benchmarks/speed.py [--sizes 1e5 1e6 1e7] [--repeats 3] [--seed 0]
                               [--no-cnt] [--cnt-max-size 1e6] [--quick]

For every size, seeded synthetic records (``benchmarks/_synthetic.py``: heavy-tailed
accounts and keys, 14 days with a diurnal rhythm, 1 % of accounts in coordinated
groups) are generated once and cached as Parquet in ``benchmarks/.data/``
(git-ignored), so generation is never measured. Then, ``--repeats`` times, each in
a fresh process:

* *pipeline*: ``botgraph.detect(path, window=60)`` with every stage it calls timed.
  The stages are found, not listed: every public botgraph function in the
  namespace of ``botgraph.detection`` (``ingest``, ``layer_names``, ``traces``,
  ``project_bipartite``, ``fuse``, ``communities``, ``score``, and whatever stage
  is added later) is wrapped, and so is every public botgraph function that
  ``botgraph.projection`` calls (``project_partition``, ``aggregate_pairs``,
  significance...), reported as a sub-step of the projection running it;
* *detect*: ``botgraph.detect(path)`` with its defaults, timed the same way;
* with CNT (sizes up to ``--cnt-max-size``): CNT's ``preprocess`` (load) into a new
  SQLite database, then ``compute`` of its co-link and co-tweet networks with the
  same window and ``min_edge_weight 1``, each in a fresh process of CNT's own
  virtualenv ``benchmarks/.cnt-venv`` (created and filled from PyPI on first use;
  the runner is ``benchmarks/_cnt_speed.py``).

Every number reported is the median over the repeats. Time is wall-clock time
(``time.perf_counter`` inside the process, so interpreter start-up and imports are
excluded). Memory is the peak resident set size measured by the kernel: for a
stage, the process's high-water mark ``VmHWM``, reset just before the stage
(``/proc/self/clear_refs``), so it is the peak *during* that stage, including the
data earlier stages hold (the "+" gives the growth over the resident size at the
stage's start); for a whole run, the largest of the stage peaks and of
``ru_maxrss`` from ``wait4`` (resetting the high-water mark also lowers the final
``ru_maxrss``); for CNT, ``ru_maxrss`` (for its worker pool: its largest process).

Each process (with its children) is killed when its resident memory exceeds
``--memory-limit`` (20 GiB, polled five times a second; an address-space limit
would count the virtual memory that numba and pyarrow reserve without using it),
and each stage runs under a time limit (``--timeout``, 20 min); a stage that
exceeds them is reported as "timeout" or "out of memory" and the benchmark goes on.

The Markdown report is printed and written into ``docs/benchmarks.md`` between
``<!-- speed:start -->`` and ``<!-- speed:end -->`` (``--no-docs`` to skip); the
raw results go to ``benchmarks/.data/speed-results-<UTC time>.json`` (and
``speed-results.json``, the latest) and can be rendered again, or merged with a
later run's (``--kernel-only``, for instance), with ``--from-json``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import math
import os
import platform
import re
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
DATA = HERE / ".data"
CNT_VENV = HERE / ".cnt-venv"
CNT_VERSION = "1.5.2"
DOCS = ROOT / "docs" / "benchmarks.md"
MARK_START = "<!-- speed:start -->"
MARK_END = "<!-- speed:end -->"

#: CNT network -> botgraph layer it corresponds to.
CNT_LAYER = {"co_link": "url", "co_tweet": "text", "co_reply": "target"}

_GIB = 1024**3
_PAGE = os.sysconf("SC_PAGE_SIZE")


# =============================================================== child processes


def _proc_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process in bytes (empty off Linux)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name] = int(value.split()[0]) * 1024
    return out


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process to its current RSS."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _maxrss_bytes(usage: Any) -> int:
    return int(usage.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)


def _import_botgraph() -> Any:
    sys.path.insert(0, str(SRC))
    import botgraph

    return botgraph


#: Friendly names of the functions detect calls.
STAGE_NAMES = {"layer_names": "layers", "project_bipartite": "project"}


def _public_functions(module: Any, *, own: bool, skip: Sequence[str] = ()) -> list[str]:
    """Public botgraph functions in *module*'s namespace (from public modules).

    ``own`` includes the functions *module* defines itself.
    """
    names = []
    for name, obj in vars(module).items():
        origin = getattr(obj, "__module__", "") or ""
        if (
            inspect.isfunction(obj)
            and not name.startswith("_")
            and name not in skip
            and origin.startswith("botgraph.")
            and not origin.startswith("botgraph._")
            and (own or origin != module.__name__)
        ):
            names.append(name)
    return names


def _stage_label(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    """``stage[:layer][@window]`` from a call's name and arguments."""
    label = STAGE_NAMES.get(name, name)
    layer = next((a for a in args[1:] if isinstance(a, str)), None)
    if layer is None and args and isinstance(getattr(args[0], "layer", None), str):
        layer = args[0].layer
    if layer is not None:
        label += f":{layer}"
    window = kwargs.get("window")
    if isinstance(window, int | float):
        label += f"@{window:g}s"
    return label


def _describe(value: Any) -> dict[str, Any]:
    """Sizes worth reporting from a stage's result."""
    out: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        if hasattr(value, "n_events"):
            out["events"] = int(value.n_events)
        if hasattr(value, "pairs") and hasattr(value, "account_a"):
            out["pairs"] = int(value.pairs.sum())
            out["edges"] = len(value)
        elif hasattr(value, "account_a"):
            out["edges"] = len(value)
    return out


class _Instrument:
    """Timing wrappers for a child process; every event is one JSON line in *out*."""

    def __init__(self, out: Path) -> None:
        self._fh = open(out, "a", encoding="utf-8")  # noqa: SIM115 - closed at exit
        self.sub: dict[str, float] = {}
        self.failed_step: str | None = None
        self._totals: dict[str, dict[str, Any]] = {}

    def write(self, **fields: Any) -> None:
        fields.setdefault("t", time.time())
        self._fh.write(json.dumps(fields) + "\n")
        self._fh.flush()

    def _failed(self, label: str, status: str) -> None:
        partial: dict[str, Any] = {f"sub:{k}": v for k, v in self.sub.items()}
        if self.failed_step is not None:
            partial["failed_in"] = self.failed_step
        self.write(stage=label, event="end", status=status, extra=partial)

    def stage(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """*func* timed as a stage, labelled from its name and arguments."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            label = _stage_label(name, args, kwargs)
            base = _proc_status().get("VmRSS")
            exact = _reset_peak()
            self.sub.clear()
            self.failed_step = None
            self.write(stage=label, event="start")
            start = time.perf_counter()
            try:
                value = func(*args, **kwargs)
            except MemoryError:
                self._failed(label, "out of memory")
                raise
            except Exception as exc:
                self._failed(label, f"error: {type(exc).__name__}: {exc}".replace("\n", " ")[:300])
                raise
            seconds = time.perf_counter() - start
            peak = _proc_status().get("VmHWM") if exact else None
            if peak is None:
                peak = _maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF))
            extra = {**_describe(value), **{f"sub:{k}": v for k, v in self.sub.items()}}
            # A stage called twice with the same label (rare) adds up.
            seen = self._totals.setdefault(label, {"seconds": 0.0, "peak": 0, "calls": 0})
            seen["seconds"] += seconds
            seen["peak"] = max(seen["peak"], peak)
            seen["calls"] += 1
            self.write(
                stage=label,
                event="end",
                status="ok",
                seconds=seen["seconds"],
                peak=seen["peak"],
                base=base,
                calls=seen["calls"],
                extra=extra,
            )
            return value

        return wrapper

    def step(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """*func* timed as a sub-step of the stage running it."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            except BaseException:
                self.failed_step = self.failed_step or name
                raise
            finally:
                self.sub[name] = self.sub.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    def projection_steps(self) -> None:
        """Time the public botgraph functions ``botgraph.projection`` calls."""
        import botgraph.projection as projection

        skip = ("project", "project_bipartite", "observation_period")
        for name in _public_functions(projection, own=True, skip=skip):
            setattr(projection, name, self.step(name, getattr(projection, name)))

    def total(self, func: Callable[..., Any], describe: Callable[[Any], Mapping[str, Any]]) -> None:
        """Run *func* as the whole measurement and write its "detect" line."""
        start = time.perf_counter()
        try:
            result = func()
        except MemoryError:
            self.write(stage="detect", event="end", status="out of memory")
            return
        except Exception as exc:
            text = f"error: {type(exc).__name__}: {exc}".replace("\n", " ")
            self.write(stage="detect", event="end", status=text[:300])
            return
        seconds = time.perf_counter() - start
        self.write(
            stage="detect", event="end", status="ok", seconds=seconds, extra=dict(describe(result))
        )


def _child_detect(data: Path, out: Path, window: float | None) -> None:
    """Run ``detect`` on *data* with every stage it calls timed and its peak RSS taken.

    Stages are the public botgraph functions in ``botgraph.detection``'s namespace (so
    new stages are measured without changing this file); the public botgraph
    functions ``botgraph.projection`` calls are timed as sub-steps of the stage
    running them.
    """
    botgraph = _import_botgraph()
    import botgraph.detection as detection

    inst = _Instrument(out)
    for name in _public_functions(detection, own=False):
        setattr(detection, name, inst.stage(name, getattr(detection, name)))
    inst.projection_steps()
    kwargs: dict[str, Any] = {} if window is None else {"window": window}
    inst.write(event="info", botgraph=botgraph.__version__, kwargs=kwargs)
    inst.total(
        lambda: detection.detect(str(data), **kwargs),
        lambda r: {"clusters": len(r.clusters), "flagged": len(r.flagged), "edges": len(r.network)},
    )


def _child_project(data: Path, out: Path, window: float, layer: str) -> None:
    """``botgraph.project(path, layer, window=...)``: one layer's network from the file.

    The call a user makes for one co-action network, and the botgraph side of the
    comparison with coordination-network-toolkit: ingest, traces and the
    projection with every pair (no minimum, no skipped key), timed as stages.
    """
    botgraph = _import_botgraph()
    import botgraph.projection as projection

    inst = _Instrument(out)
    for name in _public_functions(projection, own=False):
        setattr(projection, name, inst.stage(name, getattr(projection, name)))
    projection.project_bipartite = inst.stage("project_bipartite", projection.project_bipartite)
    inst.write(event="info", botgraph=botgraph.__version__, layer=layer)
    inst.total(
        lambda: projection.project(str(data), layer, window=window),
        lambda g: {"edges": len(g)},
    )


def _child_kernel(data: Path, out: Path, window: float, layer: str) -> None:
    """``project_bipartite`` alone on one layer's events, read straight from *data*.

    The synthetic keys are in normal form, so the events are built with pyarrow
    (equal values are equal keys) without ``ingest`` and ``traces``: the process
    holds only what the projection needs, as a distributed worker would (the
    memory pyarrow's allocator keeps from reading the file is given back).
    """
    botgraph = _import_botgraph()
    import numpy as np
    import scipy.sparse as sp

    import botgraph.projection as projection
    from botgraph.traces import BipartiteGraph

    sys.path.insert(0, str(HERE))
    import _synthetic

    inst = _Instrument(out)
    inst.projection_steps()
    inst.write(event="info", botgraph=botgraph.__version__, layer=layer)

    def events() -> Any:
        table = _synthetic.read_layer_table(data, layer)
        key, time_, record = _synthetic.layer_events(table, layer)
        accounts, account_code = np.unique(
            table.column("account_id").to_numpy(zero_copy_only=False), return_inverse=True
        )
        account = account_code.reshape(-1).astype(np.int64)[record]
        order = np.lexsort((record, account, time_, key))
        key, time_, account, record = key[order], time_[order], account[order], record[order]
        n_keys = int(key.max()) + 1 if key.size else 0
        incidence = sp.csr_array(
            (np.ones(key.shape[0], dtype=np.int64), (account, key)),
            shape=(accounts.shape[0], n_keys),
        )
        incidence.sum_duplicates()
        bip = BipartiteGraph(
            layer=layer,
            accounts=accounts.astype(object),
            keys=np.arange(n_keys).astype(str).astype(object),
            incidence=incidence,
            event_account=account,
            event_key=key,
            event_time=time_.astype(np.float64),
            event_record=record,
        )
        ids = table.column("record_id").cast("string").to_numpy(zero_copy_only=False).astype(object)
        del table
        # pyarrow's allocator keeps the memory of the freed Parquet columns for reuse
        # (about 1 GB at 10^7 records); give it back, so that the process holds only
        # the events, as a worker that received them would.
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
        return bip, ids

    ok_events = inst.stage("events", events)
    try:
        bip, record_ids = ok_events()
    except Exception:
        return
    kwargs: dict[str, Any] = {"window": window, "record_ids": record_ids}
    if "min_pairs" in inspect.signature(projection.project_bipartite).parameters:
        kwargs["min_pairs"] = 2  # as detect (min_coactions=2); every pair is still enumerated
    if "period" in inspect.signature(projection.project_bipartite).parameters:
        t = bip.event_time
        kwargs["period"] = float(t.max() - t.min()) if t.size else 1.0
    project = inst.stage("project_bipartite", projection.project_bipartite)
    inst.total(lambda: project(bip, **kwargs), _describe)


# =============================================================== running children


class ChildResult:
    """Lines a child wrote, how it ended, and its peak RSS (bytes) from wait4."""

    def __init__(self, lines: list[dict[str, Any]], status: str, maxrss: int) -> None:
        self.lines = lines
        self.status = status
        self.maxrss = maxrss


def _read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            lines.append(json.loads(line))
    return lines


def _running_since(lines: list[dict[str, Any]], started: float) -> float:
    """Wall time of the child's last stage event (its start time if none)."""
    since = started
    for line in lines:
        if "t" in line:
            since = float(line["t"])
    return since


def _exit_text(wstatus: int) -> str:
    if os.WIFSIGNALED(wstatus):
        sig = os.WTERMSIG(wstatus)
        name = signal.Signals(sig).name
        if sig == signal.SIGKILL:
            return f"out of memory (killed by {name})"
        return f"crashed ({name})"
    code = os.waitstatus_to_exitcode(wstatus)
    return "ok" if code == 0 else f"failed (exit {code})"


def run_child(
    cmd: Sequence[str],
    out: Path,
    log: Path,
    *,
    timeout: float,
    memory_limit: int,
    stdout_to_out: bool = False,
    env: Mapping[str, str] | None = None,
) -> ChildResult:
    """Run *cmd* in a new session under limits; kill it when one stage exceeds *timeout*."""
    out.unlink(missing_ok=True)
    with open(log, "ab") as log_fh:
        stdout: Any = open(out, "wb") if stdout_to_out else log_fh  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                list(cmd),
                stdout=stdout,
                stderr=log_fh,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=dict(env) if env is not None else None,
            )
        finally:
            if stdout_to_out:
                stdout.close()
    started = time.time()
    status = ""
    while True:
        pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if memory_limit > 0 and _session_rss(proc.pid) > memory_limit:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pid, wstatus, usage = os.wait4(proc.pid, 0)
            status = f"out of memory (resident above {memory_limit / _GIB:g} GiB)"
            break
        since = started if stdout_to_out else _running_since(_read_lines(out), started)
        if time.time() - since > timeout:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pid, wstatus, usage = os.wait4(proc.pid, 0)
            status = "timeout"
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(wstatus)
    if not status:
        status = _exit_text(wstatus)
    return ChildResult(_read_lines(out), status, _maxrss_bytes(usage))


def _session_rss(session: int) -> int:
    """Resident bytes of the processes of *session* (a child started in a new session)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[3]) == session:  # fields after the command: state, ppid, pgrp, session
            total += int(fields[21]) * _PAGE  # rss, in pages
    return total


def _stages_of(result: ChildResult) -> dict[str, dict[str, Any]]:
    """Stage -> measurement dict from a staged child's lines."""
    stages: dict[str, dict[str, Any]] = {}
    for line in result.lines:
        stage = line.get("stage")
        if stage is None:
            continue
        if line["event"] == "start":
            # A stage without an end line died with the process.
            stages[stage] = {"status": result.status if result.status != "ok" else "crashed"}
        else:
            stages[stage] = {k: v for k, v in line.items() if k not in ("stage", "event")}
    return stages


# =============================================================== CNT


def cnt_python() -> Path:
    return CNT_VENV / "bin" / "python"


def ensure_cnt() -> str | None:
    """Create CNT's virtualenv if needed; return its version, or None when unavailable."""
    python = cnt_python()
    if not python.exists():
        print(f"creating {CNT_VENV.relative_to(ROOT)} with coordination-network-toolkit...")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(CNT_VENV)], check=True)
            subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    f"coordination-network-toolkit=={CNT_VERSION}",
                ],
                check=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"could not install CNT ({exc}); CNT is skipped")
            return None
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print(m.version('coordination-network-toolkit'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() or None


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def run_cnt_once(
    csv_path: Path, networks: Sequence[str], args: argparse.Namespace, log: Path
) -> dict[str, dict[str, Any]]:
    """One repeat: fresh database, load, then compute each network."""
    db = DATA / f"{csv_path.stem}.sqlite"
    out = DATA / "cnt-child.jsonl"
    _remove_db(db)
    script = str(HERE / "_cnt_speed.py")
    results: dict[str, dict[str, Any]] = {}
    steps: list[tuple[str, list[str]]] = [("load", ["load", str(csv_path), str(db)])]
    steps += [
        (
            net,
            [
                "compute",
                str(db),
                net,
                "--window",
                str(int(args.window)),
                "--n-cpus",
                str(os.cpu_count() or 1),
            ],
        )
        for net in networks
    ]
    for name, cmd in steps:
        child = run_child(
            [str(cnt_python()), script, *cmd],
            out,
            log,
            timeout=args.timeout,
            memory_limit=int(args.memory_limit * _GIB),
            stdout_to_out=True,
        )
        line = child.lines[-1] if child.lines else {}
        if child.status == "ok" and "seconds" in line:
            results[name] = {
                "status": "ok",
                "seconds": line["seconds"],
                "peak": child.maxrss,
                "extra": {k: v for k, v in line.items() if k != "seconds"},
            }
        else:
            results[name] = {"status": child.status if child.status != "ok" else "failed"}
            if name == "load":
                break
    _remove_db(db)
    return results


# =============================================================== summaries

Run = Mapping[str, Any]


def _ok(runs: Sequence[Run | None]) -> list[Run]:
    return [r for r in runs if r is not None and r.get("status") == "ok"]


def median_of(runs: Sequence[Run | None], key: str) -> float | None:
    """Median of *key* over the successful runs (None when there is none)."""
    values = [float(r[key]) for r in _ok(runs) if r.get(key) is not None]
    return statistics.median(values) if values else None


def median_extra(runs: Sequence[Run | None], key: str) -> float | None:
    """Median of ``extra[key]`` over the successful runs."""
    values = [float(r["extra"][key]) for r in _ok(runs) if key in r.get("extra", {})]
    return statistics.median(values) if values else None


def status_of(runs: Sequence[Run | None]) -> str:
    """'ok' if any run succeeded, else the first failure (or 'not run')."""
    if _ok(runs):
        return "ok"
    for r in runs:
        if r is not None:
            return str(r.get("status", "not run"))
    return "not run"


def runs_of(size: Mapping[str, Any], stage: str, kind: str = "pipeline") -> list[Run | None]:
    """The measurements of *stage* in every repeat of run *kind* ("pipeline" or "detect")."""
    if stage == "detect":
        return [_whole_run(run) for run in size[kind]]
    return [run.get(stage) for run in size[kind]]


def _whole_run(stages: Mapping[str, Any]) -> Run | None:
    """The whole run's measurement, its peak the highest of the process and of every stage.

    Each stage resets the kernel's high-water mark (``clear_refs``), which also
    lowers the process's final ``ru_maxrss``: the whole run's peak is the
    largest stage peak.
    """
    total = stages.get("detect")
    if total is None or total.get("status") != "ok":
        return total
    peaks = [
        v.get("peak") or 0 for k, v in stages.items() if k != "detect" and v.get("status") == "ok"
    ]
    return {**total, "peak": max([total.get("peak") or 0, *peaks])}


def stage_order(sizes: Sequence[Mapping[str, Any]], kind: str = "pipeline") -> list[str]:
    """Stages in the order they ran, over every size (the total ``detect`` excluded)."""
    order: list[str] = []
    for size in sizes:
        for run in size[kind]:
            for stage in run:
                if stage not in order and stage != "detect":
                    order.append(stage)
    return order


def _project_stage(layer: str, window: float) -> str:
    return f"project:{layer}@{window:g}s"


def layer_pairs(size: Mapping[str, Any], layer: str, window: float) -> float | None:
    """Co-action pairs botgraph counted in *layer* at *window* (pipeline run)."""
    return median_extra(runs_of(size, _project_stage(layer, window)), "pairs")


def total_pairs(size: Mapping[str, Any], stages: Sequence[str]) -> float | None:
    """Pairs summed over every projection of the pipeline run (None if one failed)."""
    values = [median_extra(runs_of(size, s), "pairs") for s in stages if s.startswith("project:")]
    if not values or None in values:
        return None
    return float(sum(v for v in values if v is not None))


# =============================================================== formatting


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{seconds:.2f}"
    if seconds < 100:
        return f"{seconds:.1f}"
    return f"{seconds:,.0f}"


def fmt_mb(nbytes: float | None) -> str:
    if nbytes is None:
        return "–"
    mb = nbytes / 1024**2
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def fmt_n(n: float | None) -> str:
    return "–" if n is None else f"{round(n):,}"


def size_label(n: int) -> str:
    exp = math.log10(n) if n > 0 else 0.0
    return f"10^{round(exp)}" if abs(exp - round(exp)) < 1e-9 else f"{n:,}"


_STAGE_TEXT = {
    "ingest": "ingest (Parquet file → Records)",
    "layers": "choose the layers with data",
    "observation_period": "observation period",
    "fuse": "fuse",
    "communities": "communities",
    "score": "score",
}


def stage_text(stage: str) -> str:
    if stage in _STAGE_TEXT:
        return _STAGE_TEXT[stage]
    kind, _, rest = stage.partition(":")
    layer, _, window = rest.partition("@")
    text = f"{kind} `{layer}`" if layer else kind
    return f"{text} {window}" if window else text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    sep = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _cells(runs: Sequence[Run | None], *, peak_key: str = "peak") -> list[str]:
    status = status_of(runs)
    if status != "ok":
        return [status, "–"]
    peak = median_of(runs, peak_key)
    base = median_of(runs, "base")
    grow = f" (+{fmt_mb(max(peak - base, 0.0))})" if peak is not None and base is not None else ""
    return [fmt_s(median_of(runs, "seconds")), fmt_mb(peak) + grow]


def stage_table(
    sizes: Sequence[Mapping[str, Any]], kind: str, total_label: str, *, substeps: bool = True
) -> list[str]:
    """Markdown table: one row per stage, sizes as columns.

    With *substeps*, the timed functions a stage called (``project_partition``...)
    follow it, those taking at least 0.1 s at some size.
    """
    header = ["stage"]
    for size in sizes:
        label = size_label(size["n"])
        header += [f"{label} s", f"{label} peak RSS (+)"]
    rows: list[list[str]] = []
    for stage in stage_order(sizes, kind):
        rows.append(
            [stage_text(stage)] + [c for z in sizes for c in _cells(runs_of(z, stage, kind))]
        )
        subs: list[str] = []
        for size in sizes if substeps else ():
            for run in _ok(runs_of(size, stage, kind)):
                subs += [k for k in run.get("extra", {}) if k.startswith("sub:") and k not in subs]
        for key in subs:
            values = [median_extra(runs_of(size, stage, kind), key) for size in sizes]
            if max((v for v in values if v is not None), default=0.0) < 0.1:
                continue
            rows.append([f"  ↳ `{key[4:]}`", *[c for v in values for c in (fmt_s(v), "")]])
    cells = [total_label]
    for size in sizes:
        cells += _cells(runs_of(size, "detect", kind))
    rows.append(cells)
    cells = ["records / s"]
    for size in sizes:
        seconds = median_of(runs_of(size, "detect", kind), "seconds")
        cells += [fmt_n(size["n"] / seconds) if seconds else "–", ""]
    rows.append(cells)
    return _table(header, rows)


def dominant(sizes: Sequence[Mapping[str, Any]], kind: str) -> list[str]:
    """One line per size: total time and the stages taking the most of it."""
    lines = []
    for size in sizes:
        secs = {}
        for stage in stage_order([size], kind):
            value = median_of(runs_of(size, stage, kind), "seconds")
            if value is not None:
                secs[stage] = value
        total = median_of(runs_of(size, "detect", kind), "seconds")
        status = status_of(runs_of(size, "detect", kind))
        if not secs:
            continue
        denominator = total if total else sum(secs.values())
        top = sorted(secs.items(), key=lambda kv: -kv[1])[:4]
        parts = ", ".join(f"{stage_text(k)} {100 * v / denominator:.0f} %" for k, v in top)
        failed = [k for k in stage_order([size], kind) if status_of(runs_of(size, k, kind)) != "ok"]
        where = f" in {stage_text(failed[0])}" if failed else ""
        spent = fmt_s(sum(secs.values()))
        head = (
            f"{fmt_s(total)} s" if total else f"{status}{where} after {spent} s in earlier stages"
        )
        lines.append(f"- {size_label(size['n'])}: {head}; {parts}.")
    return lines


# =============================================================== report


def _versions(cnt_version: str | None) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "igraph", "pyarrow"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    text = (SRC / "botgraph" / "_version.py").read_text(encoding="utf-8")
    found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    out["botgraph"] = (found.group(1) if found else "?") + " (working tree)"
    out["coordination-network-toolkit"] = cnt_version or "not run"
    return out


def _machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": str(os.cpu_count()),
        "ram": f"{ram / _GIB:.1f} GiB",
    }


def _data_table(sizes: Sequence[Mapping[str, Any]], window: float) -> list[str]:
    rows = []
    for size in sizes:
        info = size["info"]
        raw = info.get("window_pairs_60", {}) if window == 60 else {}
        cells = [
            size_label(size["n"]),
            fmt_n(info["n_accounts"]),
            f"{info['coordinated_accounts']:,} ({info['groups']})",
            fmt_n(info["distinct_texts"]),
        ]
        for layer in ("text", "url", "hashtag", "target"):
            measured = layer_pairs(size, layer, window)
            if measured is not None:
                cells.append(fmt_n(measured))
            else:
                cells.append(f"≈{fmt_n(raw[layer])}" if layer in raw else "–")
        cells.append(fmt_n(total_pairs(size, stage_order([size]))))
        rows.append(cells)
    header = ["records", "accounts", "coordinated (groups)", "distinct texts"]
    header += [f"pairs `{layer}`" for layer in ("text", "url", "hashtag", "target")]
    header += ["pairs, all layers"]
    return _table(header, rows)


_SHARES = (
    "Where the time goes (share of the total). `detect` extracts `near_text` in a second "
    "thread while the main thread extracts and projects the other layers, so the times of "
    "those stages overlap it (and are slowed by it), and the shares add up to more than "
    "100 %:"
)


def _cnt_table(sizes: Sequence[Mapping[str, Any]], window: float) -> list[str]:
    rows = []
    for size in sizes:
        if not size.get("cnt"):
            continue
        load_runs = [run.get("load") for run in size["cnt"]]
        load = median_of(load_runs, "seconds")
        for net, layer in CNT_LAYER.items():
            net_runs = [run.get(net) for run in size["cnt"]]
            if all(r is None for r in net_runs):
                continue
            ours_runs = [run.get("detect") for run in size.get("project", {}).get(layer, [])]
            ours = median_of(ours_runs, "seconds")
            compute = median_of(net_runs, "seconds")
            theirs = load + compute if load is not None and compute is not None else None
            theirs_peak = max(
                median_of(load_runs, "peak") or 0.0, median_of(net_runs, "peak") or 0.0
            )
            rows.append(
                [
                    size_label(size["n"]),
                    f"{net} ↔ `{layer}`",
                    fmt_s(ours) if status_of(ours_runs) == "ok" else status_of(ours_runs),
                    fmt_s(load) if status_of(load_runs) == "ok" else status_of(load_runs),
                    fmt_s(compute) if status_of(net_runs) == "ok" else status_of(net_runs),
                    fmt_s(theirs),
                    f"{theirs / ours:.1f}×" if theirs and ours else "–",
                    f"{fmt_mb(median_of(ours_runs, 'peak'))} / {fmt_mb(theirs_peak or None)}",
                    f"{fmt_n(median_extra(ours_runs, 'edges'))} / "
                    f"{fmt_n(median_extra(net_runs, 'edges'))}",
                ]
            )
    if not rows:
        return []
    header = [
        "records",
        "network",
        "botgraph s",
        "CNT load s",
        "CNT compute s",
        "CNT total s",
        "CNT / botgraph",
        "peak RSS botgraph / CNT",
        "edges botgraph / CNT",
    ]
    return [
        "### botgraph and coordination-network-toolkit",
        "",
        *_table(header, rows),
        "",
        f"botgraph s = `botgraph.project(path, layer, window={window:g})` in a fresh process "
        "(reading the Parquet file into `Records`, the layer's traces and the projection with "
        "every pair, as CNT computes it), its peak RSS that process's; CNT total = "
        "`preprocess` (load into SQLite) + `compute` "
        f"(`--time_window {window:g} --min_edge_weight 1`, {os.cpu_count()} worker processes), "
        "each in a fresh process, medians over the same repeats. Both read the same records "
        "from disk (Parquet for botgraph, CNT's CSV for CNT). CNT's loader is its own "
        "`preprocess_data`, fed as its `preprocess` command feeds it except that an empty "
        '`urls` field gives no URL (CNT 1.5.2 makes it the URL "", which would link every '
        "pair of link-less messages). Both count every pair with weight >= 1, so the edge "
        "counts agree when botgraph's normalised keys are CNT's keys (on real retweets the "
        "edge sets are equal, `tests/test_projection.py`).",
        "",
    ]


def _kernel_table(sizes: Sequence[Mapping[str, Any]], window: float) -> list[str]:
    """The projection alone per size and layer, sub-steps as columns."""
    label = f"project:{{}}@{window:g}s"
    subs: list[str] = []
    for size in sizes:
        for runs in size.get("kernel", {}).values():
            for run in runs:
                for stage in run.values():
                    subs += [k for k in stage.get("extra", {}) if k.startswith("sub:")]
    subs = list(dict.fromkeys(subs))
    rows = []
    for size in sizes:
        for layer, runs in size.get("kernel", {}).items():
            if not runs:
                continue
            proj = [run.get(label.format(layer)) for run in runs]
            events = [run.get("events") for run in runs]
            status = status_of(proj)
            pairs = median_extra(proj, "pairs")
            seconds = median_of(proj, "seconds")
            if status == "ok":
                steps = [fmt_s(median_extra(proj, k)) for k in subs]
            else:  # the sub-steps that finished before the failure
                failed: Run = next((r for r in proj if r is not None), {})
                done = failed.get("extra", {})
                ran = [k for k in subs if k in done]
                # The step that failed: recorded, or else the last one that started.
                culprit = f"sub:{done['failed_in']}" if "failed_in" in done else None
                if culprit is None and ran:
                    culprit = ran[-1]
                steps = [fmt_s(done.get(k)) + (" (failed)" if k == culprit else "") for k in subs]
            rows.append(
                [
                    size_label(size["n"]),
                    f"`{layer}`",
                    fmt_n(pairs) if pairs is not None else f"≈{fmt_n(_raw_pairs(size, layer))}",
                    fmt_n(median_extra(proj, "edges")),
                    fmt_s(median_of(events, "seconds")),
                    fmt_s(seconds) if status == "ok" else status,
                    *steps,
                    _cells(proj)[1],
                    f"{1e9 * seconds / pairs:,.0f}" if seconds and pairs else "–",
                ]
            )
    if not rows:
        return []
    header = ["records", "layer", "pairs", "edges", "build events s", "`project_bipartite` s"]
    header += [f"↳ `{k[4:]}`" for k in subs] + ["peak RSS (+)", "ns / pair"]
    return [
        f"### The projection alone (window {window:g} s)",
        "",
        "`project_bipartite` on one layer's events, built straight from the Parquet file "
        "with pyarrow (the synthetic keys are already normal), without `ingest` and `traces`: "
        "the process holds only what the projection needs, as a distributed worker would "
        "(the memory pyarrow's allocator keeps after reading the file is given back). "
        "Every key is kept and every co-action pair enumerated; as in `detect` "
        "(`min_coactions=2`), only pairs of accounts that co-acted at least twice become "
        "edges (`min_pairs=2`). "
        "Sub-steps are the botgraph functions it calls; after a failure they show the steps "
        "that finished.",
        "",
        *_table(header, rows),
        "",
    ]


def _raw_pairs(size: Mapping[str, Any], layer: str) -> float | None:
    value = size["info"].get("window_pairs_60", {}).get(layer)
    return None if value is None else float(value)


def _scaling_table(sizes: Sequence[Mapping[str, Any]]) -> list[str]:
    stages = stage_order(sizes)
    rows = []
    prev: tuple[float, float, float] | None = None
    for size in sizes:
        n = float(size["n"])
        pairs = total_pairs(size, stages)
        total = median_of(runs_of(size, "detect"), "seconds")
        proj = [median_of(runs_of(size, s), "seconds") for s in stages if s.startswith("project:")]
        proj_total = sum(p for p in proj if p is not None) if proj and None not in proj else None
        growth = "–"
        if prev is not None and total and pairs is not None:
            growth = (
                f"time ×{total / prev[0]:.1f}, records ×{n / prev[1]:.0f}, "
                f"records + pairs ×{(n + pairs) / (prev[1] + prev[2]):.1f}"
            )
        rows.append(
            [
                size_label(size["n"]),
                fmt_n(pairs),
                fmt_s(total) if total else status_of(runs_of(size, "detect")),
                f"{1e6 * total / n:.1f}" if total else "–",
                f"{1e9 * total / pairs:,.0f}" if total and pairs else "–",
                f"{1e6 * total / (n + pairs):.2f}" if total and pairs is not None else "–",
                fmt_s(proj_total),
                f"{1e9 * proj_total / pairs:,.0f}" if proj_total and pairs else "–",
                growth,
            ]
        )
        if total and pairs is not None:
            prev = (total, n, pairs)
    header = [
        "records",
        "pairs (all layers)",
        "pipeline s",
        "µs / record",
        "ns / pair",
        "µs / (record + pair)",
        "`project` s",
        "`project` ns / pair",
        "growth from the previous size",
    ]
    return _table(header, rows)


def render(results: Mapping[str, Any]) -> str:
    """The Markdown section (without its markers) for a results dict."""
    sizes = results["sizes"]
    window = float(results["window"])
    m = results["machine"]
    out = [
        "## Speed",
        "",
        f"Measured on {results['date']} with `{results['command']}` (median of "
        f"{_runs_text(results)}, seed {results['seed']}).",
        "",
        f"Machine: {m['platform']}, {m['cpu']}, {m['cpus']} CPUs, {m['ram']} RAM.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".",
        "",
        f"The *pipeline* run is `botgraph.detect(path, window={window:g})` with every stage it "
        "calls timed; the *detect* run is `botgraph.detect(path)` with its defaults, in "
        "another process. Time is wall-clock time inside a fresh process (start-up and imports "
        "excluded). Memory is the peak resident set size (RSS) measured by the kernel: for a "
        "stage, the process's high-water mark reset just before the stage, so it includes what "
        'earlier stages hold ("+": the growth during the stage); for a whole run, the largest '
        "stage peak (resetting the high-water mark lowers the final `ru_maxrss` too); for CNT, "
        "the process's `ru_maxrss` (for CNT's worker pool, its largest process); MB and GB "
        "are 2^20 and 2^30 bytes. Limits: "
        f"{results['timeout']:g} s per stage, {results['memory_limit']:g} GiB of resident memory "
        "per process. Benchmark: `benchmarks/speed.py`; data: `benchmarks/_synthetic.py`.",
        "",
        *_load_text(sizes),
        "### Data",
        "",
        "Synthetic comments over 14 days with a diurnal rhythm: accounts with lognormal "
        "activity, Zipf-popular phrases, links, hashtags and posts, and 1 % of the accounts in "
        "groups of 20–50 posting the same text on the same post within 20 s.",
        "",
        *_data_table(sizes, window),
        "",
        f"Pairs: co-action pairs at {window:g} s (two events of distinct accounts on one key "
        "within the window) as botgraph counted them; ≈ marks the generator's own count "
        "(same-account pairs included) where the projection did not finish.",
        "",
        f"### Stages of the pipeline (window {window:g} s)",
        "",
        *stage_table(sizes, "pipeline", f"**total** `detect(window={window:g})`"),
        "",
        _SHARES,
        "",
        *dominant(sizes, "pipeline"),
        "",
        *_kernel_table(sizes, window),
    ]
    with_detect = [size for size in sizes if size["detect"]]
    if with_detect:
        out += [
            "### `detect` with its defaults",
            "",
            *stage_table(with_detect, "detect", "**total** `detect()`", substeps=False),
            "",
            _SHARES,
            "",
            *dominant(with_detect, "detect"),
            "",
        ]
    out += _cnt_table(sizes, window)
    out += [
        "### Scaling",
        "",
        *_scaling_table(sizes),
        "",
        f"Pipeline and pairs at {window:g} s. At a fixed period the pair count grows with the "
        "square of the records (`pairs ≈ Σ_k n_k² w / T`); cost that is linear in records + "
        "pairs shows as a steady time per (record + pair).",
    ]
    return "\n".join(out) + "\n"


def _load_text(sizes: Sequence[Mapping[str, Any]]) -> list[str]:
    """A note on the machine's load (1-minute average) around each size, when recorded."""
    parts = [
        f"{size_label(z['n'])}: {z['load_before']:.1f} → {z['load_after']:.1f}"
        for z in sizes
        if "load_before" in z and "load_after" in z
    ]
    if not parts:
        return []
    cpus = os.cpu_count() or 1
    return [
        f"Load average (1 min) before and after each size, on {cpus} CPUs: "
        + "; ".join(parts)
        + ". A load above the CPU count means other processes shared the machine and "
        "inflated the wall times.",
        "",
    ]


def _runs_text(results: Mapping[str, Any]) -> str:
    counts = {size_label(z["n"]): z.get("repeats", results["repeats"]) for z in results["sizes"]}
    if len(set(counts.values())) <= 1:
        return f"{results['repeats']} runs"
    return "; ".join(f"{v} runs at {k}" for k, v in counts.items())


def write_docs(section: str, path: Path) -> None:
    """Replace the text between the speed markers of *path* (created when missing)."""
    sys.path.insert(0, str(HERE))
    from _docs import write_section

    write_section(section, path, MARK_START, MARK_END)


# =============================================================== main


def _size(text: str) -> int:
    """'1e6', '1000000', '10^6' or '10**6' as an int."""
    power = re.fullmatch(r"\s*10\s*(?:\^|\*\*)\s*(\d+)\s*", text)
    try:
        value = float(10 ** int(power.group(1))) if power else float(text)
    except ValueError:
        value = math.nan
    if not value >= 100 or not value.is_integer():
        raise argparse.ArgumentTypeError(f"a size must be a whole number >= 100; got {text!r}")
    return int(value)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/speed.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", nargs="+", type=_size, default=[10**5, 10**6, 10**7])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--large-repeats",
        type=int,
        help="repeats at sizes above 10^6 (default: --repeats)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--window", type=float, default=60.0, help="pipeline window (s)")
    parser.add_argument("--no-cnt", action="store_true", help="do not run CNT")
    parser.add_argument(
        "--cnt-max-size", type=_size, default=10**6, help="largest size CNT runs at (1e6)"
    )
    parser.add_argument(
        "--cnt-networks",
        nargs="+",
        default=["co_link", "co_tweet"],
        choices=sorted(CNT_LAYER),
        help="CNT networks to compute (co_reply matches botgraph's target layer)",
    )
    parser.add_argument(
        "--no-detect", action="store_true", help="skip the runs of detect with its defaults"
    )
    parser.add_argument(
        "--detect-max-size",
        type=_size,
        help="largest size at which detect runs with its defaults (default: every size)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="10^5 records, one repeat, docs not written"
    )
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per stage")
    parser.add_argument(
        "--memory-limit", type=float, default=20.0, help="resident GiB per process and its children"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--docs", type=Path, default=DOCS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        help="render saved results instead of running; later files add to the first",
    )
    parser.add_argument(
        "--kernel-only",
        action="store_true",
        help="run only the projection alone (--kernel-layers), no pipeline, detect or CNT",
    )
    parser.add_argument(
        "--kernel-layers",
        nargs="*",
        default=["text"],
        choices=["text", "url", "hashtag", "target"],
        help="layers whose projection also runs alone, without ingest (default: text)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kernel", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--defaults", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats, args.no_docs = [10**5], 1, True
    if args.large_repeats is None:
        args.large_repeats = args.repeats
    if args.repeats < 1 or args.large_repeats < 1:
        parser.error("--repeats and --large-repeats must be at least 1")
    return args


def merge_results(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The first results dict, with the measurements of later ones added per size.

    A later run's pipeline, detect or CNT runs replace the earlier ones of the same size;
    its projection-alone runs replace those of the same layer. Commands are joined.
    """
    merged: dict[str, Any] = json.loads(json.dumps(parts[0]))
    by_n = {size["n"]: size for size in merged["sizes"]}
    for part in parts[1:]:
        merged["command"] += f"` and `{part['command']}"
        for size in part["sizes"]:
            into = by_n.get(size["n"])
            if into is None:
                by_n[size["n"]] = size
                merged["sizes"].append(size)
                continue
            for kind in ("pipeline", "detect", "cnt"):
                if size.get(kind):
                    into[kind] = size[kind]
            for part_kind in ("kernel", "project"):
                for layer, runs in size.get(part_kind, {}).items():
                    if runs:
                        into.setdefault(part_kind, {})[layer] = runs
    merged["sizes"].sort(key=lambda size: size["n"])
    return merged


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _say(text: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)


def _summary(stages: Mapping[str, Run]) -> str:
    return ", ".join(
        f"{k} {fmt_s(v.get('seconds'))}" if v.get("status") == "ok" else f"{k} {v.get('status')}"
        for k, v in stages.items()
    )


def measure_size(n: int, args: argparse.Namespace, cnt_version: str | None) -> dict[str, Any]:
    """Every measurement at one size."""
    sys.path.insert(0, str(HERE))
    import _synthetic

    spec = _synthetic.SyntheticSpec(n_records=n, seed=args.seed)
    _say(f"data {size_label(n)}: {spec.cache_name()}.parquet (generated on first use)")
    path, info = _synthetic.cached_parquet(spec, DATA)
    _say("  " + _synthetic.describe(info))
    log = DATA / "speed-children.log"
    out = DATA / "speed-child.jsonl"
    size: dict[str, Any] = {"n": n, "info": info, "pipeline": [], "detect": [], "cnt": []}
    size["kernel"] = {layer: [] for layer in args.kernel_layers}
    size["load_before"] = os.getloadavg()[0]
    me = [sys.executable, str(Path(__file__).resolve()), "--child", "--data", str(path)]
    kinds = [] if args.kernel_only else [("pipeline", ["--window", str(args.window)])]
    if (
        not args.kernel_only
        and not args.no_detect
        and (args.detect_max_size is None or n <= args.detect_max_size)
    ):
        kinds.append(("detect", ["--defaults"]))
    for layer in args.kernel_layers:
        kinds.append((f"kernel:{layer}", ["--kernel", layer, "--window", str(args.window)]))
    repeats = args.repeats if n <= 10**6 else args.large_repeats
    size["repeats"] = repeats

    def measured(extra: list[str]) -> dict[str, Any]:
        """The stages of one child run; its "detect" entry is the whole run (peak: maxrss)."""
        child = run_child(
            [*me, "--out", str(out), *extra],
            out,
            log,
            timeout=args.timeout,
            memory_limit=int(args.memory_limit * _GIB),
            env=_child_env(),
        )
        stages = _stages_of(child)
        total = stages.setdefault("detect", {"status": child.status})
        if total.get("status") == "ok":
            total["peak"] = child.maxrss
        return stages

    for r in range(repeats):
        for kind, extra in kinds:
            stages = measured(extra)
            total = stages["detect"]
            if kind.startswith("kernel:"):
                size["kernel"][kind.partition(":")[2]].append(stages)
            else:
                size[kind].append(stages)
            _say(f"  {kind} run {r + 1}: {_summary(stages)}, peak {fmt_mb(total.get('peak'))}")
    if cnt_version and n <= args.cnt_max_size and not args.kernel_only:
        size["project"] = {CNT_LAYER[net]: [] for net in args.cnt_networks}
        for r in range(repeats):
            for layer in size["project"]:
                stages = measured(["--project", layer, "--window", str(args.window)])
                size["project"][layer].append(stages)
                _say(f"  project {layer} run {r + 1}: {_summary(stages)}")
        csv_path = _synthetic.write_cnt_csv(path, DATA / f"{path.stem}-cnt.csv")
        for r in range(repeats):
            res = run_cnt_once(csv_path, args.cnt_networks, args, log)
            size["cnt"].append(res)
            _say(f"  CNT run {r + 1}: {_summary(res)}")
    size["load_after"] = os.getloadavg()[0]
    return size


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        if args.kernel:
            _child_kernel(args.data, args.out, args.window, args.kernel)
        elif args.project:
            _child_project(args.data, args.out, args.window, args.project)
        else:
            _child_detect(args.data, args.out, None if args.defaults else args.window)
        return 0
    if args.from_json:
        results = merge_results(
            [json.loads(path.read_text(encoding="utf-8")) for path in args.from_json]
        )
    else:
        DATA.mkdir(parents=True, exist_ok=True)
        run_cnt = not args.no_cnt and not args.kernel_only
        run_cnt = run_cnt and any(n <= args.cnt_max_size for n in args.sizes)
        cnt_version = ensure_cnt() if run_cnt else None
        given = list(argv if argv is not None else sys.argv[1:])
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        results = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["python benchmarks/speed.py", shlex.join(given)]).strip(),
            "repeats": args.repeats,
            "large_repeats": args.large_repeats,
            "seed": args.seed,
            "window": args.window,
            "timeout": args.timeout,
            "memory_limit": args.memory_limit,
            "machine": _machine(),
            "versions": _versions(cnt_version),
            "sizes": [],
        }
        for n in sorted(set(args.sizes)):
            results["sizes"].append(measure_size(n, args, cnt_version))
            saved = json.dumps(results, indent=1)
            (DATA / f"speed-results-{stamp}.json").write_text(saved, encoding="utf-8")
            (DATA / "speed-results.json").write_text(saved, encoding="utf-8")
    section = render(results)
    print()
    print(section)
    if not args.no_docs:
        write_docs(section, args.docs)
        print(f"wrote {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
