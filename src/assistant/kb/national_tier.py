"""The national tier of a knowledge base: the provincial- and commune-level records of the national procedure
database, shipped as data in `kb/national/procedures.jsonl.gz` (see kb/national/README.md).

Each record becomes a `Procedure` of tier `national` through the importer's conversion
(`national.national_procedure`), in the sector of sectors.yaml its linh_vuc names (same slug or name, or listed
in the sector's `national_sectors`), otherwise in a sector created from the linh_vuc. A curated file of the same
code replaces the record.

    tier = national_tier(root / SNAPSHOT, declared_sectors, curated_codes, "kb/national/procedures.jsonl.gz")

`refresh_snapshot` writes a new snapshot from a newer crawl (`assistant import national FILE --snapshot PATH`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import Problem, UserError
from assistant.kb.models import Procedure, Sector, Tier
from assistant.kb.national import (
    ImportReport,
    RecordsError,
    invalid_field,
    national_procedure,
    normalised,
    read_records,
    sector_names,
)
from assistant.text import nfc, slugify

SNAPSHOT = Path("national") / "procedures.jsonl.gz"  # relative to the KB folder
KEPT_LEVELS = ("Cấp tỉnh", "Cấp xã")  # what a province or a commune carries out
DROPPED_FIELDS = ("raw_text",)  # the page text, duplicated by the structured fields
NATIONAL_ORDER = 1000  # created sectors come after the declared ones


@dataclass(frozen=True)
class NationalTier:
    sectors: list[Sector]  # created from linh_vuc names no declared sector claims
    procedures: list[Procedure]
    problems: list[Problem]


@dataclass(frozen=True)
class _Converted:
    """The snapshot read once: each record converted, with its linh_vuc; the problems by line."""

    procedures: list[tuple[Procedure, str]]
    problems: list[tuple[int, str]]


@lru_cache(maxsize=4)
def _convert(path: str, mtime_ns: int, size: int) -> _Converted:
    """Keyed by the file's path, time and size: tests and tools load the same KB many times per process."""
    procedures: list[tuple[Procedure, str]] = []
    problems: list[tuple[int, str]] = []
    report = ImportReport()  # the importer's statistics; the loader keeps unparsed text in `raw` and moves on
    try:
        for number, record, problem in read_records(Path(path)):
            if record is None:
                problems.append((number, problem))
                continue
            record = normalised(record)
            try:
                procedures.append((national_procedure(record, report), record["linh_vuc"]))
            except ValidationError as err:
                problems.append((number, f"thủ tục {record['ma_thu_tuc'].strip()}: {invalid_field(err)}"))
    except RecordsError as err:
        problems.append((err.line, err.problem))
    return _Converted(procedures, problems)


def sector_slugs(sectors: list[Sector]) -> dict[str, str]:
    """slug of a linh_vuc → declared sector: its own slug, the slug of its name, the slugs of its `national_sectors`."""
    claimed: dict[str, str] = {}
    for sector in sectors:
        for name in (sector.slug, sector.name, *sector.national_sectors):
            claimed.setdefault(slugify(name), sector.slug)
    return claimed


def national_tier(path: Path, declared: list[Sector], curated: set[str], file: str) -> NationalTier:
    """The records of the snapshot at `path` not replaced by a curated code, and the sectors they need.
    Problems (a malformed line, a record without code or name) name `file` and the line."""
    stat = path.stat()
    converted = _convert(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    problems = [Problem(file, f"dòng {line}" if line else "", message) for line, message in converted.problems]
    claimed = sector_slugs(declared)
    kept = [(p, name) for p, name in converted.procedures if p.code not in curated]
    unclaimed = sector_names(name for p, name in kept if slugify(name) not in claimed)
    counts = Counter(slugify(name) for _, name in kept)
    created = [
        Sector(
            slug=slug,
            name=name,
            description=f"{counts[slug]} thủ tục từ Cơ sở dữ liệu quốc gia về thủ tục hành chính",
            order=NATIONAL_ORDER + i,
            tier=Tier.national,
        )
        for i, (slug, name) in enumerate(unclaimed.items())
    ]
    procedures = []
    for p, name in kept:
        slug = claimed.get(slugify(name), slugify(name))
        procedures.append(p if p.sector == slug else p.model_copy(update={"sector": slug}))
    return NationalTier(created, procedures, problems)


# ---------------------------------------------------------------------------------------------
# Refreshing the snapshot from a newer crawl


@dataclass
class SnapshotReport:
    records: int = 0  # written to the snapshot
    other_levels: int = 0  # valid records of another level (ministry only), left out
    messages: list[str] = field(default_factory=list)  # one line per skipped input line or record


def refresh_snapshot(src: Path, dest: Path, today: dt.date | None = None) -> SnapshotReport:
    """Write to `dest` (gzip JSON Lines, sorted by code, reproducible bytes) the records of `src` carried out at
    provincial or commune level, without `raw_text`, every other field as crawled; then update the date/count
    line of the README.md beside it. Lines and records the KB could not load are skipped with a message."""
    src, dest = Path(src), Path(dest)
    report = SnapshotReport()
    kept: dict[str, dict[str, Any]] = {}
    converter = ImportReport()
    for number, record, problem in read_records(src):
        if record is None:
            report.messages.append(f"{src}: dòng {number}: {problem}")
            continue
        if not any(level in nfc(str(record.get("cap_thuc_hien") or "")) for level in KEPT_LEVELS):
            report.other_levels += 1
            continue
        try:
            national_procedure(normalised(record), converter)  # what the loader will do with it
        except ValidationError as err:
            report.messages.append(
                f"{src}: dòng {number}: thủ tục {record['ma_thu_tuc'].strip()}: {invalid_field(err)}, bỏ qua"
            )
            continue
        kept[record["ma_thu_tuc"].strip()] = {k: v for k, v in record.items() if k not in DROPPED_FIELDS}
    if not kept:
        raise UserError(f"{src}: không có bản ghi cấp tỉnh hay cấp xã nào hợp lệ; giữ nguyên {dest}")
    data = b"".join(json.dumps(kept[code], ensure_ascii=False).encode("utf-8") + b"\n" for code in sorted(kept))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(data)
    tmp.replace(dest)
    report.records = len(kept)
    _update_readme(dest.parent / "README.md", today or dt.date.today(), len(kept))
    return report


_README_LINE = re.compile(r"^- Date of the snapshot: .*$", re.M)


def _update_readme(readme: Path, today: dt.date, records: int) -> None:
    line = f"- Date of the snapshot: {today.isoformat()}. Records: {records:,}."
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if _README_LINE.search(text):
            readme.write_text(_README_LINE.sub(line, text, count=1), encoding="utf-8")
            return
        readme.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")
        return
    readme.write_text(
        "# National tier: snapshot of the national procedure records\n\n"
        "Written by `assistant import national FILE --snapshot PATH`: the records whose `cap_thuc_hien` includes "
        '"Cấp tỉnh" or "Cấp xã", without `raw_text`.\n\n' + line + "\n",
        encoding="utf-8",
    )
