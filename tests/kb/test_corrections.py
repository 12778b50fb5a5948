"""The corrections of the field-by-field review, pinned: each fixed fact stays fixed."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from assistant.handbook.render import render_handbooks
from assistant.kb.audit import channel_conflicts, consistency, expired_facts, load_national, procedure_file
from assistant.kb.load import load_kb
from assistant.kb.models import Tier
from assistant.text import fold
from tests.conftest import index_embedder

ROOT = Path(__file__).resolve().parents[2]
KB = load_kb(ROOT / "kb")


def _p(code: str):
    p = KB.procedure(code)
    assert p is not None
    return p


def _intro(slug: str) -> str:
    return " ".join(KB.sector(slug).intro.split())


def test_land_intro_says_the_commune_decides_for_organisations() -> None:
    sentence = next(s for s in _intro("dat-dai").split(". ") if "1.012753" in s)
    assert "xã" in sentence and "tỉnh" in sentence  # commune level; the province only where land fees are due
    assert "tiền sử dụng đất" in sentence


def test_id_card_intro_damaged_card_is_reissue_and_ages_include_14() -> None:
    intro = _intro("can-cuoc")
    assert "14, 25, 40, 60" in intro
    reissue = next(line for line in KB.sector("can-cuoc").intro.splitlines() if "1.014064" in line)
    assert "hư hỏng" in reissue and "Cấp lại" in reissue


def test_building_permit_channels_agree_with_the_time_field() -> None:
    for code in ("1.013225", "1.013229"):
        p = _p(code)
        assert "20 ngày" in p.processing_time and "15 ngày" in p.processing_time
        assert channel_conflicts(p, code) == []
        assert len({c.time for c in p.channels}) == 1  # the same time whatever the channel


def test_land_certificate_channels_are_not_said_free() -> None:
    for code in ("1.013978", "1.012753"):
        p = _p(code)
        assert not any(fold(c.fee).startswith("mien phi") for c in p.channels), code
        assert all(
            "hoi dong nhan dan" in fold(c.fee) or "hdnd" in fold(c.fee) for c in p.channels
        )  # set by the council


def test_birth_registration_says_when_it_is_free_and_when_not() -> None:
    fees = " ".join(f"{f.case}: {f.amount}" for f in _p("1.001193").fees).lower()
    assert "miễn" in fees and "60 ngày" in fees
    assert "hội đồng nhân dân" in fees  # late registration outside the exempt groups


def test_first_land_certificate_has_the_conditional_documents() -> None:
    names = " ".join(f"{d.name} {d.note}" for d in _p("1.013978").documents).lower()
    assert "bất động sản liền kề" in names or "liền kề" in names
    assert "thiết kế" in names


def test_curated_legal_bases_are_in_the_record_or_marked_added() -> None:
    assert [pr.line() for pr in consistency(KB, ROOT / "kb")] == []
    national = load_national(ROOT / "kb")
    missing = [
        code
        for code in ("1.001193", "1.000894", "1.000656", "1.004873")
        if "18/2026" in national[code].get("can_cu_phap_ly", "")
        and not any(d.number.startswith("18/2026") for d in _p(code).legal_basis)
    ]
    assert missing == []


def test_province_page_and_aliases_read_right() -> None:
    pages = {p.path: p.text for p in render_handbooks(KB)}
    assert "2.054" in pages["tinh.md"] and "2054" not in pages["tinh.md"]
    assert "93,83%" in pages["tinh.md"]
    aliases = [a for p in KB.procedures if p.tier is Tier.curated for a in p.aliases]
    assert not any("photo công chứng hộ khẩu" in a for a in aliases)
    assert "Người dân thường hỏi" not in pages["ho-tich.md"]
    guide = " ".join(s.body for g in KB.guides if g.slug == "chinh-quyen-hai-cap" for s in g.sections)
    assert "giấy tờ cũ vẫn còn giá trị" not in guide.lower()


def test_the_id_card_fee_reduction_expires_after_2026() -> None:
    lines = [pr.line() for pr in expired_facts(KB, ROOT / "kb", dt.date(2027, 1, 15))]
    file = procedure_file(ROOT / "kb", _p("1.014064"))
    assert any(line.startswith(f"{file}: fees[") and "31/12/2026" in line for line in lines)
    assert expired_facts(KB, ROOT / "kb", dt.date(2026, 12, 31)) == []
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--kb", str(ROOT / "kb"), "--today", "2027-01-15"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "1.014064.yaml: fees[" in result.stderr


def test_the_assistant_does_not_state_an_expired_fee_as_current(built: Path) -> None:
    from assistant.answer.service import Assistant
    from assistant.index.embedders import get_embedder
    from assistant.index.store import load_index
    from assistant.search import HybridSearcher

    embedder = get_embedder(index_embedder(built))
    searcher = HybridSearcher(load_index(built / "index", embedder.id), embedder)
    before = Assistant(searcher, today=lambda: dt.date(2026, 12, 4)).ask(
        "làm lại thẻ căn cước bị mất hết bao nhiêu tiền"
    )
    after = Assistant(searcher, today=lambda: dt.date(2027, 1, 15)).ask(
        "làm lại thẻ căn cước bị mất hết bao nhiêu tiền"
    )
    assert before.procedure and before.procedure.code == "1.014064"
    assert "35.000" in before.text
    assert "có thể đã thay đổi" in after.text and "31/12/2026" in after.text
    fee_lines = [line for line in after.text.splitlines() if line.startswith("- ") and "35.000" in line]
    assert fee_lines == []  # the reduced fee is no longer listed as a fee in force
