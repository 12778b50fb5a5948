"""Scrub personal data from what citizens type before anything is stored or logged.

Covered: e-mail addresses; Vietnamese phone numbers, mobile and landline, written with the trunk 0 or the
country code (+84, 84, 0084, "(+84)"), spaced, dotted, dashed or bracketed ("(0296) 3852 123"); ID numbers
(12-digit căn cước / CCCD, 9-digit CMND), contiguous or grouped ("0123 4567 8901", "079 123 456 789");
passport numbers (one or two letters and 7–8 digits, either case). Procedure codes ("1.001193") and money
written with thousand separators ("150.000.000 đồng") are left alone.
"""

from __future__ import annotations

import re

EMAIL, PHONE, ID = "[email]", "[số điện thoại]", "[số giấy tờ]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Not glued to a word or a "+", and not the decimals of a number such as a procedure code ("1.001193").
_START = r"(?<![\w+])(?<!\d[.,])"
_SEP = r"[\s.\-()]{0,3}"  # what people put between digits: spaces, dots, dashes, brackets
_PREFIX = r"(?:\(\s*(?:\+|00)?\s*84\s*\)|(?:\+|00)\s?84|84|\(\s*0|0)"
# After the prefix: a mobile number is 9 digits starting 3, 5, 7, 8 or 9; a landline 10 starting with 2.
_PHONE = re.compile(_START + _PREFIX + _SEP + rf"(?:[35789](?:{_SEP}\d){{8}}|2(?:{_SEP}\d){{9}})(?!\d)")

# Runs of digit groups; which of them are ID numbers is decided by counting digits (see _ids).
_DIGIT_RUN = re.compile(_START + r"\d{2,12}(?:[ .\-]{1,2}\d{2,12})*(?![\d\w])")
_GROUP = re.compile(r"\d+")
_MONEY = re.compile(r"\d{1,3}(?:\.\d{3})+")

_PASSPORT = re.compile(r"(?<![\w])[A-Za-z]{1,2}\d{7,8}(?![\w])")

ID_DIGITS = (12, 9)


def _ids(match: re.Match[str]) -> str:
    run = match.group()
    if _MONEY.fullmatch(run) and run.endswith("000"):
        return run  # 150.000.000 đồng
    groups = list(_GROUP.finditer(run))
    # The whole run, or the longest stretch of whole groups, with exactly 12 or 9 digits; a stretch that
    # starts with 0 first (căn cước numbers begin with the province code, 001–096).
    for wanted in ID_DIGITS:
        for size in range(len(groups), 0, -1):
            windows = [groups[i : i + size] for i in range(len(groups) - size + 1)]
            windows = [w for w in windows if sum(len(g.group()) for g in w) == wanted]
            if windows:
                window = min(windows, key=lambda w: not w[0].group().startswith("0"))
                start, end = window[0].start(), window[-1].end()
                return _DIGIT_RUN.sub(_ids, run[:start]) + ID + _DIGIT_RUN.sub(_ids, run[end:])
    return run


def scrub(text: str) -> str:
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _DIGIT_RUN.sub(_ids, text)
    return _PASSPORT.sub(ID, text)
