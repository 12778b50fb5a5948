"""Documentation completeness: every command and option of `assistant`, every HTTP route and every ASSISTANT_*
variable is written down in README.md or docs/*.md. A name added to the code and not to the docs fails here,
with the list of what is missing."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from fastapi import FastAPI
from pydantic_settings import BaseSettings
from starlette.routing import BaseRoute, Mount, Route

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # a FastAPI whose `app.routes` lists every route itself

    def iter_route_contexts(routes: list[BaseRoute]) -> Iterator[BaseRoute]:  # type: ignore[misc]
        return iter(routes)


import assistant
from assistant.cli import main as cli
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def doc_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOCS)


def passages(markdown: str) -> list[str]:
    """What a reader sees as one statement: each table row and each line of a code block alone, each
    paragraph of prose (wrapped over several lines) as a whole."""
    out: list[str] = []
    paragraph: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            out.append(" ".join(paragraph))
            paragraph = []
        elif in_code or stripped.startswith("|"):
            out.append(" ".join(paragraph))
            paragraph = []
            out.append(stripped)
        elif not stripped:
            out.append(" ".join(paragraph))
            paragraph = []
        else:
            paragraph.append(stripped)
    out.append(" ".join(paragraph))
    return [p for p in out if p]


# --- the command line --------------------------------------------------------------------------------------------
def commands(group: click.Group, path: tuple[str, ...] = ("assistant",)) -> Iterator[tuple[str, click.Command]]:
    """Every command a user can run, by its full name ("assistant import national"), groups walked down."""
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        full = (*path, name)
        if isinstance(command, click.Group):
            yield from commands(command, full)
        else:
            yield " ".join(full), command


def long_options(command: click.Command) -> list[str]:
    names = [
        opt
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for opt in param.opts + param.secondary_opts
        if opt.startswith("--")
    ]
    return [name for name in names if name != "--help"]


def test_the_walk_sees_the_commands_of_the_contract() -> None:
    found = dict(commands(cli))
    assert {
        "assistant check",
        "assistant build",
        "assistant import national",
        "assistant serve",
        "assistant ask",
    } <= set(found)
    assert {"--kb", "--out", "--check"} <= set(long_options(found["assistant build"]))


def test_every_command_and_option_is_documented() -> None:
    texts = passages(doc_text())
    missing = []
    for name, command in commands(cli):
        # "assistant build" in a passage, not followed by more of a name ("assistant build-all")
        mentions = [t for t in texts if re.search(re.escape(name) + r"(?![\w-])", t)]
        if not mentions:
            missing.append(name)
            continue
        for option in long_options(command):
            if not any(re.search(re.escape(option) + r"(?![\w-])", t) for t in mentions):
                missing.append(f"{name} {option}")
    assert missing == [], f"not in README.md or docs/*.md (with the command, in one table row or paragraph): {missing}"


# --- HTTP routes -------------------------------------------------------------------------------------------------
def route_pattern(path: str) -> re.Pattern[str]:
    """The path as docs write it: a parameter `{name}` may be written `{anything}`, `<anything>` or `:name`; one
    that is a whole segment also as an example value (`/admin/proposals/{id}/accept` for `{pid}/{decision}`)."""
    parts = [p for p in re.split(r"(\{[^}]+\})", path) if p]
    regex = ""
    for i, part in enumerate(parts):
        if not part.startswith("{"):
            regex += re.escape(part)
            continue
        whole_segment = regex.endswith("/") and (i + 1 == len(parts) or parts[i + 1].startswith("/"))
        regex += r"(\{[^}]+\}|<[^>]+>|:\w+" + (r"|[\w.-]+" if whole_segment else "") + ")"
    return re.compile(r"(?<![\w/])" + regex + r"(?![\w/{<-])")


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves itself: not the mounted site, not FastAPI's own docs.
    Included routers are walked down (FastAPI includes them lazily, as one entry of `app.routes` each)."""
    own_docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    out = []
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "original_route", context)
        if isinstance(route, Mount) or not isinstance(route, Route) or context.path in own_docs:
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}) or ["GET"]:
            out.append((method, context.path))
    return out


