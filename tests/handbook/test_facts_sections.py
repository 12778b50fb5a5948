"""Handbook pages show rules and special cases in their own sections, the review date, and facts past
their end date with a warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.handbook.render import procedure_markdown
from assistant.kb.load import load_kb

ROOT = Path(__file__).resolve().parents[2]


def _procedure(code: str):
    kb = load_kb(ROOT / "kb")
    p = kb.procedure(code)
    assert p is not None
    return p


def test_rules_and_special_cases_have_their_sections() -> None:
    p = _procedure("1.000894")  # đăng ký kết hôn
    assert p.rules and p.special_cases
    page = procedure_markdown(p)
    assert "### Quy định cần biết {#tt-1-000894-quy-dinh}" in page
    assert "### Trường hợp đặc biệt {#tt-1-000894-truong-hop-dac-biet}" in page
    for rule in p.rules:
        assert " ".join(rule.statement.split()) in page
        assert f"Căn cứ: {' '.join(rule.basis.split())}" in page
    for case in p.special_cases:
        assert " ".join(case.situation.split()) in page


def test_review_date_is_shown() -> None:
    p = _procedure("1.001193")
    assert p.reviewed is not None
    assert f"Cập nhật lần cuối:** {p.reviewed:%d/%m/%Y}" in procedure_markdown(p)


def test_expiring_fee_is_dated_before_and_warned_after() -> None:
    p = _procedure("1.014064")  # làm lại thẻ căn cước: the 50% reduction ends on 31/12/2026
    reduced = [f for f in p.fees if f.valid_until]
    assert reduced and reduced[0].valid_until == dt.date(2026, 12, 31)
    before = procedure_markdown(p, today=dt.date(2026, 12, 4))
    after = procedure_markdown(p, today=dt.date(2027, 1, 15))
    assert "áp dụng đến hết 31/12/2026" in before and "Đã hết hạn áp dụng" not in before
    assert "Đã hết hạn áp dụng (đến hết 31/12/2026)" in after
