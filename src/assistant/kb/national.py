"""Import national procedure records (JSON Lines, gzip or plain) into a knowledge-base folder.

    report = import_national(Path("national-procedures.jsonl.gz"), Path("national-kb"))

Writes `province.yaml`, `sectors.yaml` and `procedures/<sector>/<code>.yaml`, valid under
`validate_kb`. A section that cannot be fully parsed is kept verbatim in the procedure's `raw`
map and counted as a warning for that field; a bad line is skipped with a warning. The output
depends only on the input: importing twice gives byte-identical files.

One record becomes one `Procedure` through `national_procedure`, here and when the loader reads the national
tier of a KB (`kb/national/procedures.jsonl.gz`, see national_tier.py); `read_records` reads the lines, with
the problem of each line that is not a record.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.errors import UserError
from assistant.kb import national_sections as sections
from assistant.kb.models import CODE_PATTERN, LEVEL_NAMES, Document, Level, Procedure, Province, Sector, Tier
from assistant.text import fold, nfc, slugify

UPDATED = dt.date(2026, 1, 1)  # the records carry no date; a fixed one keeps imports reproducible
PROVINCE_NAME = "Danh mục thủ tục hành chính quốc gia"
MARKER = ".national-import"  # marks a folder this importer wrote, so a re-import may replace it
FALLBACK_DOCUMENT = "Thành phần hồ sơ: xem chi tiết trên Cơ sở dữ liệu quốc gia về thủ tục hành chính"
REQUIRED_KEYS = ("ma_thu_tuc", "ten_thu_tuc", "linh_vuc")
_KEEP_PREFIX = ("hải quan", "đối với", "điện tử")  # "Thủ tục hải quan …" is a name, not a prefix


@dataclass
class ImportReport:
    procedures: int = 0
    sectors: int = 0
    warnings: int = 0
    warnings_by_field: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # one line per skipped input line

    def warn(self, field_name: str, message: str = "") -> None:
        self.warnings += 1
        self.warnings_by_field[field_name] = self.warnings_by_field.get(field_name, 0) + 1
        if message:
            self.messages.append(message)


def import_national(src: Path, out: Path) -> ImportReport:
    """Turn the national records in `src` into a knowledge base in `out` (replaced if present)."""
    src, out = Path(src), Path(out)
    report = ImportReport()
    records = dict(_valid_records(src, report))
    _check_target(out)

    names = sector_names(r["linh_vuc"] for r in records.values())
    procedures = []
    for code in sorted(records):
        try:
            procedures.append(national_procedure(records[code], report))
        except ValidationError as err:  # a record the mapping cannot make valid: skip it, say why
            report.warn("record", f"{src}: thủ tục {code}: {invalid_field(err)}, bỏ qua thủ tục")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")  # beside `out`, so renaming is atomic
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        _write_kb(tmp, names, procedures)
        _swap(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    report.procedures = len(procedures)
    report.sectors = len(names)
    report.warnings_by_field = dict(sorted(report.warnings_by_field.items()))
    return report


# ---------------------------------------------------------------------------------------------
# Reading


class RecordsError(UserError):
    """The file of records cannot be read on (missing, unreadable, a broken gzip stream at `line`)."""

    def __init__(self, src: Path, problem: str, line: int = 0) -> None:
        super().__init__(f"{src}: dòng {line}: {problem}" if line else f"{src}: {problem}")
        self.line = line
        self.problem = problem


def _lines(src: Path) -> Iterator[tuple[int, bytes]]:
    number = 0
    try:
        with src.open("rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(src, "rb") as fh:
            for number, line in enumerate(fh, start=1):  # noqa: B007 (used after the loop)
                yield number, line
    except FileNotFoundError:
        raise RecordsError(src, "không tìm thấy tệp") from None
    except IsADirectoryError:
        raise RecordsError(src, "là thư mục, cần một tệp JSON Lines") from None
    except PermissionError:
        raise RecordsError(src, "không có quyền đọc tệp") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise RecordsError(src, f"tệp nén gzip bị hỏng ({exc})", number + 1) from None


def read_records(src: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, record, "") for each valid record, (line number, None, problem) for each line that is
    not one (not JSON, required field missing, malformed code, code seen before). Blank lines are skipped;
    raises RecordsError when the file cannot be read on. Records keep their text as written (not NFC)."""
    seen: dict[str, int] = {}
    for number, raw in _lines(src):
        if not raw.strip():
            continue
        problem = ""
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "không phải văn bản UTF-8"
        except json.JSONDecodeError as exc:
            problem = f"không phải JSON ({exc.msg}, cột {exc.colno})"
        else:
            problem = _shape_problem(record)
        if not problem:
            code = record["ma_thu_tuc"].strip()
            if code in seen:
                problem = f"mã {code} trùng với dòng {seen[code]}, bỏ qua"
            else:
                seen[code] = number
        yield (number, None, problem) if problem else (number, record, "")


