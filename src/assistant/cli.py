"""Command line: parses arguments and delegates; user errors print as one line each, no traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.errors import UserError


def _fail(err: UserError) -> None:
    for line in err.lines():
        click.echo(line, err=True)
    sys.exit(1)


@click.group(help="Trợ lý thủ tục hành chính tỉnh An Giang.")
def main() -> None:
    pass


@main.command(help="Kiểm tra cơ sở tri thức; in mỗi lỗi một dòng (tệp: trường: lỗi).")
@click.option("--kb", "kb_dir", default="kb", type=click.Path(path_type=Path), show_default=True)
def check(kb_dir: Path) -> None:
    from assistant.kb.load import validate_kb

    kb, problems = validate_kb(kb_dir)
    if problems:
        _fail(UserError(f"{len(problems)} lỗi", problems))
    assert kb is not None
    click.echo(f"Hợp lệ: {len(kb.procedures)} thủ tục, {len(kb.sectors)} lĩnh vực, {len(kb.guides)} hướng dẫn.")


if __name__ == "__main__":
    main()
