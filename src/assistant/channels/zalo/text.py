"""Plain text split into messages Zalo accepts (≤ 2,000 characters each)."""

from __future__ import annotations

from collections.abc import Callable

from assistant.config import ZALO_TEXT_LIMIT


def split_message(text: str, limit: int = ZALO_TEXT_LIMIT) -> list[str]:
    """Pack paragraphs into messages of at most `limit` characters; a paragraph that is too long on its
    own is split between lines, a line between words, and a word (a very long link) by force."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    return _pack(text.split("\n\n"), "\n\n", limit, _split_paragraph)


def _split_paragraph(paragraph: str, limit: int) -> list[str]:
    return _pack(paragraph.split("\n"), "\n", limit, _split_line)


def _split_line(line: str, limit: int) -> list[str]:
    return _pack(line.split(" "), " ", limit, lambda word, n: [word[i : i + n] for i in range(0, len(word), n)])


def _pack(pieces: list[str], joiner: str, limit: int, split_piece: Callable[[str, int], list[str]]) -> list[str]:
    out: list[str] = []
    current = ""
    for piece in pieces:
        piece = piece.strip() if joiner != " " else piece
        if not piece:
            continue
        for chunk in [piece] if len(piece) <= limit else split_piece(piece, limit):
            if current and len(current) + len(joiner) + len(chunk) <= limit:
                current += joiner + chunk
            else:
                if current:
                    out.append(current)
                current = chunk
    if current:
        out.append(current)
    return out
