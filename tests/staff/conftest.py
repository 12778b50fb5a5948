"""Staff side fixtures: a server whose kb_dir is a copy of the built KB (accepted proposals are written there,
never into the project's kb/), named staff accounts, and signing in as a browser would."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from assistant.staff.passwords import hash_password
from assistant.staff.store import StaffStore
from tests.conftest import LiveServer

PASSWORDS = {"lan": "mat-khau-cua-lan", "minh": "mat-khau-cua-minh"}
NAMES = {"lan": "Nguyễn Thị Lan", "minh": "Trần Văn Minh"}


@pytest.fixture
def kb_copy(built: Path, tmp_path: Path) -> Path:
    """The KB the test server writes accepted proposals into."""
    target = tmp_path / "kb"
    shutil.copytree(built / "kb", target)
    return target


def staff_maker(make_server: Callable[..., LiveServer], kb_copy: Path) -> Callable[..., LiveServer]:
    def start(db_path: Path | str | None = None, **settings: object) -> LiveServer:
        server = make_server(db_path, kb_dir=str(kb_copy), **settings)
        store = StaffStore(server.state.db)
        for user, password in PASSWORDS.items():
            if store.account(user) is None:
                store.add_account(user, NAMES[user], hash_password(password))
        return server

    return start


@pytest.fixture
def staff_server(make_server: Callable[..., LiveServer], kb_copy: Path) -> Callable[..., LiveServer]:
    return staff_maker(make_server, kb_copy)


@pytest.fixture
def staff_server_e5(make_server_e5: Callable[..., LiveServer], kb_copy: Path) -> Callable[..., LiveServer]:
    """Over the e5-small build: for what rests on the model's confidence (which questions are off topic)."""
    return staff_maker(make_server_e5, kb_copy)


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match[1]


def sign_in(server: LiveServer, user: str, password: str | None = None, **client_args: object) -> httpx.Client:
    """A client signed in through the login form, as a browser does (cookie + the form's CSRF token)."""
    client = httpx.Client(base_url=server.url, timeout=30, **client_args)  # type: ignore[arg-type]
    form = client.get("/admin/login")
    response = client.post(
        "/admin/login",
        data={"username": user, "password": password or PASSWORDS[user], "csrf": csrf_in(form.text), "next": "/admin"},
    )
    assert response.status_code == 303, response.text
    return client
