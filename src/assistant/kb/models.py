"""Typed models of the knowledge base files (YAML written by hand or by an importer)."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from assistant.places.models import Unit

CODE_PATTERN = r"^\d\.\d{6}$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
UNKNOWN = "chưa cập nhật"


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a hand-written file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(str, Enum):
    xa = "xa"  # commune level (xã, phường, đặc khu)
    tinh = "tinh"  # provincial level
    bo = "bo"  # ministry / central level
    khac = "khac"  # another body (e.g. social insurance, police unit)


LEVEL_NAMES = {
    Level.xa: "Cấp xã",
    Level.tinh: "Cấp tỉnh",
    Level.bo: "Cấp bộ, ngành trung ương",
    Level.khac: "Cơ quan khác",
}


class ChannelKind(str, Enum):
    truc_tiep = "truc-tiep"
    truc_tuyen = "truc-tuyen"
    buu_chinh = "buu-chinh"


CHANNEL_NAMES = {
    ChannelKind.truc_tiep: "Trực tiếp",
    ChannelKind.truc_tuyen: "Trực tuyến",
    ChannelKind.buu_chinh: "Qua bưu chính",
}


def _iso_date(value: object) -> object:
    """YAML gives a date for 2026-11-29 but a string for "29/11/2026": accept only ISO dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("ngày phải theo dạng YYYY-MM-DD, ví dụ 2026-11-29")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class Expiring(Strict):
    """A fact that may stop being true on a known date (a temporary fee reduction, a transition rule)."""

    valid_until: IsoDate | None = None  # last day the fact holds
    source: str = ""  # where the date comes from, e.g. "Thông tư 64/2025/TT-BTC, Điều 1"

    def expired(self, today: dt.date) -> bool:
        return self.valid_until is not None and today > self.valid_until


class Document(Strict):
    """One paper in the application file."""

    name: Text
    copies: str = ""  # e.g. "1 bản chính", "1 bản sao hoặc bản chụp"
    form: str = ""  # form number, e.g. "Mẫu TP/HT-2020-KS.1"
    note: str = ""  # when it is needed (a case), or where to get it


class Channel(Expiring):
    """A way to submit: in person, online or by post. `valid_until` dates the channel's fee (a temporary
    reduction), not the channel itself."""

    kind: ChannelKind
    time: str = ""
    fee: str = ""
    url: str = ""  # the online service link, when there is one
    note: str = ""


class Fee(Expiring):
    case: str = ""  # who/when this amount applies; empty means "all cases"
    amount: Text


class LegalDoc(Strict):
    number: Text  # e.g. "60/2014/QH13"
    title: str = ""
    # True when the editors cite a text that the national record of the procedure does not list
    # (e.g. a decree issued after the record); `assistant check` asks for this mark.
    added: bool = False


class Faq(Expiring):
    question: Text
    answer: Text
    basis: str = ""  # article the answer rests on, e.g. "Điều 3 Luật Hộ tịch 2014"


class RuleKind(str, Enum):
    duoc = "duoc"  # allowed: "ông, bà được đi khai sinh thay, không cần ủy quyền"
    khong_duoc = "khong-duoc"  # prohibited / refused: "không được ủy quyền đăng ký kết hôn"
    bat_buoc = "bat-buoc"  # required: "hai bên nam, nữ phải có mặt"


RULE_KIND_NAMES = {RuleKind.duoc: "Được", RuleKind.khong_duoc: "Không được", RuleKind.bat_buoc: "Bắt buộc"}


class Rule(Expiring):
    """One rule of the procedure, in a sentence that answers a yes/no question by itself."""

    kind: RuleKind
    statement: Text  # "Không được ủy quyền cho người khác đi đăng ký kết hôn thay."
    condition: str = ""  # when it applies
    consequence: str = ""  # why, or what the person can do instead
    basis: Text  # article and text: "Khoản 1 Điều 2 Nghị định 123/2015/NĐ-CP"
    asks: list[Text] = Field(default_factory=list)  # how citizens ask it (search only, not printed)


class SpecialCase(Expiring):
    """A situation that changes who handles the request or how (abroad, army, minor, foreigner…)."""

    situation: Text  # "Người yêu cầu đang ở nước ngoài"
    handling: Text  # who handles it and how
    basis: Text
    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)] | None = None  # procedure to use instead
    asks: list[Text] = Field(default_factory=list)


class Tier(str, Enum):
    curated = "curated"  # written for the province in plain Vietnamese, reviewed
    national = "national"  # a record of the national procedure database, as published


