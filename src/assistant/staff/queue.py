"""The queue of questions the handbooks do not answer yet: grouped by topic with counts, each group with its
nearest procedures (where an answer would belong), and off-topic questions (gold prices, football) apart.

A group is off-topic when the assistant refused at least one of its phrasings, sure that nothing in the
knowledge base fits (best confidence below `OFF_TOPIC_CONFIDENCE`), and no procedure comes near a phrasing in
search either (e5 similarity below `OFF_TOPIC_SIMILARITY`). Measured on the test build:
"giá vàng hôm nay bao nhiêu" 0.21 / 0.84, "thời tiết An Giang ngày mai" 0.13 / 0.83, while a real gap such as
"xin giấy phép nuôi chim yến" scores 0.41 / 0.87 and stays in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.api.staff import group_questions
from assistant.search import HybridSearcher
from assistant.store.db import StoredQuestion
from assistant.text import has_marks

OFF_TOPIC_CONFIDENCE = 0.30
OFF_TOPIC_SIMILARITY = 0.86  # e5-small similarities of unrelated Vietnamese texts sit around 0.80-0.85
NEAREST = 3
MAX_SEARCHED_GROUPS = 60  # nearest procedures are looked up for the largest groups only


@dataclass(frozen=True)
class NearProcedure:
    code: str
    title: str
    sector: str
    url: str


@dataclass(frozen=True)
class TopicGroup:
    example: str
    count: int
    unanswered: int
    last_seen: str
    questions: tuple[str, ...]
    nearest: tuple[NearProcedure, ...]
    off_topic: bool


@dataclass(frozen=True)
class Queue:
    groups: tuple[TopicGroup, ...]  # largest first
    off_topic: tuple[TopicGroup, ...]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def build_queue(questions: list[StoredQuestion], searcher: HybridSearcher | None) -> Queue:
    confidence: dict[str, float] = {}
    refused: dict[str, bool] = {}
    for q in questions:
        confidence[q.question] = max(confidence.get(q.question, 0.0), q.confidence)
        refused[q.question] = refused.get(q.question, True) and not q.answered
    groups: list[TopicGroup] = []
    off: list[TopicGroup] = []
    for n, g in enumerate(group_questions(questions)):
        hits = searcher.search(g.example, k=NEAREST) if searcher is not None and n < MAX_SEARCHED_GROUPS else []
        nearest = tuple(NearProcedure(h.code, h.title, h.sector, h.url) for h in hits)
        # sure: at least one phrasing was refused with a confidence this low
        sure = any(
            refused.get(text, False) and confidence.get(text, 1.0) < OFF_TOPIC_CONFIDENCE for text in g.questions
        )
        far = False
        if sure and searcher is not None:
            # the phrasing with diacritics says most: unaccented text sits closer to everything in e5
            phrasings = sorted(g.questions, key=lambda text: not has_marks(text))[:3]
            far = any(
                max((h.dense for h in searcher.search(text, k=NEAREST)), default=0.0) < OFF_TOPIC_SIMILARITY
                for text in phrasings
            )
        example = next((text for text in g.questions if has_marks(text)), g.example)
        group = TopicGroup(
            example,
            g.count,
            g.count - g.answered,
            g.last_seen,
            tuple(g.questions[:10]),
            nearest,
            off_topic=sure and far,
        )
        (off if group.off_topic else groups).append(group)
    return Queue(tuple(groups), tuple(off))
