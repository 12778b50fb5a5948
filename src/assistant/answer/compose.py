"""Compose a procedure answer from the knowledge base: the facts that answer the asked point first,
whole; then the section(s) asked for; then where, how long, how much, and the links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.answer.facts import RankedFact
from assistant.answer.model import Block, Link
from assistant.handbook.anchors import SECTION_HEADINGS, procedure_url
from assistant.kb.facts import Fact, FactKind
from assistant.kb.models import CHANNEL_NAMES, UNKNOWN, ChannelKind, Procedure, Sector
from assistant.query import SECTION_OF, Form, Intent, Question, Situation, detect_situations
from assistant.text import date_vi, fold

MAX_ITEM = 260  # a list item in a section (documents, steps) before it is cut at a clause boundary
MAX_CONTEXT = 200  # a context line (where, time, fee)
MAX_DOCUMENTS = 8


@dataclass(frozen=True)
class FactChoice:
    """When a fact is good enough to open the answer, and how many more may follow it."""

    minimum: float = 0.42  # score of the first fact (see facts.FactWeights)
    follow_share: float = 0.8  # a further fact scores at least this share of the first
    follow_minimum: float = 0.45
    most: int = 3


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at the end of a sentence or clause, never inside one;
    a text with no clause boundary before the limit is cut between words with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    for mark in (". ", "; ", ": ", ", "):
        at = head.rfind(mark)
        if at >= limit // 3:
            return head[: at + 1].rstrip(",;:") + ("" if mark == ". " else " …")
    return head.rsplit(" ", 1)[0] + " …"


def fact_block(fact: Fact, today: dt.date) -> Block:
    """A fact, whole, with what it rests on; an expired fact is not stated as current."""
    text = fact.text
    if fact.kind is FactKind.rule and fact.detail:
        text = f"{text} {fact.detail}"
    note = f"Căn cứ: {fact.basis}" if fact.basis else ""
    if fact.expired(today) and fact.valid_until:
        return Block(
            title="Lưu ý:",
            text=f"thông tin sau chỉ áp dụng đến hết ngày {date_vi(fact.valid_until)} và có thể đã thay đổi; "
            f"hãy xem lại sổ tay hoặc hỏi Trung tâm Phục vụ hành chính công. ({text})",
            note=note,
        )
    # An FAQ answer is shown without its question: questions often restate the mistaken belief
    # ("có phải về quê …?") and the answer must not seem to say it.
    return Block(text=text, note=note)


REPEAT_OVERLAP = 0.5  # share of words two facts share above which the second one repeats the first


def _overlap(a: str, b: str) -> float:
    wa, wb = set(fold(a).split()), set(fold(b).split())
    return len(wa & wb) / max(min(len(wa), len(wb)), 1)


def choose_facts(ranked: list[RankedFact], question: Question, choice: FactChoice) -> list[Fact]:
    """The facts that open the answer: the best one when it answers the asked point, and the next ones
    that answer it nearly as well (another part of a two-part question)."""
    if not ranked or ranked[0].score < choice.minimum:
        return []
    # A question asking only for the list of papers is answered by the list itself.
    if question.forms == (Form.documents,) and ranked[0].fact.kind is FactKind.document:
        return []
    top = ranked[0].score
    chosen: list[Fact] = [ranked[0].fact]
    for r in ranked[1:]:
        if len(chosen) >= choice.most or r.score < max(choice.follow_minimum, top * choice.follow_share):
            break
        if r.fact.kind in (FactKind.document, FactKind.fee, FactKind.time, FactKind.place):
            continue  # the context lines below carry these
        if any(_overlap(r.fact.text, c.text) >= REPEAT_OVERLAP for c in chosen):
            continue  # says again what a chosen fact says (the same rule as a rule and as an FAQ answer)
        chosen.append(r.fact)
    return chosen


def _documents(p: Procedure) -> list[str]:
    items = []
    for d in p.documents[:MAX_DOCUMENTS]:
        extra = ", ".join(
            x for x in (d.copies, d.form and (d.form if d.form.lower().startswith("mẫu") else f"mẫu {d.form}")) if x
        )
        item = d.name + (f" ({cut(extra, 90)})" if extra else "")
        if d.note:
            item += f": {d.note}"
        items.append(cut(item, MAX_ITEM))
    if len(p.documents) > MAX_DOCUMENTS:
        items.append(f"… và {len(p.documents) - MAX_DOCUMENTS} giấy tờ khác (xem sổ tay)")
    return items


def current_fees(p: Procedure, today: dt.date) -> tuple[list[str], list[str]]:
    """(fee lines in force, warnings about fees that have expired)."""
    lines, warnings = [], []
    for f in p.fees:
        line = f"{f.case}: {f.amount}" if f.case else f.amount
        if f.expired(today) and f.valid_until:
            warnings.append(
                f'Mức "{line}" chỉ áp dụng đến hết ngày {date_vi(f.valid_until)}; mức hiện hành có thể đã thay đổi.'
            )
        else:
            lines.append(line)
    return lines, warnings


def section_block(p: Procedure, intent: Intent, today: dt.date, place_line: str = "") -> Block | None:
    """The full answer to one section asked for, from the procedure's fields."""
    if intent is Intent.documents:
        return Block(title="Hồ sơ cần chuẩn bị:", items=tuple(_documents(p)))
    if intent is Intent.fee:
        lines, warnings = current_fees(p, today)
        return Block(
            title="Phí, lệ phí:", items=tuple(cut(x, MAX_ITEM) for x in lines) or (UNKNOWN,), note=" ".join(warnings)
        )
    if intent is Intent.time:
        return Block(title="Thời gian giải quyết:", text=p.processing_time or UNKNOWN)
    if intent is Intent.place:
        agency = f"Cơ quan giải quyết: {p.agency or UNKNOWN}"
        if place_line:  # the question named a commune: its new centre first, the general rule after
            return Block(
                title="Nơi nộp hồ sơ:", text=place_line, items=(f"Quy định chung: {p.submit_at or UNKNOWN}", agency)
            )
        return Block(title="Nơi nộp hồ sơ:", text=p.submit_at or UNKNOWN, items=(agency,))
    if intent is Intent.steps:
        return Block(
            title="Các bước thực hiện:",
            items=tuple(cut(s, MAX_ITEM) for s in p.steps[:7]) or (UNKNOWN,),
            numbered=bool(p.steps),
        )
    if intent is Intent.conditions:
        items = tuple(cut(c, MAX_ITEM) for c in p.conditions[:6]) or (
            "Không có điều kiện riêng ngoài hồ sơ cần chuẩn bị.",
        )
        return Block(title="Điều kiện:", items=items)
    if intent is Intent.result:
        return Block(title="Kết quả nhận được:", text=p.result or UNKNOWN)
    if intent is Intent.online:
        online = [c for c in p.channels if c.kind is ChannelKind.truc_tuyen]
        if online:
            title, text = "Có thể nộp trực tuyến", "trên Cổng Dịch vụ công quốc gia hoặc ứng dụng VNeID."
        else:
            title, text = (
                "Theo sổ tay, thủ tục này chưa có cách nộp trực tuyến;",
                "hãy nộp trực tiếp hoặc qua bưu chính nếu có.",
            )
        channel_lines: list[str] = []
        for c in p.channels:
            # A channel's end date dates its fee (a temporary reduction), not the channel itself.
            fee = c.fee and not c.expired(today) and f"phí {cut(c.fee, 90)}"
            details = "; ".join(x for x in (c.time and f"thời gian {cut(c.time, 90)}", fee) if x)
            channel_lines.append(f"{CHANNEL_NAMES[c.kind]}" + (f": {details}" if details else ""))
        return Block(title=title, text=text, items=tuple(channel_lines))
    return None


