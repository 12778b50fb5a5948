"""One language on the command line: every help screen and click's own words in Vietnamese, with an
example per command, and the command and option names of CONTRACT.md unchanged."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from assistant.cli import main

ENGLISH = (
    "Usage:",
    "Options:",
    "Commands:",
    "Show this message",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "default:",
    "required]",
    "Error:",
    "Missing argument",
    "No such option",
    "Try '",
    "is not a valid",
    # click's metavars for a type: give an option a Vietnamese metavar= instead
    " TEXT",
    " PATH",
    " INTEGER",
    " FLOAT",
    " FILENAME",
    " DIRECTORY",
    " BOOLEAN",
    " CHOICE",
)
# CONTRACT.md: the names operators and programs rely on.
CONTRACT = {
    ("check",): ["--kb", "--today", "--stale"],
    ("build",): ["--kb", "--out", "--check"],
    ("import", "national"): ["--out"],
    ("serve",): ["--index", "--host", "--port", "--workers"],
    ("ask",): ["--index"],
}


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        found += commands(command, path + (name,)) if isinstance(command, click.Group) else [path + (name,)]
    return found


def invoke(*args: str) -> str:
    return CliRunner().invoke(main, list(args), prog_name="assistant").output


@pytest.mark.parametrize("path", commands(main), ids=lambda p: " ".join(p) or "assistant")
def test_every_help_screen_is_vietnamese_with_an_example(path: tuple[str, ...]) -> None:
    text = invoke(*path, "--help")
    assert text.startswith("Cách dùng: assistant"), text
    for word in ENGLISH:
        assert word not in text, (word, text)
    assert "Tùy chọn:" in text and "Hiện hướng dẫn này rồi thoát." in text
    assert "Ví dụ:" in text and "  assistant " in text.split("Ví dụ:")[1], text


@pytest.mark.parametrize("path", [p for p in commands(main) if p], ids=" ".join)
def test_every_option_is_explained(path: tuple[str, ...]) -> None:
    command = main
    for name in path:
        command = command.commands[name]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, (path, param.name)


def test_contract_names_are_kept() -> None:
    assert {p for p in commands(main) if p} >= set(CONTRACT)
    for path, options in CONTRACT.items():
        text = invoke(*path, "--help")
        for option in options:
            assert f"  {option} " in text or f", {option} " in text, (path, option, text)
    assert "TỆP" in invoke("import", "national", "--help")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["import", "national"], "Lỗi: Thiếu đối số 'TỆP'."),
        (["build", "--bogus"], "Lỗi: Không có tùy chọn '--bogus'."),
        (["serve", "--port", "abc"], "Giá trị không hợp lệ cho '--port': 'abc' không phải là số hợp lệ."),
        (["chek"], "Không có lệnh 'chek'. Có phải ý bạn là 'check'?"),
        (["check", "--today", "1/7/2026"], "không đúng dạng '%Y-%m-%d'"),
        (["serve", "--port"], "Lỗi: Tùy chọn '--port' cần giá trị."),
        (["check", "--stale", "-1"], "-1 nằm ngoài khoảng x>=0."),
    ],
)
def test_usage_errors_are_vietnamese(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args, prog_name="assistant")
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert "Lỗi: " in result.output
    if "Cách dùng:" in result.output:
        assert "Xem hướng dẫn: 'assistant" in result.output
    for word in ENGLISH:
        assert word not in result.output, (word, result.output)
