"""The answer as a typed object. The answer stage decides what to say; each channel renders it
(Markdown for the web chat and the API, plain text for Zalo, terminal text for `assistant ask`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from assistant.kb.models import Procedure
from assistant.query import Intent
from assistant.search import Hit


class AnswerKind(str, Enum):
    procedure = "procedure"  # about one procedure: direct facts, then its context
    guide = "guide"  # a general guide section
    place = "place"  # old → new commune
    clarify = "clarify"  # which of these procedures?
    refuse = "refuse"  # nothing in the knowledge base fits
    handoff = "handoff"  # passed to a staff member
    welcome = "welcome"


@dataclass(frozen=True)
class Link:
    label: str
    url: str  # site-relative ("/ho-tich/#tt-1-001193") or absolute


@dataclass(frozen=True)
class Block:
    """One part of an answer: a paragraph (`text`), or a titled list (`items`, numbered or not).
    Text is plain; `markdown` marks text written in Markdown in the knowledge base (guide bodies)."""

    title: str = ""  # shown bold on the web
    text: str = ""
    items: tuple[str, ...] = ()
    numbered: bool = False
    markdown: bool = False
    note: str = ""  # small print after the text: the legal basis, a warning
    link: Link | None = None  # where the text is printed in the handbook


@dataclass
class Answer:
    answered: bool
    confidence: float
    kind: AnswerKind
    heading: str = ""  # "Đăng ký khai sinh (mã 1.001193)"
    direct: list[Block] = field(default_factory=list)  # the answer to the asked point, first and whole
    blocks: list[Block] = field(default_factory=list)  # the asked section(s), then the procedure in brief
    links: list[Link] = field(default_factory=list)
    procedure: Procedure | None = None
    sources: list[Hit] = field(default_factory=list)
    intent: Intent | None = None
    clarify: bool = False
    handoff: bool = False
    national: bool = False  # from the national record, not written for the province
    question_id: str = ""
    text: str = ""  # the Markdown rendering, filled by the service for the API and the store
