"""Parsers for the sections of a national procedure record.

The national database flattens its tables into text without separators, e.g.
``Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíTrực tiếp1Miễn phí``. Each parser
here turns one section into typed values and says whether it understood the whole text
(``complete``); the importer keeps the raw text of any section that was not fully understood.
Nothing is invented: text that cannot be placed is left out of the typed values, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from assistant.kb.models import Channel, ChannelKind, Document, Fee, LegalDoc, Level

T = TypeVar("T")

NO_INFO = "Không có thông tin"
_EMPTY_VALUES = {"", "--", "không", "không có", "không có thông tin", "không quy định"}


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A section's typed value, and whether every part of the text found a place in it."""

    value: T
    complete: bool = True


def clean(text: str) -> str:
    """One line, single spaces, no stray separators at either end."""
    return " ".join((text or "").split())


def is_empty(text: str) -> bool:
    """True for blank text and the database's placeholders ("Không có thông tin", "--")."""
    text = (text or "").strip()
    return len(text) <= 40 and clean(text).strip(" .;:-").lower() in _EMPTY_VALUES


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# List markers at the start of an item: "- ", "+ ", "* ", "a) ", "1. ", "(1)\t", "1.2.", "•".
_MARKER = re.compile(
    r"^(?:[-+*•·–\uf0b7\uf0a7\uf0d8\uf0fc\uf02d]+"  # bullets, including Word's private-use ones
    r"|\(?\d+(?:\.\d+)*[.)/]|\(?[a-zđ]\d?[.)]|\([a-zđ\d]+\)|[ivx]+[.)])\s*"
)


def strip_marker(text: str) -> str:
    text = text.strip()
    for _ in range(3):
        new = _MARKER.sub("", text, count=1).strip()
        if new == text:
            break
        text = new
    return text


# ---------------------------------------------------------------------------------------------
# Levels

LEVELS = {"cấp xã": Level.xa, "cấp tỉnh": Level.tinh, "cấp bộ": Level.bo, "cơ quan khác": Level.khac}


def parse_levels(text: str) -> Parsed[list[Level]]:
    levels: list[Level] = []
    complete = True
    for part in (text or "").split(","):
        key = clean(part).lower()
        if not key:
            continue
        level = LEVELS.get(key)
        if level is None:
            complete = False
        elif level not in levels:
            levels.append(level)
    return Parsed(levels, complete)


# ---------------------------------------------------------------------------------------------
# Channels, processing time and fees ("cách thức thực hiện")

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_KINDS = {
    "Trực tiếp": ChannelKind.truc_tiep,
    "Trực tuyến": ChannelKind.truc_tuyen,
    "Dịch vụ bưu chính": ChannelKind.buu_chinh,
}
_CASE_NAMES = {
    ChannelKind.truc_tiep: "Nộp trực tiếp",
    ChannelKind.truc_tuyen: "Nộp trực tuyến",
    ChannelKind.buu_chinh: "Nộp qua bưu chính",
}
_CURRENCY = r"(?:VNĐ|Việt Nam Đồng|Đồng|đồng|USD)"
_AMOUNT = rf"(?:[1-9][\d.,]*|0)\s*{_CURRENCY}"
_FEE = re.compile(rf"Miễn phí|{NO_INFO}|(?P<amount>[\d.,]+)\s*(?P<cur>{_CURRENCY})")
# A row starts with the channel name glued to its time (number + unit, a bare number, "no
# information" or nothing), glued to its fee. A bare number is taken as short as possible so that
# "Trực tuyến120 VNĐ" reads as time 1, fee "20 VNĐ" (amounts never start with 0).
_ROW = re.compile(
    r"(?P<kind>Trực tiếp|Trực tuyến|Dịch vụ bưu chính)"
    r"(?:(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>Ngày làm việc|Ngày|Giờ|Tháng|Năm|Tuần|Phút)"
    rf"|(?P<noinfo>{NO_INFO})|(?P<bare>\d+?))?"
    rf"(?=Miễn phí|{NO_INFO}|{_AMOUNT})"
)
# Fallback when no row has a regular time: the time column holds words ("Không phải trả kết quả").
_ROW_TEXT = re.compile(
    r"(?P<kind>Trực tiếp|Trực tuyến|Dịch vụ bưu chính)"
    r"(?P<text>(?:(?!Trực tiếp|Trực tuyến|Dịch vụ bưu chính).){1,160}?)"
    rf"(?=Miễn phí|{NO_INFO}|{_AMOUNT})",
    re.DOTALL,
)
UNITLESS = "(không ghi đơn vị)"