def normalised(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its text NFC-normalised, as the KB keeps all text."""
    return {k: nfc(v) if isinstance(v, str) else v for k, v in record.items()}


def _valid_records(src: Path, report: ImportReport) -> Iterator[tuple[str, dict[str, Any]]]:
    first_problem = ""
    count = 0
    for number, record, problem in read_records(src):
        if record is None:
            message = f"{src}: dòng {number}: {problem}"
            first_problem = first_problem or message
            report.warn("line", message)
            continue
        count += 1
        yield record["ma_thu_tuc"].strip(), normalised(record)
    if not count:
        raise UserError(first_problem or f"{src}: tệp rỗng, không có bản ghi thủ tục nào")


def _shape_problem(record: Any) -> str:
    if not isinstance(record, dict):
        return "mỗi dòng phải là một đối tượng JSON (khóa: giá trị)"
    missing = [k for k in REQUIRED_KEYS if not isinstance(record.get(k), str) or not record[k].strip()]
    if missing:
        return f"thiếu trường {', '.join(missing)}"
    if not re.fullmatch(CODE_PATTERN, record["ma_thu_tuc"].strip()):
        return f"mã thủ tục '{record['ma_thu_tuc']}' sai định dạng (đúng: 1.001193)"
    if not slugify(record["linh_vuc"]):
        return f"lĩnh vực '{record['linh_vuc']}' không tạo được tên thư mục"
    return ""


# ---------------------------------------------------------------------------------------------
# Mapping one record


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _field(record: dict[str, Any], key: str) -> str:
    """One-line text of a simple field; the database's placeholders become empty."""
    text = _text(record, key)
    return "" if sections.is_empty(text) else sections.clean(text)


def plain_title(name: str) -> str:
    """'Thủ tục đăng ký khai sinh' → 'Đăng ký khai sinh' (but 'Thủ tục hải quan …' stays)."""
    name = sections.clean(name)
    if name.startswith("Thủ tục ") and not name[8:].lower().startswith(_KEEP_PREFIX):
        name = name[8:]
    return sections.capitalise(name)


def national_procedure(record: dict[str, Any], report: ImportReport, sector: str | None = None) -> Procedure:
    """One national record (NFC text, see `normalised`) as a Procedure of the national tier, in `sector` when
    given (else the slug of its linh_vuc). Sections not fully parsed count as warnings in `report` and stay
    verbatim in `raw`. Raises ValidationError when the mapping cannot make the record valid."""
    data = procedure_data(record, report)
    if sector is not None:
        data["sector"] = sector
    return Procedure.model_validate(data)


def invalid_field(err: ValidationError) -> str:
    """'trường documents.0.name không hợp lệ': the first field of a record the mapping could not make valid."""
    return "trường " + ".".join(str(p) for p in err.errors()[0]["loc"]) + " không hợp lệ"


def procedure_data(record: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    """The fields of one Procedure, counting a warning for each section not fully parsed."""
    raw: dict[str, str] = {}

    def keep(key: str, parsed: sections.Parsed[Any]) -> Any:
        if not parsed.complete:
            report.warn(key)
            if not sections.is_empty(_text(record, key)):
                raw[key] = "\n".join(line.rstrip() for line in _text(record, key).strip().splitlines())
        return parsed.value

    official = sections.clean(_text(record, "ten_thu_tuc"))
    title = plain_title(official)
    levels = keep("cap_thuc_hien", sections.parse_levels(_text(record, "cap_thuc_hien")))
    agency = _field(record, "co_quan_co_tham_quyen") or _field(record, "co_quan_thuc_hien")
    table = keep("cach_thuc_thuc_hien", sections.parse_channels(_text(record, "cach_thuc_thuc_hien")))
    parsed_paper = sections.parse_documents(_text(record, "thanh_phan_ho_so"), official)
    paper = keep("thanh_phan_ho_so", parsed_paper)
    documents, notes = paper.documents, list(paper.notes)
    if not documents:  # validation needs one: point to the national record instead
        documents = [Document(name=FALLBACK_DOCUMENT)]
        if parsed_paper.complete:  # an empty list in the record: still worth a warning
            report.warn("thanh_phan_ho_so")
    steps = keep("trinh_tu_thuc_hien", sections.parse_steps(_text(record, "trinh_tu_thuc_hien")))
    conditions = keep("yeu_cau_dieu_kien", sections.parse_conditions(_text(record, "yeu_cau_dieu_kien")))
    result = keep("ket_qua_xu_ly", sections.parse_result(_text(record, "ket_qua_xu_ly")))
    legal = keep("can_cu_phap_ly", sections.parse_legal_basis(_text(record, "can_cu_phap_ly")))
    if result.description:
        notes.append(result.description)
    related = _text(record, "thu_tuc_lien_quan")
    if not sections.is_empty(related):
        names = [sections.clean(n) for n in re.split(r"#?\d*Tên thủ tục\d*#?", related)]
        names = list(dict.fromkeys(n.strip("# ") for n in names if n.strip("# ")))
        if names:
            notes.append("Thủ tục liên quan: " + "; ".join(names))

    data: dict[str, Any] = {
        "code": record["ma_thu_tuc"].strip(),
        "title": title,
        "official_name": official if official != title else "",
        "sector": slugify(record["linh_vuc"]),
        "levels": [level.value for level in levels],
        "agency": agency,
        "submit_at": _field(record, "dia_chi_tiep_nhan"),
        "applicants": _field(record, "doi_tuong_thuc_hien"),
        "summary": _summary(title, levels, agency, _field(record, "linh_vuc"), table),
        "documents": [d.model_dump(exclude_defaults=True) for d in documents],
        "steps": steps,
        "processing_time": table.processing_time,
        "fees": [f.model_dump(exclude_defaults=True) for f in table.fees],
        "channels": [c.model_dump(mode="json", exclude_defaults=True) for c in table.channels],
        "conditions": conditions,
        "result": result.result,
        "legal_basis": [d.model_dump(exclude_defaults=True) for d in legal],
        "aliases": result.keywords,
        "notes": notes,
        "national_url": _field(record, "detail_url"),
        "raw": raw,
        "tier": Tier.national.value,
        "updated": UPDATED,
    }
    return data


def _summary(title: str, levels: list[Level], agency: str, sector: str, table: sections.ChannelTable) -> str:
    """Two short lines: what and who decides; then time and fee when the record gives them."""
    where = ", ".join(LEVEL_NAMES[level].split(",")[0].lower() for level in levels)
    first = f"{title}: thủ tục hành chính{' ' + where if where else ''}, lĩnh vực {sector}"
    first += f"; cơ quan giải quyết: {agency}." if agency else "."
    facts = []
    if table.processing_time and sections.UNITLESS not in table.processing_time:
        facts.append(f"Thời hạn giải quyết: {table.processing_time}")
    if len(table.fees) == 1 and len(table.fees[0].amount) <= 60:
        facts.append(f"phí, lệ phí: {table.fees[0].amount}")
    return first + ("\n" + "; ".join(facts) + "." if facts else "")


def sector_names(names: Iterator[str]) -> dict[str, str]:
    """slug → display name; names that fold to one slug are one sector (the commonest spelling)."""
    by_slug: dict[str, Counter[str]] = {}
    for name in names:
        by_slug.setdefault(slugify(name), Counter())[sections.clean(name)] += 1
    chosen = {slug: min(c, key=lambda n: (-c[n], n)) for slug, c in by_slug.items()}
    return dict(sorted(chosen.items(), key=lambda item: (fold(item[1]), item[1])))


# ---------------------------------------------------------------------------------------------
# Writing


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """yaml.safe_dump's dumper (libyaml's emitter when present: 10× faster), with multi-line
    text written as literal blocks so `summary` and `raw` stay readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


def _compact(data: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in keep or v not in ("", [], {}, None)}


def _write_kb(root: Path, sector_names: dict[str, str], procedures: list[Procedure]) -> None:
    counts = Counter(p.sector for p in procedures)
    province = Province(
        name=PROVINCE_NAME,
        description=(
            f"Nhập tự động từ Cơ sở dữ liệu quốc gia về thủ tục hành chính: {len(procedures)} thủ tục, "
            f"{len(sector_names)} lĩnh vực."
        ),
    )
    _dump(root / "province.yaml", _compact(province.model_dump(), ("name",)))
    sectors = [
        Sector(slug=slug, name=name, order=i, description=f"{counts[slug]} thủ tục")
        for i, (slug, name) in enumerate(sector_names.items(), start=1)
    ]
    _dump(
        root / "sectors.yaml",
        [_compact(s.model_dump(exclude={"tier", "national_sectors"}), ("slug", "name")) for s in sectors],
    )
    for procedure in procedures:
        data = procedure.model_dump(mode="json", exclude_defaults=True)
        data["updated"] = procedure.updated  # a YAML date, not a quoted string
        _dump(root / "procedures" / procedure.sector / f"{procedure.code}.yaml", data)
    marker = "Thư mục do `assistant import national` tạo; lần nhập sau sẽ thay toàn bộ.\n"
    (root / MARKER).write_text(marker, encoding="utf-8")


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: đã có một tệp trùng tên, cần một thư mục")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UserError(f"{out}: thư mục không trống và không phải kết quả nhập trước; chọn thư mục khác")


def _swap(tmp: Path, out: Path) -> None:
    """Put the freshly written folder in place of `out`, dropping files of a previous import."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old)
