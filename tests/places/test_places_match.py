"""The matcher: former and current unit names in citizens' text, with or without marks and type words."""

from __future__ import annotations

import pytest

from assistant.places import Gazetteer, find_places, is_place_question
from tests.places.common import GAZETTEER


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return GAZETTEER


def best(text: str) -> tuple[str, str, list[str]]:
    matches = find_places(text, GAZETTEER)
    assert matches, text
    m = matches[0]
    return m.kind, m.name, [u.name for u in m.units]


@pytest.mark.parametrize(
    "text, kind, name, now",
    [
        ("xa my hoa hung cu gio thuoc dau", "former", "Xã Mỹ Hòa Hưng", ["Xã Mỹ Hòa Hưng"]),
        ("xã Mỹ Hòa Hưng giờ thuộc phường nào?", "unit", "Xã Mỹ Hòa Hưng", ["Xã Mỹ Hòa Hưng"]),
        ("phường Vĩnh Thanh Vân cũ nay là phường gì", "former", "Phường Vĩnh Thanh Vân", ["Phường Rạch Giá"]),
        ("phuong vinh thanh van cu nay la phuong gi", "former", "Phường Vĩnh Thanh Vân", ["Phường Rạch Giá"]),
        ("p. Vĩnh Thanh Vân", "former", "Phường Vĩnh Thanh Vân", ["Phường Rạch Giá"]),
        ("tôi ở Hòn Tre Kiên Hải thì làm giấy tờ ở đâu", "former", "Xã Hòn Tre", ["Đặc khu Kiên Hải"]),
        ("toi o hon tre kien hai thi lam giay to o dau", "former", "Xã Hòn Tre", ["Đặc khu Kiên Hải"]),
        ("xã Nam Du huyện Kiên Hải cũ", "former", "Xã Nam Du", ["Đặc khu Kiên Hải"]),
        ("thị trấn Chợ Mới giờ là gì", "former", "Thị trấn Chợ Mới", ["Xã Chợ Mới"]),
        ("thi tran cho moi gio la gi", "former", "Thị trấn Chợ Mới", ["Xã Chợ Mới"]),
        ("tt Chợ Mới", "former", "Thị trấn Chợ Mới", ["Xã Chợ Mới"]),
        ("làm khai sinh ở xã Định An huyện Gò Quao cũ", "former", "Xã Định An", ["Xã Gò Quao"]),
        ("lam khai sinh o xa dinh an huyen go quao cu", "former", "Xã Định An", ["Xã Gò Quao"]),
        ("Mỹ Hòa Hưng cũ giờ thuộc đâu", "former", "Xã Mỹ Hòa Hưng", ["Xã Mỹ Hòa Hưng"]),
        ("đặc khu Phú Quốc", "unit", "Đặc khu Phú Quốc", ["Đặc khu Phú Quốc"]),
        ("huyện Kiên Hải cũ giờ là gì", "district", "Huyện Kiên Hải", ["Đặc khu Kiên Hải"]),
        ("xã Mỹ Hoà Hưng", "unit", "Xã Mỹ Hòa Hưng", ["Xã Mỹ Hòa Hưng"]),  # old tone placement
    ],
)
def test_names_the_right_unit(text: str, kind: str, name: str, now: list[str]) -> None:
    assert best(text) == (kind, name, now)


def test_the_district_picks_among_former_units_of_the_same_name() -> None:
    # Two former xã Tân An: thị xã Tân Châu (An Giang) and huyện Tân Hiệp (Kiên Giang).
    both = [m for m in find_places("xã Tân An cũ giờ thuộc đâu", GAZETTEER) if m.kind == "former"]
    assert {m.district for m in both} == {"Thị xã Tân Châu", "Huyện Tân Hiệp"}
    one = [m for m in find_places("xã Tân An huyện Tân Hiệp cũ giờ thuộc đâu", GAZETTEER) if m.kind == "former"]
    assert [(m.district, [u.name for u in m.units]) for m in one] == [("Huyện Tân Hiệp", ["Xã Tân Hội"])]
    kien_giang = [m for m in find_places("xa tan an tinh kien giang cu", GAZETTEER) if m.kind == "former"]
    assert [m.province for m in kien_giang] == ["Tỉnh Kiên Giang"]


def test_a_split_former_unit_names_all_its_new_units() -> None:
    m = find_places("xã Phước Hưng cũ giờ thuộc xã nào", GAZETTEER)[0]
    assert m.kind == "former" and m.split
    assert [u.name for u in m.units] == ["Xã An Phú", "Xã Nhơn Hội", "Xã Phú Hữu"]


@pytest.mark.parametrize(
    "text",
    [
        "xã Hoàng Long Vân giờ thuộc đâu",  # made up
        "phường Sao Mai Xanh cũ nay là phường gì",  # made up
        "xã Vĩnh Thanh Hoàng giờ thuộc đâu",  # a real name (Vĩnh Thanh) that goes on: made up
        "tôi muốn làm giấy khai sinh cho con",
        "thứ ba tôi đi làm căn cước được không",  # Thứ Ba is a former xã, and a weekday
        "tôi ở Long An muốn làm khai sinh",  # a province, not the former xã Long An
        "ở địa phương An Phú có làm được không",  # "phương" is not "phường"
        "cho em hỏi mỹ phẩm có cần giấy phép không",
        "bình an là được rồi",
        "an tâm làm hộ chiếu",
    ],
)
def test_no_place_where_there_is_none(text: str) -> None:
    assert find_places(text, GAZETTEER) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("xa my hoa hung cu gio thuoc dau", True),
        ("phường Vĩnh Thanh Vân cũ nay là phường gì", True),
        ("tôi ở Hòn Tre Kiên Hải thì làm giấy tờ ở đâu", True),
        ("thị trấn Chợ Mới giờ là gì", True),
        ("xã Phước Hưng sáp nhập vào đâu", True),
        ("phuong vinh thanh van", True),
        ("đặc khu Phú Quốc gồm những xã cũ nào", True),
        ("làm khai sinh ở xã Định An huyện Gò Quao cũ", False),
        ("đăng ký kết hôn ở phường Rạch Giá cần gì", False),
        ("tôi muốn làm giấy khai sinh cho con", False),
        ("làm sổ đỏ mới mất bao lâu", False),
    ],
)
def test_is_place_question(text: str, expected: bool) -> None:
    assert is_place_question(text, GAZETTEER) is expected


def test_lookup_by_old_and_new_names(gazetteer: Gazetteer) -> None:
    assert [u.name for u in gazetteer.search("vinh thanh van")] == ["Phường Rạch Giá"]
    assert gazetteer.search("Chợ Mới")[0].name == "Xã Chợ Mới"
    assert gazetteer.search("kien hai")[0].name == "Đặc khu Kiên Hải"
    assert gazetteer.search("khong co ten nay") == []