def _number(text: str) -> str:
    return str(int(text)) if text.isascii() and text.isdigit() else text


def _amount_text(amount: str, currency: str) -> str:
    amount = amount.strip(".,")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", amount):
        amount = amount.replace(",", ".")
    return f"{amount} {'USD' if currency == 'USD' else 'đồng'}"


def _balanced(text: str, start: int) -> tuple[str, int]:
    """The text inside the parenthesis opening at `start`, and the index after it closes."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return text[start + 1 :], len(text)


def _fee_note(note: str) -> str:
    note = clean(note)
    while note.startswith("(") and note.endswith(")") and _balanced(note, 0)[1] == len(note):
        note = clean(note[1:-1])
    if note.count("(") > note.count(")"):
        note = note.lstrip("( ")
    if note.count(")") > note.count("("):
        note = note.rstrip(") ")
    note = re.sub(r"\)(?=\w)", ") ", note)
    return "" if is_empty(strip_marker(note)) else note


@dataclass
class ChannelTable:
    channels: list[Channel] = field(default_factory=list)
    processing_time: str = ""
    fees: list[Fee] = field(default_factory=list)


def parse_channels(text: str) -> Parsed[ChannelTable]:
    text = text or ""
    body = text.split(CHANNEL_HEADER, 1)[1] if CHANNEL_HEADER in text else text
    rows = list(_ROW.finditer(body)) or list(_ROW_TEXT.finditer(body))
    table = ChannelTable()
    if not rows:
        return Parsed(table, is_empty(body))
    complete = CHANNEL_HEADER in text and is_empty(body[: rows[0].start()])
    times: list[tuple[ChannelKind, str]] = []
    fees: list[tuple[ChannelKind, str]] = []
    for i, row in enumerate(rows):
        kind = _KINDS[row["kind"]]
        groups = row.groupdict()
        if groups.get("num"):
            time = f"{_number(groups['num'])} {groups['unit'].lower()}"
        elif groups.get("bare"):
            time = f"{_number(groups['bare'])} {UNITLESS}"
        elif groups.get("text") and not is_empty(groups["text"]):
            time = clean(groups["text"]).rstrip(".")
        else:
            time = ""
        rest = body[row.end() : rows[i + 1].start() if i + 1 < len(rows) else len(body)]
        fee_match = _FEE.match(rest)
        assert fee_match is not None  # guaranteed by the row's look-ahead
        if fee_match["amount"]:
            fee = _amount_text(fee_match["amount"], fee_match["cur"])
        elif fee_match.group() == NO_INFO:
            fee = ""
        else:
            fee = "Miễn phí"
        pos = fee_match.end()
        while pos < len(rest) and rest[pos] == " ":
            pos += 1
        note = ""
        if pos < len(rest) and rest[pos] == "(":
            inner, pos = _balanced(rest, pos)
            note = _fee_note(inner)
        if fee and note:
            fee = f"{fee} ({note})"
        description = "" if is_empty(rest[pos:]) else clean(rest[pos:])
        table.channels.append(Channel(kind=kind, time=time, fee=fee, note=description))
        if time:
            times.append((kind, time))
        if fee:
            fees.append((kind, fee))
    table.processing_time = _joined_by_channel(times)
    distinct = list(dict.fromkeys(f for _, f in fees))
    if len(distinct) == 1:
        table.fees = [Fee(amount=distinct[0])]
    else:
        for amount in distinct:
            kinds = list(dict.fromkeys(k for k, f in fees if f == amount))
            case = ", ".join(_CASE_NAMES[k] for k in kinds)
            table.fees.append(Fee(case=case, amount=amount))
    return Parsed(table, complete)


def _joined_by_channel(values: list[tuple[ChannelKind, str]]) -> str:
    distinct = list(dict.fromkeys(v for _, v in values))
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    parts = []
    for value in distinct:
        kinds = list(dict.fromkeys(k for k, v in values if v == value))
        parts.append(f"{', '.join(_CASE_NAMES[k] for k in kinds)}: {value}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Documents ("thành phần hồ sơ")

DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The count column: "1 bản chính" or "0 bản chính,1 bản sao", glued to the document name. The
# count is one digit (names often end in digits: "ngày 01/01/2026" + "1 bản chính").
_COUNT = re.compile(r"(\d) bản chính(?:,(\d+) bản sao)?")
_FILE_EXT = re.compile(r"\.(?:docx|doc|pdf|xlsx|xls|rar|zip|odt)", re.IGNORECASE)
# Where an attachment's file name starts when it is glued to the document name.
_FORM_WORD = re.compile(r"(?:Mẫu|Mau|mẫu|mau|MẪU|Phụ lục|PHỤ LỤC|Phu luc|Phuluc|Phlc|PL|TTHC)")
_FORM_IN_NAME = re.compile(r"\b[Mm]ẫu\s+(?:số\s*)?:?\s*([A-Z0-9Đ][\w./\-]*\w)")


def _is_real_count(text: str, match: re.Match[str]) -> bool:
    start, end = match.start(), match.end()
    if start >= 1 and text[start - 1] == "0" and (start < 2 or not text[start - 2].isdigit()):
        return False  # "01 bản chính" written inside a name; the count column has no leading zero
    after = text[end : end + 2]
    if after[:1] in (";", ".", ")") or after in (", ",):
        return False
    if after[:1] == " " and (len(after) < 2 or after[1].islower()):
        return False
    return True


def _file_start(text: str, ext_start: int) -> int:
    """Index where the first attachment name starts in `text` (a name glued to file names)."""
    keyword = [
        m.start()
        for m in _FORM_WORD.finditer(text, max(0, ext_start - 160), ext_start)
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ".;:)")
    ]
    if keyword:
        return keyword[0]
    for i in range(max(1, ext_start - 90), ext_start):
        prev, ch = text[i - 1], text[i]
        if prev.isspace() or ch.isspace():
            continue
        if (prev in ".;:)" or prev.islower()) and (ch.isupper() or ch.isdigit()):
            return i
    # No visible boundary: the file name is the last word.
    space = text.rfind(" ", 0, ext_start)
    return space + 1


def split_attachments(name: str) -> tuple[str, list[str]]:
    """'Đơn đề nghịMẫu 01.docxMẫu 02.docx' → ('Đơn đề nghị', ['Mẫu 01', 'Mẫu 02'])."""
    exts = list(_FILE_EXT.finditer(name))
    if not exts or exts[-1].end() != len(name.rstrip()):
        return name, []
    chain = [exts[-1]]
    for ext in reversed(exts[:-1]):
        if chain[0].start() - ext.end() <= 100:
            chain.insert(0, ext)
        else:
            break
    start = _file_start(name, chain[0].start())
    files, pos = [], start
    for ext in chain:
        stem = clean(name[pos : ext.start()]).rstrip(".")
        if stem:
            files.append(stem)
        pos = ext.end()
    return name[:start], files


def _clean_heading(text: str, title: str) -> str:
    text = clean(strip_marker(clean(text))).rstrip(":;.").strip()
    if is_empty(text) or text.strip("-") == "":
        return ""
    folded_title = clean(title).lower()
    if text.lower() == folded_title or folded_title.endswith(text.lower()):
        return ""
    return capitalise(text)


def _copies(original: int, copy: int) -> str:
    if original and copy:
        return f"{original} bản chính hoặc {copy} bản sao"
    if original:
        return f"{original} bản chính"
    if copy:
        return f"{copy} bản sao"
    return ""


@dataclass
class DocumentList:
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows that are remarks, not papers to hand in


_NOTE_START = ("trường hợp", "lưu ý", "ghi chú", "nếu ")


def parse_documents(text: str, title: str = "") -> Parsed[DocumentList]:
    """Documents of the application file; group headings ("* Trường hợp …") become notes.

    A row counted "0 bản chính" that is a remark ("Trường hợp … thì không phải nộp …", or any row
    under a "Lưu ý" heading) goes to `notes` rather than being listed as a paper to hand in.
    """
    text = text or ""
    out = DocumentList()
    segments = text.split(DOCUMENT_HEADER)
    if len(segments) < 2:
        return Parsed(out, is_empty(text))
    complete = True
    heading = _clean_heading(segments[0], title)
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        counts = [m for m in _COUNT.finditer(segment) if _is_real_count(segment, m)]
        pos, subheading = 0, ""
        for match in counts:
            raw_name = segment[pos : match.start()]
            pos = match.end()
            name, files = split_attachments(clean(raw_name))
            name = clean(strip_marker(name)).rstrip(";,").strip()
            original, copy = int(match[1]), int(match[2] or 0)
            if name.endswith(":") and not original and not copy:
                subheading = capitalise(name.rstrip(":").strip())
                continue
            name = capitalise(name.rstrip(":").strip().rstrip(".").strip())
            if not name:
                if not files:
                    continue  # a count with no name: an empty row of the table
                name = files[0]
            context = [p for p in (heading, subheading) if p]
            if (
                not original
                and not copy
                and (name.lower().startswith(_NOTE_START) or any("lưu ý" in c.lower() for c in context))
            ):
                prefix = " — ".join(c for c in context if "lưu ý" not in c.lower())
                out.notes.append(f"{prefix}: {name}" if prefix else name)
                continue
            form_match = _FORM_IN_NAME.search(name)
            form = f"Mẫu {form_match.group().split(None, 1)[1]}" if form_match else "; ".join(files)
            note = " — ".join(context)
            out.documents.append(Document(name=name, copies=_copies(original, copy), form=form, note=note))
        tail = segment[pos:]
        if not last:
            heading = _clean_heading(tail, title)
        elif not is_empty(tail):
            # Text after the last count: a closing remark, or a paper whose count is missing.
            remark = capitalise(clean(strip_marker(clean(tail))).strip(" +-;.()"))
            if remark.lower().startswith(_NOTE_START) or tail.lstrip().startswith(("(", "*")):
                out.notes.append(remark)
            elif remark:
                note = " — ".join(p for p in (heading, subheading) if p)
                out.documents.append(Document(name=remark, note=note))
    return Parsed(out, complete and bool(out.documents))


# ---------------------------------------------------------------------------------------------
# Legal basis ("căn cứ pháp lý")

LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_ISSUERS = sorted(
    """CP BTC NHNN BNNMT BCA BTP BGTVT BNNPTNT TTg TTG BXD BTNMT BLĐTBXH BKHĐT BHXH UBND BKHCN BQP
    BNG BYT BCT BNV BVHTTDL VPCP BTTTT TANDTC VKSNDTC VPQH HĐND TCT BGDĐT NNMT CTN KTNN TTCP BDT
    UBDT UBCKNN BTNN QLDA BKH NHNNVN UBTVQH CHXHCNVN""".split(),
    key=len,
    reverse=True,
)
_ISSUER = r"(?:UBTVQH\d{2}|QH\d{2}|" + "|".join(_ISSUERS) + r"|[A-ZĐ]+?(?=[A-ZĐ][a-zđ]|[^A-ZĐa-zđ]|$))"
# A title ending in a year glues it to the number: "Luật Công chứng năm 2024" + "46/2024/QH15".
_LEGAL_NUMBER = re.compile(
    r"(?:(?:19|20)\d{2}(?=\d{1,4}(?:\.\d+)?/\d{4}/))?"
    r"(?P<number>\d+(?:\.\d+)?(?:/\d{4})?/(?:(?:TTLT|VBHN|NĐ|ND|TT|QĐ|NQ|CT|PL|HD|L|QH)-\s?)?"
    rf"{_ISSUER}(?:-{_ISSUER})*)"
)
_DOC_TYPES = (
    r"(?:Bộ luật|Luật|Nghị định|Thông tư liên tịch|Thông tư|Quyết định|Nghị quyết|Pháp lệnh"
    r"|Văn bản hợp nhất|Chỉ thị|Lệnh)"
)
_GLUED_PREFIX = re.compile(rf"(?<=[^\s])\s?(?:{_DOC_TYPES}\s*(?:số)?|[Ss]ố)\s*:?\s*$")
_ONLY_TYPE = re.compile(rf"^(?P<type>{_DOC_TYPES})?\s*(?:số)?\s*:?$", re.IGNORECASE)


def _legal_title(title: str, number: str) -> str:
    title = clean(title)
    title = clean(_GLUED_PREFIX.sub("", title))
    title = strip_marker(title).strip(" :;,.")
    only = _ONLY_TYPE.match(title)
    if only:
        return f"{capitalise(only['type'])} {number}" if only["type"] else ""
    if title.replace(" ", "").upper() in (number.upper(), f"SỐ{number.upper()}"):
        return ""
    return capitalise(title)


def parse_legal_basis(text: str) -> Parsed[list[LegalDoc]]:
    text = text or ""
    if is_empty(text):
        return Parsed([])
    body = text.split(LEGAL_HEADER, 1)[1] if LEGAL_HEADER in text else text
    found: dict[str, LegalDoc] = {}
    pos = 0
    for match in _LEGAL_NUMBER.finditer(body):
        # The number column is glued to its title ("…Luật Hộ tịch60/2014/QH13") and to the next
        # title; a number with spaces on both sides is quoted inside a title.
        before = body[match.start() - 1 : match.start()]
        after = body[match.end() : match.end() + 1]
        glued_before = before.isalnum() or before == "."
        if after and not after.isalnum() and not (glued_before and after.isspace()):
            continue
        number = re.sub(r"\s+", "", match["number"])
        title = _legal_title(body[pos : match.start("number")], number)
        pos = match.end()
        key = number.upper().replace("Đ", "D")
        if key not in found:
            found[key] = LegalDoc(number=number, title=title)
        elif len(title) > len(found[key].title):
            found[key] = LegalDoc(number=found[key].number, title=title)
    complete = LEGAL_HEADER in text and is_empty(body[pos:]) and bool(found)
    return Parsed(list(found.values()), complete)


# ---------------------------------------------------------------------------------------------
# Result ("kết quả xử lý")

_RESULT_CODE = re.compile(r"Mã:\s*(?:[A-Z]{2}[.\-][A-Z]\d+\.\d+|[\d.]+[A-Z]\d+-KQ\d+|\S+?(?=[A-ZĐ]|$))")
_RESULT_END = ("Chọn cơ quan thực hiện", "Hệ thống chỉ hiển thị", "Nộp hồ sơ")


@dataclass
class ResultSection:
    result: str = ""
    keywords: list[str] = field(default_factory=list)
    description: str = ""  # the "Mô tả" column: often conditions or remarks, kept apart from the result


def parse_result(text: str) -> Parsed[ResultSection]:
    text = text or ""
    for marker in _RESULT_END:
        if marker in text:
            text = text[: text.index(marker)]
    keywords_text = description = ""
    if "Từ khóa" in text:
        text, rest = text.split("Từ khóa", 1)
        keywords_text, _, description = rest.partition("Mô tả")
    names = [clean(strip_marker(n)).rstrip(".;").strip() for n in _RESULT_CODE.split(text)]
    names = list(dict.fromkeys(capitalise(n) for n in names if n and not is_empty(n)))
    keywords = [] if is_empty(keywords_text) else [clean(k) for k in keywords_text.split(",") if clean(k)]
    description = "" if is_empty(description) else clean(description)
    return Parsed(ResultSection("; ".join(names), keywords, description), True)


# ---------------------------------------------------------------------------------------------
# Steps and conditions (free text with newlines)

_STEP = re.compile(r"^(?:[-+*]\s*)?(?:[a-zđ]\)\s*)?Bước\s*\d+\s*[:.\-–)]?\s*", re.IGNORECASE)


def _lines(text: str) -> list[str]:
    """Non-empty lines; hard-wrapped continuations (starting in lowercase) and short headings
    ("Lưu ý:") are joined to the line they belong to."""
    out: list[str] = []
    for line in (text or "").replace("\r", "\n").split("\n"):
        line = clean(line)
        if not line:
            continue
        if out and (line[0].islower() or out[-1].endswith((",", " và", " hoặc")) or _is_label(out[-1])):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _is_label(line: str) -> bool:
    return line.endswith(":") and len(line) <= 40


def parse_steps(text: str) -> Parsed[list[str]]:
    if is_empty(text):
        return Parsed([])
    lines = _lines(text)
    if any(_STEP.match(line) for line in lines):
        steps: list[str] = []
        for line in lines:
            if _STEP.match(line) or not steps:
                steps.append(_STEP.sub("", line) or line)
            else:
                steps[-1] = f"{steps[-1]} {line}"
    else:
        steps = [strip_marker(line) or line for line in lines]
    steps = [capitalise(s.strip()) for s in steps if not is_empty(s)]
    return Parsed(steps, bool(steps))


def parse_conditions(text: str) -> Parsed[list[str]]:
    if is_empty(text):
        return Parsed([])
    items = [capitalise(strip_marker(line) or line) for line in _lines(text)]
    return Parsed([i for i in items if not is_empty(i)], True)
