"""Build progress: stages with done/total reported by the pipeline; a live line on a terminal, nothing
elsewhere (the CLI prints its summary at the end)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.progress import Progress, Stage, TerminalProgress, progress_for
from tests.test_start import tiny_kb


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder(Progress):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int, int | None]] = []

    def _changed(self, stage: Stage) -> None:
        self.events.append((stage.name, stage.done, stage.total))


def test_terminal_shows_a_live_line_and_one_line_per_finished_stage() -> None:
    out = Tty()
    progress = progress_for(out)
    assert isinstance(progress, TerminalProgress)
    progress.min_interval = 0
    with progress.stage("Trang web"):
        with progress.stage("Chỉ mục: tính vectơ", total=3) as stage:
            for _ in range(3):
                stage.advance()
    text = out.getvalue()
    assert "⏳ Trang web… · Chỉ mục: tính vectơ 2/3" in text
    lines = text.split("\n")
    assert lines[0].endswith("✓ Chỉ mục: tính vectơ, 3 (0.0s)") and lines[1].endswith("✓ Trang web (0.0s)")
    assert "\r" in text and lines[-1].strip() == ""  # the status line is cleared at the end


def test_a_failed_stage_is_dropped_not_marked_done() -> None:
    out = Tty()
    progress = TerminalProgress(out, min_interval=0)
    with pytest.raises(RuntimeError):
        with progress.stage("Chỉ mục: tính vectơ", total=10):
            raise RuntimeError("model crashed")
    assert "✓" not in out.getvalue() and not progress.active and not progress.finished


def test_elsewhere_nothing_is_printed() -> None:
    out = io.StringIO()
    progress = progress_for(out)
    assert type(progress) is Progress
    with progress.stage("Sổ tay", total=2) as stage:
        stage.advance(2)
    assert out.getvalue() == "" and progress.finished[0].done == 2


def test_the_build_reports_each_stage_with_done_and_total(tmp_path: Path) -> None:
    from assistant.pipeline import build

    recorder = Recorder()
    report = build(tiny_kb(tmp_path / "tiny-kb"), tmp_path / "out", embedder_spec="hash", site=False, progress=recorder)
    finished = [s.name for s in recorder.finished]
    assert any(name.startswith("Sổ tay") for name in finished) and finished[-1] == "Chỉ mục: BM25 và ghi tệp"
    assert (
        finished.index("Chỉ mục: chia đoạn")
        < finished.index("Chỉ mục: tính vectơ")
        < finished.index("Chỉ mục: tách từ")
    )
    vectors = next(s for s in recorder.finished if s.name == "Chỉ mục: tính vectơ")
    assert vectors.total == vectors.done == report.dense_vectors > 0
    assert ("Chỉ mục: tính vectơ", 0, vectors.total) in recorder.events  # shown from the start, then batch by batch
