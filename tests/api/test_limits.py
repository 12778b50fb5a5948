"""Rate limits (per real client behind trusted proxies only, shared through Redis across processes) and
overload protection (a fast Vietnamese 503 past the cap; health checks never behind it)."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from pathlib import Path

import httpx
import pytest

from assistant.api.clients import ClientAddresses
from assistant.errors import UserError
from tests.conftest import assert_vietnamese_error


def fake_ip() -> str:
    """A client address of our own for one test, so counters in a shared Redis never meet."""
    n = uuid.uuid4().int
    return f"198.{n % 250 + 1}.{n // 250 % 250 + 1}.{n // 62500 % 250 + 1}"


def ask(server, client: str | None = None, question: str = "khai tử") -> httpx.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    return httpx.post(server.url + "/api/ask", json={"question": question}, headers=headers, timeout=30)


def test_forwarded_for_is_believed_only_from_trusted_proxies(make_server, tmp_path: Path) -> None:
    behind = make_server(tmp_path / "proxy.db", rate_limit_per_minute=2, trusted_proxies="127.0.0.1")
    alice, bob = fake_ip(), fake_ip()
    assert [ask(behind, alice).status_code for _ in range(2)] == [200, 200]
    assert_vietnamese_error(ask(behind, alice), 429)
    assert ask(behind, bob).status_code == 200  # behind the proxy, each citizen has their own bucket
    # A client that appends its own X-Forwarded-For: the proxy's view (the last hop) is what counts.
    assert_vietnamese_error(ask(behind, f"{bob}, {alice}"), 429)

    direct = make_server(tmp_path / "direct.db", rate_limit_per_minute=2)  # no trusted proxies
    assert [ask(direct, fake_ip()).status_code for _ in range(2)] == [200, 200]
    assert_vietnamese_error(ask(direct, fake_ip()), 429)  # a rotated header does not buy a new bucket


def test_client_addresses() -> None:
    class Conn:
        def __init__(self, peer: str, forwarded: str | None) -> None:
            from starlette.datastructures import Address, Headers

            self.client = Address(peer, 1234)
            self.headers = Headers({"x-forwarded-for": forwarded} if forwarded else {})

    proxies = ClientAddresses("10.0.0.0/24, ::1")
    assert proxies.address(Conn("10.0.0.5", "203.0.113.9")) == "203.0.113.9"
    assert proxies.address(Conn("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.7")) == "203.0.113.9"
    assert proxies.address(Conn("10.0.0.5", "203.0.113.9:5555")) == "203.0.113.9"
    assert proxies.address(Conn("10.0.0.5", "not-an-ip")) == "10.0.0.5"
    assert proxies.address(Conn("192.0.2.1", "203.0.113.9")) == "192.0.2.1"  # not a proxy of ours
    assert proxies.key(Conn("::1", "2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"
    with pytest.raises(UserError, match="ASSISTANT_TRUSTED_PROXIES"):
        ClientAddresses("proxy.local")


def test_limits_are_shared_through_redis_across_processes(make_server, tmp_path: Path, redis_url: str) -> None:
    settings = {"rate_limit_per_minute": 3, "trusted_proxies": "127.0.0.1", "rate_limit_storage": redis_url}
    one = make_server(tmp_path / "one.db", **settings)
    two = make_server(tmp_path / "two.db", **settings)
    client = fake_ip()
    assert [ask(one, client).status_code, ask(two, client).status_code, ask(one, client).status_code] == [200] * 3
    assert_vietnamese_error(ask(two, client), 429)
    assert_vietnamese_error(ask(one, client), 429)


def test_a_broken_limit_storage_lets_citizens_through(make_server, tmp_path: Path) -> None:
    server = make_server(tmp_path / "nolimit.db", rate_limit_per_minute=1, rate_limit_storage="redis://127.0.0.1:1/0")
    assert [ask(server).status_code for _ in range(2)] == [200, 200]


def test_past_the_cap_a_fast_503_with_retry_after(make_server, tmp_path: Path) -> None:
    server = make_server(tmp_path / "busy.db", max_answering=1, max_waiting=0)
    questions = [
        "đăng ký kết hôn cần giấy tờ gì",
        "làm giấy khai sinh cho con",
        "đăng ký tạm trú ở đâu",
        "đổi thẻ căn cước",
        "xin giấy phép xây dựng nhà ở",
        "chứng thực di chúc",
    ] * 2
    health: list[float] = []

    def probe() -> None:
        for _ in range(10):
            started = time.perf_counter()
            assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
            health.append(time.perf_counter() - started)
            time.sleep(0.05)

    with concurrent.futures.ThreadPoolExecutor(len(questions) + 1) as pool:
        prober = pool.submit(probe)
        responses = list(pool.map(lambda q: ask(server, question=q), questions))
        prober.result()
    codes = [r.status_code for r in responses]
    assert 200 in codes and 503 in codes, codes
    assert set(codes) <= {200, 503}
    refused = next(r for r in responses if r.status_code == 503)
    assert_vietnamese_error(refused, 503)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.elapsed.total_seconds() < 1.0  # refused at once, not after waiting
    # Liveness never queues behind answering work (never a 503, no waiting for a slot); the timing is
    # loose because this test's own clients share the two cores (bench/load.py measures it properly).
    assert sorted(health)[len(health) // 2] < 0.5 and max(health) < 3, health


def test_waiting_too_long_is_a_503(make_server, tmp_path: Path) -> None:
    server = make_server(tmp_path / "queue.db", max_answering=1, max_waiting=20, queue_timeout=0.01)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = [r.status_code for r in pool.map(lambda _: ask(server, question="đăng ký kết hôn cần gì"), range(8))]
    assert 200 in codes and 503 in codes, codes