VERIFIER = "Ij6Y8RV3Cn9Yk"


@pytest.fixture
def app_routes(make_server: Callable[..., LiveServer]) -> list[tuple[str, str]]:
    """The routes of a server with every optional part on (Zalo channel, domain verification, CORS)."""
    server = make_server(
        zalo_app_id="4305620950713829472",
        zalo_oa_secret_key="secret",
        zalo_verifier_code=VERIFIER,
        cors_origins="https://sotay.example",
    )
    # The verification file is served at a path made of the configured code: docs name it by its place.
    return sorted({(method, path.replace(VERIFIER, "{code}")) for method, path in routes(server.server.config.app)})


def test_the_walk_sees_the_routes_of_the_contract(app_routes: list[tuple[str, str]]) -> None:
    assert {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/api/search"),
        ("POST", "/api/ask"),
        ("POST", "/api/feedback"),
        ("GET", "/api/admin/unanswered"),
        ("POST", "/webhooks/zalo"),
    } <= set(app_routes)
    assert all(not path.startswith("/api/docs") and path != "/openapi.json" for _, path in app_routes)


def test_every_route_is_documented(app_routes: list[tuple[str, str]]) -> None:
    text = doc_text()
    missing = sorted({f"{method} {path}" for method, path in app_routes if not route_pattern(path).search(text)})
    assert missing == [], f"routes not in README.md or docs/*.md: {missing}"


def test_route_patterns_match_how_docs_write_paths() -> None:
    pattern = route_pattern("/api/staff/conversations/{conversation_id}/reply")
    assert pattern.search("`POST /api/staff/conversations/{id}/reply`")
    assert pattern.search("POST /api/staff/conversations/<mã>/reply")
    assert not pattern.search("/api/staff/conversations")
    decision = route_pattern("/admin/proposals/{pid}/{decision}")
    assert decision.search("`POST /admin/proposals/{id}/accept`") and not decision.search("`/admin/proposals`")
    verifier = route_pattern("/zalo_verifier{code}.html")
    assert verifier.search("`/zalo_verifier<mã>.html`") and not verifier.search("/zalo_verifierabc.html")
    assert route_pattern("/api/admin").search("`/api/admin`,") and not route_pattern("/api/admin").search(
        "/api/admin/x"
    )


# --- environment variables ---------------------------------------------------------------------------------------
def settings_classes() -> list[type[BaseSettings]]:
    """Every pydantic-settings class of the package (each module imported, so none is missed)."""
    for module in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: list[type[BaseSettings]] = []
    todo = list(BaseSettings.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("assistant.") and cls not in found:
            found.append(cls)
    return found


def settings_variables() -> set[str]:
    names = set()
    for cls in settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        for name, field in cls.model_fields.items():
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, BaseSettings):
                continue  # a nested section: its own class names its variables
            alias = field.validation_alias
            names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def source_variables() -> set[str]:
    """ASSISTANT_* names written in the code itself (os.environ look-ups, messages), prefixes left out."""
    names = set()
    for path in (ROOT / "src" / "assistant").rglob("*.py"):
        names |= set(re.findall(r"\bASSISTANT_[A-Z0-9_]*[A-Z0-9]\b(?!_)", path.read_text(encoding="utf-8")))
    return names


def test_the_walk_sees_the_variables_of_the_contract() -> None:
    assert {
        "ASSISTANT_EMBEDDER",
        "ASSISTANT_DB_URL",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE",
        "ASSISTANT_TRUSTED_PROXIES",
        "ASSISTANT_ADMIN_TOKEN",
        "ASSISTANT_ZALO_APP_ID",
        "ASSISTANT_ZALO_OAUTH_BASE",
        "ASSISTANT_SITE_DIR",
    } <= settings_variables()


def test_every_variable_is_documented() -> None:
    documented = set(re.findall(r"ASSISTANT_[A-Z0-9_]+", doc_text()))
    missing = sorted((settings_variables() | source_variables()) - documented)
    assert missing == [], f"ASSISTANT_* variables not in README.md or docs/*.md: {missing}"
