"""Zalo's HTTP APIs: the customer-service message API and the OA OAuth token refresh."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

import httpx

TOKEN_INVALID = frozenset({-216, -220})  # access token invalid or expired: refresh, then resend once
RATE_LIMITED = frozenset({-32})  # too many calls: back off
# Not a follower, blocked, outside the 7-day window, night-time restriction...: retrying cannot help.
PERMANENT = frozenset({-213, -217, -230, -232, -234})


class SendStatus(str, enum.Enum):
    sent = "sent"
    token_invalid = "token_invalid"
    rate_limited = "rate_limited"
    permanent = "permanent"
    transient = "transient"  # network trouble, server errors, unknown codes: retry with back-off


def classify(code: int) -> SendStatus:
    if code == 0:
        return SendStatus.sent
    if code in TOKEN_INVALID:
        return SendStatus.token_invalid
    if code in RATE_LIMITED:
        return SendStatus.rate_limited
    if code in PERMANENT:
        return SendStatus.permanent
    return SendStatus.transient


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    code: int | None = None  # Zalo's `error` code, when it answered
    error: str = ""
    message_id: str | None = None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: int | None = None  # epoch milliseconds, when known


class TokenRefreshError(Exception):
    """Zalo refused to refresh the token (or could not be reached)."""


class ZaloClient:
    def __init__(self, api_base: str, oauth_base: str, app_id: str, app_secret: str, timeout: float = 10.0) -> None:
        self.send_url = api_base.rstrip("/") + "/v3.0/oa/message/cs"
        self.token_url = oauth_base.rstrip("/") + "/v4/oa/access_token"
        self.app_id = app_id
        self.app_secret = app_secret
        self._http = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send_text(self, user_id: str, text: str, access_token: str) -> SendResult:
        payload = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        try:
            response = await self._http.post(self.send_url, json=payload, headers={"access_token": access_token})
        except httpx.HTTPError as exc:
            return SendResult(SendStatus.transient, error=f"network: {type(exc).__name__}: {exc}")
        if response.status_code == 429:
            return SendResult(SendStatus.rate_limited, error="HTTP 429")
        try:
            data = response.json()
            code = int(data.get("error", 0 if response.is_success else -1))
        except (ValueError, TypeError, AttributeError):
            return SendResult(SendStatus.transient, error=f"HTTP {response.status_code}: not a Zalo JSON answer")
        if response.status_code >= 500 and code == 0:
            return SendResult(SendStatus.transient, error=f"HTTP {response.status_code}")
        status = classify(code)
        if status is SendStatus.sent:
            info = data.get("data")
            message_id = info.get("message_id") if isinstance(info, dict) else None
            return SendResult(status, code, message_id=str(message_id) if message_id else None)
        return SendResult(status, code, f"{code}: {data.get('message', '')}".strip())

    async def refresh(self, refresh_token: str) -> TokenPair:
        if not self.app_secret:
            raise TokenRefreshError("ASSISTANT_ZALO_APP_SECRET is not set")
        form = {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        try:
            response = await self._http.post(self.token_url, data=form, headers={"secret_key": self.app_secret})
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenRefreshError(f"token endpoint unreachable or not JSON: {exc}") from exc
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not access or not refresh:
            reason = data.get("error_description") or data.get("error_name") or data.get("message") or ""
            raise TokenRefreshError(f"refused (error {data.get('error')}): {reason}".strip())
        try:
            expires_at = int(time.time() * 1000) + int(data.get("expires_in")) * 1000
        except (TypeError, ValueError):
            expires_at = None
        return TokenPair(str(access), str(refresh), expires_at)
