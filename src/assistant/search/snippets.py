"""The snippet of a search hit: the procedure's chunk that shares most words with the query."""

from __future__ import annotations

from assistant.index.model import Chunk
from assistant.text import tokens

SNIPPET_CHARS = 240  # a phone-sized excerpt
SECTION_PENALTY = 0.5  # a chunk from a section loses ties to the procedure's opening (its summary)


class Snippeter:
    def __init__(self, chunks: list[Chunk]) -> None:
        self._by_code: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self._by_code.setdefault(chunk.code, []).append(chunk)

    def best(self, code: str, text: str) -> tuple[str, str]:
        """(snippet, handbook section it comes from) of procedure `code` for query `text`."""
        q = set(tokens(text, folded=True))
        best, best_overlap = None, -1.0
        for chunk in self._by_code.get(code, []):  # a few per procedure: tokenised when asked, not kept
            overlap = len(q & set(tokens(chunk.text, folded=True))) - (SECTION_PENALTY if chunk.section else 0.0)
            if overlap > best_overlap:
                best, best_overlap = chunk, overlap
        if best is None:
            return "", ""
        body = " ".join(best.text.split())
        return (body[:SNIPPET_CHARS] + "…" if len(body) > SNIPPET_CHARS else body), best.section
