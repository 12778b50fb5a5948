"""Render the knowledge base into Markdown handbook pages (deterministic: same KB, same bytes)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from assistant.handbook.anchors import (  # noqa: F401 (re-exported for older imports)
    SECTION_HEADINGS,
    SECTIONS,
    guide_anchor,
    guide_url,
    national_mark,
    procedure_url,
    section_anchor,
)
from assistant.kb.models import (
    CHANNEL_NAMES,
    LEVEL_NAMES,
    RULE_KIND_NAMES,
    UNKNOWN,
    KnowledgeBase,
    Level,
    Procedure,
    Tier,
)
from assistant.places.answer import formed_from
from assistant.places.models import UNITS_PAGE, UNITS_PAGE_TITLE, former_index
from assistant.text.vietnamese import ABBREVIATIONS, date_vi, fold, has_marks

_CODE_MENTION = re.compile(r"\((\d\.\d{6})\)")
# What makes an alias a question ("làm giấy tờ gì", "có phải xin phép không"), not another name.
_QUESTION_ENDS = {"gì", "không", "chưa", "nào", "đâu", "ai", "sao", "nhỉ", "ạ"}
_QUESTION_WORDS = {"gì", "đâu", "ai"}
_QUESTION_PHRASES = ("có phải", "có cần", "làm sao", "thế nào", "ra sao", "bao nhiêu", "bao giờ")


def plain_aliases(title: str, aliases: list[str], limit: int = 3) -> list[str]:
    """The aliases worth printing as "Còn gọi là": written with diacritics, in plain words (no chat
    abbreviation, not a question), not the title again; at most `limit`. All of them stay in the search data."""

    def key(text: str) -> str:
        return " " + " ".join(re.findall(r"\w+", fold(text))) + " "

    shown: list[str] = []
    seen = [key(title)]
    for alias in aliases:
        text = " ".join(alias.split())
        words = [w.strip('.,;:!?()"“”…').lower() for w in text.split()]
        question = (
            "?" in text
            or words[-1] in _QUESTION_ENDS
            or _QUESTION_WORDS.intersection(words)
            or any(q in text.lower() for q in _QUESTION_PHRASES)
        )
        if not has_marks(text) or question or any(w in ABBREVIATIONS for w in words):
            continue
        folded = key(text)
        if any(folded in known for known in seen):  # the title again, or part of a name already shown
            continue
        shown.append(text)
        seen.append(folded)
        if len(shown) == limit:
            break
    return shown


@dataclass(frozen=True)
class Page:
    path: str  # relative to the handbook folder, e.g. "ho-tich.md"
    text: str


NATIONAL_PAGE = "quoc-gia.md"  # the national tier by sector (site view only)
NATIONAL_PAGE_TITLE = "Thủ tục khác (từ Cơ sở dữ liệu quốc gia)"


def _env(today: dt.date | None = None) -> Environment:
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
    env.filters["date_vi"] = lambda d: date_vi(d) if d else UNKNOWN
    env.filters["levels"] = lambda levels: ", ".join(LEVEL_NAMES[level] for level in levels) or UNKNOWN
    env.filters["cell"] = lambda v: " ".join(str(v).split()).replace("|", "\\|") if v else "—"
    env.filters["vi_number"] = lambda n: f"{n:,}".replace(",", ".")  # 2054 → 2.054, as Vietnamese writes it
    env.filters["fold"] = fold  # site search: the hidden line of unaccented names (procedure.md.j2)
    env.filters["plain_aliases"] = lambda p: plain_aliases(p.title, p.aliases)
    env.globals.update(
        LEVEL_NAMES=LEVEL_NAMES,
        CHANNEL_NAMES=CHANNEL_NAMES,
        SECTIONS=SECTIONS,
        anchor=section_anchor,
        guide_anchor=guide_anchor,
        UNKNOWN=UNKNOWN,
        ABBREVIATIONS=ABBREVIATIONS,
        UNITS_PAGE=UNITS_PAGE,
        UNITS_PAGE_TITLE=UNITS_PAGE_TITLE,
        RULE_KIND_NAMES=RULE_KIND_NAMES,
        NATIONAL_MARK=national_mark(""),  # render_handbooks names the KB's province
        NATIONAL_PAGE=NATIONAL_PAGE,
        NATIONAL_PAGE_TITLE=NATIONAL_PAGE_TITLE,
        # Facts past their `valid_until` are printed with a warning: the handbook is as of the build day.
        today=today or dt.date.today(),
    )
    return env


def _link_codes(text: str, kb: KnowledgeBase, here: str, national: bool = True) -> str:
    """Turn "(1.001193)" mentions into links to that procedure's section (national-tier ones only in the view
    that prints them)."""

    def repl(match: re.Match[str]) -> str:
        proc = kb.procedure(match.group(1))
        if proc is None or (proc.tier is Tier.national and not national):
            return match.group(0)
        if here == "guide":
            page = f"../{proc.sector}.md"
        else:
            page = "" if proc.sector == here else f"{proc.sector}.md"
        return f"([{proc.code}]({page}#{proc.anchor}))"

    return _CODE_MENTION.sub(repl, text)


def _by_level(procedures: list[Procedure]) -> list[tuple[str, list[Procedure]]]:
    """National records of a sector in groups people look for: commune level first, then provincial, then the
    rest; by title within a group."""
    groups: dict[str, list[Procedure]] = {"Thực hiện tại cấp xã": [], "Thực hiện tại cấp tỉnh": [], "Cơ quan khác": []}
    for p in procedures:
        key = (
            "Thực hiện tại cấp xã"
            if Level.xa in p.levels
            else "Thực hiện tại cấp tỉnh"
            if Level.tinh in p.levels
            else "Cơ quan khác"
        )
        groups[key].append(p)
    return [(name, sorted(ps, key=lambda p: (fold(p.title), p.code))) for name, ps in groups.items() if ps]


def two_tiers(kb: KnowledgeBase) -> bool:
    """Curated procedures and national records behind them: the national ones are "other procedures", with an
    overview page of their own. (A KB of national records only, `assistant import national --out`, is plain
    sector pages.)"""
    tiers = {p.tier for p in kb.procedures}
    return Tier.curated in tiers and Tier.national in tiers


def render_handbooks(kb: KnowledgeBase, today: dt.date | None = None, *, national: bool = True) -> list[Page]:
    """The handbook pages. `national=True`: as the site shows them, national-tier records included (a part of
    their sector's page, or a page per sector of their own, and an overview page). `national=False`: the
    handbooks as written for the province (the committed `handbooks/` of the default KB): curated procedures
    only, with a line saying how many national records the site adds."""
    env = _env(today)
    env.filters["link_codes"] = lambda text, here: _link_codes(text, kb, here, national)
    env.globals["with_national"] = national
    env.globals["NATIONAL_MARK"] = national_mark(kb.province.short_name)
    tiers = {
        s.slug: (kb.procedures_of(s.slug, Tier.curated), _by_level(kb.procedures_of(s.slug, Tier.national)))
        for s in kb.sectors
    }
    counts = {slug: (len(c), sum(len(ps) for _, ps in n)) for slug, (c, n) in tiers.items()}
    env.globals.update(national_total=sum(n for _, n in counts.values()), two_tiers=two_tiers(kb))
    pages = [
        Page("index.md", env.get_template("index.md.j2").render(kb=kb, counts=counts)),
        Page("tinh.md", env.get_template("province.md.j2").render(kb=kb, province=kb.province)),
    ]
    sector_tpl = env.get_template("sector.md.j2")
    for sector in kb.sectors:
        curated, groups = tiers[sector.slug]
        if sector.tier is Tier.national and not national:
            continue
        pages.append(
            Page(
                f"{sector.slug}.md",
                sector_tpl.render(
                    kb=kb,
                    sector=sector,
                    procedures=curated,
                    groups=groups if national else [],
                    national_count=counts[sector.slug][1],
                ),
            )
        )
    if national and env.globals["two_tiers"]:
        with_part = {slug for slug, (c, n) in counts.items() if c and n}
        pages.append(
            Page(NATIONAL_PAGE, env.get_template("national.md.j2").render(kb=kb, counts=counts, with_part=with_part))
        )
    if kb.units:  # "Tra cứu xã, phường, đặc khu mới": the units, their former units and centres
        units_tpl = env.get_template("units.md.j2")
        pages.append(Page(UNITS_PAGE, units_tpl.render(kb=kb, formers=former_index(kb.units), formed_from=formed_from)))
    guide_tpl = env.get_template("guide.md.j2")
    for guide in kb.guides:
        pages.append(Page(f"huong-dan/{guide.slug}.md", guide_tpl.render(kb=kb, guide=guide)))
    return pages


def procedure_markdown(procedure: Procedure, today: dt.date | None = None) -> str:
    """One procedure alone, as on its sector page (used by tests and the index)."""
    return _procedure_template(today or dt.date.today()).render(p=procedure)


@lru_cache(maxsize=2)
def _procedure_template(today: dt.date) -> Template:
    """Compiled once per day: 1,600 procedures with the national tier."""
    env = _env(today)
    env.filters["link_codes"] = lambda text, here: text
    return env.get_template("procedure.md.j2")


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
        stale += [
            p.relative_to(folder).as_posix()
            for p in folder.glob("**/*.md")
            if p.relative_to(folder).as_posix() not in wanted
        ]
    return sorted(stale)
