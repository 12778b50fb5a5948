"""The province's units: the packages' data (sources.py) plus what staff add in kb/units.yaml."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import Problem
from assistant.places.models import Unit, UnitInfo, UnitsFile
from assistant.places.sources import source_units
from assistant.text.vietnamese import fold, normalize, toned_syllable

UNITS_FILE = "units.yaml"


def _key(name: str) -> str:
    """Names compared with their marks, old and new tone placement alike (Hoà = Hòa), any case."""
    return " ".join(toned_syllable(w) for w in normalize(name).split())


def read_units_file(root: Path) -> tuple[UnitsFile | None, list[Problem]]:
    """kb/units.yaml parsed (an empty file when it does not exist), or the problems found."""
    # Imported here: kb.load imports kb.models, which imports places.models.
    from assistant.kb.load import _parse, _rel, read_yaml

    path = Path(root) / UNITS_FILE
    if not path.exists():
        return UnitsFile(), []
    data, problems = read_yaml(path, Path(root))
    if problems:
        return None, problems
    if data is None:
        return UnitsFile(), []
    return _parse(UnitsFile, data, _rel(path, Path(root)))


def base_units(province: str) -> list[Unit]:
    """The province's units from the packages alone, sorted by type (đặc khu, phường, xã) then name."""
    units = [Unit(code=s.code, name=s.name, type=s.type, former=list(s.former)) for s in source_units(province)]
    order = {"đặc khu": 0, "phường": 1, "xã": 2}
    return sorted(units, key=lambda u: (order.get(u.type.value, 3), fold(u.short_name), _key(u.short_name), u.code))


def load_units(root: Path, province: str) -> tuple[list[Unit], list[Problem]]:
    """The units of `province` with kb/units.yaml applied; every problem of that file with its field."""
    from assistant.kb.load import _rel

    rel = _rel(Path(root) / UNITS_FILE, Path(root))
    overlay, problems = read_units_file(root)
    units = base_units(province)
    if overlay is None:
        return units, problems
    if overlay.units and not units:
        return units, [
            Problem(rel, "units", f"không có danh mục đơn vị hành chính của {province} trong gói vietnam-provinces")
        ]

    by_code = {u.code: u for u in units}
    by_name: dict[str, list[Unit]] = {}
    for u in units:
        for name in {_key(u.name), _key(u.short_name)}:
            by_name.setdefault(name, []).append(u)
    seen: dict[int, int] = {}
    updates: dict[int, UnitInfo] = {}
    for i, info in enumerate(overlay.units):
        where = f"units[{i}]"
        unit = None
        if info.code is None and not info.name.strip():
            problems.append(Problem(rel, where, "cần tên (name) hoặc mã (code) của xã, phường, đặc khu"))
            continue
        if info.code is not None:
            unit = by_code.get(info.code)
            if unit is None:
                problems.append(
                    Problem(
                        rel,
                        f"{where}.code",
                        f"không có đơn vị nào mang mã {info.code} trong {len(units)} xã, phường, đặc khu của {province}",
                    )
                )
                continue
        if info.name.strip():
            named = by_name.get(_key(info.name), [])
            if not named:
                problems.append(
                    Problem(
                        rel,
                        f"{where}.name",
                        f"không có đơn vị '{info.name}' trong {len(units)} xã, phường, đặc khu của {province} (ghi đủ tên, ví dụ 'Xã Chợ Mới')",
                    )
                )
                continue
            if unit is not None and unit not in named:
                problems.append(
                    Problem(rel, f"{where}.code", f"mã {unit.code} là của {unit.name}, không phải {info.name}")
                )
                continue
            if unit is None and len(named) > 1:
                problems.append(
                    Problem(
                        rel,
                        f"{where}.name",
                        f"có nhiều đơn vị tên '{info.name}': ghi thêm loại (xã, phường, đặc khu) hoặc mã",
                    )
                )
                continue
            unit = unit or named[0]
        assert unit is not None
        if unit.code in seen:
            problems.append(Problem(rel, where, f"{unit.name} đã được khai báo ở units[{seen[unit.code]}]"))
            continue
        seen[unit.code] = i
        updates[unit.code] = info
    units = [
        u.model_copy(
            update={
                "centre": updates[u.code].centre,
                "hotline": updates[u.code].hotline.strip(),
                "notes": updates[u.code].notes,
            }
        )
        if u.code in updates
        else u
        for u in units
    ]
    return units, problems
