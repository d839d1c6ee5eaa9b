"""Exceptions raised by botgraph.

Every error subclasses :class:`BotgraphError` and the matching built-in, so
callers can catch either ``botgraph.BotgraphError`` or, for example,
``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "BotgraphError",
    "MissingDependencyError",
    "ParameterError",
    "SchemaError",
]


class BotgraphError(Exception):
    """Base class of every error botgraph raises on purpose."""


class SchemaError(BotgraphError, ValueError):
    """Input records do not fit the schema.

    The message names the row (0-based position in the caller's input), the
    column and the offending value, and says how to fix it.

    Attributes
    ----------
    row : int or None
        Position of the offending record in the input, if one record is at fault.
    column : str or None
        Canonical column name involved, if any.
    value : object
        The offending value (``None`` when the problem is a missing column).
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.value = value


class ParameterError(BotgraphError, ValueError):
    """A parameter of a public function has an invalid value."""


class MissingDependencyError(BotgraphError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""
