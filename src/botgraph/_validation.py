"""Parameter checks with one message shape for every public function."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np

from botgraph.errors import ParameterError

__all__ = ["check_choice", "check_int", "check_number", "check_rng"]


def _fail(name: str, func: str, expected: str, got: object) -> ParameterError:
    return ParameterError(
        f"The {name!r} parameter of {func} must be {expected}. Got {got!r} instead."
    )


def check_number(
    value: object,
    name: str,
    func: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    expected: str | None = None,
) -> float:
    """Return *value* as a finite float inside the given bounds, or raise."""
    if expected is None:
        parts = []
        if low is not None:
            parts.append(f"{'>=' if low_inclusive else '>'} {low:g}")
        if high is not None:
            parts.append(f"{'<=' if high_inclusive else '<'} {high:g}")
        expected = "a finite number" + (" " + " and ".join(parts) if parts else "")
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise _fail(name, func, expected, value)
    x = float(value)
    if not math.isfinite(x):
        raise _fail(name, func, expected, value)
    if low is not None and (x < low or (not low_inclusive and x == low)):
        raise _fail(name, func, expected, value)
    if high is not None and (x > high or (not high_inclusive and x == high)):
        raise _fail(name, func, expected, value)
    return x


def check_int(
    value: object, name: str, func: str, *, low: int | None = None, high: int | None = None
) -> int:
    """Return *value* as an int inside the bounds, or raise."""
    bounds = []
    if low is not None:
        bounds.append(f">= {low}")
    if high is not None:
        bounds.append(f"<= {high}")
    expected = "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise _fail(name, func, expected, value)
    x = int(value)
    if (low is not None and x < low) or (high is not None and x > high):
        raise _fail(name, func, expected, value)
    return x


def check_choice(value: object, name: str, func: str, choices: Collection[str]) -> str:
    """Return *value* if it is one of *choices*, or raise naming them."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise _fail(name, func, f"one of {listed}", value)
    return value


def check_rng(value: Any, func: str) -> np.random.Generator:
    """Turn ``rng`` (None, int seed or Generator) into a Generator, or raise."""
    if value is None or (isinstance(value, int | np.integer) and not isinstance(value, bool)):
        if value is not None and int(value) < 0:
            raise _fail(
                "rng", func, "None, a non-negative integer seed or a numpy Generator", value
            )
        return np.random.default_rng(None if value is None else int(value))
    if isinstance(value, np.random.Generator):
        return value
    raise _fail("rng", func, "None, a non-negative integer seed or a numpy Generator", value)
