"""How sure the assistant is that it answers what was asked: that the procedure is the one meant (dense
similarity, the question's topic words in the procedure's card, one of its names in the question), and
that a fact of the knowledge base answers the asked point."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.intent import topic_words
from assistant.query import Form, Question
from assistant.search import Hit, HybridSearcher


@dataclass(frozen=True)
class ConfidenceModel:
    """Calibrated on ../shared/eval/zalo-dev.jsonl with bench/ask.py (see BENCHMARKS.md)."""

    # e5-small scores unrelated Vietnamese text about 0.80 and close paraphrases about 0.92:
    # the dense similarity is rescaled from that band to 0..1.
    dense_low: float = 0.80
    dense_high: float = 0.92
    dense_weight: float = 0.4
    topic_weight: float = 0.3  # IDF-weighted share of the question's topic words in the procedure's card
    name_weight: float = 0.3  # largest share of one of the procedure's names found in the question
    # A long, chatty message that names the procedure word for word ("… muốn đăng ký kết hôn …") is
    # about it, however many other words it carries: at least this confidence.
    named_floor: float = 0.7
    named_words: int = 3
    # A precise question (yes/no, who, where…) that no fact answers is a weak answer: it is offered to
    # staff rather than presented as sure, by capping the confidence at this value.
    unanswered_cap: float = 0.6


PRECISE_FORMS = {Form.yes_no, Form.who, Form.where, Form.how_long, Form.how_much}


def procedure_confidence(searcher: HybridSearcher, question: Question, hit: Hit, model: ConfidenceModel) -> float:
    """How sure we are that `hit` is the procedure the question is about."""
    dense = min(max((hit.dense - model.dense_low) / (model.dense_high - model.dense_low), 0.0), 1.0)
    score = (
        model.dense_weight * dense
        + model.topic_weight * searcher.names.coverage(topic_words(question.text), hit.code)
        + model.name_weight * searcher.names.name_coverage(question.text, hit.code)
    )
    if searcher.names.names_in(question.text, hit.code) >= model.named_words:
        score = max(score, model.named_floor)
    return round(score, 3)


def answer_confidence(procedure: float, question: Question, fact_answered: bool, model: ConfidenceModel) -> float:
    """The procedure's confidence, capped when a precise question found no fact that answers it."""
    precise = bool(PRECISE_FORMS & set(question.forms)) and question.has_story
    if precise and not fact_answered:
        return round(min(procedure, model.unanswered_cap), 3)
    return procedure
