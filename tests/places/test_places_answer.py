"""Answers to "where do I go now?" and the one-line centre helper."""

from __future__ import annotations

import pytest

from assistant.places import PlaceAnswerer, answer_place, centre_line, compose_place_answer, find_places
from assistant.places.answer import MAX_CHARS
from assistant.places.load import base_units
from assistant.places.models import Centre
from tests.places.common import GAZETTEER, PROVINCE_LABEL


@pytest.mark.parametrize(
    "question, unit",
    [
        ("xa my hoa hung cu gio thuoc dau", "Xã Mỹ Hòa Hưng"),
        ("phường Vĩnh Thanh Vân cũ nay là phường gì", "Phường Rạch Giá"),
        ("phuong vinh thanh van cu nay la phuong gi", "Phường Rạch Giá"),
        ("xã Nam Du cũ giờ là gì", "Đặc khu Kiên Hải"),
        ("tôi ở Hòn Tre Kiên Hải thì làm giấy tờ ở đâu", "Đặc khu Kiên Hải"),
        ("toi o hon tre kien hai thi lam giay to o dau", "Đặc khu Kiên Hải"),
        ("thị trấn Chợ Mới giờ là gì", "Xã Chợ Mới"),
        ("thi tran cho moi gio la gi", "Xã Chợ Mới"),
    ],
)
def test_answer_names_the_new_unit_its_former_units_centre_and_page(question: str, unit: str) -> None:
    answer = answer_place(question, GAZETTEER, province=PROVINCE_LABEL)
    assert answer is not None
    assert answer.units[0].name == unit
    text = answer.text
    assert f"**{unit}**" in text
    assert "được hình thành từ" in text and "cũ)" in text
    assert "Trung tâm Phục vụ hành chính công" in text and "chưa cập nhật" in text
    assert f"({answer.units[0].url})" in text
    assert len(text) <= MAX_CHARS


def test_the_former_unit_is_named_with_its_former_district_and_province() -> None:
    text = answer_place("phường Vĩnh Thanh Vân cũ nay là phường gì", GAZETTEER, province=PROVINCE_LABEL).text
    assert "Phường Vĩnh Thanh Vân (thành phố Rạch Giá, tỉnh Kiên Giang cũ)" in text
    text = answer_place("thị trấn Chợ Mới giờ là gì", GAZETTEER, province=PROVINCE_LABEL).text
    assert "Thị trấn Chợ Mới (huyện Chợ Mới, tỉnh An Giang cũ)" in text


def test_a_split_former_unit_is_said_to_be_split_and_all_new_units_named() -> None:
    answer = answer_place("xã Phước Hưng cũ giờ thuộc xã nào", GAZETTEER, province=PROVINCE_LABEL)
    assert answer is not None and answer.split
    assert [u.name for u in answer.units] == ["Xã An Phú", "Xã Nhơn Hội", "Xã Phú Hữu"]
    assert "được chia cho 3 đơn vị mới" in answer.text
    for name in ("Xã An Phú", "Xã Nhơn Hội", "Xã Phú Hữu"):
        assert f"**{name}**" in answer.text
    assert len(answer.text) <= MAX_CHARS


def test_two_former_units_of_the_same_name_are_both_answered() -> None:
    answer = answer_place("xa tan an cu gio thuoc dau", GAZETTEER, province=PROVINCE_LABEL)
    assert answer is not None
    assert {u.name for u in answer.units} == {"Xã Tân An", "Xã Tân Hội"}
    assert "Có 2 xã Tân An cũ" in answer.text


def test_a_former_district_lists_its_new_units() -> None:
    answer = answer_place(
        "huyện Châu Thành cũ giờ là gì", GAZETTEER, province=PROVINCE_LABEL
    )  # two: one in each former province
    assert answer is not None and len(answer.text) <= MAX_CHARS
    assert "không còn cấp huyện" in answer.text
    assert (
        "huyện Châu Thành (tỉnh An Giang cũ)" in answer.text and "huyện Châu Thành (tỉnh Kiên Giang cũ)" in answer.text
    )


@pytest.mark.parametrize(
    "question",
    [
        "xã Hoàng Long Vân giờ thuộc đâu",  # made up
        "phuong sao mai xanh cu nay la phuong gi",  # made up
        "làm khai sinh ở xã Định An huyện Gò Quao cũ",  # a procedure question naming a place
        "tôi muốn làm giấy khai sinh cho con",
    ],
)
def test_no_place_answer(question: str) -> None:
    assert answer_place(question, GAZETTEER, province=PROVINCE_LABEL) is None


def test_every_answer_fits_the_limit() -> None:
    for unit in base_units("Tỉnh An Giang"):
        for text in (f"{unit.label} giờ ở đâu", *(f"{f.label} cũ giờ thuộc đâu" for f in unit.former)):
            answer = compose_place_answer(find_places(text, GAZETTEER), public_url="https://sotay.angiang.gov.vn")
            assert answer is not None, text
            assert len(answer.text) <= MAX_CHARS, text


def test_centre_line() -> None:
    units = {u.name: u for u in base_units("Tỉnh An Giang")}
    assert centre_line(units["Xã Chợ Mới"]) == "Trung tâm Phục vụ hành chính công xã Chợ Mới (địa chỉ: chưa cập nhật)"
    known = units["Đặc khu Kiên Hải"].model_copy(update={"centre": Centre(address="Số 1 đường Thử", phone="000 000")})
    assert centre_line(known) == (
        "Trung tâm Phục vụ hành chính công đặc khu Kiên Hải (địa chỉ: Số 1 đường Thử; điện thoại: 000 000)"
    )


def test_the_answerer_uses_the_knowledge_base_units_and_public_url() -> None:
    units = [
        u.model_copy(update={"centre": Centre(address="Số 1 đường Thử")}) if u.name == "Xã Chợ Mới" else u
        for u in base_units("Tỉnh An Giang")
    ]
    answerer = PlaceAnswerer(units, public_url="https://sotay.example/")
    answer = answerer.answer("thi tran cho moi gio la gi")
    assert answer is not None
    assert "địa chỉ: Số 1 đường Thử" in answer.text
    assert "(https://sotay.example/xa-phuong/#xa-cho-moi)" in answer.text
    assert [u.name for u in answerer.units_in("làm khai sinh ở thị trấn Chợ Mới")] == ["Xã Chợ Mới"]
