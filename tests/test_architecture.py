"""The house's walls: which stage may import which (see docs/ARCHITECTURE.md).

- channels never import the web layer (`assistant.api`): the api mounts what channels register;
- query-time code (search, answers, the API, the channels, the composition root) imports no build-time module,
  neither directly (read from the source) nor on the way (checked in a fresh interpreter);
- `assistant ask` and `assistant build` load no web framework (checked in `sys.modules` after a real run).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_start import tiny_kb

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "assistant"

QUERY_TIME = (
    "assistant.search",
    "assistant.answer",
    "assistant.query",
    "assistant.api",
    "assistant.channels",
    "assistant.runtime",
)
BUILD_TIME = (
    "assistant.pipeline",
    "assistant.index.build",
    "assistant.index.chunks",
    "assistant.handbook.render",
    "assistant.handbook.site",
    "assistant.handbook.site_cache",
    "assistant.handbook.search_data",
)
WEB = ("fastapi", "starlette", "uvicorn")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` names in the file (also inside functions and TYPE_CHECKING blocks),
    relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def files_of(roots: tuple[str, ...]) -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if within(module_name(p), roots)]


def violations(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in files_of(sources)
        for line, name in imports_of(path)
        if within(name, forbidden)
    ]


def test_the_scan_sees_imports() -> None:
    """The scan itself: it finds the modules the packages are known to import."""
    assert files_of(("assistant.channels",)) and files_of(("assistant.runtime",))
    names = {name for _, name in imports_of(PACKAGE / "api" / "app.py")}
    assert "assistant.runtime" in names and "fastapi" in names
    assert violations(("assistant.api",), ("assistant.runtime",))  # the api does use the composition root


def test_channels_do_not_import_the_web_layer() -> None:
    assert violations(("assistant.channels",), ("assistant.api",)) == []


def test_query_time_code_imports_no_build_time_module() -> None:
    assert violations(QUERY_TIME, BUILD_TIME) == []


def fresh_modules(code: str, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> list[str]:
    """Run `code` in a fresh interpreter; the loaded modules it reports on its last line."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_query_time_code_loads_no_build_time_module_on_the_way() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(QUERY_TIME) + ['assistant.api.app', 'assistant.channels.zalo']!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = fresh_modules(code)
    assert "assistant.channels.zalo.webhook" in loaded  # the check sees what was imported
    assert [m for m in loaded if within(m, BUILD_TIME)] == []
    # nor the build's heavy helpers: Markdown splitting, MkDocs
    assert [m for m in loaded if m.split(".")[0] in ("langchain_text_splitters", "mkdocs")] == []


# Runs the real console command in this interpreter, then reports what it loaded.
RUN_CLI = """
import json, sys
from assistant.cli import main
try:
    main(sys.argv[1:], prog_name="assistant", standalone_mode=False)
except SystemExit as exc:
    if exc.code not in (0, 2, None):
        raise
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    work = tmp_path_factory.mktemp("arch")
    kb = tiny_kb(work / "kb")
    loaded = fresh_modules(
        RUN_CLI,
        "build",
        "--kb",
        str(kb),
        "--out",
        str(work / "out"),
        "--no-site",
        env={"ASSISTANT_EMBEDDER": "hash"},
        cwd=work,
    )
    return work / "out" / "index", loaded


def test_assistant_build_loads_no_web_framework(tiny_index: tuple[Path, list[str]]) -> None:
    index, loaded = tiny_index
    assert (index / "manifest.json").exists() and "assistant.pipeline" in loaded
    assert [m for m in loaded if m.split(".")[0] in WEB] == []


def test_assistant_ask_loads_no_web_framework(tiny_index: tuple[Path, list[str]], tmp_path: Path) -> None:
    index, _ = tiny_index
    env = {"ASSISTANT_EMBEDDER": "hash", "ASSISTANT_DB_URL": f"sqlite:///{tmp_path / 'ask.db'}"}
    loaded = fresh_modules(RUN_CLI, "ask", "--index", str(index), "đăng ký hộ kinh doanh cần giấy tờ gì", env=env)
    assert "assistant.runtime" in loaded and "assistant.answer.service" in loaded  # it did answer
    assert [m for m in loaded if m.split(".")[0] in WEB] == []
    assert [m for m in loaded if within(m, ("assistant.api", "assistant.channels.zalo"))] == []
