"""Import national procedure records (JSON Lines, gzip or plain) into a knowledge-base folder.

    report = import_national(Path("national-procedures.jsonl.gz"), Path("national-kb"))

Writes `province.yaml`, `sectors.yaml` and `procedures/<sector>/<code>.yaml`, valid under
`validate_kb`. A section that cannot be fully parsed is kept verbatim in the procedure's `raw`
map and counted as a warning for that field; a bad line is skipped with a warning. The output
depends only on the input: importing twice gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import tempfile
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
from assistant.kb.models import CODE_PATTERN, LEVEL_NAMES, Document, Procedure, Province, Sector
from assistant.text import fold, slugify

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

    sector_names = _sector_names(r["linh_vuc"] for r in records.values())
    procedures = []
    for code in sorted(records):
        data = procedure_data(records[code], report)
        data["sector"] = slugify(records[code]["linh_vuc"])
        procedures.append(Procedure.model_validate(data))

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _write_kb(tmp, sector_names, procedures)
        _swap(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    report.procedures = len(procedures)
    report.sectors = len(sector_names)
    report.warnings_by_field = dict(sorted(report.warnings_by_field.items()))
    return report


# ---------------------------------------------------------------------------------------------
# Reading


def _lines(src: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with src.open("rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        number = 0
        with opener(src, "rb") as fh:
            for number, line in enumerate(fh, start=1):  # noqa: B007 (used after the loop)
                yield number, line
    except FileNotFoundError:
        raise UserError(f"{src}: không tìm thấy tệp") from None
    except IsADirectoryError:
        raise UserError(f"{src}: là thư mục, cần một tệp JSON Lines") from None
    except PermissionError:
        raise UserError(f"{src}: không có quyền đọc tệp") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise UserError(f"{src}: dòng {number + 1}: tệp nén gzip bị hỏng ({exc})") from None


def _valid_records(src: Path, report: ImportReport) -> Iterator[tuple[str, dict[str, Any]]]:
    seen: dict[str, int] = {}
    first_problem = ""
    count = 0
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
        if problem:
            message = f"{src}: dòng {number}: {problem}"
            first_problem = first_problem or message
            report.warn("line", message)
            continue
        count += 1
        yield code, record
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


def plain_title(name: str) -> str:
    """'Thủ tục đăng ký khai sinh' → 'Đăng ký khai sinh' (but 'Thủ tục hải quan …' stays)."""
    name = sections.clean(name)
    if name.startswith("Thủ tục ") and not name[8:].lower().startswith(_KEEP_PREFIX):
        name = name[8:]
    return sections.capitalise(name)


def procedure_data(record: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    """The fields of one Procedure (without `sector`), counting a warning per unparsed section."""
    raw: dict[str, str] = {}

    def keep(key: str, parsed: sections.Parsed[Any]) -> Any:
        if not parsed.complete:
            report.warn(key)
            if not sections.is_empty(_text(record, key)):
                raw[key] = _text(record, key).strip()
        return parsed.value

    official = sections.clean(_text(record, "ten_thu_tuc"))
    title = plain_title(official)
    levels = keep("cap_thuc_hien", sections.parse_levels(_text(record, "cap_thuc_hien")))
    agency = next(
        (
            sections.clean(_text(record, k))
            for k in ("co_quan_co_tham_quyen", "co_quan_thuc_hien")
            if not sections.is_empty(_text(record, k))
        ),
        "",
    )
    table = keep("cach_thuc_thuc_hien", sections.parse_channels(_text(record, "cach_thuc_thuc_hien")))
    documents = keep("thanh_phan_ho_so", sections.parse_documents(_text(record, "thanh_phan_ho_so"), official))
    if not documents:
        documents = [Document(name=FALLBACK_DOCUMENT)]
    steps = keep("trinh_tu_thuc_hien", sections.parse_steps(_text(record, "trinh_tu_thuc_hien")))
    conditions = keep("yeu_cau_dieu_kien", sections.parse_conditions(_text(record, "yeu_cau_dieu_kien")))
    result = keep("ket_qua_xu_ly", sections.parse_result(_text(record, "ket_qua_xu_ly")))
    legal = keep("can_cu_phap_ly", sections.parse_legal_basis(_text(record, "can_cu_phap_ly")))
    notes = []
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
        "levels": [level.value for level in levels],
        "agency": agency,
        "submit_at": "" if sections.is_empty(_text(record, "dia_chi_tiep_nhan")) else sections.clean(_text(record, "dia_chi_tiep_nhan")),
        "applicants": "" if sections.is_empty(_text(record, "doi_tuong_thuc_hien")) else sections.clean(_text(record, "doi_tuong_thuc_hien")),
        "summary": _summary(title, levels, agency, record, table),
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
        "national_url": sections.clean(_text(record, "detail_url")),
        "raw": raw,
        "updated": UPDATED,
    }
    return data


def _summary(title: str, levels: list[Any], agency: str, record: dict[str, Any], table: Any) -> str:
    where = ", ".join(LEVEL_NAMES[level].split(",")[0].lower() for level in levels)
    sector = sections.clean(_text(record, "linh_vuc"))
    first = f"{title}: thủ tục hành chính{' ' + where if where else ''}, lĩnh vực {sector}"
    first += f"; cơ quan giải quyết: {agency}." if agency else "."
    facts = []
    if table.processing_time:
        facts.append(f"Thời hạn giải quyết: {table.processing_time}")
    if len(table.fees) == 1 and len(table.fees[0].amount) <= 60:
        facts.append(f"phí, lệ phí: {table.fees[0].amount}")
    return first + ("\n" + "; ".join(facts) + "." if facts else "")


def _sector_names(names: Iterator[str]) -> dict[str, str]:
    """slug → display name; names that fold to one slug are one sector (the commonest spelling)."""
    by_slug: dict[str, Counter[str]] = {}
    for name in names:
        by_slug.setdefault(slugify(name), Counter())[sections.clean(name)] += 1
    chosen = {slug: min(c, key=lambda n: (-c[n], n)) for slug, c in by_slug.items()}
    return dict(sorted(chosen.items(), key=lambda item: (fold(item[1]), item[1])))


# ---------------------------------------------------------------------------------------------
# Writing


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
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
    _dump(root / "sectors.yaml", [_compact(s.model_dump(), ("slug", "name")) for s in sectors])
    for procedure in procedures:
        data = procedure.model_dump(mode="json")
        data["updated"] = procedure.updated  # a YAML date, not a quoted string
        _dump(root / "procedures" / procedure.sector / f"{procedure.code}.yaml", _compact(data, ("code", "title", "sector", "documents", "updated")))
    (root / MARKER).write_text("Thư mục do `assistant import national` tạo; lần nhập sau sẽ thay toàn bộ.\n", encoding="utf-8")


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


def validation_errors(data: dict[str, Any]) -> str:  # pragma: no cover - debugging aid
    try:
        Procedure.model_validate(data)
    except ValidationError as err:
        return str(err)
    return ""
