"""Ranking a procedure's atomic facts (see `assistant.kb.facts`) against the asked part of a question.

A fact is shown whole or not at all: its `text` is one complete statement from the knowledge base.
Ranking is lexical within the candidate procedures' facts (IDF computed over those facts, so the
words every fact of the procedure shares, like its name, weigh nothing), plus the situations the
question and the fact both name, plus what the question form wants (a yes/no question wants a rule,
"ở đâu" a special case or the place)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from assistant.index.embedders import Embedder
from assistant.index.store import FactKey
from assistant.kb.facts import Fact, FactKind, facts_of
from assistant.kb.models import Procedure
from assistant.query import Form, Intent, Question, Situation, detect_situations
from assistant.text import STOPWORDS, expand_abbreviations, fold, tokens


@lru_cache(maxsize=100_000)
def fact_tokens(text: str) -> frozenset[str]:
    """Folded content syllables and bigrams, abbreviations written out; function words dropped from the
    syllables (bigrams keep them: "được không" is not a topic, "không được" is)."""
    return frozenset(_weighted_tokens(text))


def _weighted_tokens(text: str) -> list[str]:
    folded = tokens(expand_abbreviations(text), folded=True, bigrams=False)
    syllables = [w for w in folded if w not in STOPWORDS.folded]
    bigrams = [f"{a}_{b}" for a, b in pairwise(folded) if not (a in STOPWORDS.folded and b in STOPWORDS.folded)]
    return syllables + bigrams


@lru_cache(maxsize=100_000)
def fact_situations(text: str) -> frozenset[Situation]:
    return detect_situations(fold(expand_abbreviations(text)))


# The section asked for points at a kind of fact too ("nộp qua mạng được không" → the online channel).
INTENT_PREFERS: dict[Intent, FactKind] = {
    Intent.online: FactKind.online,
    Intent.fee: FactKind.fee,
    Intent.time: FactKind.time,
    Intent.place: FactKind.place,
    Intent.documents: FactKind.document,
    Intent.conditions: FactKind.condition,
    Intent.result: FactKind.result,
}

# What each question form looks for first (a small bonus, not a filter).
FORM_PREFERS: dict[Form, tuple[FactKind, ...]] = {
    Form.yes_no: (FactKind.rule, FactKind.faq, FactKind.special_case, FactKind.condition),
    Form.who: (FactKind.rule, FactKind.special_case, FactKind.applicants, FactKind.faq),
    Form.where: (FactKind.special_case, FactKind.place, FactKind.rule, FactKind.faq),
    Form.how_long: (FactKind.time, FactKind.rule, FactKind.faq),
    Form.how_much: (FactKind.fee, FactKind.faq, FactKind.rule),
    Form.documents: (FactKind.document, FactKind.faq, FactKind.special_case),
    Form.how: (FactKind.faq, FactKind.special_case, FactKind.rule),
    Form.overview: (FactKind.faq, FactKind.rule),
}


@dataclass(frozen=True)
class RankedFact:
    fact: Fact
    score: float  # 0..1 (about): how well the fact answers the asked part
    asked_share: float  # IDF-weighted share of the asked part's words found in the fact


class FactVectors:
    """Dense vectors of the index's facts (built with the index), and the embedder for the asked part."""

    def __init__(self, vectors: np.ndarray, keys: list[FactKey], embedder: Embedder) -> None:
        self.vectors = vectors
        self.rows = {(k.code, k.kind, k.index): i for i, k in enumerate(keys)}
        self.embedder = embedder

    def similarities(self, text: str, facts: list[Fact]) -> list[float | None]:
        rows = [self.rows.get((f.code, f.kind.value, f.index)) for f in facts]
        wanted = [r for r in rows if r is not None]
        if not wanted or not text.strip():
            return [None] * len(facts)
        query = self.embedder.embed_queries([text])[0]
        sims = self.vectors[wanted] @ query
        found = dict(zip(wanted, sims.tolist(), strict=True))
        return [found[r] if r is not None else None for r in rows]


@dataclass(frozen=True)
class FactWeights:
    """How the fact score is made; chosen on the key-fact dev questions (bench/ask.py)."""

    asked: float = 0.6  # share of the asked part's words in the fact
    story: float = 0.15  # share of the story's words in the fact
    situation: float = 0.2  # each situation both name (capped at two)
    form: float = 0.12  # the fact is of a kind the question form looks for
    # A question's FAQ twin: the words of the FAQ question count again.
    faq_question: float = 0.15
    # Dense similarity of the asked part to the fact (rules, cases, FAQ…), rescaled from the band where
    # e5-small separates related from unrelated Vietnamese text.
    dense: float = 0.3
    dense_low: float = 0.80
    dense_high: float = 0.90


class FactRanker:
    """Ranks the facts of candidate procedures against an analysed question."""

    def __init__(self, weights: FactWeights | None = None, vectors: FactVectors | None = None) -> None:
        self.weights = weights or FactWeights()
        self.vectors = vectors
        self._facts: dict[str, list[Fact]] = {}

    def facts(self, p: Procedure) -> list[Fact]:
        if p.code not in self._facts:
            self._facts[p.code] = facts_of(p)
        return self._facts[p.code]

    def rank(self, question: Question, procedures: list[Procedure]) -> list[RankedFact]:
        candidates = [f for p in procedures for f in self.facts(p)]
        if not candidates:
            return []
        bags = [fact_tokens(f.searchable) for f in candidates]
        df = Counter(t for bag in bags for t in bag)
        n = len(candidates)

        def idf(t: str) -> float:
            # BM25's idf, floored at 0: a word in half the candidate facts or more (the procedure's own
            # name, usually) says nothing about which fact answers.
            d = df.get(t, 0)
            return max(math.log((n - d + 0.5) / (d + 0.5)), 0.0)

        asked = Counter(_weighted_tokens(question.asked))
        story = Counter(_weighted_tokens(question.story)) if question.story else Counter()
        asked_total = sum(idf(t) for t in asked) or 1.0
        story_total = sum(idf(t) for t in story) or 1.0
        w = self.weights
        prefers = {k for form in question.forms for k in FORM_PREFERS.get(form, ())}
        prefers |= {INTENT_PREFERS[i] for i in question.intents if i in INTENT_PREFERS}
        sims = self.vectors.similarities(question.asked_expanded, candidates) if self.vectors else [None] * n
        ranked = []
        for fact, bag, sim in zip(candidates, bags, sims, strict=True):
            a = sum(idf(t) for t in asked if t in bag) / asked_total
            s = sum(idf(t) for t in story if t in bag) / story_total if story else 0.0
            score = w.asked * a + w.story * s
            if fact.kind is FactKind.faq:
                qbag = fact_tokens(fact.detail)
                score += w.faq_question * sum(idf(t) for t in asked if t in qbag) / asked_total
            shared = question.situations & fact_situations(fact.topic)
            score += w.situation * min(len(shared), 2)
            if fact.kind in prefers:
                score += w.form
            if sim is not None:
                score += w.dense * min(max((sim - w.dense_low) / (w.dense_high - w.dense_low), 0.0), 1.0)
            ranked.append(RankedFact(fact, round(score, 4), round(a, 4)))
        # Ties keep handbook order and the first procedure's facts first.
        order = sorted(range(len(ranked)), key=lambda i: -ranked[i].score)
        return [ranked[i] for i in order]