def overview_block(p: Procedure) -> Block:
    return Block(text=p.summary.strip(), title="", items=tuple(_documents(p)[:5]))


def context_block(p: Procedure, shown: set[Intent], today: dt.date, place_line: str = "") -> Block:
    """The procedure in brief: where, how long, how much (what the sections above did not show)."""
    items = []
    if Intent.place not in shown:
        where = place_line or (cut(p.submit_at, MAX_CONTEXT) if p.submit_at else UNKNOWN)
        items.append(f"Nộp tại: {where}")
    if Intent.time not in shown:
        items.append(f"Thời gian: {cut(p.processing_time, MAX_CONTEXT) if p.processing_time else UNKNOWN}")
    note = ""
    if Intent.fee not in shown:
        lines, warnings = current_fees(p, today)
        items.append(f"Lệ phí: {cut('; '.join(lines), MAX_CONTEXT) if lines else UNKNOWN}")
        note = " ".join(warnings)
    return Block(title="Tóm tắt thủ tục:", items=tuple(items), note=note)


def section_link(p: Procedure, sector: Sector, section: str) -> Link:
    label = f"Sổ tay {sector.name} › " + (SECTION_HEADINGS.get(section, p.title) if section else p.title)
    return Link(f"Xem chi tiết: {label}", procedure_url(p.sector, p.code, section or None))


