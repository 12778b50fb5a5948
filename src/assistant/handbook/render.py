"""Render the knowledge base into Markdown handbook pages (deterministic: same KB, same bytes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.kb.models import (
    CHANNEL_NAMES,
    LEVEL_NAMES,
    UNKNOWN,
    KnowledgeBase,
    Procedure,
)
from assistant.text.vietnamese import ABBREVIATIONS, fold, slugify

# Sections of a procedure, in the order every handbook shows them: (key, heading).
SECTIONS: list[tuple[str, str]] = [
    ("gioi-thieu", "Thủ tục này là gì"),
    ("noi-nop", "Nộp hồ sơ ở đâu"),
    ("ho-so", "Hồ sơ cần chuẩn bị"),
    ("cac-buoc", "Các bước thực hiện"),
    ("thoi-gian", "Thời gian giải quyết"),
    ("le-phi", "Phí, lệ phí"),
    ("cach-nop", "Cách nộp hồ sơ"),
    ("dieu-kien", "Điều kiện"),
    ("ket-qua", "Kết quả nhận được"),
    ("can-cu", "Căn cứ pháp lý"),
    ("luu-y", "Trường hợp khác và lưu ý"),
    ("hoi-dap", "Câu hỏi thường gặp"),
]
SECTION_HEADINGS = dict(SECTIONS)
_CODE_MENTION = re.compile(r"\((\d\.\d{6})\)")


@dataclass(frozen=True)
class Page:
    path: str  # relative to the handbook folder, e.g. "ho-tich.md"
    text: str


def section_anchor(code: str, section: str | None = None) -> str:
    base = "tt-" + code.replace(".", "-")
    return f"{base}-{section}" if section else base


def guide_anchor(heading: str) -> str:
    """Stable anchor of a guide section: "Tải ảnh giấy tờ" → hd-tai-anh-giay-to."""
    return "hd-" + slugify(heading)


def guide_url(slug: str, heading: str | None = None) -> str:
    return f"/huong-dan/{slug}/" + (f"#{guide_anchor(heading)}" if heading else "")


def procedure_url(sector: str, code: str, section: str | None = None) -> str:
    """Site URL of a procedure section, from the site root: /ho-tich/#tt-1-001193-ho-so."""
    return f"/{sector}/#{section_anchor(code, section)}"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown output; text comes from the maintained KB
    )
    env.filters["or_unknown"] = lambda v: v if v else f"*{UNKNOWN}*"
    env.filters["one_line"] = lambda v: " ".join(str(v).split())
    env.filters["date_vi"] = lambda d: d.strftime("%d/%m/%Y") if d else UNKNOWN
    env.filters["levels"] = lambda levels: ", ".join(LEVEL_NAMES[l] for l in levels) or UNKNOWN
    env.filters["cell"] = lambda v: " ".join(str(v).split()).replace("|", "\\|") if v else "—"
    env.filters["fold"] = fold  # site search: the hidden line of unaccented names (procedure.md.j2)
    env.globals.update(
        LEVEL_NAMES=LEVEL_NAMES,
        CHANNEL_NAMES=CHANNEL_NAMES,
        SECTIONS=SECTIONS,
        anchor=section_anchor,
        guide_anchor=guide_anchor,
        UNKNOWN=UNKNOWN,
        ABBREVIATIONS=ABBREVIATIONS,
    )
    return env


def _link_codes(text: str, kb: KnowledgeBase, here: str) -> str:
    """Turn "(1.001193)" mentions into links to that procedure's section."""

    def repl(match: re.Match[str]) -> str:
        proc = kb.procedure(match.group(1))
        if proc is None:
            return match.group(0)
        if here == "guide":
            page = f"../{proc.sector}.md"
        else:
            page = "" if proc.sector == here else f"{proc.sector}.md"
        return f"([{proc.code}]({page}#{proc.anchor}))"

    return _CODE_MENTION.sub(repl, text)


def render_handbooks(kb: KnowledgeBase) -> list[Page]:
    env = _env()
    env.filters["link_codes"] = lambda text, here: _link_codes(text, kb, here)
    pages = [
        Page("index.md", env.get_template("index.md.j2").render(kb=kb)),
        Page("tinh.md", env.get_template("province.md.j2").render(kb=kb, province=kb.province)),
    ]
    sector_tpl = env.get_template("sector.md.j2")
    for sector in kb.sectors:
        procedures = kb.procedures_of(sector.slug)
        pages.append(Page(f"{sector.slug}.md", sector_tpl.render(kb=kb, sector=sector, procedures=procedures)))
    guide_tpl = env.get_template("guide.md.j2")
    for guide in kb.guides:
        pages.append(Page(f"huong-dan/{guide.slug}.md", guide_tpl.render(kb=kb, guide=guide)))
    return pages


def procedure_markdown(procedure: Procedure) -> str:
    """One procedure alone, as on its sector page (used by tests and the index)."""
    env = _env()
    env.filters["link_codes"] = lambda text, here: text
    return env.get_template("procedure.md.j2").render(p=procedure)


def write_pages(pages: list[Page], folder: Path) -> list[str]:
    """Write pages, remove stale .md files; return the paths that changed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    wanted = {page.path for page in pages}
    for page in pages:
        target = folder / page.path
        data = page.text.encode("utf-8")
        if target.exists() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".md.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        changed.append(page.path)
    for old in folder.glob("**/*.md"):
        rel = old.relative_to(folder).as_posix()
        if rel not in wanted:
            old.unlink()
            changed.append(rel)
    return sorted(changed)


def stale_pages(pages: list[Page], folder: Path) -> list[str]:
    """Paths whose committed file differs from what the build would write (or is missing/extra)."""
    stale = []
    wanted = {page.path for page in pages}
    for page in pages:
        target = folder / page.path
        if not target.exists() or target.read_bytes() != page.text.encode("utf-8"):
            stale.append(page.path)
    if folder.exists():
        stale += [p.relative_to(folder).as_posix() for p in folder.glob("**/*.md") if p.relative_to(folder).as_posix() not in wanted]
    return sorted(stale)
