"""The console script end to end on a slice of the real national records: import, check, build, ask,
and clear one-line errors (no traceback) when something is missing."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import NATIONAL

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ASSISTANT_EMBEDDER": "hash", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )


def test_import_check_build_ask_on_real_records(tmp_path: Path) -> None:
    wanted = {"1.001193", "1.000894", "1.004222"}
    lines = []
    with gzip.open(NATIONAL, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < 40 or any(f'"ma_thu_tuc": "{code}"' in line for code in wanted):
                lines.append(line)
    lines.append("{not json}\n")
    src = tmp_path / "slice.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.writelines(lines)

    imported = run("import", "national", str(src), "--out", str(tmp_path / "kb"))
    assert imported.returncode == 0, imported.stderr
    assert "Đã nhập 43 thủ tục" in imported.stdout
    assert "dòng 44" in imported.stderr  # the bad line is named, and skipped

    assert run("check", "--kb", str(tmp_path / "kb")).returncode == 0
    # the real default embedder: answer confidence is calibrated for it (43 short names embed in seconds)
    e5 = {"ASSISTANT_EMBEDDER": "e5-small"}
    built = run("build", "--kb", str(tmp_path / "kb"), "--out", str(tmp_path / "out"), "--no-site", env=e5)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "handbooks" / "ho-tich.md").exists()

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    answer = run(
        "ask",
        "đăng ký kết hôn cần giấy tờ gì",
        "--index",
        str(tmp_path / "out" / "index"),
        env={"ASSISTANT_DB_URL": db, **e5},
    )
    assert answer.returncode == 0, answer.stderr
    assert "1.000894" in answer.stdout and "Hồ sơ cần chuẩn bị" in answer.stdout


def test_missing_index_is_one_clear_line(tmp_path: Path) -> None:
    for args in (["ask", "khai sinh", "--index", str(tmp_path / "none")], ["serve", "--index", str(tmp_path / "none")]):
        result = run(*args, env={"ASSISTANT_DB_URL": f"sqlite:///{tmp_path / 'x.db'}"}, timeout=60)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert "Không tìm thấy chỉ mục" in result.stderr


def test_import_of_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    result = run("import", "national", str(tmp_path / "nope.jsonl.gz"), "--out", str(tmp_path / "kb"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "nope.jsonl.gz" in result.stderr


def test_empty_question_is_refused_by_the_cli(tmp_path: Path) -> None:
    result = run("ask", "   ", timeout=60)
    assert result.returncode != 0 and "1 đến 1000 ký tự" in result.stderr
