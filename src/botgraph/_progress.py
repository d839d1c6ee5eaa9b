"""Opt-in progress bar over the stages of long work (tqdm on standard error).

Library calls are silent by default (``progress=False``); the command line turns the
bar on when standard error is a terminal. tqdm is imported only when a bar is shown.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

__all__ = ["Stages"]


class Stages:
    """A counter of finished stages, shown as a tqdm bar when *enabled*.

    Parameters
    ----------
    total : int
        Number of stages.
    enabled : bool
        Show the bar (on standard error); when False nothing is imported or written.
    description : str
        Text in front of the bar.

    Examples
    --------
    >>> with Stages(2, enabled=False, description="detect") as stages:
    ...     stages.start("ingest")
    ...     stages.start("traces")
    >>> stages.done
    2
    """

    def __init__(self, total: int, *, enabled: bool, description: str) -> None:
        self._total = total
        self.done = 0
        self._started = False
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            # Stages are few and slow: draw every update (no rate limiting).
            self._bar = tqdm(
                total=total, desc=description, unit="stage", leave=False, mininterval=0
            )

    @property
    def total(self) -> int:
        """Number of stages; may be raised once the work is known."""
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value
        if self._bar is not None:
            self._bar.total = value
            self._bar.refresh()

    def start(self, label: str) -> None:
        """Mark the previous stage done (if any) and name the one starting."""
        if self._started:
            self._advance()
        self._started = True
        if self._bar is not None:
            self._bar.set_postfix_str(label, refresh=True)

    def _advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)

    def __enter__(self) -> Stages:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started and exc_type is None:
            self._advance()
        if self._bar is not None:
            self._bar.close()
