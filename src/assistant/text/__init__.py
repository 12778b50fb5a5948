"""Vietnamese text: the one place that normalises and tokenises, for indexing and queries alike."""

from assistant.text.vietnamese import (
    expand_abbreviations,
    fold,
    normalize,
    slugify,
    strip_controls,
    tokens,
)

__all__ = ["expand_abbreviations", "fold", "normalize", "slugify", "strip_controls", "tokens"]
