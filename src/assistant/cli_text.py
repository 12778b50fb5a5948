"""click's own words in Vietnamese ("Usage:", "Options:", "Error: …", "Missing argument …").

click looks its messages up with `gettext` (each of its modules binds `_` and `ngettext` at import);
`install()` points those names at this table, so the help and the errors of `assistant` speak one
language. A message missing here stays in English: tests/test_cli.py checks every help screen.
"""

from __future__ import annotations

import importlib

import click

# msgid → Vietnamese. Placeholders keep click's names; a translation may leave one out (str.format
# ignores unused keywords), e.g. the type name "integer" that click does not translate.
MESSAGES: dict[str, str] = {
    # help screens
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Đối số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "(dynamic)": "(tùy lúc chạy)",
    "deprecated": "không còn dùng",
    # errors
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Aborted!": "Đã dừng.",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Invalid start character for option ({option})": "Ký tự đầu của tùy chọn không hợp lệ ({option})",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "Error: invalid input": "Lỗi: dữ liệu nhập không hợp lệ",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị đã nhập không khớp.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Do you want to continue?": "Bạn có muốn tiếp tục?",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
    # values of a wrong type
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} không phải giá trị đúng/sai; dùng: {states}",
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "Không có {name} {filename!r}.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {name} {filename!r}.",
    "{name} {filename!r} is not executable.": "Không chạy được {name} {filename!r}.",
}

# (singular, plural) → Vietnamese (one form: Vietnamese nouns do not inflect).
PLURALS: dict[tuple[str, str], str] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "Có phải ý bạn là {possibilities}?",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "Thừa đối số ({args})",
    (
        "Option {name!r} requires an argument.",
        "Option {name!r} requires {nargs} arguments.",
    ): "Tùy chọn {name!r} cần giá trị.",
    (
        "Takes {nargs} values but 1 was given.",
        "Takes {nargs} values but {len} were given.",
    ): "Cần {nargs} giá trị nhưng nhận {len}.",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} không thuộc {choices}.",
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): "{value!r} không đúng dạng {formats}.",
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): "Cần {len_type} giá trị nhưng nhận {len_value}.",
}

# Placeholders click writes in usage lines without looking them up.
OPTIONS_METAVAR = "[TÙY_CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [ĐỐI_SỐ]..."

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    translated = PLURALS.get((singular, plural))
    if translated is not None:
        return translated
    return singular if n == 1 else plural


def install() -> None:
    """Point click's message lookups at the Vietnamese table (idempotent)."""
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def localise(command: click.Command) -> None:
    """Vietnamese placeholders in the usage lines of `command` and every subcommand."""
    command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            localise(sub)


def examples(*lines: str) -> str:
    """A help epilog "Ví dụ:" with one command per line (\b keeps click from rewrapping them)."""
    return "\b\nVí dụ:\n" + "\n".join(f"  {line}" for line in lines)
