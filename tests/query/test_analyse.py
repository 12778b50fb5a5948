"""The analysed question: asked part apart from the story, question forms, situations."""

from __future__ import annotations

import pytest

from assistant.query import Form, Intent, Situation, analyse


def test_story_words_do_not_choose_the_section() -> None:
    q = analyse("Hồ sơ của em đã chuẩn bị xong rồi. Em là dì của bé, em có được đi khai sinh thay cho chị không?")
    assert q.asked == "Em là dì của bé, em có được đi khai sinh thay cho chị không?"
    assert "Hồ sơ" in q.story
    assert Intent.documents not in q.intents  # "hồ sơ" is in the story, not in what is asked
    assert Form.yes_no in q.forms
    assert Situation.on_behalf in q.situations


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Tôi ở Canada thì ai cấp giấy xác nhận độc thân cho tôi?", Form.who),
        ("Làm lại thẻ căn cước mất bao lâu?", Form.how_long),
        ("sao y giấy tờ mất phí bao nhiêu", Form.how_much),
        ("Khai tử cho mẹ tôi thì làm ở đâu?", Form.where),
        ("dang ky tam tru can giay to gi", Form.documents),
        ("Ông bà có được nhận cháu làm con nuôi không?", Form.yes_no),
    ],
)
def test_question_forms(text: str, form: Form) -> None:
    assert form in analyse(text).forms


def test_two_questions_at_the_end_are_both_asked() -> None:
    q = analyse("Giấy xác nhận tình trạng hôn nhân dùng được bao lâu? Tôi dùng nó vào việc khác được không?")
    assert q.story == ""
    assert "bao lâu" in q.asked and "việc khác" in q.asked


def test_a_message_without_a_question_is_asked_whole() -> None:
    q = analyse("Tôi muốn đăng ký kết hôn. Cảm ơn ạ.")
    assert q.asked == q.text


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("Tôi đang định cư ở Mỹ, muốn xin giấy độc thân", Situation.abroad),
        ("chong toi la nguoi han quoc", Situation.foreigner),
        ("con trai tôi đang đi nghĩa vụ quân sự", Situation.soldier),
        ("Bà ngoại tôi mất đã ba năm nhưng chưa làm khai tử", Situation.deceased),
        ("Bà ngoại tôi mất đã ba năm nhưng chưa làm khai tử", Situation.overdue),
        ("mat cccd roi", Situation.lost),
        ("thẻ căn cước bị gãy, không đọc được chip", Situation.damaged),
        ("hai bạn nam muốn đăng ký kết hôn cùng giới", Situation.same_sex),
        ("chúng tôi ở trọ, tạm trú tại Cần Thơ", Situation.temporary_residence),
        ("phát hiện một bé sơ sinh bị bỏ rơi", Situation.abandoned),
    ],
)
def test_situations(text: str, situation: Situation) -> None:
    assert situation in analyse(text).situations


def test_unaccented_and_abbreviated_text_is_read_alike() -> None:
    accented, plain = analyse("Đăng ký tạm trú cần giấy tờ gì?"), analyse("dk tam tru can giay to gi")
    assert accented.accented and not plain.accented
    assert accented.intents == plain.intents == (Intent.documents,)
    assert accented.folded.rstrip("?") == plain.folded
