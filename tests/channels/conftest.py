"""Fixtures of the Zalo channel tests: a fake Zalo on loopback and our server wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.channels.fake_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo
from tests.conftest import LiveServer


@pytest.fixture(autouse=True)
def fast_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short back-off and polling so retries happen within the test's patience."""
    monkeypatch.setenv("ASSISTANT_ZALO_RETRY_DELAY", "0.1")
    monkeypatch.setenv("ASSISTANT_ZALO_RETRY_MAX_DELAY", "0.5")
    monkeypatch.setenv("ASSISTANT_ZALO_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("ASSISTANT_ZALO_POLL_INTERVAL", "0.2")


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    zalo = FakeZalo()
    zalo.start()
    yield zalo
    zalo.stop()


@pytest.fixture
def zalo_server(make_server: Callable[..., LiveServer], fake: FakeZalo) -> Callable[..., LiveServer]:
    def start(db_path: Path | str | None = None, **overrides: object) -> LiveServer:
        settings = {
            "zalo_app_id": APP_ID,
            "zalo_oa_secret_key": OA_SECRET,
            "zalo_app_secret": APP_SECRET,
            "zalo_access_token": "access-0",
            "zalo_refresh_token": "refresh-0",
            "zalo_api_base": fake.url,
            "zalo_oauth_base": fake.url,
            **overrides,
        }
        return make_server(db_path, **settings)

    return start
