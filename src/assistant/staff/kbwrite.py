"""Accepted proposals written into the procedure's YAML file in `kb/`, as `assistant check` requires.

The file is edited as text, not re-dumped: the new entry is appended at the end of its list (`faq`,
`aliases`, `rules`), indented like the entries already there, so every existing line, comment and quoting
stays exactly as its author wrote it. The result is parsed again and must equal the old content plus the
new entry and validate as a procedure before it replaces the file (atomically, under a lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.errors import Problem, UserError
from assistant.kb.load import _pydantic_problems, read_yaml
from assistant.kb.models import CODE_PATTERN, Faq, Procedure, Rule
from assistant.staff.models import ProposalKind

LIST_KEY = {ProposalKind.faq: "faq", ProposalKind.alias: "aliases", ProposalKind.rule: "rules"}
# Where a list that is not in the file yet goes: before the first of these keys, else at the end.
_BEFORE = ("special_cases", "notes", "related", "national_url", "updated", "reviewed")
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.*)$")

FIELD_VI = {
    "question": "câu hỏi",
    "answer": "câu trả lời",
    "basis": "căn cứ",
    "statement": "nội dung quy định",
    "kind": "loại quy định",
    "condition": "điều kiện áp dụng",
    "consequence": "hệ quả",
    "asks": "cách người dân hỏi",
    "alias": "tên gọi khác",
}


def entry(kind: ProposalKind, payload: dict[str, str]) -> Any:
    """The YAML entry a proposal adds, validated with the KB's own models; UserError (Vietnamese) if wrong."""
    clean = {k: v.strip() for k, v in payload.items() if isinstance(v, str) and v.strip()}
    if kind is ProposalKind.alias:
        alias = clean.get("alias", "")
        if not alias:
            raise UserError("Cần nhập tên gọi khác (cách người dân gọi thủ tục).")
        if len(alias) > 200:
            raise UserError("Tên gọi khác quá dài (tối đa 200 ký tự).")
        return alias
    if kind is ProposalKind.faq:
        value: dict[str, Any] = {k: clean[k] for k in ("question", "answer", "basis") if k in clean}
        model: type[Faq] | type[Rule] = Faq
    else:
        value = {k: clean[k] for k in ("kind", "statement", "condition", "consequence", "basis") if k in clean}
        if clean.get("asks"):
            value["asks"] = [line.strip() for line in clean["asks"].splitlines() if line.strip()]
        model = Rule
    try:
        model.model_validate(value)
    except ValidationError as err:
        fields = sorted({FIELD_VI.get(str(e["loc"][0]), str(e["loc"][0])) for e in err.errors() if e["loc"]})
        raise UserError("Đề xuất thiếu hoặc sai: " + ", ".join(fields) + ".") from None
    if any(len(str(v)) > 4000 for v in value.values()):
        raise UserError("Nội dung đề xuất quá dài (tối đa 4.000 ký tự mỗi mục).")
    return value


def procedure_file(kb_dir: Path, code: str) -> Path | None:
    """The curated file of `code`, or None (a national record only, or no such procedure)."""
    if not re.fullmatch(CODE_PATTERN, code):
        return None
    found = sorted(Path(kb_dir).glob(f"procedures/*/{code}.yaml"))
    return found[0] if found else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _present(existing: list[Any], value: Any) -> bool:
    if isinstance(value, str):
        return any(isinstance(e, str) and e.strip().casefold() == value.casefold() for e in existing)
    return any(isinstance(e, dict) and all(e.get(k) == v for k, v in value.items()) for e in existing)


def apply(kb_dir: Path, code: str, kind: ProposalKind, payload: dict[str, str]) -> tuple[Path, bool]:
    """Add the entry to the procedure's file. Returns (file, added); added is False when the same entry was
    already there (applying twice changes nothing). UserError when it cannot be written."""
    value = entry(kind, payload)
    path = procedure_file(kb_dir, code)
    if path is None:
        raise UserError(
            f"Thủ tục {code} chưa có tệp biên soạn trong {kb_dir}/procedures/ (chỉ có bản ghi quốc gia hoặc không có "
            "mã này): cần biên soạn thủ tục trước khi bổ sung."
        )
    key = LIST_KEY[kind]
    with _locked(path):
        data, problems = read_yaml(path, Path(kb_dir))
        if problems or not isinstance(data, dict):
            raise UserError(f"Tệp {path} đang lỗi, không ghi thêm được.", problems)
        existing = data.get(key) or []
        if _present(existing, value):
            return path, False
        text = path.read_text(encoding="utf-8")
        new_text = insert_entry(text, key, value)
        new_data, problems = read_yaml_text(new_text, path, Path(kb_dir))
        expected = {**data, key: [*existing, value]}
        if problems or new_data != expected:
            raise UserError(f"Không ghi được vào {path}: định dạng tệp khác dự kiến, hãy sửa tay.", problems)
        try:
            Procedure.model_validate(new_data)
        except ValidationError as err:
            raise UserError(f"Bổ sung làm tệp {path} không hợp lệ.", _pydantic_problems(str(path), err)) from None
        _write_atomically(path, new_text)
    return path, True


def read_yaml_text(text: str, path: Path, root: Path) -> tuple[Any, list[Problem]]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as fh:
        fh.write(text)
    try:
        return read_yaml(Path(fh.name), root)
    finally:
        os.unlink(fh.name)


def _dump_item(value: Any, indent: str) -> list[str]:
    dumped = yaml.safe_dump([value], allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return [indent + line if line else line for line in dumped.rstrip("\n").split("\n")]


def insert_entry(text: str, key: str, value: Any) -> str:
    """`text` with `value` appended to the top-level list `key` (created when missing)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if (m := _TOP_KEY.match(line)) and m[1] == key), None)
    if start is None:
        block = [f"{key}:", *_dump_item(value, "  ")]
        at = next((i for i, line in enumerate(lines) if (m := _TOP_KEY.match(line)) and m[1] in _BEFORE), None)
        if at is None:
            body = text.rstrip("\n")
            return body + "\n" + "\n".join(block) + "\n"
        return "\n".join(lines[:at] + block + lines[at:])
    rest = (_TOP_KEY.match(lines[start]) or [""] * 3)[2].strip()
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    if rest and not rest.startswith("#"):  # flow style (`aliases: [a, b]`): rewrite this one key as a block
        current = yaml.safe_load(f"x: {rest}")["x"] or []
        block = [f"{key}:", *[line for item in [*current, value] for line in _dump_item(item, "  ")]]
        return "\n".join(lines[:start] + block + lines[start + 1 :])
    last = start
    indent = None
    for i in range(start + 1, end):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            last = i
            if indent is None and stripped.startswith("-"):
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    new = _dump_item(value, indent if indent is not None else "  ")
    return "\n".join(lines[: last + 1] + new + lines[last + 1 :])


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
