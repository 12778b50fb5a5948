"""Staff sign-in and its guards on the real server: no access without signing in, wrong passwords throttled,
CSRF token required on every form, nobody accepts their own proposal, cookies flagged."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.conftest import LiveServer, assert_vietnamese_error
from tests.staff.conftest import csrf_in, sign_in

PAGES = ["/admin", "/admin/questions", "/admin/proposals"]


def handoff(server: LiveServer, session: str = "citizen-1") -> str:
    """A web citizen asks for a person; returns the conversation's admin URL."""
    assert httpx.post(
        server.url + "/api/ask", json={"question": "gặp cán bộ", "session_id": session}, timeout=60
    ).json()["handoff"]
    return session


def test_nothing_without_signing_in(staff_server: Callable[..., LiveServer]) -> None:
    server = staff_server()
    handoff(server)
    anonymous = httpx.Client(base_url=server.url)
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login"), path
    for path in ["/api/admin/unanswered", "/api/admin/conversations", "/api/admin/proposals", "/api/admin/handoffs"]:
        assert_vietnamese_error(anonymous.get(path), 401)
    # a forged or stale cookie is no better
    anonymous.cookies.set("ag_staff", "forged-token")
    assert anonymous.get("/admin").status_code == 303
    assert_vietnamese_error(
        anonymous.post("/api/admin/conversations/d2ViOmNpdGl6ZW4tMQ/reply", json={"text": "x"}), 401
    )
    assert_vietnamese_error(anonymous.post("/admin/conversations/d2ViOmNpdGl6ZW4tMQ/reply", data={"text": "x"}), 401)
    # scripts keep their bearer token; a wrong one is refused
    ok = httpx.get(server.url + "/api/admin/unanswered", headers={"Authorization": "Bearer staff-secret"})
    assert ok.status_code == 200 and "groups" in ok.json()
    assert_vietnamese_error(
        httpx.get(server.url + "/api/admin/unanswered", headers={"Authorization": "Bearer nope"}), 401
    )


def test_sign_in_out_and_session_cookie_flags(staff_server: Callable[..., LiveServer]) -> None:
    server = staff_server()
    client = sign_in(server, "lan")
    page = client.get("/admin")
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    form = client.get("/admin/login")  # fresh client to look at the Set-Cookie of a sign-in
    plain = httpx.Client(base_url=server.url)
    login = plain.get("/admin/login")
    cookie = plain.post(
        "/admin/login", data={"username": "lan", "password": "mat-khau-cua-lan", "csrf": csrf_in(login.text)}
    ).headers["set-cookie"]
    assert re.search(r"ag_staff=[^;]+;", cookie)
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower().replace("samesite", "")  # plain HTTP on loopback: no Secure flag
    # sign out: the cookie no longer opens anything
    token = client.cookies.get("ag_staff")
    assert client.post("/admin/logout", data={"csrf": csrf_in(client.get("/admin").text)}).status_code == 303
    again = httpx.Client(base_url=server.url, cookies={"ag_staff": token})
    assert again.get("/admin").status_code == 303
    assert form.status_code in (200, 303)


