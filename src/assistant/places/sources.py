"""The current units and the former units that formed them, read from two PyPI packages, offline.

- `vietnam-provinces`: the 34 provinces and their current commune-level units with official codes.
  The knowledge base follows it for the name, type and code of each current unit.
- `vietnamadminunits`: the former (63-province) units and the 2025 conversion table old → new.
  The knowledge base follows it for which former units formed each current unit.

`vietnamadminunits` is read from the data files it ships (`data/dataset.db`, `data/converter_2025.json`),
not through its converter: importing the converter takes about a second (shapely, geopy), and for an
address with a street it geocodes online, which this project must never do at run time.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.places.models import FormerUnit, UnitType
from assistant.text.vietnamese import fold

PACKAGES = ("vietnam-provinces", "vietnamadminunits")


@dataclass(frozen=True)
class SourceUnit:
    """A current unit as the packages give it, with the former units that formed it."""

    code: int
    name: str
    type: UnitType
    former: tuple[FormerUnit, ...]


def package_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in PACKAGES}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _province_key(name: str) -> str:
    """ "Tỉnh An Giang", "An Giang", "tinh an giang" → "an giang"."""
    key = fold(name)
    for prefix in ("tinh ", "thanh pho "):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return key


# --- vietnam-provinces ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def provinces_units(province: str) -> tuple[tuple[int, int, str, str], ...]:
    """(province code, unit code, name, type) of the province's current units; empty if unknown."""
    from vietnam_provinces import Province, Ward

    wanted = _province_key(province)
    match = next((p for p in Province.iter_all() if _province_key(p.name) == wanted), None)
    if match is None:
        return ()
    return tuple(
        (int(match.code), int(w.code), _nfc(w.name), w.division_type.value) for w in Ward.iter_by_province(match.code)
    )


# --- vietnamadminunits ------------------------------------------------------------------------------


def _adminunits_data() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _query(sql: str, *args: object) -> list[sqlite3.Row]:
    uri = (_adminunits_data() / "dataset.db").resolve().as_uri() + "?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, args).fetchall()


