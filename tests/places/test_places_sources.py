"""The two packages: 102 units (85 xã, 14 phường, 3 đặc khu), former units, and where they disagree."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from assistant.places.load import base_units
from assistant.places.sources import package_differences, package_versions, source_units

ROOT = Path(__file__).resolve().parents[2]
PROVINCE = "Tỉnh An Giang"


def test_102_units_85_xa_14_phuong_3_dac_khu() -> None:
    units = base_units(PROVINCE)
    assert len(units) == 102
    assert Counter(u.type.value for u in units) == {"xã": 85, "phường": 14, "đặc khu": 3}
    assert len({u.code for u in units}) == 102
    assert len({u.anchor for u in units}) == 102  # one anchor each on the site page


def test_the_counts_agree_with_the_province_file() -> None:
    province = yaml.safe_load((ROOT / "kb" / "province.yaml").read_text(encoding="utf-8"))
    units = base_units(province["name"])
    counts = Counter(u.type.value for u in units)
    assert counts == {
        "xã": province["communes"]["xa"],
        "phường": province["communes"]["phuong"],
        "đặc khu": province["communes"]["dac_khu"],
    }


def test_every_unit_has_former_units_from_both_former_provinces() -> None:
    units = source_units(PROVINCE)
    assert all(u.former for u in units)
    provinces = {f.province for u in units for f in u.former}
    assert provinces == {"Tỉnh An Giang", "Tỉnh Kiên Giang"}
    formers = {(f.name, f.district, f.province) for u in units for f in u.former}
    assert len(formers) == 298  # 295 went whole to one unit, 3 were split (vietnamadminunits 1.0.4)


def test_split_former_units_are_recorded_on_every_unit_they_went_to() -> None:
    went: dict[tuple[str, str], set[str]] = {}
    for u in source_units(PROVINCE):
        for f in u.former:
            went.setdefault((f.name, f.district), set()).add(u.name)
            assert (len(f.also) > 0) == f.split
    split = {k: v for k, v in went.items() if len(v) > 1}
    assert split[("Xã Phước Hưng", "Huyện An Phú")] == {"Xã An Phú", "Xã Nhơn Hội", "Xã Phú Hữu"}
    assert split[("Xã Vĩnh Châu", "Thành phố Châu Đốc")] == {"Phường Châu Đốc", "Phường Vĩnh Tế"}
    assert len(split) == 3


def test_package_disagreements_are_all_recorded_in_the_kb() -> None:
    """Fails when the two packages disagree on An Giang in a way kb/units.yaml does not record."""
    recorded = yaml.safe_load((ROOT / "kb" / "units.yaml").read_text(encoding="utf-8")).get("differences") or []
    assert sorted(package_differences(PROVINCE)) == sorted(recorded)


def test_the_packages_are_pinned_to_the_installed_versions() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name, version in package_versions().items():
        assert re.search(rf'"{re.escape(name)}=={re.escape(version)}"', pyproject), f"{name}=={version} not pinned"


def test_unknown_province_gives_no_units() -> None:
    assert base_units("Tỉnh Không Có") == []
    assert package_differences("Tỉnh Không Có")
