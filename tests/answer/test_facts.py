"""Facts of a procedure ranked against the asked part; composition opens with the best one, whole."""

from __future__ import annotations

import datetime as dt

from assistant.answer.compose import compose_procedure, cut
from assistant.answer.facts import FactRanker
from assistant.answer.model import Answer, AnswerKind
from assistant.answer.render import to_markdown, to_plain
from assistant.kb.facts import FactKind, facts_of
from assistant.kb.models import Procedure, Sector
from assistant.query import analyse

LONG_RULE = (
    "Không được ủy quyền cho người khác đi đăng ký kết hôn thay; hai bên nam, nữ phải cùng có mặt tại cơ quan "
    "đăng ký hộ tịch khi đăng ký, ký vào Sổ hộ tịch và Giấy chứng nhận kết hôn, kể cả khi hồ sơ đã nộp trực "
    "tuyến hoặc gửi qua bưu chính trước đó, vì Luật Hộ tịch loại trừ việc kết hôn khỏi các việc được ủy quyền."
)

PROCEDURE = Procedure.model_validate(
    {
        "code": "1.000894",
        "title": "Đăng ký kết hôn",
        "sector": "ho-tich",
        "levels": ["xa"],
        "agency": "Ủy ban nhân dân cấp xã nơi cư trú của một trong hai bên",
        "submit_at": "Trung tâm Phục vụ hành chính công cấp xã",
        "documents": [
            {"name": "Tờ khai đăng ký kết hôn", "copies": "1 bản chính"},
            {"name": "Giấy xác nhận tình trạng hôn nhân", "note": "Khi người yêu cầu cư trú ở xã khác."},
        ],
        "processing_time": "Ngay trong ngày",
        "fees": [{"case": "Công dân Việt Nam cư trú trong nước", "amount": "Miễn lệ phí"}],
        "rules": [
            {
                "kind": "khong-duoc",
                "statement": LONG_RULE,
                "basis": "Luật Hộ tịch 2014 (ví dụ kiểm thử)",
                "asks": ["nhờ bố mẹ đi đăng ký kết hôn thay"],
            },
            {
                "kind": "duoc",
                "statement": "Được đăng ký kết hôn ở xã nơi cư trú (thường trú hoặc tạm trú) của một trong hai bên.",
                "basis": "Điều 17 Luật Hộ tịch 2014",
                "asks": ["tạm trú có phải về quê đăng ký kết hôn không"],
            },
        ],
        "special_cases": [
            {
                "situation": "Một bên là người nước ngoài",
                "handling": "Làm thủ tục đăng ký kết hôn có yếu tố nước ngoài.",
                "basis": "Điều 37 Luật Hộ tịch 2014",
            },
        ],
        "faq": [
            {
                "question": "Đăng ký kết hôn có mất lệ phí không?",
                "answer": "Không, công dân Việt Nam cư trú trong nước được miễn lệ phí.",
            }
        ],
        "updated": "2026-12-04",
    }
)
SECTOR = Sector(slug="ho-tich", name="Hộ tịch")
TODAY = dt.date(2026, 12, 4)


def _compose(question: str):
    q = analyse(question)
    ranked = FactRanker().rank(q, [PROCEDURE])
    return compose_procedure(PROCEDURE, SECTOR, q, ranked, today=TODAY)


def test_every_atomic_statement_is_a_fact() -> None:
    kinds = [f.kind for f in facts_of(PROCEDURE)]
    assert kinds.count(FactKind.rule) == 2 and kinds.count(FactKind.document) == 2
    assert FactKind.special_case in kinds and FactKind.faq in kinds and FactKind.fee in kinds


def test_story_question_gets_the_rule_first_and_whole() -> None:
    composed = _compose(
        "Em đi làm xa, hồ sơ đã chuẩn bị đủ. Em có thể nhờ bố mẹ đi đăng ký kết hôn thay em được không?"
    )
    assert composed.facts[0].kind is FactKind.rule
    markdown = to_markdown(
        Answer(
            True,
            0.9,
            AnswerKind.procedure,
            heading=composed.heading,
            direct=composed.direct,
            blocks=composed.blocks,
            links=composed.links,
        )
    )
    assert markdown.startswith("Không được ủy quyền")
    assert LONG_RULE in markdown  # never cut mid-clause
    assert "Căn cứ: Luật Hộ tịch 2014 (ví dụ kiểm thử)" in markdown
    assert "Hồ sơ cần chuẩn bị" not in markdown  # "hồ sơ" was in the story only


def test_where_question_with_temporary_residence_gets_the_place_rule() -> None:
    composed = _compose("Chúng tôi ở trọ tạm trú tại Cần Thơ. Có phải về quê đăng ký kết hôn không?")
    assert composed.facts and "tạm trú" in composed.facts[0].text


def test_a_documents_question_gets_the_list_not_a_fact() -> None:
    composed = _compose("đăng ký kết hôn cần giấy tờ gì")
    assert not composed.facts
    assert composed.blocks[0].title == "Hồ sơ cần chuẩn bị:"


def test_plain_rendering_has_no_markup_and_absolute_links() -> None:
    composed = _compose("Có thể ủy quyền cho người khác đăng ký kết hôn thay không?")
    answer = Answer(
        True,
        0.9,
        AnswerKind.procedure,
        heading=composed.heading,
        direct=composed.direct,
        blocks=composed.blocks,
        links=composed.links,
    )
    plain = to_plain(answer, "https://sotay.example")
    assert "**" not in plain and "](" not in plain
    assert "https://sotay.example/ho-tich/#tt-1-000894-quy-dinh" in plain


def test_cut_stops_at_a_clause_boundary() -> None:
    text = (
        "Nộp tại Trung tâm Phục vụ hành chính công cấp xã. Hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia, VNeID."
    )
    assert cut(text, 60) == "Nộp tại Trung tâm Phục vụ hành chính công cấp xã."
    assert cut("ngắn", 60) == "ngắn"
