"""The handbook site's own search data, for the search box on a static copy of the site (no API).

MkDocs Material's search (lunr, `lang: vi`) neither folds diacritics nor knows chat shorthand, and ranks
sector pages and guides above the procedures they list. So `assistant build` also writes
`assets/site-search-data.js`: every procedure (title, official name, every alias, code, summary) and the
pages (sectors, guides and their sections, the province page), each written out the way the `text`
package matches words: abbreviations written out (`dk` → `đăng ký`), then diacritics folded. The query
side (handbook/theme/overrides/assets/site-search.js) folds and expands what people type with the same table,
shipped in the same file.

A script rather than JSON, loaded on the first focus of the search box: no fetch, no CORS, any static
file server will do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.handbook.anchors import guide_anchor, section_anchor
from assistant.kb.models import KnowledgeBase, Procedure, Tier
from assistant.text import STOPWORDS, expand_abbreviations, fold
from assistant.text.vietnamese import ABBREVIATIONS

SEARCH_DATA = "assets/site-search-data.js"
FORMAT = 1


def _folded(text: str) -> str:
    """What the site search compares: abbreviations written out, no marks, lowercase, single spaces."""
    return fold(expand_abbreviations(" ".join(text.replace("/", " ").split())))


def _phrases(*texts: str) -> list[str]:
    out: list[str] = []
    for text in texts:
        phrase = _folded(text) if text else ""
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def _head(text: str, limit: int) -> str:
    """The first `limit` characters of `text`, on one line, cut at a word."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _title_head(title: str) -> str:
    """The name before its explanation: "Đăng ký khai tử (làm giấy báo tử …)" → "Đăng ký khai tử"."""
    return re.split(r"\s[(\-–]", title, maxsplit=1)[0]


def _procedure(p: Procedure, sector_name: str) -> dict[str, object]:
    doc: dict[str, object] = {
        "t": p.title,
        "u": f"{p.sector}/#{section_anchor(p.code)}",
        "c": p.code,
        "m": sector_name,
        # names: the title first (the ranking favours a query that is most of a title), then the other names
        "n": _phrases(p.title, p.official_name, *p.aliases, p.code),
        "x": _phrases(_head(p.summary, 300)),  # the start says what it is; the rest would only weigh the file
        "s": _head(p.summary, 160),
    }
    head = _title_head(p.title)
    if head != p.title:
        doc["h"] = _folded(head)  # the ranking weighs a title by its name, not by its explanation
    if p.tier == Tier.national:
        doc["r"] = 1  # a national record, as published: ranked after the procedures written for the province
    return doc


def _page(title: str, url: str, meta: str, names: list[str], text: list[str], summary: str = "") -> dict[str, object]:
    return {
        "t": title,
        "u": url,
        "c": "",
        "m": meta,
        "n": _phrases(title, *names),
        "x": _phrases(*text),
        "s": _head(summary, 160),
        "p": 1,
    }


def search_documents(kb: KnowledgeBase) -> list[dict[str, object]]:
    """Procedures first (in handbook order), then the pages; URLs relative to the site root."""
    names = {s.slug: s.name for s in kb.sectors}
    docs = [_procedure(p, names.get(p.sector, p.sector)) for s in kb.sectors for p in kb.procedures_of(s.slug)]
    docs.append(
        _page(
            "Thông tin chung của tỉnh",
            "tinh/",
            "Trang",
            [kb.province.name, "đường dây nóng hỗ trợ"],
            [kb.province.centre],
        )
    )
    for s in kb.sectors:
        docs.append(_page(f"Sổ tay {s.name}", f"{s.slug}/", "Lĩnh vực", [s.name], [s.description], s.description))
    for g in kb.guides:
        docs.append(
            _page(
                g.title,
                f"huong-dan/{g.slug}/",
                "Hướng dẫn",
                list(g.aliases),
                [g.summary, *(sec.heading for sec in g.sections)],
                g.summary,
            )
        )
        for sec in g.sections:
            docs.append(_page(sec.heading, f"huong-dan/{g.slug}/#{guide_anchor(sec.heading)}", g.title, [], []))
    return docs


def search_data(kb: KnowledgeBase) -> dict[str, object]:
    return {
        "v": FORMAT,
        "docs": search_documents(kb),
        # the query side writes out the same abbreviations and skips the same function words
        "abbr": {fold(k): fold(v) for k, v in sorted(ABBREVIATIONS.items())},
        "stop": sorted(STOPWORDS.folded),
    }


def write_search_data(kb: KnowledgeBase, site_dir: Path) -> Path:
    target = site_dir / SEARCH_DATA
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(search_data(kb), ensure_ascii=False, separators=(",", ":"))
    target.write_text(f"window.agSiteSearchData={payload};\n", encoding="utf-8")
    return target
