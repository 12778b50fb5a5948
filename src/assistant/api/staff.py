"""The staff view's analysis: group similar unanswered questions so the biggest gaps come first."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.store.db import StoredQuestion
from assistant.text import content_words


@dataclass
class QuestionGroup:
    example: str
    count: int = 0
    answered: int = 0
    last_seen: str = ""
    questions: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    _terms: set[str] = field(default_factory=set, repr=False)

    def to_json(self) -> dict[str, object]:
        return {
            "example": self.example,
            "count": self.count,
            "unanswered": self.count - self.answered,
            "last_seen": self.last_seen,
            "questions": self.questions[:10],
            "suggested_codes": sorted(set(self.codes))[:5],
        }


def _terms(question: str) -> set[str]:
    # folded, so "bóng đá" and "bong da" fall into one group
    return set(content_words(question, folded=True))


def group_questions(questions: list[StoredQuestion], threshold: float = 0.5) -> list[QuestionGroup]:
    """Greedy grouping by word overlap (Jaccard on folded content words); largest groups first."""
    groups: list[QuestionGroup] = []
    for q in questions:
        terms = _terms(q.question)
        best, best_sim = None, 0.0
        for g in groups:
            union = terms | g._terms
            sim = len(terms & g._terms) / len(union) if union else 1.0
            if sim > best_sim:
                best, best_sim = g, sim
        if best is None or best_sim < threshold:
            best = QuestionGroup(example=q.question, _terms=terms)
            groups.append(best)
        best.count += 1
        best.answered += int(q.answered)
        best.last_seen = max(best.last_seen, q.created_at)
        if q.question not in best.questions:
            best.questions.append(q.question)
        if q.code:
            best.codes.append(q.code)
    return sorted(groups, key=lambda g: (-g.count, g.example))
