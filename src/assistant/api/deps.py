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
    return request.client.host if request.client else "unknown"


def rate_limited(request: Request, state: State) -> None:
    # Search suggestions fire as people type: their own, larger bucket.
    bucket, share = ("search", 5) if request.url.path == "/api/search" else ("ask", 1)
    if not state.limiter.allow(f"{bucket}:{client_key(request)}", share):
        raise HTTPException(
            429,
            "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một phút rồi thử lại.",
            headers={"Retry-After": "60"},
        )


def require_admin(request: Request, state: State) -> None:
    token = state.settings.admin_token
    given = request.headers.get("authorization", "")
    if given.lower().startswith("bearer "):
        given = given[7:].strip()
    else:
        given = request.query_params.get("token", "") if request.url.path == "/admin" else ""
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "Cần mã quản trị hợp lệ (Authorization: Bearer ...).", headers={"WWW-Authenticate": "Bearer"})


RateLimited = Depends(rate_limited)
AdminOnly = Depends(require_admin)
