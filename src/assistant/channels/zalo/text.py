"""The assistant's Markdown as Zalo plain text, split into messages Zalo accepts (≤ 2,000 characters)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.channels.zalo.options import ZALO_TEXT_LIMIT

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def to_plain(markdown: str, public_url: str = "") -> str:
    """`**bold**` → bold, `_x_` → x, `[label](url)` → `label: url` (site links made absolute with
    `public_url`; without it a site-relative link keeps only its label), headings lose their `#`."""
    base = public_url.rstrip("/")

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if url.startswith("/"):
            if not base:
                return label
            url = base + url
        return f"{label}: {url}"

    text = _LINK.sub(link, markdown)
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    text = _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
    text = _CODE.sub(r"\1", text)
    text = _HEADING.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
