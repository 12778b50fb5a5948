"""The text module: one normalisation for indexing and queries alike."""

from __future__ import annotations

from assistant.text import expand_abbreviations, fold, normalize, slugify, strip_controls, tokens


def test_old_and_new_tone_placement_meet() -> None:
    assert tokens("hoà", folded=False) == tokens("hòa", folded=False)
    assert tokens("thuỷ sản", folded=False) == tokens("thủy sản", folded=False)


def test_nfd_input_is_normalised() -> None:
    nfd = "đăng ký khai sinh".encode().decode()  # composed
    import unicodedata

    decomposed = unicodedata.normalize("NFD", nfd)
    assert tokens(decomposed, folded=False) == tokens(nfd, folded=False)
    assert normalize(decomposed) == nfd


def test_folding_removes_every_mark_and_d_stroke() -> None:
    assert fold("Đăng Ký Kết Hôn ở ĐÂU") == "dang ky ket hon o dau"


def test_one_letter_syllables_are_kept() -> None:
    # bm25s' default pattern would drop "ở"; ours must not
    assert "o" in tokens("nộp ở xã", folded=True, bigrams=False)


def test_bigrams_join_neighbours() -> None:
    assert "khai_sinh" in tokens("đăng ký khai sinh", folded=True)


def test_procedure_codes_stay_whole() -> None:
    assert "1.001193" in tokens("thủ tục 1.001193", folded=True)


def test_chat_abbreviations_are_written_out() -> None:
    assert expand_abbreviations("dk hkd ko") == "đăng ký hộ kinh doanh không"
    assert expand_abbreviations("doi cccd lm j") == "doi căn cước công dân làm gì"
    assert "bảo hiểm y tế" in expand_abbreviations("cap lai the bhyt")
    assert "giấy phép xây dựng" in expand_abbreviations("xin gpxd")


def test_real_syllables_are_not_taken_for_abbreviations() -> None:
    assert expand_abbreviations("anh a ơi, e hỏi") == "anh a ơi, e hỏi"


def test_control_characters_removed() -> None:
    assert strip_controls("khai\x00 sinh\u200b") == "khai sinh"


def test_slugify() -> None:
    assert slugify("Hàng hải và đường thủy nội địa") == "hang-hai-va-duong-thuy-noi-dia"
