"""Cut the rendered handbook Markdown into chunks that each know their procedure, section and URL."""

from __future__ import annotations

import re

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from assistant.handbook.render import Page
from assistant.index.model import Chunk

_ANCHOR = re.compile(r"\s*\{#([a-z0-9-]+)\}\s*$")
_PROC_ANCHOR = re.compile(r"^tt-(\d)-(\d{6})(?:-([a-z-]+))?$")
# Lines that exist only for the site's own search box (folded words), and the national tier's mark (where the
# text comes from, the same on 1,534 procedures): not what a procedure is about.
_SITE_SEARCH_ONLY = re.compile(
    r'<p class="tt-search"[^>]*>.*?</p>|<div class="admonition info tt-national"[^>]*>.*?</div>', re.S
)
_MD_NOISE = re.compile(r"(\*\*|\*|`|<[^>]+>|\[ \]|\|\s*---.*|^>\s?|\[([^\]]*)\]\([^)]*\))", re.M)

MAX_CHARS = 1200

__all__ = ["Chunk", "chunk_pages", "page_url", "plain"]


def plain(markdown: str) -> str:
    """Markdown → readable plain text for snippets and lexical indexing."""
    text = _MD_NOISE.sub(lambda m: m.group(2) or " ", _SITE_SEARCH_ONLY.sub(" ", markdown))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def page_url(page: str) -> str:
    stem = page[:-3] if page.endswith(".md") else page
    if stem == "index":
        return "/"
    return "/" + (stem[:-5] if stem.endswith("/index") else stem) + "/"


def chunk_pages(pages: list[Page]) -> list[Chunk]:
    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True
    )
    long_splitter = RecursiveCharacterTextSplitter(chunk_size=MAX_CHARS, chunk_overlap=100)
    chunks: list[Chunk] = []
    for page in pages:
        base = page_url(page.path)
        for doc in splitter.split_text(page.text):
            heading_md = doc.metadata.get("h3") or doc.metadata.get("h2") or doc.metadata.get("h1") or ""
            anchor_match = _ANCHOR.search(heading_md)
            heading = _ANCHOR.sub("", heading_md).strip()
            anchor = anchor_match.group(1) if anchor_match else ""
            code, section = "", ""
            proc = _PROC_ANCHOR.match(anchor) if anchor else None
            if proc is None and doc.metadata.get("h2"):
                # a procedure's head (between its ## and first ###) carries the ## anchor
                head = _ANCHOR.search(doc.metadata["h2"])
                proc = _PROC_ANCHOR.match(head.group(1)) if head else None
                if proc and doc.metadata.get("h3"):
                    proc = None
            if proc:
                code, section = f"{proc.group(1)}.{proc.group(2)}", proc.group(3) or ""
                if not anchor:
                    anchor = f"tt-{proc.group(1)}-{proc.group(2)}"
            title_line = _ANCHOR.sub("", doc.metadata.get("h2", "")).strip()
            text = plain(doc.page_content)
            if not text:
                continue
            if code and section:
                text = f"{title_line} — {heading}\n{text}"
            elif code:
                text = f"{title_line}\n{text}"
            url = base + (f"#{anchor}" if anchor else "")
            for piece in long_splitter.split_text(text) if len(text) > MAX_CHARS else [text]:
                chunks.append(Chunk(len(chunks), page.path, url, heading, piece, code, section))
    return chunks
