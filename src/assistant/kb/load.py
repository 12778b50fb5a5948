"""Load a knowledge-base folder and validate it, collecting every problem with its file and field."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import Problem, UserError
from assistant.kb.models import Guide, KnowledgeBase, Procedure, Province, Sector, Tier
from assistant.kb.national_tier import SNAPSHOT, national_tier
from assistant.text import slugify

if TYPE_CHECKING:
    from assistant.places.models import Unit

M = TypeVar("M", bound=BaseModel)
# libyaml's loader when present (about ten times faster on a 2,642-file import), the same results otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Vietnamese wording of pydantic's error types, so every line a user reads is Vietnamese.
_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không có trong định dạng (viết sai tên?)",
    "string_pattern_mismatch": "sai định dạng",
    "string_too_short": "không được để trống",
    "too_short": "danh sách không được để trống",
    "string_type": "phải là chuỗi văn bản",
    "list_type": "phải là danh sách",
    "dict_type": "phải là bảng khóa: giá trị",
    "int_parsing": "phải là số nguyên",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_type": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "enum": "giá trị không hợp lệ",
    "model_type": "phải là bảng khóa: giá trị",
    "model_attributes_type": "phải là bảng khóa: giá trị",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(file: str, err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        message = _MESSAGES.get(e["type"])
        if e["type"] == "enum":
            message = f"giá trị không hợp lệ; chọn một trong: {e.get('ctx', {}).get('expected', '')}"
        elif e["type"] == "value_error":
            message = str(e.get("ctx", {}).get("error", e["msg"]))
        elif e["type"] == "string_pattern_mismatch" and e["loc"] and e["loc"][0] in ("code", "related"):
            message = "mã thủ tục sai định dạng (đúng: một chữ số, dấu chấm, sáu chữ số, ví dụ 1.001193)"
        elif e["type"] == "string_pattern_mismatch":
            message = "chỉ dùng chữ thường không dấu, số và dấu gạch ngang (ví dụ ho-tich)"
        problems.append(Problem(file, _field_path(e["loc"]), message or e["msg"]))
    return problems


def read_yaml(path: Path, root: Path) -> tuple[Any, list[Problem]]:
    rel = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(rel, "", "tệp không phải UTF-8")]
    try:
        return yaml.load(text, Loader=_Loader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        return None, [Problem(rel, where, "YAML sai cú pháp" + (f" ({getattr(exc, 'problem', '')})" if mark else ""))]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _parse(model: type[M], data: Any, file: str) -> tuple[M | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(file, "", "tệp phải là một bảng khóa: giá trị")]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, _pydantic_problems(file, err)


def load_kb(root: Path) -> KnowledgeBase:
    """Load and validate `root`; raise UserError listing every problem found."""
    kb, problems = validate_kb(root)
    if problems or kb is None:
        raise UserError(f"Cơ sở tri thức {root} có {len(problems)} lỗi", problems)
    return kb


def _read_required(path: Path, root: Path, missing: str) -> tuple[Any, list[Problem]]:
    """A file the KB cannot do without: its YAML data, or the problems (missing, malformed)."""
    if not path.exists():
        return None, [Problem(_rel(path, root), "", missing)]
    data, errs = read_yaml(path, root)
    return (None if errs else data), errs


def validate_kb(root: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), "", "không tìm thấy thư mục cơ sở tri thức")]

    province = None
    data, errs = _read_required(root / "province.yaml", root, "thiếu tệp thông tin tỉnh")
    problems += errs
    if data is not None:
        province, errs = _parse(Province, data, _rel(root / "province.yaml", root))
        problems += errs

    sectors: list[Sector] = []
    data, errs = _read_required(root / "sectors.yaml", root, "thiếu tệp danh sách lĩnh vực")
    problems += errs
    rel = _rel(root / "sectors.yaml", root)
    if data is not None and not isinstance(data, list):
        problems.append(Problem(rel, "", "tệp phải là một danh sách lĩnh vực"))
    elif data is not None:
        seen: set[str] = set()
        for i, item in enumerate(data):
            sector, errs = _parse(Sector, item, rel)
            problems += [Problem(p.file, f"[{i}].{p.field}".rstrip("."), p.message) for p in errs]
            if sector and sector.slug in seen:
                problems.append(Problem(rel, f"[{i}].slug", f"lĩnh vực {sector.slug} bị khai báo hai lần"))
            elif sector:
                seen.add(sector.slug)
                sectors.append(sector)
        claimed: dict[str, str] = {}
        for i, sector in enumerate(sectors):
            for j, name in enumerate(sector.national_sectors):
                other = claimed.setdefault(slugify(name), sector.slug)
                if other != sector.slug:
                    problems.append(
                        Problem(
                            rel, f"[{i}].national_sectors[{j}]", f"lĩnh vực quốc gia '{name}' đã thuộc lĩnh vực {other}"
                        )
                    )

    slugs = {s.slug for s in sectors}
    procedures: list[Procedure] = []
    seen_codes: dict[str, str] = {}
    proc_root = root / "procedures"
    for path in sorted(proc_root.glob("**/*.yaml")) if proc_root.is_dir() else []:
        rel = _rel(path, root)
        data, errs = read_yaml(path, root)
        problems += errs
        if errs:
            continue
        procedure, errs = _parse(Procedure, data, rel)
        problems += errs
        if procedure is None:
            continue
        if path.stem != procedure.code:
            problems.append(Problem(rel, "code", f"tên tệp phải là mã thủ tục: {procedure.code}.yaml"))
        if procedure.sector not in slugs:
            problems.append(Problem(rel, "sector", f"lĩnh vực '{procedure.sector}' không có trong sectors.yaml"))
        elif path.parent.name != procedure.sector:
            problems.append(Problem(rel, "sector", f"tệp phải nằm trong thư mục procedures/{procedure.sector}/"))
        if procedure.code in seen_codes:
            problems.append(Problem(rel, "code", f"mã {procedure.code} trùng với {seen_codes[procedure.code]}"))
            continue
        seen_codes[procedure.code] = rel
        procedures.append(procedure)
    if not procedures and proc_root.is_dir() is False:
        problems.append(Problem(_rel(proc_root, root), "", "thiếu thư mục procedures/"))

    snapshot = root / SNAPSHOT
    if snapshot.is_file():  # the national tier: every provincial and commune record a curated file does not replace
        tier = national_tier(snapshot, sectors, set(seen_codes), _rel(snapshot, root))
        problems += tier.problems
        sectors += tier.sectors
        procedures += tier.procedures
        seen_codes.update({p.code: _rel(snapshot, root) for p in tier.procedures})

    for procedure in procedures:
        for i, code in enumerate(procedure.related):
            if code not in seen_codes:
                problems.append(
                    Problem(
                        seen_codes[procedure.code],
                        f"related[{i}]",
                        f"thủ tục liên quan {code} không có trong cơ sở tri thức",
                    )
                )

    guides: list[Guide] = []
    for path in sorted((root / "guides").glob("*.yaml")) if (root / "guides").is_dir() else []:
        rel = _rel(path, root)
        data, errs = read_yaml(path, root)
        problems += errs
        if errs:
            continue
        guide, errs = _parse(Guide, data, rel)
        problems += errs
        if guide and path.stem != guide.slug:
            problems.append(Problem(rel, "slug", f"tên tệp phải là {guide.slug}.yaml"))
        elif guide:
            guides.append(guide)

    units: list[Unit] = []
    if province is not None:
        from assistant.places.load import load_units  # places.models is imported by kb.models

        units, errs = load_units(root, province.name)
        problems += errs

    if problems or province is None:
        return None, problems
    sectors.sort(key=lambda s: (s.order, s.slug))
    order = {s.slug: i for i, s in enumerate(sectors)}
    procedures.sort(key=lambda p: (order[p.sector], p.tier is Tier.national, p.code))  # curated first in a sector
    guides.sort(key=lambda g: (g.order, g.slug))
    return KnowledgeBase(province=province, sectors=sectors, procedures=procedures, guides=guides, units=units), []


def kb_fingerprint(root: Path) -> str:
    """A hash of every knowledge-base file (the national snapshot included), to tell whether an index matches
    its source."""
    digest = hashlib.sha256()
    root = Path(root)
    for path in sorted([*root.glob("**/*.yaml"), *root.glob(f"{SNAPSHOT.parent}/*.jsonl.gz")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
