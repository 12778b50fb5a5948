"""A cache of what MkDocs computes per page, so a rebuild renders only the pages that changed.

MkDocs has no incremental build: every page's Markdown is converted again (about 35 s for the 15 MB of the
national tier on two cores) and the search plugin parses every page's HTML again (about 12 s). This plugin,
added to the configuration by `build_site`, keeps both by content hash in one SQLite file:

- the Markdown conversion of a page (HTML, table of contents, title, anchors), keyed by its Markdown, its path,
  the list of pages (relative links depend on it) and the Markdown configuration;
- the search entries of a page, keyed by its URL, title and HTML.

Rows not used by a build are dropped at its end. Delete the file to start from empty caches.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import types
from pathlib import Path
from typing import Any

from mkdocs.plugins import BasePlugin
from mkdocs.structure.toc import get_toc

VERSION = "1"


def _digest(*parts: str) -> str:
    h = hashlib.sha256(VERSION.encode())
    for part in parts:
        h.update(b"\0" + part.encode("utf-8"))
    return h.hexdigest()


class PageCache(BasePlugin):
    """Registered after MkDocs's own plugins (search included); see the module docstring."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, value TEXT)")
        self._used: set[str] = set()
        self._new: list[tuple[str, str]] = []
        self._context = ""
        self.hits = 0
        self.misses = 0

    def _get(self, key: str) -> Any:
        self._used.add(key)
        row = self._db.execute("SELECT value FROM pages WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, key: str, value: Any) -> None:
        self._used.add(key)
        self._new.append((key, json.dumps(value, ensure_ascii=False)))

    # --- MkDocs events --------------------------------------------------------------------------

    def on_config(self, config: Any) -> Any:
        self._context = json.dumps(
            [config["markdown_extensions"], config["mdx_configs"], config["use_directory_urls"]],
            sort_keys=True,
            default=str,
        )
        index = search_index(config)
        if index is not None:
            original = index.add_entry_from_context
            index.add_entry_from_context = lambda page: self._search_entries(index, original, page)
        return config

    def on_files(self, files: Any, config: Any) -> Any:
        self._context += "\0" + "\n".join(sorted(f.src_uri for f in files))
        return files

    def on_pre_page(self, page: Any, config: Any, files: Any) -> Any:
        original = page.render

        def render(this: Any, config: Any, files: Any) -> None:
            key = _digest("page", this.file.src_uri, self._context, this.markdown or "")
            cached = self._get(key)
            if cached is None:
                self.misses += 1
                original(config, files)
                self._put(
                    key,
                    {
                        "content": this.content,
                        "toc": _toc_tokens(this.toc),
                        "title": this._title_from_render,
                        "anchors": sorted(this.present_anchor_ids or ()),
                    },
                )
                return
            self.hits += 1
            this.content = cached["content"]
            this.toc = get_toc(cached["toc"])
            this._title_from_render = cached["title"]
            this.present_anchor_ids = set(cached["anchors"])
            this.links_to_anchors = {}  # checked when the page was rendered; MkDocs only reports these at "info"

        page.render = types.MethodType(render, page)
        return page

    def on_post_build(self, config: Any) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", self._new)
            self._db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
            self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", [(k,) for k in self._used])
            self._db.execute("DELETE FROM pages WHERE key NOT IN (SELECT key FROM used)")
        self._db.close()

    def _search_entries(self, index: Any, original: Any, page: Any) -> None:
        key = _digest(
            "search", page.url, str(page.title), json.dumps(page.meta, sort_keys=True, default=str), page.content or ""
        )
        cached = self._get(key)
        if cached is None:
            start = len(index.entries)
            original(page)
            self._put(key, index.entries[start:])
        else:
            index.entries.extend(cached)


def search_index(config: Any) -> Any:
    """The Material search plugin's index (its `entries` are written at the end of the build), or None."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    return getattr(search, "search_index", None)


def _toc_tokens(toc: Any) -> list[dict[str, Any]]:
    """The table of contents back as the `toc` extension's tokens (what `get_toc` reads)."""
    return [{"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)} for a in toc]
