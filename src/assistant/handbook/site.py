"""Build the MkDocs Material site from a folder of handbook pages."""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.errors import UserError
from assistant.handbook.search_data import write_search_data
from assistant.kb.models import KnowledgeBase
from assistant.places.models import UNITS_PAGE, UNITS_PAGE_TITLE

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MKDOCS_CONFIG = PROJECT_ROOT / "mkdocs.yml"


def navigation(kb: KnowledgeBase) -> list[object]:
    nav: list[object] = [{"Trang chủ": "index.md"}, {"Thông tin chung của tỉnh": "tinh.md"}]
    if kb.units:
        nav.append({UNITS_PAGE_TITLE: UNITS_PAGE})
    nav.append({"Sổ tay theo lĩnh vực": [{s.name: f"{s.slug}.md"} for s in kb.sectors]})
    if kb.guides:
        nav.append({"Hướng dẫn chung": [{g.title: f"huong-dan/{g.slug}.md"} for g in kb.guides]})
    return nav


def build_site(kb: KnowledgeBase, handbooks: Path, site_dir: Path, extra: dict[str, str] | None = None) -> None:
    """Run `mkdocs build --strict` on the handbooks with the project's mkdocs.yml.

    `extra` reaches the theme templates as `config.extra` (chat API URL, Zalo site verification)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    try:
        config = load_config(
            config_file=str(MKDOCS_CONFIG),
            docs_dir=str(handbooks.resolve()),
            site_dir=str(site_dir.resolve()),
            nav=navigation(kb),
            extra=extra or {},
            strict=True,
        )
        build(config)
    except MkDocsException as exc:
        raise UserError(f"Không dựng được trang sổ tay: {exc}") from exc
    write_search_data(kb, site_dir)  # the search box's own data (site_overrides/assets/site-search.js)
