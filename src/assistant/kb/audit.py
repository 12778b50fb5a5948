"""Checks of a valid knowledge base against time and against itself: facts past their `valid_until`,
procedures not reviewed for a while, and the inconsistencies a field-by-field review found (a channel
said free while a fee applies, channel times that contradict the time field, a legal basis the national
record does not list and the editors did not mark, a sector introduction contradicting a procedure)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import Problem
from assistant.kb.models import Expiring, KnowledgeBase, Level, Procedure, Tier
from assistant.kb.national_tier import SNAPSHOT
from assistant.text import date_vi, fold

NATIONAL_SNAPSHOT = SNAPSHOT


def procedure_file(root: Path, p: Procedure) -> str:
    """The file of a procedure as `assistant check` names it (relative to the KB's parent)."""
    return f"{Path(root).name}/procedures/{p.sector}/{p.code}.yaml"


def _expiring(p: Procedure) -> Iterator[tuple[str, Expiring]]:
    for name in ("fees", "channels", "faq", "rules", "special_cases"):
        for i, item in enumerate(getattr(p, name)):
            yield f"{name}[{i}]", item


def expired_facts(kb: KnowledgeBase, root: Path, today: dt.date) -> list[Problem]:
    problems = []
    for p in kb.procedures:
        for field, item in _expiring(p):
            if item.expired(today) and item.valid_until:
                source = f" (nguồn: {item.source})" if item.source else ""
                problems.append(
                    Problem(
                        procedure_file(root, p),
                        f"{field}.valid_until",
                        f"thông tin đã hết hiệu lực từ sau ngày {date_vi(item.valid_until)}{source}; cập nhật hoặc xóa",
                    )
                )
    return problems


def stale_reviews(kb: KnowledgeBase, root: Path, today: dt.date, days: int) -> list[Problem]:
    problems = []
    for p in kb.procedures:
        if p.tier is not Tier.curated:
            continue  # national records are published as they are; reviews are of the curated files
        if p.reviewed is None:
            problems.append(Problem(procedure_file(root, p), "reviewed", "chưa từng rà soát (thiếu ngày rà soát)"))
        elif (today - p.reviewed).days > days:
            age = (today - p.reviewed).days
            problems.append(
                Problem(
                    procedure_file(root, p),
                    "reviewed",
                    f"rà soát lần cuối {date_vi(p.reviewed)}, đã {age} ngày (quá {days} ngày)",
                )
            )
    return problems


# --- consistency -------------------------------------------------------------------------------------
_FREE = re.compile(r"\b(mien phi|mien le phi|khong mat (le )?phi|khong thu (le )?phi)\b")
_PAID = re.compile(
    r"\b(\d[\d.]*\s*(dong|d|vnd)\b|hoi dong nhan dan|hdnd|theo muc|phai nop|thu (le )?phi|nop (le )?phi)"
)
_DAYS = re.compile(r"(\d+)\s*(ngay|gio)")


def _mentions_fee(text: str) -> bool:
    folded = fold(text)
    return bool(_PAID.search(folded))


def _day_counts(text: str) -> set[str]:
    return {f"{n} {unit}" for n, unit in _DAYS.findall(fold(text))}


def channel_conflicts(p: Procedure, file: str) -> list[Problem]:
    problems = []
    # A channel said free contradicts fees that all ask for money (one free case, e.g. registration
    # free and copies paid, makes "Miễn phí" a fair summary).
    paid = bool(p.fees) and all(
        _mentions_fee(f"{f.case} {f.amount}") and not _FREE.search(fold(f.amount)) for f in p.fees
    )
    for i, c in enumerate(p.channels):
        if c.fee and _FREE.search(fold(c.fee)) and paid:
            problems.append(
                Problem(
                    file,
                    f"channels[{i}].fee",
                    'ghi "Miễn phí" trong khi mục lệ phí nói có thể phải nộp phí; thống nhất hai chỗ',
                )
            )
        channel_days = _day_counts(c.time)
        allowed = _day_counts(p.processing_time)
        if channel_days and allowed and not channel_days <= allowed:
            extra = ", ".join(sorted(channel_days - allowed))
            problems.append(
                Problem(
                    file,
                    f"channels[{i}].time",
                    f'thời gian "{extra}" không có trong thời gian giải quyết của thủ tục; thống nhất hai chỗ',
                )
            )
    return problems


def _normal_number(number: str) -> str:
    """The number and year of a legal text: "Nghị định 123/2015/NĐ-CP" → "123/2015". The kind letters are
    left out because the national records misprint them ("118/2025/NĐ-C")."""
    m = re.search(r"\d[\d.]*/\d{4}", fold(number))
    return m.group(0) if m else fold(number).strip()


def load_national(root: Path) -> dict[str, dict[str, str]]:
    """The national records shipped with the KB (kb/national/procedures.jsonl.gz), by code; {} when absent."""
    path = Path(root) / NATIONAL_SNAPSHOT
    if not path.exists():
        return {}
    records = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                records[record.get("ma_thu_tuc", "")] = record
    return records


def unmarked_legal_bases(p: Procedure, file: str, record: dict[str, str] | None) -> list[Problem]:
    if record is None:
        return []
    cited = fold(record.get("can_cu_phap_ly", ""))
    problems = []
    for i, doc in enumerate(p.legal_basis):
        if not doc.added and _normal_number(doc.number) not in cited:
            problems.append(
                Problem(
                    file,
                    f"legal_basis[{i}].number",
                    f"{doc.number} không có trong căn cứ pháp lý của bản ghi quốc gia {p.code}; "
                    "ghi `added: true` nếu ban biên soạn bổ sung có chủ đích, hoặc bỏ đi",
                )
            )
    return problems


_CODE_IN_TEXT = re.compile(r"\d\.\d{6}")
_LEVEL_WORDS = {
    Level.tinh: re.compile(r"\b(cap tinh|ubnd tinh|uy ban nhan dan tinh|so [a-z ]+ tinh)\b"),
    Level.xa: re.compile(r"\b(cap xa|ubnd xa|uy ban nhan dan (cap )?xa|chu tich (ubnd |uy ban nhan dan )?(cap )?xa)\b"),
}


def intro_conflicts(kb: KnowledgeBase, root: Path) -> list[Problem]:
    """A sector introduction that names a code in a sentence saying another level or "free" than the file."""
    problems = []
    file = f"{Path(root).name}/sectors.yaml"
    for i, sector in enumerate(kb.sectors):
        # Clause by clause: "… (2.001035), rồi đăng ký biến động … cấp tỉnh" speaks of two things.
        for sentence in re.split(r"(?<=[.;!?])\s+|\n|,\s*(?:rồi|còn|nhưng|sau đó)\s", sector.intro):
            folded = fold(sentence)
            codes = _CODE_IN_TEXT.findall(sentence)
            for code in codes:
                p = kb.procedure(code)
                if p is None:
                    continue
                said = [level for level, words in _LEVEL_WORDS.items() if words.search(folded)]
                if len(codes) == 1 and len(said) == 1 and p.levels and said[0] not in p.levels:
                    problems.append(
                        Problem(
                            file,
                            f"[{i}].intro",
                            f'câu nói về {code} ghi cấp khác với tệp thủ tục ({", ".join(level.value for level in p.levels)}): "{sentence.strip()[:120]}"',
                        )
                    )
                if (
                    _FREE.search(folded)
                    and any(_mentions_fee(f.amount) for f in p.fees)
                    and not any(_FREE.search(fold(f.amount)) for f in p.fees)
                ):
                    problems.append(
                        Problem(
                            file, f"[{i}].intro", f"câu nói về {code} ghi miễn phí, trái với mục lệ phí của thủ tục"
                        )
                    )
    return problems


def consistency(kb: KnowledgeBase, root: Path) -> list[Problem]:
    national = load_national(root)
    problems = []
    for p in kb.procedures:
        if p.tier is not Tier.curated:
            continue  # national records are published as they are; the review covers the curated files
        file = procedure_file(root, p)
        problems += channel_conflicts(p, file)
        problems += unmarked_legal_bases(p, file, national.get(p.code))
    return problems + intro_conflicts(kb, root)
