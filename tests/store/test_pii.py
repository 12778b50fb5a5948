"""Personal data scrubbed before storing: the ways people really type phone and ID numbers."""

from __future__ import annotations

import pytest

from assistant.store.pii import EMAIL, ID, PHONE, scrub


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("CCCD 0123 4567 8901 bị mất", f"CCCD {ID} bị mất"),
        ("căn cước 079 123 456 789", f"căn cước {ID}"),
        ("số CCCD: 0791-2345-6789", f"số CCCD: {ID}"),
        ("CCCD 079123456789", f"CCCD {ID}"),
        ("cmnd 123456789 hết hạn", f"cmnd {ID} hết hạn"),
        ("cmnd 123 456 789", f"cmnd {ID}"),
        ("hộ chiếu c1234567", f"hộ chiếu {ID}"),
        ("hộ chiếu C1234567", f"hộ chiếu {ID}"),
        ("passport n12345678 ạ", f"passport {ID} ạ"),
        ("gọi (+84) 912 345 678", f"gọi {PHONE}"),
        ("gọi +84 912.345.678", f"gọi {PHONE}"),
        ("gọi +84912345678", f"gọi {PHONE}"),
        ("gọi 84912345678", f"gọi {PHONE}"),
        ("gọi 0084 912 345 678", f"gọi {PHONE}"),
        ("sđt 0912 345 678", f"sđt {PHONE}"),
        ("sđt 0912.345.678", f"sđt {PHONE}"),
        ("sđt 0912-345-678", f"sđt {PHONE}"),
        ("sđt (0912) 345 678", f"sđt {PHONE}"),
        ("máy bàn 0296 3852 123", f"máy bàn {PHONE}"),
        ("máy bàn (0296) 3852 123", f"máy bàn {PHONE}"),
        ("máy bàn +84 296 3852 123", f"máy bàn {PHONE}"),
        ("máy bàn 028 3829 1234", f"máy bàn {PHONE}"),
        ("mail lan.nguyen+ag@example.com.vn", f"mail {EMAIL}"),
        ("năm 2024 số 0123 4567 8901", f"năm 2024 số {ID}"),
    ],
)
def test_personal_numbers_are_removed(typed: str, kept: str) -> None:
    assert scrub(typed) == kept


@pytest.mark.parametrize(
    "text",
    [
        "thủ tục 1.001193 và 2.001019",
        "mã 1.000894 12 ngày",
        "vay 150.000.000 đồng",
        "lệ phí 8.000 đồng, 15 ngày làm việc",
        "ngày 01.02.2024 lúc 12 giờ",
        "đặc khu Phú Quốc, 102 xã phường",
        "xe B2 hạng A1",
    ],
)
def test_what_is_not_personal_stays(text: str) -> None:
    assert scrub(text) == text
