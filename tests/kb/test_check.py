"""`assistant check`: a valid KB passes; each kind of bad input gets one line naming file and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.kb.conftest import write

ROOT = Path(__file__).resolve().parents[2]


def procedure(kb: Path) -> dict:
    return yaml.safe_load((kb / "procedures" / "ho-tich" / "1.001193.yaml").read_text(encoding="utf-8"))


def check(kb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(kb)], capture_output=True, text=True, timeout=60
    )


def assert_one_problem(result: subprocess.CompletedProcess[str], file_part: str, field: str, words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    matching = [line for line in lines if file_part in line and field in line and words in line]
    assert matching, result.stderr


def test_valid_kb_passes(kb: Path) -> None:
    result = check(kb)
    assert result.returncode == 0, result.stderr
    assert "1 thủ tục" in result.stdout


def test_the_project_kb_is_valid() -> None:
    result = check(ROOT / "kb")
    assert result.returncode == 0, result.stderr


def test_malformed_yaml(kb: Path) -> None:
    (kb / "procedures" / "ho-tich" / "1.001193.yaml").write_text(
        "code: '1.001193'\ntitle: [unclosed\n", encoding="utf-8"
    )
    assert_one_problem(check(kb), "1.001193.yaml", "dòng", "YAML sai cú pháp")


def test_missing_required_field(kb: Path) -> None:
    data = procedure(kb)
    del data["title"]
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "title", "thiếu trường bắt buộc")


def test_unknown_sector(kb: Path) -> None:
    data = procedure(kb)
    data["sector"] = "thue"
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "sector", "không có trong sectors.yaml")


def test_duplicate_code(kb: Path) -> None:
    data = procedure(kb)
    data["sector"] = "chung-thuc"
    write(kb / "procedures" / "chung-thuc" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "code", "trùng")


def test_malformed_code(kb: Path) -> None:
    data = procedure(kb)
    data["code"] = "1001193"
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "code", "sai định dạng")


def test_file_name_must_match_code(kb: Path) -> None:
    path = kb / "procedures" / "ho-tich" / "1.001193.yaml"
    path.rename(path.with_name("1.000000.yaml"))
    assert_one_problem(check(kb), "1.000000.yaml", "code", "tên tệp phải là mã thủ tục")


def test_empty_documents(kb: Path) -> None:
    data = procedure(kb)
    data["documents"] = []
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "documents", "không được để trống")


def test_bad_date(kb: Path) -> None:
    data = procedure(kb)
    data["updated"] = "29/11/2026"
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "updated", "YYYY-MM-DD")


def test_unknown_key_is_reported(kb: Path) -> None:
    data = procedure(kb)
    data["titel"] = "typo"
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    assert_one_problem(check(kb), "1.001193.yaml", "titel", "viết sai tên")


def test_several_problems_one_line_each(kb: Path) -> None:
    data = procedure(kb)
    data["documents"] = []
    data["updated"] = "hôm qua"
    write(kb / "procedures" / "ho-tich" / "1.001193.yaml", data)
    result = check(kb)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("kb/procedures/ho-tich/1.001193.yaml") for line in lines)


def test_missing_kb_folder(tmp_path: Path) -> None:
    result = check(tmp_path / "nowhere")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "không tìm thấy thư mục" in result.stderr
