"""Answers to "where do I go now?": the new unit a former one belongs to, what formed it, its centre."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from assistant.places.match import Gazetteer, PlaceMatch, is_place_question
from assistant.places.models import UNITS_PAGE, UNITS_PAGE_TITLE, UNKNOWN, FormerUnit, Unit
from assistant.text.vietnamese import fold

MAX_CHARS = 1500
EFFECTIVE = "01/7/2025"


class PlaceAnswer(BaseModel):
    """A Markdown answer about places named in a question, and what it is based on."""

    model_config = ConfigDict(frozen=True)

    text: str  # Markdown, at most MAX_CHARS characters
    matches: list[PlaceMatch]  # the places the answer speaks about, best first
    units: list[Unit]  # the current units it names, in order
    split: bool  # a former unit named went to two or more current units


def centre_line(unit: Unit) -> str:
    """One line naming the unit's public administrative service centre, for "where to submit":
    "Trung tâm Phục vụ hành chính công xã Chợ Mới (địa chỉ: chưa cập nhật)"."""
    details = [f"địa chỉ: {unit.centre.address or UNKNOWN}"]
    if unit.centre.phone or unit.hotline:
        details.append(f"điện thoại: {unit.centre.phone or unit.hotline}")
    return f"{unit.centre_name} ({'; '.join(details)})"


def _link(unit: Unit, public_url: str) -> str:
    return f"[{unit.name}]({public_url.rstrip('/')}{unit.url})"


def formed_from(unit: Unit, limit: int | None = None) -> str:
    """ "thị trấn Chợ Mới, xã Kiến An (huyện Chợ Mới, tỉnh An Giang cũ); xã … (…)"."""
    groups: dict[tuple[str, str], list[FormerUnit]] = {}
    for f in unit.former:
        groups.setdefault((f.district_label, f.province_label), []).append(f)
    parts, shown = [], 0
    for (district, province), formers in groups.items():
        names = []
        for f in formers:
            if limit is not None and shown >= limit:
                break
            names.append(f.label + (" (một phần)" if f.split else ""))
            shown += 1
        if names:
            parts.append(f"{', '.join(names)} ({district}, {province} cũ)")
    rest = len(unit.former) - shown
    return "; ".join(parts) + (f" và {rest} đơn vị khác" if rest > 0 else "")


def unit_block(unit: Unit, public_url: str = "", *, brief: bool = False) -> list[str]:
    """What to know about a current unit: what formed it, its centre, its page on the site."""
    lines = [f"**{unit.name}** (mã {unit.code}) được hình thành từ: {formed_from(unit, 4 if brief else None)}."]
    centre = [f"địa chỉ: {unit.centre.address or UNKNOWN}"]
    if not brief:
        centre.append(f"giờ làm việc: {unit.centre.hours or UNKNOWN}")
    lines.append(f"- Nơi làm thủ tục: {unit.centre_name}; {'; '.join(centre)}.")
    if unit.hotline or unit.centre.phone:
        lines.append(f"- Điện thoại: {unit.centre.phone or unit.hotline}")
    if unit.notes and not brief:
        lines.append(f"- Lưu ý: {' '.join(unit.notes)}")
    lines.append(f"- Xem: {_link(unit, public_url)}")
    return lines


def _former_line(m: PlaceMatch, province: str) -> str:
    f = m.former
    assert f is not None
    where = f"({f.district_label}, {f.province_label} cũ)"
    targets = ", ".join(f"**{u.name}**" for u in m.units)
    if m.split:
        return (
            f"{f.name} {where} được chia cho {len(m.units)} đơn vị mới: {targets}. "
            "Tùy nơi bạn ở (ấp, khóm, tổ), hãy hỏi Trung tâm Phục vụ hành chính công gần nhất để biết đúng nơi nộp."
        )
    return f"{f.name} {where} từ ngày {EFFECTIVE} thuộc {targets}" + (f", {province}." if province else ".")


def _district_lines(m: PlaceMatch) -> list[str]:
    label = m.name[0].lower() + m.name[1:]
    province = m.province[0].lower() + m.province[1:]
    lines = [f"Các xã, phường, thị trấn cũ của {label} ({province} cũ) nay thuộc:"]
    for u in m.units:
        mine = [
            f.label + (" (một phần)" if f.split else "")
            for f in u.former
            if f.district == m.name and f.province == m.province
        ]
        lines.append(f"- **{u.name}**: {', '.join(mine)}")
    return lines


def _primary(matches: list[PlaceMatch]) -> list[PlaceMatch]:
    """The best match and those named by the same words (two former xã Tân An, a former and a current
    unit of the same name)."""
    top = matches[0]
    return [m for m in matches if fold(m.text) == fold(top.text) and m.score >= top.score - 0.15]


def compose_place_answer(matches: list[PlaceMatch], public_url: str = "", province: str = "") -> PlaceAnswer | None:
    """`province`: the province as written mid-sentence ("tỉnh An Giang"), from the knowledge base."""
    if not matches:
        return None
    primary = _primary(matches)
    for detail in (2, 1, 0):
        lines: list[str] = []
        units: list[Unit] = []
        formers = [m for m in primary if m.kind == "former"]
        currents = [m for m in primary if m.kind == "unit"]
        districts = [m for m in primary if m.kind == "district"]
        lead = primary[0].kind
        if lead == "district":
            lines.append(f"Từ ngày {EFFECTIVE} không còn cấp huyện.")
            for m in districts:
                lines += _district_lines(m)
                units += [u for u in m.units if u not in units]
        else:
            if lead == "former" or (formers and not currents):
                if len(formers) > 1:
                    lines.append(
                        f"Có {len(formers)} {formers[0].former.label if formers[0].former else ''} cũ cùng tên:"
                    )
                    lines += [f"- {_former_line(m, province)}" for m in formers]
                else:
                    lines += [_former_line(m, province) for m in formers]
                units += [u for m in formers for u in m.units if u not in units]
            for m in currents:
                if m.units[0] not in units:
                    if formers:
                        lines.append(f"Hiện nay cũng có **{m.units[0].name}** (đơn vị mới).")
                    units.append(m.units[0])
        shown = units[: (3 if detail else 1)]
        for u in shown:
            lines.append("")
            lines += unit_block(u, public_url, brief=detail < 2)
        if detail == 0 and len(units) > 1:
            lines.append("")
            lines.append("Các đơn vị còn lại: " + ", ".join(_link(u, public_url) for u in units[1:]))
        lines.append("")
        base = public_url.rstrip("/")
        lines.append(f"Tra cứu tất cả xã, phường, đặc khu: [{UNITS_PAGE_TITLE}]({base}/{UNITS_PAGE[:-3]}/)")
        text = "\n".join(lines).strip()
        if len(text) <= MAX_CHARS or detail == 0:
            while len(text) > MAX_CHARS and len(lines) > 3:
                del lines[-3]  # keep the lead and the link to the page
                text = "\n".join(lines).strip()
            return PlaceAnswer(text=text, matches=primary, units=units, split=any(m.split for m in primary))
    return None


def answer_place(
    question: str,
    gazetteer: Gazetteer,
    *,
    province: str = "",
    public_url: str = "",
    require_question: bool = True,
) -> PlaceAnswer | None:
    """The answer to a question about a place ("xã Mỹ Hòa Hưng cũ giờ thuộc phường nào?"), or None when
    the question does not ask about a place (see `is_place_question`) or names no known unit."""
    if require_question and not is_place_question(question, gazetteer):
        return None
    return compose_place_answer(gazetteer.find(question), public_url, province)


class PlaceAnswerer:
    """Answers place questions from a knowledge base's units: build once, call `answer` per question."""

    def __init__(self, units: Sequence[Unit], province: str = "", public_url: str = "") -> None:
        self.gazetteer = Gazetteer(units)
        self.province = province  # as written mid-sentence: "tỉnh An Giang"
        self.public_url = public_url

    def answer(self, question: str) -> PlaceAnswer | None:
        return answer_place(question, self.gazetteer, province=self.province, public_url=self.public_url)

    def without_places(self, question: str) -> str:
        return self.gazetteer.without_places(question)

    def units_in(self, question: str) -> list[Unit]:
        """The current units a question names or points to (for "where to submit" in a procedure answer)."""
        out: list[Unit] = []
        for m in self.gazetteer.find(question):
            out += [u for u in m.units if u not in out]
        return out
