"""A procedure's card: what it is called, as one text. Shared vocabulary of the index (built from it) and of
search (which matches questions against it), so that neither side imports the other."""

from __future__ import annotations

from assistant.kb.models import Procedure


def card_text(p: Procedure) -> str:
    """What a procedure is called: the text the title-weighted channels see (the title counts twice)."""
    return " . ".join([p.code, p.title, p.title, p.official_name, *p.aliases, p.summary])
