"""Vietnamese text: the one place that normalises and tokenises, for indexing and queries alike."""

from assistant.text.vietnamese import (
    STOPWORDS,
    WordSet,
    content_words,
    date_vi,
    expand_abbreviations,
    fold,
    has_marks,
    nfc,
    normalize,
    slugify,
    strip_controls,
    tidy,
    tokens,
)

__all__ = [
    "STOPWORDS",
    "WordSet",
    "has_marks",
    "content_words",
    "date_vi",
    "expand_abbreviations",
    "fold",
    "nfc",
    "normalize",
    "slugify",
    "strip_controls",
    "tidy",
    "tokens",
]
