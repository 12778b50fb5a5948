"""Progress of long jobs (`assistant build`), by stage: a stage has a name and, when known, done/total.

The pipeline reports to a `Progress`; the CLI chooses how it shows. `Progress` itself shows nothing (for
libraries, tests, logs and pipes: the CLI prints its summary at the end); `TerminalProgress` keeps one
status line up to date on a terminal and leaves one line per finished stage.

    with progress.stage("Chỉ mục: tính vectơ", total=len(texts)) as stage:
        for batch in batches:
            ...
            stage.advance(len(batch))
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Stage:
    """One stage of a job; use it as a context manager so it is always finished."""

    def __init__(self, progress: Progress, name: str, total: int | None) -> None:
        self.progress = progress
        self.name = name
        self.total = total
        self.done = 0
        self.started = time.perf_counter()
        self.seconds = 0.0

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.progress._changed(self)

    def finish(self) -> None:
        if self not in self.progress.active:
            return
        self.seconds = time.perf_counter() - self.started
        if self.total is not None:
            self.done = self.total
        self.progress._finished(self)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.finish()
        else:
            self.progress._abandoned(self)


class Progress:
    """Receives stage reports and shows nothing: the default for code that is not at a terminal."""

    def __init__(self) -> None:
        self.active: list[Stage] = []
        self.finished: list[Stage] = []
        self._lock = threading.Lock()

    def stage(self, name: str, total: int | None = None) -> Stage:
        stage = Stage(self, name, total)
        with self._lock:
            self.active.append(stage)
        self._changed(stage)
        return stage

    def _changed(self, stage: Stage) -> None:
        pass

    def _finished(self, stage: Stage) -> None:
        with self._lock:
            if stage in self.active:
                self.active.remove(stage)
            self.finished.append(stage)

    def _abandoned(self, stage: Stage) -> None:
        with self._lock:
            if stage in self.active:
                self.active.remove(stage)


class TerminalProgress(Progress):
    """A status line rewritten in place ("⏳ Chỉ mục: tính vectơ 512/1009 · Trang web…"), and a line
    "✓ <stage> (…s)" left above it as each stage finishes."""

    def __init__(self, stream: TextIO, min_interval: float = 0.1) -> None:
        super().__init__()
        self.stream = stream
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._width = 0

    def _status(self) -> str:
        parts = []
        for stage in self.active:
            if stage.total:
                parts.append(f"{stage.name} {stage.done}/{stage.total}")
            else:
                parts.append(f"{stage.name}…")
        return "⏳ " + " · ".join(parts) if parts else ""

    def _draw(self, line: str, *, keep: str = "") -> None:
        clear = "\r" + " " * self._width + "\r" if self._width else ""
        self.stream.write(clear + (keep + "\n" if keep else "") + line)
        self.stream.flush()
        self._width = len(line)
        self._last_draw = time.monotonic()

    def _changed(self, stage: Stage) -> None:
        with self._lock:
            if time.monotonic() - self._last_draw >= self.min_interval or stage.done == 0:
                self._draw(self._status())

    def _finished(self, stage: Stage) -> None:
        super()._finished(stage)
        amount = f", {stage.total}" if stage.total else ""
        with self._lock:
            self._draw(self._status(), keep=f"✓ {stage.name}{amount} ({stage.seconds:.1f}s)")

    def _abandoned(self, stage: Stage) -> None:
        super()._abandoned(stage)
        with self._lock:
            self._draw(self._status())


def progress_for(stream: TextIO | None = None) -> Progress:
    """A terminal shows progress as it goes; anything else (a log file, a pipe, CI) gets nothing here."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return TerminalProgress(stream) if isatty is not None and isatty() else Progress()
