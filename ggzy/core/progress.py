"""A small progress bar on stderr: ``导入演示数据 [#####.....] 45% 1234/2700``.

Shown when stderr is a terminal or when the command was given ``--progress``; otherwise silent, so
logs and CI output stay clean. Redraws at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


def render(label: str, done: int, total: int, width: int = WIDTH) -> str:
    """One line of the bar (without the carriage return). ``total`` 0 counts as complete."""
    fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    filled = int(fraction * width)
    bar = "#" * filled + "." * (width - filled)
    prefix = f"{label} " if label else ""
    return f"{prefix}[{bar}] {int(fraction * 100):3d}% {done}/{total}"


class ProgressBar:
    def __init__(
        self,
        total: int,
        *,
        label: str = "",
        enabled: bool | None = None,
        stream: TextIO | None = None,
        min_interval: float = 0.1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.label = label
        self.done = 0
        self.min_interval = min_interval
        self._last_draw = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        """Set the absolute position (and optionally a new total)."""
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if self.enabled and (now - self._last_draw >= self.min_interval or done >= self.total):
            self._last_draw = now
            self.stream.write("\r" + render(self.label, self.done, self.total))
            self.stream.flush()

    def advance(self, step: int = 1) -> None:
        self.update(self.done + step)

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r" + render(self.label, self.done, self.total) + "\n")
            self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
