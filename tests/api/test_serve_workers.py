"""`assistant serve --workers 2` on PostgreSQL, as an operator runs it: both processes serve, forwarded
addresses are not believed from an untrusted peer, and the log holds no query string or question."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.channels.test_zalo_scale import ServerProcess
from tests.conftest import assert_vietnamese_error


def test_two_worker_processes_on_postgres(pg_url: str, built: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {
        "ASSISTANT_DB_URL": pg_url,
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "2",
        "ASSISTANT_ADMIN_TOKEN": "x",
        "ASSISTANT_RATE_LIMIT_STORAGE": "memory://",
    }
    server = ServerProcess(built / "index", env, log, workers=2)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/readyz").status_code == 200
            assert http.head("/healthz").status_code == 200
            search = http.get("/api/search", params={"q": "mất CCCD 079123456789 gọi 0912345678"})
            assert search.status_code == 200
            assert http.post("/api/ask", json={"question": "đăng ký khai tử cần gì"}).status_code == 200
            # uvicorn's own proxy-header handling is off: a rotated X-Forwarded-For buys nothing.
            codes = [
                http.get(
                    "/api/search", params={"q": "khai sinh"}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
                ).status_code
                for i in range(30)
            ]
            assert 429 in codes
            assert_vietnamese_error(http.get("/api/khong-co"), 404)
    finally:
        server.kill(signal.SIGTERM)
    text = log.read_text(errors="replace")
    assert text.count("Started server process") == 2, text[-3000:]
    assert "GET /api/search 200" in text and "POST /api/ask 200" in text
    for secret in ("079123456789", "0912345678", "CCCD", "q=", "khai tử"):
        assert secret not in text
    assert "Traceback" not in text
