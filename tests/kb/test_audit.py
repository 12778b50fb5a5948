"""`assistant check` beyond the schema: rules and special cases, facts past their end date, reviews
grown stale, and the inconsistencies a field-by-field review found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.kb.conftest import write
from tests.kb.test_check import assert_one_problem, check, procedure

FILE = "procedures/ho-tich/1.001193.yaml"


def check_args(kb: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(kb), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_rule_without_legal_basis_is_one_clear_line(kb: Path) -> None:
    data = procedure(kb)
    data["rules"] = [{"kind": "khong-duoc", "statement": "Không được ủy quyền đi đăng ký thay."}]
    write(kb / FILE, data)
    assert_one_problem(check(kb), FILE, "rules[0].basis", "thiếu trường bắt buộc")


def test_an_unknown_rule_kind_or_field_is_named(kb: Path) -> None:
    data = procedure(kb)
    data["rules"] = [{"kind": "cam", "statement": "X.", "basis": "Điều 1"}]
    data["special_cases"] = [
        {"situation": "Ở nước ngoài", "handling": "Cơ quan đại diện.", "basis": "Điều 2", "nguoi": "x"}
    ]
    write(kb / FILE, data)
    result = check(kb)
    assert_one_problem(result, FILE, "rules[0].kind", "duoc")
    assert_one_problem(result, FILE, "special_cases[0].nguoi", "trường không có trong định dạng")


def test_expired_fee_is_reported_after_its_date_only(kb: Path) -> None:
    data = procedure(kb)
    data["fees"] = [
        {"case": "Giảm 50%", "amount": "35.000 đồng", "valid_until": "2026-12-31", "source": "Thông tư 64/2025/TT-BTC"},
        {"case": "Từ 01/01/2027", "amount": "70.000 đồng"},
    ]
    data["channels"] = []
    write(kb / FILE, data)
    assert check_args(kb, "--today", "2026-12-31").returncode == 0
    result = check_args(kb, "--today", "2027-01-15")
    assert_one_problem(result, FILE, "fees[0].valid_until", "hết hiệu lực")
    assert "31/12/2026" in result.stderr


def test_channel_time_contradicting_the_time_field_is_reported(kb: Path) -> None:
    data = procedure(kb)
    data["processing_time"] = "20 ngày; nhà ở riêng lẻ 15 ngày"
    data["channels"] = [{"kind": "truc-tiep", "time": "15 ngày"}, {"kind": "truc-tuyen", "time": "25 ngày"}]
    write(kb / FILE, data)
    result = check(kb)
    assert_one_problem(result, FILE, "channels[1].time", "25 ngay")
    assert "channels[0]" not in result.stderr


def test_channel_said_free_while_a_fee_applies_is_reported(kb: Path) -> None:
    data = procedure(kb)
    data["fees"] = [{"amount": "Theo mức Hội đồng nhân dân tỉnh quy định"}]
    data["channels"] = [{"kind": "truc-tiep", "fee": "Miễn phí"}]
    write(kb / FILE, data)
    assert_one_problem(check(kb), FILE, "channels[0].fee", "Miễn phí")


def test_stale_lists_procedures_not_reviewed_for_that_long(kb: Path) -> None:
    data = procedure(kb)
    data["reviewed"] = "2026-01-10"
    write(kb / FILE, data)
    assert check_args(kb, "--today", "2026-12-04", "--stale", "365").returncode == 0
    assert_one_problem(check_args(kb, "--today", "2026-12-04", "--stale", "90"), FILE, "reviewed", "10/01/2026")


def test_a_legal_basis_missing_from_the_national_record_must_be_marked(kb: Path) -> None:
    import gzip
    import json

    (kb / "national").mkdir()
    record = {
        "ma_thu_tuc": "1.001193",
        "ten_thu_tuc": "Thủ tục đăng ký khai sinh",
        "linh_vuc": "Hộ tịch",
        "can_cu_phap_ly": "Luật Hộ tịch 60/2014/QH13",
    }
    with gzip.open(kb / "national" / "procedures.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    data = procedure(kb)
    data["legal_basis"] = [
        {"number": "60/2014/QH13"},
        {"number": "118/2025/NĐ-CP"},
        {"number": "120/2025/NĐ-CP", "added": True},
    ]
    write(kb / FILE, data)
    result = check(kb)
    assert_one_problem(result, FILE, "legal_basis[1].number", "118/2025/NĐ-CP")
    assert "legal_basis[0]" not in result.stderr and "legal_basis[2]" not in result.stderr