def test_cookie_is_secure_behind_an_https_proxy(staff_server: Callable[..., LiveServer]) -> None:
    server = staff_server(trusted_proxies="127.0.0.1")
    client = httpx.Client(base_url=server.url, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    login = client.get("/admin/login")
    cookie = client.post(
        "/admin/login", data={"username": "lan", "password": "mat-khau-cua-lan", "csrf": csrf_in(login.text)}
    ).headers["set-cookie"]
    assert "; secure" in cookie.lower() and "httponly" in cookie.lower()


def test_wrong_passwords_are_throttled_per_address_and_per_account(staff_server: Callable[..., LiveServer]) -> None:
    # behind a trusted proxy, so that two citizens... two staff machines have two addresses
    server = staff_server(staff_max_failures=3, trusted_proxies="127.0.0.1")

    def machine(address: str) -> httpx.Client:
        return httpx.Client(base_url=server.url, headers={"X-Forwarded-For": address})

    def attempt(client: httpx.Client, user: str, password: str) -> httpx.Response:
        token = csrf_in(client.get("/admin/login").text)
        return client.post("/admin/login", data={"username": user, "password": password, "csrf": token})

    guesser = machine("198.51.100.1")
    for _ in range(3):
        wrong = attempt(guesser, "lan", "doan-sai-mat-khau")
        assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
        assert "ag_staff" not in wrong.headers.get("set-cookie", "")
    # now even the right password waits, from that address ...
    blocked = attempt(guesser, "lan", "mat-khau-cua-lan")
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
    assert "quá nhiều lần" in blocked.text and "ag_staff" not in blocked.headers.get("set-cookie", "")
    assert attempt(guesser, "minh", "mat-khau-cua-minh").status_code == 429
    # ... and for that account from any address
    elsewhere = machine("198.51.100.2")
    assert attempt(elsewhere, "lan", "mat-khau-cua-lan").status_code == 429
    # another account from another address is not affected
    assert attempt(elsewhere, "minh", "mat-khau-cua-minh").status_code == 303


def test_unknown_account_costs_the_same_and_says_the_same(staff_server: Callable[..., LiveServer]) -> None:
    server = staff_server()
    client = httpx.Client(base_url=server.url)
    token = csrf_in(client.get("/admin/login").text)
    response = client.post("/admin/login", data={"username": "khong-co", "password": "mat-khau-bat-ky", "csrf": token})
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in response.text


def test_csrf_token_required(staff_server: Callable[..., LiveServer]) -> None:
    server = staff_server()
    session = handoff(server)
    # the login form itself: without the token from the form (and its cookie), no sign-in
    bare = httpx.Client(base_url=server.url)
    refused = bare.post("/admin/login", data={"username": "lan", "password": "mat-khau-cua-lan"})
    assert refused.status_code == 403 and "ag_staff" not in refused.headers.get("set-cookie", "")
    client = sign_in(server, "lan")
    ref = re.search(r'/admin/conversations/([A-Za-z0-9_-]+)"', client.get("/admin").text)[1]
    page = client.get(f"/admin/conversations/{ref}")
    for path, data in [
        (f"/admin/conversations/{ref}/reply", {"text": "Chào bạn"}),
        (f"/admin/conversations/{ref}/close", {}),
        ("/admin/proposals", {"code": "1.001193", "kind": "alias", "alias": "giấy khai sinh"}),
    ]:
        assert_vietnamese_error(client.post(path, data=data), 403)
        assert_vietnamese_error(client.post(path, data={**data, "csrf": "not-the-token"}), 403)
    assert_vietnamese_error(client.post(f"/api/admin/conversations/{ref}/reply", json={"text": "Chào bạn"}), 403)
    # nothing happened
    messages = httpx.get(server.url + "/api/chat/messages", params={"session_id": session}).json()
    assert messages == {"handoff": True, "messages": []}
    # with the token it works (form field, or header for JSON)
    assert (
        client.post(
            f"/admin/conversations/{ref}/reply", data={"text": "Chào bạn", "csrf": csrf_in(page.text)}
        ).status_code
        == 303
    )
    api = client.post(
        f"/api/admin/conversations/{ref}/reply",
        json={"text": "Bạn cần gì?"},
        headers={"X-CSRF-Token": csrf_in(page.text)},
    )
    assert api.status_code == 200 and api.json()["delivered"] is True
    texts = [
        m["text"]
        for m in httpx.get(server.url + "/api/chat/messages", params={"session_id": session}).json()["messages"]
    ]
    assert texts == ["Chào bạn", "Bạn cần gì?"]


def test_nobody_accepts_their_own_proposal(staff_server: Callable[..., LiveServer], kb_copy) -> None:
    server = staff_server()
    lan, minh = sign_in(server, "lan"), sign_in(server, "minh")
    token = csrf_in(lan.get("/admin/proposals").text)
    created = lan.post(
        "/admin/proposals",
        data={"csrf": token, "code": "1.001193", "kind": "alias", "alias": "làm khai sinh cho em bé"},
    )
    assert created.status_code == 303
    (proposal,) = httpx.get(
        server.url + "/api/admin/proposals", headers={"Authorization": "Bearer staff-secret"}
    ).json()["proposals"]
    assert proposal["proposer"] == "lan" and proposal["status"] == "pending"
    page = lan.get("/admin/proposals").text
    assert f"/admin/proposals/{proposal['id']}/accept" not in page  # no button for one's own
    own = lan.post(f"/admin/proposals/{proposal['id']}/accept", data={"csrf": token})
    assert_vietnamese_error(own, 403)
    # the bearer token is nobody: it cannot review either
    assert_vietnamese_error(
        httpx.post(
            server.url + f"/admin/proposals/{proposal['id']}/accept", headers={"Authorization": "Bearer staff-secret"}
        ),
        403,
    )
    yaml_file = kb_copy / "procedures" / "ho-tich" / "1.001193.yaml"
    assert "làm khai sinh cho em bé" not in yaml_file.read_text(encoding="utf-8")
    accepted = minh.post(
        f"/admin/proposals/{proposal['id']}/accept", data={"csrf": csrf_in(minh.get("/admin/proposals").text)}
    )
    assert accepted.status_code == 303
    assert "  - làm khai sinh cho em bé\n" in yaml_file.read_text(encoding="utf-8")
    (done,) = httpx.get(server.url + "/api/admin/proposals", headers={"Authorization": "Bearer staff-secret"}).json()[
        "proposals"
    ]
    assert done["status"] == "accepted" and done["reviewer"] == "minh" and done["written_to"].endswith("1.001193.yaml")
