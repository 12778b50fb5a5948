"""The atomic facts of a procedure: each rule, special case, FAQ answer, condition, document with its
note, fee case, note… one complete statement each, with the handbook section that prints it. Built from
the KB model alone, so the index (build time) and the answers (query time) share one definition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from assistant.kb.models import CHANNEL_NAMES, ChannelKind, Procedure, RuleKind


class FactKind(str, Enum):
    rule = "rule"
    special_case = "special_case"
    faq = "faq"
    condition = "condition"
    document = "document"
    fee = "fee"
    time = "time"
    place = "place"
    applicants = "applicants"
    result = "result"
    online = "online"
    note = "note"


# Handbook section (anchor key of handbook/render.py SECTIONS) where each kind of fact is printed.
SECTION_OF_KIND = {
    FactKind.rule: "quy-dinh",
    FactKind.special_case: "truong-hop-dac-biet",
    FactKind.faq: "hoi-dap",
    FactKind.condition: "dieu-kien",
    FactKind.document: "ho-so",
    FactKind.fee: "le-phi",
    FactKind.time: "thoi-gian",
    FactKind.place: "noi-nop",
    FactKind.applicants: "gioi-thieu",
    FactKind.result: "ket-qua",
    FactKind.online: "cach-nop",
    FactKind.note: "luu-y",
}


@dataclass(frozen=True)
class Fact:
    """One statement of the knowledge base, with where it is printed and what it rests on."""

    code: str
    kind: FactKind
    text: str  # shown whole
    detail: str = ""  # a rule's condition and consequence, an FAQ's question, a case's situation
    basis: str = ""
    verdict: RuleKind | None = None  # rules only: allowed / not allowed / required
    valid_until: dt.date | None = None
    index: int = 0  # position within its kind (rule 0, rule 1…)
    search: str = ""  # extra words that find it (citizens' phrasings), never shown

    @property
    def section(self) -> str:
        return SECTION_OF_KIND[self.kind]

    def expired(self, today: dt.date) -> bool:
        return self.valid_until is not None and today > self.valid_until

    @property
    def searchable(self) -> str:
        return " . ".join(x for x in (self.text, self.detail, self.search) if x)

    @property
    def topic(self) -> str:
        """What the fact is about: how it is asked and how it opens (an FAQ answer that mentions
        "trực tuyến" in passing is not about submitting online)."""
        opening = self.text if self.kind is not FactKind.faq else self.text.split(". ")[0]
        return " . ".join(x for x in (opening, self.detail, self.search) if x)


def _join(*parts: str) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip())


def facts_of(p: Procedure) -> list[Fact]:
    """Every atomic fact of a procedure, in handbook order."""
    out: list[Fact] = []
    for i, r in enumerate(p.rules):
        detail = _join(f"Áp dụng khi {r.condition[:1].lower()}{r.condition[1:]}." if r.condition else "", r.consequence)
        out.append(
            Fact(
                p.code, FactKind.rule, _join(r.statement), detail, r.basis, r.kind, r.valid_until, i, " . ".join(r.asks)
            )
        )
    for i, c in enumerate(p.special_cases):
        text = _join(f"{c.situation.rstrip('.:')}: {c.handling}")
        out.append(Fact(p.code, FactKind.special_case, text, "", c.basis, None, c.valid_until, i, " . ".join(c.asks)))
    for i, f in enumerate(p.faq):
        out.append(Fact(p.code, FactKind.faq, _join(f.answer), _join(f.question), f.basis, None, f.valid_until, i))
    for i, condition in enumerate(p.conditions):
        out.append(Fact(p.code, FactKind.condition, _join(condition), index=i))
    for i, d in enumerate(p.documents):
        head = d.name + (f" ({d.copies})" if d.copies else "")
        text = _join(f"{head}: {d.note}" if d.note else head)
        out.append(Fact(p.code, FactKind.document, text, _join(d.form), index=i, search="giấy tờ hồ sơ"))
    for i, fee in enumerate(p.fees):
        text = _join(
            f"Lệ phí {fee.case[:1].lower()}{fee.case[1:]}: {fee.amount}" if fee.case else f"Lệ phí: {fee.amount}"
        )
        out.append(Fact(p.code, FactKind.fee, text, valid_until=fee.valid_until, index=i, search="phí tiền bao nhiêu"))
    if p.processing_time:
        out.append(
            Fact(p.code, FactKind.time, _join(f"Thời gian giải quyết: {p.processing_time}"), search="bao lâu mấy ngày")
        )
    if p.agency or p.submit_at:
        text = _join(
            f"Nộp hồ sơ tại: {p.submit_at}" if p.submit_at else "",
            f"Cơ quan giải quyết: {p.agency}." if p.agency else "",
        )
        out.append(Fact(p.code, FactKind.place, text, search="ở đâu nơi nào cơ quan nào"))
    if p.applicants:
        out.append(
            Fact(
                p.code, FactKind.applicants, _join(f"Người được yêu cầu: {p.applicants}"), search="ai được ai làm ai đi"
            )
        )
    if p.result:
        out.append(Fact(p.code, FactKind.result, _join(f"Kết quả: {p.result}"), search="nhận được gì"))
    online = [c for c in p.channels if c.kind is ChannelKind.truc_tuyen]
    if online:
        channel = online[0]
        text = _join(
            f"Có thể nộp trực tuyến ({CHANNEL_NAMES[channel.kind].lower()})"
            + (f": {channel.note}" if channel.note else ".")
        )
        out.append(Fact(p.code, FactKind.online, text, search="online qua mạng trên mạng"))
    for i, n in enumerate(p.notes):
        out.append(Fact(p.code, FactKind.note, _join(n), index=i))
    return out


# Facts worth a dense vector: the statements that answer questions in the citizen's own words. Documents,
# fees and times are found by their words and by the section asked for.
DENSE_FACT_KINDS = frozenset({FactKind.rule, FactKind.special_case, FactKind.faq, FactKind.condition, FactKind.note})
DENSE_PASSAGE_CHARS = 400  # the model reads ~128 tokens well; the opening carries the meaning


def fact_passage(fact: Fact) -> str:
    """The text embedded for a fact: how it is asked, then what it says."""
    asked = " ".join(x for x in (fact.detail if fact.kind is FactKind.faq else "", fact.search) if x)
    return (f"{asked}. {fact.text}" if asked else fact.text)[:DENSE_PASSAGE_CHARS]
