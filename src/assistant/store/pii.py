"""Scrub personal data from what citizens type before anything is stored."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Vietnamese phone numbers: 0xxxxxxxxx or +84 / 84 followed by 9 digits, with optional spaces, dots or dashes.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){9}(?!\d)")
# ID numbers: 12-digit căn cước / CCCD, 9-digit old CMND, passport-like letter + 7-8 digits.
_ID = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)|\b[A-Z]\d{7,8}\b")


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[số điện thoại]", text)
    return _ID.sub("[số giấy tờ]", text)