@lru_cache(maxsize=1)
def _converter() -> dict[str, dict]:
    return json.loads((_adminunits_data() / "converter_2025.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def adminunits_units(province_code: int) -> dict[str, tuple[int, str, str]]:
    """vietnamadminunits' current units of a province: ward key → (code, name, type)."""
    rows = _query(
        "SELECT wardKey, wardCode, ward, wardType FROM admin_units WHERE CAST(provinceCode AS INTEGER) = ?",
        province_code,
    )
    return {r["wardKey"]: (int(r["wardCode"]), _nfc(r["ward"]), _nfc(r["wardType"]).lower()) for r in rows}


@lru_cache(maxsize=8)
def former_units(province_code: int) -> dict[str, list[tuple[FormerUnit, list[str]]]]:
    """Current ward key → [(former unit, keys of every current unit it went to)], from vietnamadminunits."""
    keys = _query("SELECT DISTINCT provinceKey FROM admin_units WHERE CAST(provinceCode AS INTEGER) = ?", province_code)
    if not keys:
        return {}
    province_key = keys[0]["provinceKey"]
    data = _converter()
    whole: dict[str, list[str]] = data["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province_key, {})
    divided: dict[str, list[dict]] = data["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {})
    old_provinces = data["DICT_PROVINCE"].get(province_key, [])
    marks = ",".join("?" * len(old_provinces))
    legacy = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r
        for r in _query(
            "SELECT provinceKey, districtKey, wardKey, province, district, ward, wardType, wardCode "
            f"FROM admin_units_legacy WHERE provinceKey IN ({marks})",
            *old_provinces,
        )
    }
    goes_to: dict[str, list[str]] = defaultdict(list)  # former key → current keys
    for new_key, olds in whole.items():
        for old in olds:
            goes_to[old].append(new_key)
    for old, splits in divided.items():
        goes_to[old].extend(t["newWardKey"] for t in splits if t["newWardKey"] not in goes_to[old])
    out: dict[str, list[tuple[FormerUnit, list[str]]]] = defaultdict(list)
    for old, targets in goes_to.items():
        row = legacy.get(old)
        if row is None:
            continue
        former = FormerUnit(
            code=str(row["wardCode"]),
            name=_nfc(row["ward"]),
            type=UnitType(_nfc(row["wardType"]).lower()),
            district=_nfc(row["district"]),
            province=_nfc(row["province"]),
        )
        for target in targets:
            out[target].append((former, targets))
    return dict(out)


@lru_cache(maxsize=1)
def province_names() -> frozenset[str]:
    """Folded short names of every province, former (63) and current (34): "long an", "khanh hoa"…
    A citizen's "ở Long An" means the province, not the former xã Long An."""
    from vietnam_provinces import Province

    names = {_province_key(p.name) for p in Province.iter_all()}
    names |= {fold(r["provinceShort"]) for r in _query("SELECT DISTINCT provinceShort FROM admin_units_legacy")}
    return frozenset(names)


# --- both ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def source_units(province: str) -> tuple[SourceUnit, ...]:
    """The province's current units (name, type, code from vietnam-provinces) with their former units
    (from vietnamadminunits, joined on the official code). Empty when the packages do not know `province`."""
    units = provinces_units(province)
    if not units:
        return ()
    province_code = units[0][0]
    by_key = adminunits_units(province_code)
    key_of = {code: key for key, (code, _, _) in by_key.items()}
    key_of_name = {fold(name): key for key, (_, name, _) in by_key.items()}
    formers = former_units(province_code)
    code_of_key = {key: code for key, (code, _, _) in by_key.items()}
    out = []
    for _, code, name, kind in units:
        key = key_of.get(code) or key_of_name.get(fold(name))
        former = []
        for f, targets in sorted(
            formers.get(key, []) if key else [], key=lambda ft: (ft[0].province, ft[0].district, fold(ft[0].name))
        ):
            also = sorted(code_of_key[t] for t in targets if t != key and t in code_of_key)
            former.append(f.model_copy(update={"also": also}))
        out.append(SourceUnit(code, name, UnitType(kind), tuple(former)))
    return tuple(out)


def package_differences(province: str) -> list[str]:
    """Where the two packages disagree on the province's current units, one line each, e.g.
    "30313: tên: Xã A (vietnam-provinces) ≠ Xã B (vietnamadminunits)". The knowledge base records the
    expected lines in kb/units.yaml (`differences`), with which package it follows."""
    units = provinces_units(province)
    if not units:
        return [f"{province}: vietnam-provinces không có tỉnh này"]
    theirs = {code: (name, kind) for code, name, kind in adminunits_units(units[0][0]).values()}
    ours = {code: (name, kind) for _, code, name, kind in units}
    lines = []
    for code in sorted(ours.keys() - theirs.keys()):
        lines.append(f"{code}: {ours[code][0]} chỉ có trong vietnam-provinces")
    for code in sorted(theirs.keys() - ours.keys()):
        lines.append(f"{code}: {theirs[code][0]} chỉ có trong vietnamadminunits")
    for code in sorted(ours.keys() & theirs.keys()):
        (a_name, a_kind), (b_name, b_kind) = ours[code], theirs[code]
        if a_name != b_name:
            lines.append(f"{code}: tên: {a_name} (vietnam-provinces) ≠ {b_name} (vietnamadminunits)")
        if a_kind != b_kind:
            lines.append(f"{code}: loại: {a_kind} (vietnam-provinces) ≠ {b_kind} (vietnamadminunits)")
    mapped = former_units(units[0][0])
    for key, (code, name, _) in sorted(adminunits_units(units[0][0]).items()):
        if key not in mapped:
            lines.append(f"{code}: {name}: vietnamadminunits không ghi đơn vị cũ nào")
    return lines
