"""Build the MkDocs Material site from a folder of handbook pages."""

from __future__ import annotations

import logging
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from mkdocs.plugins import BasePlugin, event_priority

from assistant.errors import UserError
from assistant.handbook.anchors import section_anchor
from assistant.handbook.render import NATIONAL_PAGE, NATIONAL_PAGE_TITLE, two_tiers
from assistant.handbook.search_data import write_search_data
from assistant.handbook.site_cache import PageCache, search_index
from assistant.kb.models import KnowledgeBase, Tier
from assistant.places.models import UNITS_PAGE, UNITS_PAGE_TITLE

# The MkDocs configuration and the theme overrides are package data (assistant/handbook/theme/), found through
# the package, so that a non-editable install builds the same site from any working directory.
THEME = files("assistant.handbook") / "theme"


def navigation(kb: KnowledgeBase) -> list[object]:
    nav: list[object] = [{"Trang chủ": "index.md"}, {"Thông tin chung của tỉnh": "tinh.md"}]
    if kb.units:
        nav.append({UNITS_PAGE_TITLE: UNITS_PAGE})
    nav.append({"Sổ tay theo lĩnh vực": [{s.name: f"{s.slug}.md"} for s in kb.curated_sectors()]})
    if kb.guides:
        nav.append({"Hướng dẫn chung": [{g.title: f"huong-dan/{g.slug}.md"} for g in kb.guides]})
    if two_tiers(kb):  # the national records: an overview page by sector, then a page per sector of their own
        nav.append(
            {
                NATIONAL_PAGE_TITLE: [
                    {"Theo lĩnh vực": NATIONAL_PAGE},
                    *({s.name: f"{s.slug}.md"} for s in kb.national_only_sectors()),
                ]
            }
        )
    return nav


class NationalSearchScope(BasePlugin):
    """National-tier procedures enter the site's search index (lunr, search/search_index.json) by their head
    only: title, code, summary, the mark and every name. Their sections (documents, steps, legal bases) would
    make it about 24 MB, downloaded by every phone that opens the search; the page itself has them."""

    def __init__(self, codes: set[str]) -> None:
        super().__init__()
        self._anchors = {section_anchor(code) for code in codes}

    @event_priority(50)  # before the search plugin writes the index
    def on_post_build(self, config: Any) -> None:
        index = search_index(config)
        if index is not None:
            index.entries[:] = [e for e in index.entries if not self._national_section(e["location"])]

    def _national_section(self, location: str) -> bool:
        anchor = location.rpartition("#")[2]
        return anchor.count("-") > 2 and anchor[: len("tt-0-000000")] in self._anchors


def build_site(
    kb: KnowledgeBase, handbooks: Path, site_dir: Path, extra: dict[str, str] | None = None, cache: Path | None = None
) -> None:
    """Run `mkdocs build --strict` on the handbooks with the package's theme/mkdocs.yml.

    `extra` reaches the theme templates as `config.extra` (chat API URL, Zalo site verification). With `cache`
    (a folder), pages whose Markdown did not change are not converted again (see site_cache.py)."""
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    with as_file(THEME) as theme:  # a real folder, even if the package were zipped
        _build(kb, handbooks, site_dir, extra, cache, theme / "mkdocs.yml")
    write_search_data(kb, site_dir)  # the search box's own data (theme/overrides/assets/site-search.js)


def _build(
    kb: KnowledgeBase,
    handbooks: Path,
    site_dir: Path,
    extra: dict[str, str] | None,
    cache: Path | None,
    config_file: Path,
) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(
            config_file=str(config_file),
            docs_dir=str(handbooks.resolve()),
            site_dir=str(site_dir.resolve()),
            nav=navigation(kb),
            site_name=f"Sổ tay thủ tục hành chính {kb.province.short_name}",  # the province from the KB
            site_description=f"Thủ tục, hồ sơ, nơi nộp, thời gian và lệ phí cho người dân và cán bộ xã, phường, "
            f"đặc khu {kb.province.label}",
            extra=extra or {},
            strict=True,
        )
        if cache is not None:
            config.plugins["assistant/page-cache"] = PageCache(cache / "site-pages.sqlite")
        national = {p.code for p in kb.procedures if p.tier is Tier.national}
        if national and two_tiers(kb):
            config.plugins["assistant/national-search-scope"] = NationalSearchScope(national)
        build(config)
    except MkDocsException as exc:
        raise UserError(f"Không dựng được trang sổ tay: {exc}") from exc
