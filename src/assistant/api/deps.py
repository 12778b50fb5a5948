"""Dependencies the routes receive; tests may override `get_state`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from assistant.api.state import AppState


def get_state(request: Request) -> AppState:
    return request.app.state.assistant_state


State = Annotated[AppState, Depends(get_state)]


def client_key(request: Request) -> str:
    return request.app.state.assistant_state.clients.key(request)


async def rate_limited(request: Request, state: State) -> None:
    # Search suggestions fire as people type: their own, larger bucket.
    bucket = "search" if request.url.path == "/api/search" else "ask"
    if not await state.limiter.allow_async(bucket, state.clients.key(request)):
        raise HTTPException(
            429,
            "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một phút rồi thử lại.",
            headers={"Retry-After": "60"},
        )


def require_admin(request: Request, state: State) -> None:
    """Staff only: `Authorization: Bearer <token>`, nowhere else (a token in the URL ends up in logs and
    browser history). Wrong tokens are counted per client; too many, and even the right one waits."""
    client = state.clients.key(request)
    if state.limiter.admin_blocked(client):
        raise HTTPException(
            429,
            "Nhập sai mã quản trị quá nhiều lần. Vui lòng đợi 15 phút rồi thử lại.",
            headers={"Retry-After": "900"},
        )
    token = state.settings.admin_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        if given:
            state.limiter.admin_failed(client)
        raise HTTPException(
            401, "Cần mã quản trị hợp lệ (Authorization: Bearer ...).", headers={"WWW-Authenticate": "Bearer"}
        )


RateLimited = Depends(rate_limited)
AdminOnly = Depends(require_admin)
