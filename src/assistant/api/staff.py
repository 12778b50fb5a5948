"""The staff view's analysis: group similar unanswered questions so the biggest gaps come first."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
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
    _seen: set[str] = field(default_factory=set, repr=False)

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
    """Greedy grouping by word overlap (Jaccard on folded content words); largest groups first.

    Each question joins the earliest-made group it is most similar to, if at least `threshold` similar,
    else starts a group. Only groups that can reach the threshold are compared (prefix filtering: two sets
    with Jaccard >= t share a word among the first |x| - ceil(t|x|) + 1 of each, rarest words first), so
    thousands of distinct questions group in about linear time instead of comparing every pair."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    term_sets = [_terms(q.question) for q in questions]
    frequency = Counter(t for terms in term_sets for t in terms)

    def prefix(terms: set[str]) -> list[str]:
        ordered = sorted(terms, key=lambda t: (frequency[t], t))
        return ordered[: len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1]

    groups: list[QuestionGroup] = []
    by_word: dict[str, list[int]] = defaultdict(list)  # prefix word → groups (by creation order)
    empty_group: int | None = None  # questions with no content words group together
    for q, terms in zip(questions, term_sets, strict=True):
        chosen: int | None = None
        if not terms:
            chosen = empty_group
        else:
            best_sim = 0.0
            for gid in sorted({gid for word in prefix(terms) for gid in by_word.get(word, ())}):
                g_terms = groups[gid]._terms
                sim = len(terms & g_terms) / len(terms | g_terms)
                if sim > best_sim:
                    chosen, best_sim = gid, sim
            if best_sim < threshold:
                chosen = None
        if chosen is None:
            chosen = len(groups)
            groups.append(QuestionGroup(example=q.question, _terms=terms))
            if terms:
                for word in prefix(terms):
                    by_word[word].append(chosen)
            elif empty_group is None:
                empty_group = chosen
        best = groups[chosen]
        best.count += 1
        best.answered += int(q.answered)
        best.last_seen = max(best.last_seen, q.created_at)
        if q.question not in best._seen:
            best._seen.add(q.question)
            best.questions.append(q.question)
        if q.code:
            best.codes.append(q.code)
    return sorted(groups, key=lambda g: (-g.count, g.example))
