"""Shared fixtures: the real knowledge base built once per session (with the hash embedder, and with the real
model for the few tests that measure it), and real uvicorn servers on loopback."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from assistant.api.app import build_state, create_app
from assistant.api.state import AppState
from assistant.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NATIONAL = SHARED / "data" / "national-procedures.jsonl.gz"


# The national tier in the test build: 30 of the 1,601 records of kb/national/ (all of them would take many
# minutes to embed). National-only questions (fishing licence, passport issuance) with their neighbours, records
# of curated codes (the curated file must win), records filed under curated sectors and under sectors of their own.
NATIONAL_SLICE = (
    # Thủy sản (filed under nong-nghiep): the fishing licence and neighbours sharing "khai thác thủy sản"
    "1.004359 1.003593 1.003666 1.003851 1.003650 1.004913 "
    # Quản lý xuất nhập cảnh (a sector of its own): passport issuance, lost passport (one curated), visas
    "1.001456 1.001445 1.010385 1.010384 1.014905 1.001194 1.010386 "
    # curated codes: their files replace these records
    "1.001193 1.000894 "
    # under curated sectors: hộ tịch, cư trú, đất đai, xã hội; under sectors of their own
    "1.000419 1.000689 1.010038 1.012783 1.011609 2.000639 1.005458 1.000115 1.011022 1.008590 1.000703 "
    "1.001777 1.007916 1.003111"
).split()


def write_national_slice(kb: Path, codes: list[str] = NATIONAL_SLICE) -> None:
    """Replace the KB's national snapshot with the records of `codes`, as written in the full snapshot."""
    import gzip

    path = kb / "national" / "procedures.jsonl.gz"
    wanted = {f'"ma_thu_tuc": "{code}"'.encode() for code in codes}
    with gzip.open(path, "rb") as fh:
        lines = [line for line in fh if line[1 : line.index(b",")] in wanted]
    assert len(lines) == len(codes), "kb/national/procedures.jsonl.gz lacks records of the test slice"
    path.write_bytes(gzip.compress(b"".join(lines), mtime=0))


def build_test_kb(out: Path, embedder: str, *, site: bool = True) -> Path:
    """The project's kb/ with a slice of the national tier (NATIONAL_SLICE), built (site + index) into `out`."""
    from assistant.pipeline import build

    # The default kb's handbooks go to the committed ./handbooks; build from a copy so a test run never
    # rewrites them (and `build --check` stays a real check).
    kb_copy = out / "kb"
    shutil.copytree(ROOT / "kb", kb_copy)
    write_national_slice(kb_copy)
    build(kb_copy, out, embedder_spec=embedder, site=site)
    return out


def index_embedder(out: Path) -> str:
    """The embedder an OUT folder's index was built with (a server over it must use the same)."""
    return str(json.loads((out / "index" / "manifest.json").read_text(encoding="utf-8"))["embedder"])


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test KB built with the hash embedder (deterministic, no model, seconds): for every test where the
    model is not the subject. Search still works (the lexical channels carry most of it)."""
    return build_test_kb(tmp_path_factory.mktemp("build"), "hash")


@pytest.fixture(scope="session")
def built_e5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test KB built with the real model (e5-small), for the tests that measure what the model brings:
    the golden-set recall floor (tests/search/test_golden.py) and answers whose confidence rests on it.

    Embedding its passages takes minutes on two cores, so the vectors are kept between runs in
    build/test-cache/ (by content hash, as `assistant build` keeps its own; `make clean` empties it)."""
    reuse = os.environ.get("ASSISTANT_TEST_BUILT")  # local iterations only: an OUT folder built before
    if reuse and (Path(reuse) / "index" / "manifest.json").exists():
        return Path(reuse)
    out = tmp_path_factory.mktemp("build-e5")
    kept = ROOT / "build" / "test-cache" / "e5-embeddings.sqlite"
    cache = out / "cache" / "embeddings.sqlite"
    kept.parent.mkdir(parents=True, exist_ok=True)
    # One builder at a time (`make test` runs two pytest workers): the second waits, then reuses the vectors.
    with (kept.parent / "e5.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kept.exists():
            cache.parent.mkdir(parents=True)
            shutil.copyfile(kept, cache)
        build_test_kb(out, "e5-small", site=False)  # the site is `built`'s business: the same pages
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(cache, partial)
        partial.replace(kept)  # atomic: another test run reading it sees the old file or the new one
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    state: AppState
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(state: AppState, port: int | None = None) -> LiveServer:
    port = port or free_port()
    app = create_app(state)
    # As `assistant serve` runs it: forwarded addresses are the app's business (trusted proxies only).
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, state, server, thread)
        except httpx.HTTPError:
            time.sleep(0.05)
    server.should_exit = True
    raise RuntimeError("server did not start")


def server_maker(out: Path, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start real servers on loopback over the index in `out`; each test gets its own SQLite file."""
    servers: list[LiveServer] = []

    def make(db_path: Path | str | None = None, **settings: object) -> LiveServer:
        """`db_path`: a SQLite file, or a full database URL (e.g. the `pg_url` fixture's)."""
        url = db_path if isinstance(db_path, str) else f"sqlite:///{db_path or tmp_path / 'assistant.db'}"
        values = {
            "db_url": url,
            "admin_token": "staff-secret",
            "rate_limit_per_minute": 1000,
            "embedder": index_embedder(out),
            **settings,
        }
        state = build_state(Settings(**values), out / "index", out / "site")
        server = start_server(state)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def make_server(built: Path, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Servers over the hash-embedder build (`built`)."""
    yield from server_maker(built, tmp_path)


@pytest.fixture
def make_server_e5(built_e5: Path, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Servers over the e5-small build (`built_e5`): for answers whose confidence rests on the real model."""
    yield from server_maker(built_e5, tmp_path)


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server()


@pytest.fixture
def server_e5(make_server_e5: Callable[..., LiveServer]) -> LiveServer:
    return make_server_e5()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test (see tests/services.py)."""
    from tests.services import postgres_database

    with postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """The test Redis (see tests/services.py); tests keep their keys apart with their own names."""
    from tests.services import REDIS_URL, redis_available

    redis_available()
    return REDIS_URL


def assert_vietnamese_error(response: httpx.Response, status: int) -> None:
    """The one error shape: JSON with a Vietnamese `detail`."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert is_vietnamese(detail), detail


def is_vietnamese(text: str) -> bool:
    """Carries Vietnamese letters: a diacritic (any, as NFD shows it) or đ."""
    import unicodedata

    return "đ" in text.lower() or any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text))


os.environ.setdefault("HF_HUB_OFFLINE", "1")
