"""kb/units.yaml: what staff add to the packages' data, validated like every KB file; units in the KB."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.kb.load import load_kb, validate_kb
from assistant.kb.models import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small valid KB: the real province, sectors, units file and one procedure."""
    root = tmp_path / "kb"
    (root / "procedures" / "ho-tich").mkdir(parents=True)
    for name in ("province.yaml", "sectors.yaml", "units.yaml"):
        shutil.copy(ROOT / "kb" / name, root)
    data = yaml.safe_load((ROOT / "kb" / "procedures" / "ho-tich" / "1.001193.yaml").read_text(encoding="utf-8"))
    data["related"] = []
    (root / "procedures" / "ho-tich" / "1.001193.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return root


def write_units(kb: Path, units: list[dict]) -> None:
    data = yaml.safe_load((kb / "units.yaml").read_text(encoding="utf-8"))
    data["units"] = units
    (kb / "units.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems(kb: Path) -> list[str]:
    _, found = validate_kb(kb)
    return [p.line() for p in found]


def test_the_kb_carries_the_102_units_and_they_survive_kb_json(kb: Path) -> None:
    loaded = load_kb(kb)
    assert len(loaded.units) == 102
    again = KnowledgeBase.model_validate_json(loaded.model_dump_json())
    assert again.units == loaded.units


def test_staff_details_are_applied_and_unknown_stays_empty(kb: Path) -> None:
    write_units(
        kb,
        [
            {
                "name": "Xã Chợ Mới",
                "centre": {"address": "Số 1 đường Thử", "hours": "Thứ Hai – thứ Sáu"},
                "hotline": "000",
            },
            {"code": 31108, "notes": ["Ghi chú thử."]},
            {"name": "Mỹ Hoà Hưng"},  # without its type word, old tone placement
        ],
    )
    units = {u.name: u for u in load_kb(kb).units}
    assert units["Xã Chợ Mới"].centre.address == "Số 1 đường Thử"
    assert units["Xã Chợ Mới"].hotline == "000"
    assert units["Đặc khu Kiên Hải"].notes == ["Ghi chú thử."]
    assert units["Phường Rạch Giá"].centre.address == ""


@pytest.mark.parametrize(
    "entry, line",
    [
        (
            {"name": "Xã Không Có"},
            "units.yaml: units[0].name: không có đơn vị 'Xã Không Có' trong 102 xã, phường, đặc khu",
        ),
        ({"code": 1}, "units.yaml: units[0].code: không có đơn vị nào mang mã 1"),
        (
            {"name": "Xã Mỹ Hòa Hưng", "code": 30307},
            "units.yaml: units[0].code: mã 30307 là của Phường Long Xuyên, không phải Xã Mỹ Hòa Hưng",
        ),
        ({"name": "Xã Chợ Mới", "centr": {}}, "units.yaml: units[0].centr: trường không có trong định dạng"),
        (
            {"name": "Xã Chợ Mới", "centre": {"adress": "x"}},
            "units.yaml: units[0].centre.adress: trường không có trong định dạng",
        ),
        ({}, "units.yaml: units[0]: cần tên (name) hoặc mã (code)"),
    ],
)
def test_each_mistake_is_one_clear_line(kb: Path, entry: dict, line: str) -> None:
    found = problems(kb)
    assert found == []
    write_units(kb, [entry])
    found = problems(kb)
    assert len(found) == 1 and line in found[0], found
    assert found[0].startswith("kb/units.yaml: ")


def test_a_unit_declared_twice(kb: Path) -> None:
    write_units(kb, [{"name": "Xã Chợ Mới"}, {"code": load_code(kb, "Xã Chợ Mới")}])
    assert problems(kb) == ["kb/units.yaml: units[1]: Xã Chợ Mới đã được khai báo ở units[0]"]


def load_code(kb: Path, name: str) -> int:
    return next(u.code for u in load_kb(kb).units if u.name == name)


def test_unknown_top_level_field_and_bad_yaml(kb: Path) -> None:
    (kb / "units.yaml").write_text("unit: []\n", encoding="utf-8")
    assert problems(kb) == ["kb/units.yaml: unit: trường không có trong định dạng (viết sai tên?)"]
    (kb / "units.yaml").write_text("units: [\n", encoding="utf-8")
    assert len(problems(kb)) == 1 and problems(kb)[0].startswith("kb/units.yaml: dòng")


def test_no_units_file_is_fine(kb: Path) -> None:
    (kb / "units.yaml").unlink()
    assert len(load_kb(kb).units) == 102


def test_assistant_check_prints_the_line(kb: Path) -> None:
    write_units(kb, [{"name": "Xã Không Có"}])
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(kb)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0
    assert "kb/units.yaml: units[0].name: không có đơn vị 'Xã Không Có'" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
