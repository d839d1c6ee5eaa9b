"""One way to compile botgraph's numba kernels, shared by every module that has some.

numba is a core dependency, but it may be unable to compile on an unusual platform;
then each caller falls back to its numpy (or hashlib) path with identical results.
Kernels are compiled with ``cache=True`` (machine code kept in ``__pycache__`` or
``NUMBA_CACHE_DIR`` for later processes), ``nogil=True`` (so threads can run them
side by side) and ``error_model="numpy"`` (no Python error checks on division).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["LazyKernels", "compile_kernels"]

_T = TypeVar("_T")


class LazyKernels(Generic[_T]):
    """What *load* returns (a module's compiled kernels), loaded once, on first use.

    Compiling takes seconds and must happen once per process, before any thread
    runs a kernel: the first :meth:`get` calls *load* under a lock, later calls
    return the same value. A test that needs a fresh load (or a forced fallback)
    replaces the module's instance with a new one.

    Examples
    --------
    >>> calls = []
    >>> lazy = LazyKernels(lambda: calls.append(1) or "kernels")
    >>> lazy.get(), lazy.get(), len(calls)
    ('kernels', 'kernels', 1)
    """

    __slots__ = ("_load", "_loaded", "_lock", "_value")

    def __init__(self, load: Callable[[], _T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._loaded = False
        self._value: _T | None = None

    def get(self) -> _T:
        """The loaded value, loading it on the first call."""
        with self._lock:
            if not self._loaded:
                self._value = self._load()
                self._loaded = True
            return self._value  # type: ignore[return-value]


def compile_kernels(
    namespace: MutableMapping[str, Any],
    kernels: Sequence[str],
    *,
    helpers: Sequence[str] = (),
    warm_up: Callable[[dict[str, Any]], object],
    purpose: str,
    fallback: str,
    log: logging.Logger,
) -> dict[str, Any] | None:
    """Compile the functions *kernels* of *namespace* with numba, or None when it cannot.

    Parameters
    ----------
    namespace : mutable mapping
        The calling module's ``globals()``. Each of *helpers* is replaced there by
        its compiled version first, so that the kernels find them compiled as
        module globals when they are compiled.
    kernels : sequence of str
        Names of the functions to compile and return.
    helpers : sequence of str, optional
        Names of functions the kernels call.
    warm_up : callable
        Called with the compiled kernels on a tiny input, so that every signature
        the caller uses is compiled now (or loaded from numba's cache) and no thread
        compiles later.
    purpose : str
        What the kernels serve, for the log (``"project_edges"``).
    fallback : str
        What runs without them, for the log (``"the numpy path"``).
    log : logging.Logger
        The caller's logger. A missing numba is logged at DEBUG, a failure to
        compile at WARNING, numba's own warnings (a cache that cannot be written,
        say) at DEBUG; nothing is raised.

    Returns
    -------
    dict or None
        The compiled kernels by name.

    Examples
    --------
    >>> import logging
    >>> import botgraph._kernels as module
    >>> done = compile_kernels(vars(module), ["_k_window_ends"], warm_up=lambda k: None,
    ...                        purpose="an example", fallback="the numpy path",
    ...                        log=logging.getLogger("botgraph"))
    >>> None if done is None else sorted(done)
    ['_k_window_ends']
    """
    try:
        numba = importlib.import_module("numba")
    except ImportError:
        log.debug("numba is not installed: %s uses %s", purpose, fallback)
        return None
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            jit = numba.njit(cache=True, nogil=True, error_model="numpy")
            for name in helpers:
                if not hasattr(namespace[name], "py_func"):
                    namespace[name] = jit(namespace[name])
            compiled = {name: jit(namespace[name]) for name in kernels}
            warm_up(compiled)
        except Exception as exc:  # a broken numba must never break the caller
            log.warning("numba kernels unavailable (%s): %s uses %s", exc, purpose, fallback)
            return None
    for warning in caught:
        log.debug("numba: %s", warning.message)
    log.debug("numba kernels of %s ready in %.2f s", purpose, time.perf_counter() - started)
    return compiled
