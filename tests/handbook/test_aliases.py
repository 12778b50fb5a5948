"""Aliases serve search, they do not fill the page: at most three plain, accented names on the page
("Còn gọi là"), every alias in the search data (the hidden search line and the search box's own data)."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.handbook.render import plain_aliases, procedure_markdown
from assistant.handbook.search_data import search_data
from assistant.kb.load import load_kb
from assistant.text import fold
from assistant.text.vietnamese import ABBREVIATIONS, expand_abbreviations, has_marks

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'<p class="tt-search" hidden><sub><sup>([^<]*)</sup></sub></p>')
PUNCT = '.,;:!?()[]"“”…'


def test_the_page_shows_at_most_three_plain_aliases() -> None:
    kb = load_kb(ROOT / "kb")
    for p in kb.procedures:
        text = procedure_markdown(p)
        assert "Người dân thường hỏi" not in text
        line = next((ln for ln in text.splitlines() if ln.startswith("- **Còn gọi là:** ")), None)
        shown = line.removeprefix("- **Còn gọi là:** ").split("; ") if line else []
        assert len(shown) <= 3 and shown == plain_aliases(p.title, p.aliases), p.code
        if p.tier.value == "curated":
            assert shown, p.code  # every procedure written for the province has plain names to show
        for alias in shown:
            assert alias in p.aliases and has_marks(alias), (p.code, alias)
            assert not {w.strip(PUNCT).lower() for w in alias.split()} & set(ABBREVIATIONS), (p.code, alias)
            assert fold(alias) != fold(p.title), (p.code, alias)


def test_questions_abbreviations_and_repeats_are_not_shown() -> None:
    aliases = [
        "dang ky khai sinh",
        "đăng ký khai sinh",
        "dk khai sinh cho bé",
        "con mới sinh làm giấy tờ gì",
        "sửa nhà có cần xin phép không",
        "làm giấy khai sinh cho con",
        "làm giấy khai sinh",
        "khai sinh cho bé",
        "khai sinh online trên VNeID",
        "khai sinh quá hạn",
    ]
    assert plain_aliases("Đăng ký khai sinh", aliases) == [
        "làm giấy khai sinh cho con",
        "khai sinh cho bé",
        "khai sinh online trên VNeID",
    ]


def test_every_alias_stays_in_the_search_data() -> None:
    kb = load_kb(ROOT / "kb")
    docs = {d["c"]: d for d in search_data(kb)["docs"] if d["c"]}
    for p in kb.procedures:
        hidden = HIDDEN.search(procedure_markdown(p)).group(1).split()
        names = " ".join(docs[p.code]["n"])
        for alias in p.aliases:
            for word in alias.lower().replace("/", " ").split():
                word = word.strip(PUNCT)
                if word:
                    assert word in hidden and fold(word) in hidden, (p.code, alias, word)
            assert fold(expand_abbreviations(" ".join(alias.replace("/", " ").split()))) in names, (p.code, alias)
