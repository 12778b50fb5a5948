"""Typed models of the province's commune-level units (xã, phường, đặc khu) and the former units
(xã, phường, thị trấn of the former districts) that formed them.

No import from `assistant.kb` here: `kb.models.KnowledgeBase` carries a list of `Unit`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant.text.vietnamese import slugify

UNKNOWN = "chưa cập nhật"
UNITS_PAGE = "xa-phuong.md"  # the handbook page "Tra cứu xã, phường, đặc khu mới"
UNITS_PAGE_TITLE = "Tra cứu xã, phường, đặc khu mới"
CENTRE_NAME = "Trung tâm Phục vụ hành chính công"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitType(str, Enum):
    """Commune-level unit types, the value as written in Vietnamese (lowercase)."""

    xa = "xã"
    phuong = "phường"
    dac_khu = "đặc khu"
    thi_tran = "thị trấn"  # former units only


def _lower_type(name: str, types: tuple[str, ...]) -> str:
    """ "Thị trấn Chợ Mới" → "thị trấn Chợ Mới", as written in running text."""
    for t in types:
        if name.lower().startswith(t + " "):
            return t + name[len(t) :]
    return name


def _strip_type(name: str, types: tuple[str, ...]) -> str:
    for t in types:
        if name.lower().startswith(t + " "):
            return name[len(t) + 1 :]
    return name


COMMUNE_TYPES = ("thị trấn", "đặc khu", "phường", "xã")
DISTRICT_TYPES = ("thành phố", "thị xã", "huyện")


class FormerUnit(_Frozen):
    """A commune-level unit before 1 July 2025, in its former district and province."""

    code: str  # the former official code, e.g. "30280"
    name: Text  # "Phường Vĩnh Thanh Vân"
    type: UnitType  # xã, phường, thị trấn
    district: Text  # "Thành phố Rạch Giá"
    province: Text  # "Tỉnh Kiên Giang"
    # Codes of the other current units that took part of it (a former unit split between several).
    also: list[int] = Field(default_factory=list)

    @property
    def short_name(self) -> str:
        return _strip_type(self.name, COMMUNE_TYPES)

    @property
    def label(self) -> str:
        """ "thị trấn Chợ Mới"."""
        return _lower_type(self.name, COMMUNE_TYPES)

    @property
    def district_label(self) -> str:
        return _lower_type(self.district, DISTRICT_TYPES)

    @property
    def district_short(self) -> str:
        return _strip_type(self.district, DISTRICT_TYPES)

    @property
    def province_label(self) -> str:
        return _lower_type(self.province, ("tỉnh",))

    @property
    def province_short(self) -> str:
        return _strip_type(self.province, ("tỉnh",))

    @property
    def split(self) -> bool:
        return bool(self.also)


class Centre(_Frozen):
    """The unit's public administrative service centre; empty means not known yet ("chưa cập nhật")."""

    name: str = ""  # default: "Trung tâm Phục vụ hành chính công <unit>"
    address: str = ""
    hours: str = ""
    phone: str = ""


class Unit(_Frozen):
    """One of the province's current commune-level units, with what formed it and its centre."""

    code: int  # official code (e.g. 30313)
    name: Text  # "Xã Mỹ Hòa Hưng"
    type: UnitType  # xã, phường, đặc khu
    former: list[FormerUnit] = Field(default_factory=list)
    centre: Centre = Centre()
    hotline: str = ""
    notes: list[Text] = Field(default_factory=list)

    @property
    def short_name(self) -> str:
        return _strip_type(self.name, COMMUNE_TYPES)

    @property
    def label(self) -> str:
        """ "xã Chợ Mới", as written in running text."""
        return _lower_type(self.name, COMMUNE_TYPES)

    @property
    def anchor(self) -> str:
        """Stable anchor on the site page: "Xã Chợ Mới" → xa-cho-moi."""
        return slugify(self.name)

    @property
    def url(self) -> str:
        """Site URL from the site root: /xa-phuong/#xa-cho-moi."""
        return f"/{UNITS_PAGE[:-3]}/#{self.anchor}"

    @property
    def centre_name(self) -> str:
        return self.centre.name or f"{CENTRE_NAME} {self.label}"

    def to_json(self) -> dict[str, object]:
        """The shape of `GET /api/units` results."""
        return {
            "name": self.name,
            "type": self.type.value,
            "code": self.code,
            "former": [
                {
                    "name": f.name,
                    "type": f.type.value,
                    "district": f.district,
                    "province": f.province,
                    "code": f.code,
                    "split": f.split,
                }
                for f in self.former
            ],
            "centre": {
                "name": self.centre_name,
                "address": self.centre.address or None,
                "hours": self.centre.hours or None,
                "phone": self.centre.phone or None,
            },
            "hotline": self.hotline or None,
            "notes": list(self.notes),
            "url": self.url,
        }


# --- kb/units.yaml: what province staff add to the packages' data -------------------------------


class UnitInfo(_Frozen):
    """One entry of kb/units.yaml: a unit named by its name or its code (or both, then they must agree)."""

    name: str = ""
    code: int | None = None
    centre: Centre = Centre()
    hotline: str = ""
    notes: list[Text] = Field(default_factory=list)


class UnitsFile(_Frozen):
    """kb/units.yaml."""

    # Why the knowledge base follows which package where they disagree (names/codes/types: vietnam-provinces;
    # former units: vietnamadminunits).
    note: str = ""
    # Every disagreement between the two packages on this province, as `assistant.places.sources` words it;
    # a test fails when the packages disagree in a way not listed here.
    differences: list[str] = Field(default_factory=list)
    units: list[UnitInfo] = Field(default_factory=list)


def former_index(units: list[Unit]) -> list[tuple[FormerUnit, list[Unit]]]:
    """Every former unit once, with the current units it went to, sorted by name then district."""
    seen: dict[tuple[str, str, str], tuple[FormerUnit, list[Unit]]] = {}
    for unit in units:
        for f in unit.former:
            seen.setdefault((f.name, f.district, f.province), (f, []))[1].append(unit)
    return sorted(seen.values(), key=lambda fu: (slugify(fu[0].short_name), fu[0].type.value, slugify(fu[0].district)))
