"""Progress of an audit: a line per step, and a bar while rows are being explained.

``audit(..., progress=...)`` takes

* ``None`` or ``False``: silent;
* ``True``: a :class:`ProgressBar` (tqdm's notebook widget in Jupyter, else a text bar on
  stderr);
* a callable ``progress(step: str)``: called once per step. If it also has a method
  ``rows(done: int, total: int)``, that is called after each chunk of explained rows.

Progress never shows data: only step names and counts of rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from .errors import InvalidInputError

__all__ = ["ProgressBar", "TextBar", "resolve_progress"]

Step = Callable[[str], None]
Rows = Callable[[int, int], None]


def _silent(_step: str) -> None:
    return None


def resolve_progress(progress: Any) -> tuple[Step, Rows | None]:
    """Split ``progress`` into the step announcer and the row counter (None: no bar)."""
    if progress is None or progress is False:
        return _silent, None
    if progress is True:
        bar = ProgressBar()
        return bar, bar.rows
    if not callable(progress):
        raise InvalidInputError(
            f"progress must be None, True or a callable taking a step name. Got a {type(progress).__name__}. "
            "Pass progress=True for a progress bar or progress=print for one line per step."
        )
    rows = getattr(progress, "rows", None)
    return progress, rows if callable(rows) else None


class TextBar:
    """A bar of explained rows on a text stream.

    On a terminal the bar is redrawn in place; elsewhere (a CI log, a file) a line is printed
    at each quarter, so a log stays short.
    """

    WIDTH = 24

    def __init__(self, label: str = "explaining", stream: TextIO | None = None, prefix: str = "") -> None:
        self.label = label
        self.prefix = prefix
        self._stream = stream
        self._quarter = 0

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        done = min(max(done, 0), total)
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if tty:
            filled = round(self.WIDTH * done / total)
            self.stream.write(f"\r{self.prefix}{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                              f"{done:,}/{total:,} rows")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
            return
        quarter = 4 * done // total
        if quarter > self._quarter:
            self.stream.write(f"{self.prefix}{self.label}: {done:,} of {total:,} rows\n")
            self.stream.flush()
            self._quarter = quarter
        if done == total:
            self._quarter = 0  # the next explanation starts a new bar


class ProgressBar:
    """Steps as lines and explained rows as a tqdm bar (a widget in Jupyter, text elsewhere)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, step: str) -> None:
        self._close()
        from tqdm.auto import tqdm

        # in a notebook the bar is a widget and stderr shows as an error: steps go to stdout
        from tqdm.notebook import tqdm as notebook_tqdm

        in_notebook = issubclass(tqdm, notebook_tqdm)
        tqdm.write(step, file=sys.stdout if in_notebook else sys.stderr)

    def rows(self, done: int, total: int) -> None:
        from tqdm.auto import tqdm

        if self._bar is None or self._bar.total != total or done < self._bar.n:
            self._close()
            self._bar = tqdm(total=total, unit="rows", desc="explaining", leave=True, file=sys.stderr)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