class Procedure(Strict):
    """One administrative procedure, keyed by its national code (ma_thu_tuc)."""

    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    title: Text  # plain title citizens recognise
    official_name: str = ""
    sector: Slug
    levels: list[Level] = Field(default_factory=list)
    agency: str = ""  # competent authority that decides
    submit_at: str = ""  # where to hand in the file
    applicants: str = ""  # who may request it
    summary: str = ""  # two plain-language lines
    documents: list[Document] = Field(min_length=1)
    steps: list[Text] = Field(default_factory=list)
    processing_time: str = ""
    fees: list[Fee] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    conditions: list[Text] = Field(default_factory=list)
    result: str = ""
    legal_basis: list[LegalDoc] = Field(default_factory=list)
    aliases: list[Text] = Field(default_factory=list)
    faq: list[Faq] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    special_cases: list[SpecialCase] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)  # cases that differ (foreign element, border area…)
    related: list[Annotated[str, StringConstraints(pattern=CODE_PATTERN)]] = Field(default_factory=list)
    national_url: str = ""  # record on the national procedure database
    raw: dict[str, str] = Field(default_factory=dict)  # importer: text it could not fully parse
    tier: Tier = Tier.curated
    updated: IsoDate
    reviewed: IsoDate | None = None  # last field-by-field review against the sources

    @property
    def anchor(self) -> str:
        """Stable HTML anchor derived from the code: 1.001193 → tt-1-001193."""
        return "tt-" + self.code.replace(".", "-")

    @property
    def online_url(self) -> str:
        for channel in self.channels:
            if channel.kind is ChannelKind.truc_tuyen and channel.url:
                return channel.url
        return ""

    @property
    def fee_text(self) -> str:
        if not self.fees:
            return ""
        return "; ".join(f"{f.case}: {f.amount}" if f.case else f.amount for f in self.fees)


class Sector(Strict):
    slug: Slug
    name: Text
    description: str = ""
    order: int = 0
    intro: str = ""  # Markdown: who handles it, common situations, related procedures
    # Sectors (linh_vuc) of the national database whose records belong here, besides the one of the same
    # name: "Đăng ký, quản lý cư trú" for cu-tru. A linh_vuc no sector claims gets a sector of its own.
    national_sectors: list[Text] = Field(default_factory=list)
    # `national`: created by the loader from a linh_vuc of the national tier, not declared in sectors.yaml.
    tier: Tier = Tier.curated


class Contact(Strict):
    name: Text
    phone: str = ""
    address: str = ""
    email: str = ""
    url: str = ""
    hours: str = ""
    note: str = ""


class Province(Strict):
    name: Text
    centre: str = ""  # administrative centre
    communes: dict[str, int] = Field(default_factory=dict)  # {"xa": 85, "phuong": 14, "dac_khu": 3}
    online_services: int | None = None
    description: str = ""  # Markdown
    contacts: list[Contact] = Field(default_factory=list)
    updated: dt.date | None = None

    @property
    def short_name(self) -> str:
        """ "Tỉnh An Giang" → "An Giang": what titles and sentences say after "thủ tục hành chính"."""
        for kind in ("Tỉnh ", "Thành phố "):
            if self.name.startswith(kind):
                return self.name[len(kind) :]
        return self.name

    @property
    def label(self) -> str:
        """ "Tỉnh An Giang" → "tỉnh An Giang", for the middle of a sentence."""
        return self.name[:1].lower() + self.name[1:] if self.name != self.short_name else self.name


class GuideSection(Strict):
    heading: Text
    body: Text  # Markdown


class Guide(Strict):
    """A general guide (how to submit online, what the commune centre does, …)."""

    slug: Slug
    title: Text
    summary: str = ""
    order: int = 0
    sections: list[GuideSection] = Field(min_length=1)
    aliases: list[Text] = Field(default_factory=list)
    updated: dt.date | None = None


class KnowledgeBase(BaseModel):
    """A loaded, validated knowledge base."""

    model_config = ConfigDict(frozen=True)

    province: Province
    sectors: list[Sector]
    procedures: list[Procedure]
    guides: list[Guide] = Field(default_factory=list)
    # The province's commune-level units (packages + kb/units.yaml, see assistant.places); empty when the
    # packages do not know the province.
    units: list[Unit] = Field(default_factory=list)

    def sector(self, slug: str) -> Sector:
        return next(s for s in self.sectors if s.slug == slug)

    def procedure(self, code: str) -> Procedure | None:
        # Procedures by code, built once per list (1,600 with the national tier); a copy made with
        # model_copy(update={"procedures": …}) builds its own.
        cached = self.__dict__.get("_by_code")
        if cached is None or cached[0] is not self.procedures:
            cached = self.__dict__["_by_code"] = (self.procedures, {p.code: p for p in self.procedures})
        return cached[1].get(code)

    def procedures_of(self, slug: str, tier: Tier | None = None) -> list[Procedure]:
        return [p for p in self.procedures if p.sector == slug and (tier is None or p.tier is tier)]

    def curated_sectors(self) -> list[Sector]:
        """The sectors declared in sectors.yaml (the handbooks written for the province)."""
        return [s for s in self.sectors if s.tier is Tier.curated]

    def national_only_sectors(self) -> list[Sector]:
        """Sectors created from the national tier's linh_vuc: national records only."""
        return [s for s in self.sectors if s.tier is Tier.national]
