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


@main.command(help="Dựng sổ tay (Markdown), trang web và chỉ mục tìm kiếm từ cơ sở tri thức.")
@click.option("--kb", "kb_dir", default="kb", type=click.Path(path_type=Path), show_default=True)
@click.option("--out", default="build", type=click.Path(path_type=Path), show_default=True)
@click.option("--check", "check_only", is_flag=True, help="Chỉ kiểm tra sổ tay đã commit có khớp với cơ sở tri thức không.")
@click.option("--no-site", is_flag=True, help="Bỏ qua bước dựng trang web.")
@click.option("--no-index", is_flag=True, help="Bỏ qua bước dựng chỉ mục.")
def build(kb_dir: Path, out: Path, check_only: bool, no_site: bool, no_index: bool) -> None:
    from assistant.config import get_settings
    from assistant.pipeline import build as run_build
    from assistant.pipeline import check_handbooks

    try:
        if check_only:
            stale = check_handbooks(kb_dir, out)
            if stale:
                for path in stale:
                    click.echo(f"{path}: sổ tay đã cũ so với cơ sở tri thức; chạy `assistant build`", err=True)
                sys.exit(1)
            click.echo("Sổ tay khớp với cơ sở tri thức.")
            return
        report = run_build(kb_dir, out, embedder_spec=get_settings().embedder, site=not no_site, index=not no_index)
    except UserError as err:
        _fail(err)
    click.echo(f"Sổ tay: {report.procedures} thủ tục → {report.handbooks}/ ({len(report.changed)} tệp thay đổi)")
    if report.site:
        click.echo(f"Trang web: {report.site}/")
    if report.index:
        click.echo(
            f"Chỉ mục: {report.index}/ ({report.chunks} đoạn, {report.dense_vectors} vectơ, "
            f"{report.embedded} vectơ mới tính)"
        )
    click.echo("Thời gian: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()))


@main.group(name="import", help="Nhập thủ tục từ nguồn bên ngoài vào một cơ sở tri thức.")
def import_() -> None:
    pass


@import_.command(name="national", help="Chuyển bản ghi thủ tục quốc gia (JSON Lines, gzip hoặc không) thành cơ sở tri thức.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Thư mục cơ sở tri thức sẽ ghi.")
def import_national(file: Path, out: Path) -> None:
    from assistant.kb.national import import_national as run_import

    try:
        report = run_import(file, out)
    except UserError as err:
        _fail(err)
    for message in report.messages[:20]:
        click.echo(message, err=True)
    click.echo(f"Đã nhập {report.procedures} thủ tục, {report.sectors} lĩnh vực vào {out}/")
    if report.warnings:
        details = ", ".join(f"{field}: {n}" for field, n in sorted(report.warnings_by_field.items()))
        click.echo(f"Cảnh báo: {report.warnings} phần chưa phân tích trọn, đã giữ nguyên văn ({details})")


@main.command(help="Phục vụ API, webhook và trang sổ tay đã dựng.")
@click.option("--index", "index_dir", default="build/index", type=click.Path(path_type=Path), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
def serve(index_dir: Path, host: str, port: int) -> None:
    import logging

    import uvicorn

    from assistant.api.app import build_state, create_app
    from assistant.config import get_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(build_state(get_settings(), index_dir))
    except UserError as err:
        _fail(err)
    uvicorn.run(app, host=host, port=port, log_level="info")


@main.command(help="In câu trả lời mà người dân sẽ nhận được.")
@click.argument("question")
@click.option("--index", "index_dir", default="build/index", type=click.Path(path_type=Path), show_default=True)
@click.option("--session", "session_id", default=None, help="Mã phiên, để hỏi tiếp về cùng thủ tục.")
def ask(question: str, index_dir: Path, session_id: str | None) -> None:
    from assistant.api.app import build_state
    from assistant.answer.service import checked_question
    from assistant.config import get_settings

    try:
        question = checked_question(question)
        state = build_state(get_settings(), index_dir)
    except UserError as err:
        _fail(err)
    answer = state.assistant.ask(question, session_id, "cli")
    click.echo(answer.text)
    if not answer.answered:
        sys.exit(2)


if __name__ == "__main__":
    main()
