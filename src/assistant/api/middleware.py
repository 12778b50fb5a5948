"""ASGI middleware around the whole app: a body-size limit, security headers, and an access log that
never holds a query string or a body (citizens type phone and ID numbers into questions)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import HTTPException

from assistant.store.pii import scrub

Scope = dict[str, Any]
access_log = logging.getLogger("assistant.access")

TOO_LARGE = "Dữ liệu gửi lên quá lớn."

# HTML staff pages: no scripts, no framing, nothing cached; their forms post only to this server.
ADMIN_HTML_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
EVERYWHERE = [(b"x-content-type-options", b"nosniff")]


class _TooLarge(HTTPException):
    """Raised from `receive` past the limit; an HTTPException, so that whoever is reading the body (FastAPI
    parsing it, or a handler) turns it into the JSON 413 rather than a parse error."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


def _is_admin(path: str) -> bool:
    return path == "/admin" or path.startswith("/admin/") or path.startswith("/api/admin")


class GuardMiddleware:
    """Refuses bodies larger than `max_body` (by Content-Length at once, or while reading a chunked body),
    adds security headers, and writes one access-log line per request: method, path (scrubbed), status,
    milliseconds."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        extra = list(EVERYWHERE)
        if _is_admin(path):
            extra += NO_STORE + (ADMIN_HTML_HEADERS if not path.startswith("/api/") else [])
        status = 500
        response_started = False

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [(k, v) for k, v in extra if k not in names]
            await send(message)

        try:
            length = _content_length(scope)
            if length is not None and length > self.max_body:
                await _too_large(send_wrapper)
                return
            received = 0

            async def limited_receive() -> dict[str, Any]:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        raise _TooLarge
                return message

            try:
                await self.app(scope, limited_receive, send_wrapper)
            except _TooLarge:
                if response_started:
                    raise
                await _too_large(send_wrapper)
        finally:
            access_log.info(
                "%s %s %d %.0fms",
                scope.get("method", "?"),
                _loggable(path),
                status,
                (time.perf_counter() - started) * 1000,
            )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Any) -> None:
    body = json.dumps({"detail": TOO_LARGE}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _loggable(path: str) -> str:
    """The path without query string (never part of `path` in ASGI), scrubbed and cut short."""
    return scrub(path[:200])
