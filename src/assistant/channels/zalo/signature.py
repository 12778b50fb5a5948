"""Zalo's webhook signature: `X-ZEvent-Signature: mac=<hex>`, where hex is the plain SHA-256 digest of
app_id + raw body + timestamp + OA secret key (over the body bytes exactly as received)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

HEADER = "X-ZEvent-Signature"
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d+)"?')


def mac(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(body)
    digest.update(timestamp.encode())
    digest.update(secret_key.encode())
    return digest.hexdigest()


def body_timestamp(body: bytes) -> str:
    """The event's `timestamp` as sent, which the signature covers; found even when the JSON is broken."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if (
        isinstance(data, dict)
        and isinstance(data.get("timestamp"), (str, int))
        and not isinstance(data["timestamp"], bool)
    ):
        return str(data["timestamp"])
    match = _TIMESTAMP.search(body)
    return match.group(1).decode() if match else ""


class SignatureError(Exception):
    """The request does not carry a valid signature; `detail` is the Vietnamese message for the caller."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SignatureVerifier:
    def __init__(self, app_id: str, secret_key: str) -> None:
        if not app_id or not secret_key:
            raise ValueError("app_id and secret_key are required")
        self.app_id = app_id
        self.secret_key = secret_key

    def verify(self, body: bytes, header: str | None) -> None:
        """Raise SignatureError unless `header` signs `body` for this app."""
        given = (header or "").strip()
        if not given:
            raise SignatureError(f"Thiếu chữ ký {HEADER}: yêu cầu không đến từ Zalo.")
        if given.lower().startswith("mac="):
            given = given[4:].strip()
        expected = mac(self.app_id, body, body_timestamp(body), self.secret_key)
        if not hmac.compare_digest(given.lower().encode(), expected.encode()):
            raise SignatureError(f"Chữ ký {HEADER} không hợp lệ: yêu cầu không đến từ Zalo.")
