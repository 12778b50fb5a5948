"""The analysed question: read once, consumed by search, answer and confidence."""

from assistant.query.analyse import (
    SECTION_OF,
    Form,
    Intent,
    Question,
    Situation,
    analyse,
    detect_forms,
    detect_intents,
    detect_situations,
    split_asked,
)

__all__ = [
    "SECTION_OF",
    "Form",
    "Intent",
    "Question",
    "Situation",
    "analyse",
    "detect_forms",
    "detect_intents",
    "detect_situations",
    "split_asked",
]