@dataclass
class ComposedProcedure:
    heading: str
    direct: list[Block]
    blocks: list[Block]
    links: list[Link]
    facts: list[Fact]


# The sections a plain section question asks for, and the fact kinds those sections already show.
_SECTION_SHOWS = {
    Intent.documents: FactKind.document,
    Intent.fee: FactKind.fee,
    Intent.time: FactKind.time,
    Intent.place: FactKind.place,
    Intent.online: FactKind.online,
    Intent.result: FactKind.result,
    Intent.conditions: FactKind.condition,
}


SECTION_EXTRA_FACTS = 2  # after the section a plain question asked for, at most this many facts


def asks_a_section(question: Question, p: Procedure) -> bool:
    """A plain question for a handbook section ("đăng ký kết hôn cần giấy tờ gì", "khai tử mất mấy ngày"):
    no story, no situation beyond what the procedure's name says; the section itself is the answer, and
    facts come after it."""
    intents = [
        i
        for i in question.intents
        if i is not Intent.overview and (i is not Intent.conditions or "dieu kien" in question.folded)
    ]
    implied = detect_situations(fold(f"{p.title} {p.official_name}")) | {Situation.online}
    return bool(intents) and not question.has_story and not (question.situations - implied)


def compose_procedure(
    p: Procedure,
    sector: Sector,
    question: Question,
    ranked: list[RankedFact],
    *,
    today: dt.date,
    choice: FactChoice | None = None,
    place_line: str = "",
    most_facts: int | None = None,
) -> ComposedProcedure:
    choice = choice or FactChoice()
    intents = [i for i in question.intents if i is not Intent.overview][:2]
    section_first = asks_a_section(question, p)
    if section_first:  # facts the sections already show are not repeated after them
        shown = {_SECTION_SHOWS[i] for i in intents if i in _SECTION_SHOWS}
        ranked = [r for r in ranked if r.fact.kind not in shown]
    facts = choose_facts(ranked, question, choice)[: (SECTION_EXTRA_FACTS if section_first else None)][:most_facts]
    # "… có được không?" reads as a conditions question; a rule that answers it needs no list after it.
    if facts and Intent.conditions in intents and "dieu kien" not in question.folded:
        intents.remove(Intent.conditions)
    sections: list[Block] = []
    for intent in intents:
        block = section_block(p, intent, today, place_line)
        if block is not None:
            sections.append(block)
    if not facts and not intents:
        sections.append(overview_block(p))
    fact_blocks = [fact_block(f, today) for f in facts]
    if section_first:  # title, the sections asked for, then the facts that add to them
        direct, blocks = [], sections + fact_blocks
        section = SECTION_OF[intents[0]]
    else:
        direct, blocks = fact_blocks, sections
        section = facts[0].section if facts else (SECTION_OF[intents[0]] if intents else "")
    blocks.append(context_block(p, set(intents), today, place_line))
    links = [section_link(p, sector, section)]
    if p.online_url:
        links.append(Link("Nộp trực tuyến", p.online_url))
    return ComposedProcedure(f"{p.title} (mã {p.code})", direct, blocks, links, facts)
