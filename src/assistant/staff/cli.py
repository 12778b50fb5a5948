"""`assistant staff ...` (named staff accounts) and `assistant proposals ...` (accepted additions to kb/).

Both use the database of ASSISTANT_DB_URL; nothing here loads the index or a web framework."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
import yaml

from assistant.cli_text import examples
from assistant.errors import UserError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _store():  # type: ignore[no-untyped-def]
    from assistant.config import load_settings
    from assistant.staff.store import StaffStore
    from assistant.store import Database

    settings = load_settings()
    return StaffStore(Database(settings.database_url(), pool_size=2)), settings


def _fail(err: UserError) -> None:
    for line in err.lines():
        click.echo(line, err=True)
    sys.exit(1)


@click.group(
    name="staff",
    help="Tài khoản cán bộ đăng nhập trang /admin (mỗi người một tài khoản).",
    epilog=examples("assistant staff add lan.nguyen", "assistant staff list"),
)
def staff() -> None:
    pass


@staff.command(
    name="add",
    help="Tạo tài khoản cán bộ TÊN (chữ thường không dấu, số, '.', '_', '-'); mật khẩu được hỏi khi chạy, "
    "không hiện trên màn hình, lưu dạng băm Argon2.",
    short_help="Tạo tài khoản cán bộ.",
    epilog='\b\nVí dụ:\n  assistant staff add lan.nguyen --display-name "Nguyễn Thị Lan"\n'
    "  assistant staff add lan.nguyen --reset   (đặt lại mật khẩu, đăng xuất mọi nơi)",
)
@click.argument("name", metavar="TÊN")
@click.option("--display-name", default=None, metavar="HỌ_TÊN", help="Tên hiển thị cho đồng nghiệp và người dân.")
@click.option("--reset", is_flag=True, help="Tài khoản đã có: đặt lại mật khẩu (và tên hiển thị nếu có).")
@click.password_option(
    "--password",
    metavar="MẬT_KHẨU",
    prompt="Mật khẩu",
    confirmation_prompt="Nhập lại mật khẩu",
    help="Mật khẩu (bỏ trống để được hỏi; đừng gõ trên dòng lệnh).",
)
def add(name: str, display_name: str | None, reset: bool, password: str) -> None:
    from assistant.staff.passwords import check_strength, hash_password
    from assistant.staff.store import AccountExists

    name = name.strip().lower()
    try:
        if not USERNAME.match(name):
            raise UserError("TÊN chỉ gồm chữ thường không dấu, số, '.', '_', '-' (2 đến 64 ký tự), ví dụ lan.nguyen.")
        check_strength(password, name)
        store, _ = _store()
        current = store.account(name)
        shown = display_name or (current[0].display_name if current else name)
        try:
            store.add_account(name, shown, hash_password(password), replace=reset)
        except AccountExists:
            raise UserError(f"Tài khoản {name} đã có; dùng --reset để đặt lại mật khẩu.") from None
    except UserError as err:
        _fail(err)
    click.echo(f"Đã {'đặt lại mật khẩu cho' if reset and current else 'tạo'} tài khoản {name} ({shown}).")


@staff.command(name="list", help="Liệt kê tài khoản cán bộ.", epilog=examples("assistant staff list"))
def list_staff() -> None:
    try:
        store, _ = _store()
    except UserError as err:
        _fail(err)
    for account in store.accounts():
        click.echo(f"{account.username}\t{account.display_name}" + ("\t(đã khóa)" if account.disabled else ""))


@click.group(
    name="proposals",
    help="Đề xuất bổ sung sổ tay của cán bộ (hỏi đáp, tên gọi khác, quy định).",
    epilog=examples("assistant proposals list --status accepted", "assistant proposals export --out de-xuat.yaml"),
)
def proposals() -> None:
    pass


STATUS = click.Choice(["pending", "accepted", "rejected"])


@proposals.command(
    name="list",
    help="Liệt kê đề xuất, mới nhất trước: trạng thái, mã thủ tục, loại, người đề xuất, người duyệt.",
    epilog=examples("assistant proposals list", "assistant proposals list --status pending"),
)
@click.option("--status", type=STATUS, default=None, help="Chỉ đề xuất ở trạng thái này.")
def list_proposals(status: str | None) -> None:
    from assistant.staff.models import ProposalStatus

    try:
        store, _ = _store()
    except UserError as err:
        _fail(err)
    for p in store.proposals(ProposalStatus(status) if status else None):
        first = next(iter(p.payload.values()), "")
        click.echo(
            f"{p.created_at[:10]}\t{p.status.value}\t{p.code}\t{p.kind.value}\t{p.proposer}\t{p.reviewer or '-'}\t"
            f"{str(first)[:60]}"
        )


@proposals.command(
    name="export",
    help="Xuất các đề xuất đã duyệt (YAML, hoặc JSON với --format json) cho nhóm commit kb/; với --kb, ghi luôn "
    "vào cơ sở tri thức đó (bỏ qua mục đã có, chạy lại không thêm gì).",
    short_help="Xuất đề xuất đã duyệt.",
    epilog="\b\nVí dụ:\n  assistant proposals export --out de-xuat.yaml\n  assistant proposals export --kb kb",
)
@click.option(
    "--out", default=None, type=click.Path(path_type=Path), metavar="TỆP", help="Ghi ra tệp thay vì màn hình."
)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True, help="Định dạng xuất."
)
@click.option(
    "--kb",
    "kb_dir",
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    metavar="THƯ_MỤC",
    help="Ghi các đề xuất đã duyệt vào tệp thủ tục của cơ sở tri thức này.",
)
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Chỉ đề xuất được duyệt từ ngày này.")
def export(out: Path | None, fmt: str, kb_dir: Path | None, since: str | None) -> None:
    from assistant.staff import kbwrite
    from assistant.staff.models import ProposalStatus

    try:
        store, _ = _store()
        accepted = sorted(store.proposals(ProposalStatus.accepted), key=lambda p: p.reviewed_at or "")
        if since:
            accepted = [p for p in accepted if (p.reviewed_at or "") >= since]
        records = [
            {
                "code": p.code,
                "kind": p.kind.value,
                "entry": kbwrite.entry(p.kind, p.payload),
                "proposer": p.proposer,
                "reviewer": p.reviewer,
                "proposed_at": p.created_at,
                "reviewed_at": p.reviewed_at,
                "id": p.id,
            }
            for p in accepted
        ]
        text = (
            json.dumps(records, ensure_ascii=False, indent=2) + "\n"
            if fmt == "json"
            else yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=10_000)
        )
        if out is not None:
            out.write_text(text, encoding="utf-8")
        elif not kb_dir:
            click.echo(text, nl=False)
        if kb_dir:
            added = 0
            for p in accepted:
                path, new = kbwrite.apply(kb_dir, p.code, p.kind, p.payload)
                if new:
                    added += 1
                    click.echo(f"{path}: thêm {p.kind.value}")
            click.echo(
                f"Đã ghi {added} mục mới vào {kb_dir} ({len(accepted) - added} mục đã có). "
                f"Chạy `assistant check --kb {kb_dir}` rồi commit."
            )
        elif out is not None:
            click.echo(f"Đã xuất {len(records)} đề xuất đã duyệt ra {out}.")
    except UserError as err:
        _fail(err)
