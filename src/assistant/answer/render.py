"""Render a typed Answer for a channel: Markdown (web chat, API), plain text (Zalo, terminal)."""

from __future__ import annotations

import re

from assistant.answer.model import Answer, Block, Link

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def _absolute(url: str, public_url: str) -> str:
    return public_url.rstrip("/") + url if url.startswith("/") else url


def _md_block(block: Block, public_url: str) -> str:
    lines: list[str] = []
    text = block.text  # plain KB text is valid Markdown as it is
    if block.title and text:
        lines.append(f"**{block.title}** {text}")
    elif block.title:
        lines.append(f"**{block.title}**")
    elif text:
        lines.append(text)
    for i, item in enumerate(block.items, 1):
        lines.append(f"{i}. {item}" if block.numbered else f"- {item}")
    if block.note:
        lines.append(f"_{block.note}_")
    if block.link:
        lines.append(f"[{block.link.label}]({_absolute(block.link.url, public_url)})")
    return "\n".join(lines)


def _md_link(link: Link, public_url: str) -> str:
    return f"[{link.label}]({_absolute(link.url, public_url)})"


def to_markdown(answer: Answer, public_url: str = "") -> str:
    parts: list[str] = []
    for block in answer.direct:
        parts.append(_md_block(block, public_url))
    if answer.heading:
        parts.append(f"**{answer.heading}**")
    for block in answer.blocks:
        parts.append(_md_block(block, public_url))
    if answer.links:
        parts.append("\n".join(_link_line(link, public_url, markdown=True) for link in answer.links))
    return "\n\n".join(p for p in parts if p.strip())


def _link_line(link: Link, public_url: str, *, markdown: bool) -> str:
    label, _, tail = link.label.partition(": ")
    if markdown:
        if tail:  # "Xem chi tiết: Sổ tay Hộ tịch › Điều kiện" → the handbook title is the link
            return f"{label}: {_md_link(Link(tail, link.url), public_url)}"
        return _md_link(link, public_url)
    url = _absolute(link.url, public_url)
    if link.url.startswith("/") and not public_url:
        return link.label  # a site-relative link means nothing outside the site
    return f"{link.label}: {url}"


def markdown_to_plain(markdown: str, public_url: str = "") -> str:
    """KB Markdown (guide bodies) as plain text: `[label](url)` → `label: url`, no emphasis marks."""

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if url.startswith("/"):
            if not public_url:
                return label
            url = public_url.rstrip("/") + url
        return f"{label}: {url}"

    text = _MD_LINK.sub(link, markdown)
    text = _MD_BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _plain_block(block: Block, public_url: str) -> str:
    lines: list[str] = []
    text = markdown_to_plain(block.text, public_url) if block.markdown else block.text
    head = " ".join(x for x in (block.title, text) if x)
    if head:
        lines.append(head)
    for i, item in enumerate(block.items, 1):
        lines.append(f"{i}. {item}" if block.numbered else f"- {item}")
    if block.note:
        lines.append(f"({block.note})")
    if block.link and (public_url or not block.link.url.startswith("/")):
        lines.append(f"{block.link.label}: {_absolute(block.link.url, public_url)}")
    return "\n".join(lines)


def to_plain(answer: Answer, public_url: str = "") -> str:
    """Plain text for Zalo and the terminal; the channel splits it to its own message size."""
    parts = [_plain_block(b, public_url) for b in answer.direct]
    if answer.heading:
        parts.append(answer.heading)
    parts += [_plain_block(b, public_url) for b in answer.blocks]
    links = [_link_line(link, public_url, markdown=False) for link in answer.links]
    if links:
        parts.append("\n".join(links))
    return "\n\n".join(p for p in parts if p.strip())
