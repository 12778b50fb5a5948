"""Command line: parses arguments and delegates; user errors print as one line each, no traceback."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from assistant.cli_text import examples, localise
from assistant.cli_text import install as _vietnamese_click
from assistant.errors import UserError

_vietnamese_click()  # click's own words ("Usage:", "Options", "Error: …") in Vietnamese too


def _fail(err: UserError) -> None:
    for line in err.lines():
        click.echo(line, err=True)
    sys.exit(1)


def _quiet_libraries() -> None:
    """No library chatter on a normal start: tqdm bars are for notebooks, and HTTP clients log every request
    at INFO. (bm25s's and faiss's loggers are filtered for every process in `assistant/__init__.py`.)"""
    import logging
    import os

    os.environ.setdefault("TQDM_DISABLE", "1")
    for name in ("httpx", "httpcore", "multipart", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.WARNING)


KB_HELP = "Thư mục cơ sở tri thức (các tệp YAML)."
INDEX_HELP = "Thư mục chỉ mục tìm kiếm do `assistant build` dựng."


@click.group(
    help="Trợ lý thủ tục hành chính của tỉnh: kiểm tra và dựng sổ tay, phục vụ trang web và API, trả lời câu hỏi.",
    epilog=examples(
        "assistant build", "assistant serve", 'assistant ask "làm giấy khai sinh cần gì"', "assistant build --help"
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)
def main() -> None:
    _quiet_libraries()


@main.command(
    help="Kiểm tra cơ sở tri thức; in mỗi lỗi một dòng (tệp: trường: lỗi). Thoát với mã 0 khi hợp lệ.",
    short_help="Kiểm tra cơ sở tri thức.",
    epilog=examples("assistant check", "assistant check --kb kb --today 2026-07-01 --stale 180"),
)
@click.option(
    "--kb", "kb_dir", default="kb", type=click.Path(path_type=Path), show_default=True, metavar="THƯ_MỤC", help=KB_HELP
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Ngày dùng để xét thông tin hết hiệu lực (YYYY-MM-DD); mặc định hôm nay.",
)
@click.option(
    "--stale",
    type=click.IntRange(min=0),
    default=None,
    metavar="SỐ_NGÀY",
    help="Liệt kê thủ tục chưa được rà soát trong ngần ấy ngày.",
)
def check(kb_dir: Path, today: dt.datetime | None, stale: int | None) -> None:
    from assistant.kb.audit import consistency, expired_facts, stale_reviews
    from assistant.kb.load import validate_kb

    kb, problems = validate_kb(kb_dir)
    if problems:
        _fail(UserError(f"{len(problems)} lỗi", problems))
    assert kb is not None
    day = today.date() if today else dt.date.today()
    problems = expired_facts(kb, kb_dir, day) + consistency(kb, kb_dir)
    if stale is not None:
        problems += stale_reviews(kb, kb_dir, day, stale)
    if problems:
        _fail(UserError(f"{len(problems)} lỗi", problems))
    national = sum(1 for p in kb.procedures if p.tier.value == "national")
    tier = f" ({len(kb.procedures) - national} biên soạn, {national} từ Cơ sở dữ liệu quốc gia)" if national else ""
    click.echo(f"Hợp lệ: {len(kb.procedures)} thủ tục{tier}, {len(kb.sectors)} lĩnh vực, {len(kb.guides)} hướng dẫn.")


@main.command(
    help="Dựng sổ tay (Markdown), trang web và chỉ mục tìm kiếm từ cơ sở tri thức. Sổ tay của kb/ mặc định "
    "ghi vào handbooks/ (đã commit), của cơ sở tri thức khác vào THƯ_MỤC_RA/handbooks; trang web vào "
    "THƯ_MỤC_RA/site, chỉ mục vào THƯ_MỤC_RA/index.",
    short_help="Dựng sổ tay, trang web và chỉ mục tìm kiếm.",
    epilog=examples(
        "assistant build", "assistant build --kb /tmp/kb-thu --out /tmp/ban-dung", "assistant build --check"
    ),
)
@click.option(
    "--kb", "kb_dir", default="kb", type=click.Path(path_type=Path), show_default=True, metavar="THƯ_MỤC", help=KB_HELP
)
@click.option(
    "--out",
    default="build",
    type=click.Path(path_type=Path),
    show_default=True,
    metavar="THƯ_MỤC_RA",
    help="Thư mục ghi trang web, chỉ mục và bộ nhớ đệm.",
)
@click.option(
    "--check", "check_only", is_flag=True, help="Chỉ kiểm tra sổ tay đã commit có khớp với cơ sở tri thức không."
)
@click.option("--no-site", is_flag=True, help="Bỏ qua bước dựng trang web.")
@click.option("--no-index", is_flag=True, help="Bỏ qua bước dựng chỉ mục.")
def build(kb_dir: Path, out: Path, check_only: bool, no_site: bool, no_index: bool) -> None:
    from assistant.config import get_settings
    from assistant.pipeline import build as run_build
    from assistant.pipeline import check_handbooks
    from assistant.progress import progress_for

    try:
        if check_only:
            stale = check_handbooks(kb_dir, out)
            if stale:
                for path in stale:
                    click.echo(f"{path}: sổ tay đã cũ so với cơ sở tri thức; chạy `assistant build`", err=True)
                sys.exit(1)
            click.echo("Sổ tay khớp với cơ sở tri thức.")
            return
        report = run_build(
            kb_dir,
            out,
            settings=get_settings(),
            site=not no_site,
            index=not no_index,
            progress=progress_for(sys.stderr),
        )
    except UserError as err:
        _fail(err)
    click.echo(f"Sổ tay: {report.procedures} thủ tục → {report.handbooks}/ ({len(report.changed)} tệp thay đổi)")
    if report.docs != report.handbooks:
        click.echo(f"Tầng quốc gia: {report.national} thủ tục từ Cơ sở dữ liệu quốc gia, trang sinh vào {report.docs}/")
    if report.site:
        click.echo(f"Trang web: {report.site}/")
    if report.index:
        click.echo(
            f"Chỉ mục: {report.index}/ ({report.chunks} đoạn, {report.dense_vectors} vectơ, "
            f"{report.embedded} vectơ mới tính)"
        )
    names = {"handbooks": "sổ tay", "site": "trang web", "index": "chỉ mục"}
    click.echo("Thời gian: " + ", ".join(f"{names.get(k, k)} {v:.1f}s" for k, v in report.seconds.items()))


@main.group(
    name="import",
    help="Nhập thủ tục từ nguồn bên ngoài vào một cơ sở tri thức.",
    epilog=examples("assistant import national ../shared/data/national-procedures.jsonl.gz --out /tmp/kb-quoc-gia"),
)
def import_() -> None:
    pass


@import_.command(
    name="national",
    help="Chuyển bản ghi thủ tục quốc gia trong TỆP (JSON Lines, nén gzip hoặc không) thành một cơ sở tri thức "
    "mà `assistant check` và `assistant build` nhận.",
    short_help="Chuyển bản ghi thủ tục quốc gia thành cơ sở tri thức.",
    epilog=examples(
        "assistant import national ../shared/data/national-procedures.jsonl.gz --out /tmp/kb-quoc-gia",
        "assistant build --kb /tmp/kb-quoc-gia --out /tmp/ban-dung-quoc-gia",
        "assistant import national ../shared/data/national-procedures.jsonl.gz --snapshot kb/national/procedures.jsonl.gz",
    ),
)
@click.argument("file", type=click.Path(path_type=Path), metavar="TỆP")
@click.option(
    "--out", default=None, type=click.Path(path_type=Path), metavar="THƯ_MỤC", help="Thư mục cơ sở tri thức sẽ ghi."
)
@click.option(
    "--snapshot",
    default=None,
    type=click.Path(path_type=Path),
    metavar="TỆP_GZ",
    help="Thay bản chụp tầng quốc gia (kb/national/procedures.jsonl.gz) bằng các bản ghi cấp tỉnh, cấp xã "
    "của TỆP, rồi cập nhật dòng ngày/số bản ghi trong README.md bên cạnh.",
)
def import_national(file: Path, out: Path | None, snapshot: Path | None) -> None:
    from assistant.kb.national import import_national as run_import

    if (out is None) == (snapshot is None):
        _fail(
            UserError(
                "Cần đúng một trong hai tùy chọn: --out THƯ_MỤC (tạo cơ sở tri thức) hoặc --snapshot TỆP_GZ "
                "(làm mới tầng quốc gia, ví dụ kb/national/procedures.jsonl.gz)"
            )
        )
    if snapshot is not None:
        from assistant.kb.national_tier import refresh_snapshot

        try:
            snap = refresh_snapshot(file, snapshot)
        except UserError as err:
            _fail(err)
        for message in snap.messages[:20]:
            click.echo(message, err=True)
        click.echo(
            f"Đã ghi {snap.records} bản ghi cấp tỉnh, cấp xã vào {snapshot} "
            f"(bỏ {snap.other_levels} bản ghi cấp khác, {len(snap.messages)} dòng lỗi)"
        )
        return
    assert out is not None
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


@main.command(
    help="Phục vụ API, webhook Zalo và trang sổ tay đã dựng (trang web lấy ở thư mục site cạnh chỉ mục).",
    short_help="Phục vụ API, webhook Zalo và trang sổ tay.",
    epilog=examples(
        "assistant serve", "assistant serve --host 0.0.0.0 --port 8080", "assistant serve --index /tmp/ban-dung/index"
    ),
)
@click.option(
    "--index",
    "index_dir",
    default="build/index",
    type=click.Path(path_type=Path),
    show_default=True,
    metavar="THƯ_MỤC",
    help=INDEX_HELP,
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ĐỊA_CHỈ",
    help="Địa chỉ lắng nghe; 0.0.0.0 để máy khác trong mạng truy cập được.",
)
@click.option("--port", default=8000, type=int, show_default=True, metavar="CỔNG", help="Cổng lắng nghe.")
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    metavar="N",
    help="Số tiến trình phục vụ (mỗi tiến trình nạp chỉ mục một lần); xem docs/DEPLOY.md.",
)
def serve(index_dir: Path, host: str, port: int, workers: int) -> None:
    from assistant.api.server import serve as run_server

    try:
        run_server(index_dir, host, port, workers)
    except UserError as err:
        _fail(err)


@main.command(
    help="In câu trả lời mà người dân sẽ nhận được cho CÂU_HỎI (thoát với mã 2 khi không trả lời được).",
    short_help="In câu trả lời cho một câu hỏi.",
    epilog=examples(
        'assistant ask "làm giấy khai sinh cho con cần giấy tờ gì"',
        'assistant ask --session s1 "đăng ký kết hôn ở đâu"',
        'assistant ask --session s1 "lệ phí bao nhiêu"',
    ),
)
@click.argument("question", metavar="CÂU_HỎI")
@click.option(
    "--index",
    "index_dir",
    default="build/index",
    type=click.Path(path_type=Path),
    show_default=True,
    metavar="THƯ_MỤC",
    help=INDEX_HELP,
)
@click.option(
    "--session", "session_id", default=None, metavar="MÃ_PHIÊN", help="Mã phiên, để hỏi tiếp về cùng thủ tục."
)
def ask(question: str, index_dir: Path, session_id: str | None) -> None:
    from assistant.answer.service import checked_question
    from assistant.runtime import load_runtime

    try:
        question = checked_question(question)
        runtime = load_runtime(index_dir=index_dir)  # the assistant alone: no web framework, no channel
    except UserError as err:
        _fail(err)
    answer = runtime.assistant.ask(question, session_id, "cli")
    click.echo(runtime.assistant.render_plain(answer))
    if not answer.answered:
        sys.exit(2)


from assistant.staff.cli import proposals as _proposals  # noqa: E402
from assistant.staff.cli import staff as _staff  # noqa: E402

main.add_command(_staff)  # assistant staff add NAME (accounts for /admin)
main.add_command(_proposals)  # assistant proposals list|export (accepted additions to kb/)

localise(main)  # after every command is defined: "[TÙY_CHỌN]", "LỆNH [ĐỐI_SỐ]..." in usage lines

if __name__ == "__main__":
    main()
