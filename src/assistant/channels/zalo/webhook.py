"""POST /webhooks/zalo: check, verify, read, store, acknowledge. Answering happens later, in the worker,
so Zalo gets its 200 within its 2-second limit whatever the answer costs.

The body is unsigned until the signature is checked, so before anything parses it the size and the
nesting depth are bounded (a cheap scan); only then is it hashed, verified and parsed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from assistant.channels.zalo.events import EventError, parse_event, to_inbound
from assistant.channels.zalo.signature import HEADER, SignatureError

if TYPE_CHECKING:
    from assistant.channels.zalo.channel import ZaloChannel

PATH = "/webhooks/zalo"
MAX_BODY = 64 * 1024  # Zalo events are a few hundred bytes
MAX_DEPTH = 16  # Zalo events nest three or four levels deep

# A string (possibly unterminated, then to the end) or a bracket; scanned left to right, each byte once.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def nested_too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets nest more than `limit` deep in `body` (brackets inside strings do not count);
    linear, no parsing."""
    if body.count(b"{") + body.count(b"[") <= limit:
        return False  # the usual case, decided without a scan
    depth = 0
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth = max(depth - 1, 0)
    return False


class Receipt(BaseModel):
    """What Zalo gets back within its 2 seconds: whether the event was stored for an answer."""

    status: Literal["accepted", "duplicate", "ignored", "rate_limited"]


# Errors of the webhook (the one JSON shape, {"detail": "..."}, see assistant.api.errors).
ERRORS = {
    400: "Không phải sự kiện Zalo hợp lệ",
    401: "Sai chữ ký hoặc sự kiện quá cũ (có thể là phát lại)",
    413: "Sự kiện quá lớn",
}


def webhook_router(channel: ZaloChannel) -> APIRouter:
    """POST /webhooks/zalo for this channel."""
    router = APIRouter(tags=["zalo"])

    @router.post(
        PATH,
        response_model=Receipt,
        summary="Sự kiện Zalo Official Account",
        responses={code: {"description": text} for code, text in ERRORS.items()},
    )
    async def receive(request: Request) -> Receipt:
        return await _receive(request, channel)

    return router


async def _receive(request: Request, channel: ZaloChannel) -> Receipt:
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, "Sự kiện Zalo quá lớn.")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "Sự kiện Zalo quá lớn.")
    if nested_too_deep(body):
        raise HTTPException(400, f"Sự kiện Zalo lồng nhau quá {MAX_DEPTH} cấp: không phải sự kiện của Zalo.")
    try:
        channel.verifier.verify(body, request.headers.get(HEADER))
    except SignatureError as exc:
        raise HTTPException(401, exc.detail) from None
    try:
        event = parse_event(body)
        if not channel.is_fresh(event):
            raise HTTPException(
                401,
                f"Sự kiện Zalo có thời điểm lệch quá {channel.settings.max_event_age} giây so với hiện tại: "
                "bị từ chối vì có thể là yêu cầu phát lại.",
            )
        inbound = to_inbound(event)
    except EventError as exc:
        raise HTTPException(400, exc.detail) from None
    if inbound is None:
        return Receipt(status="ignored")
    # Per citizen, not per address: every event comes from Zalo's servers. Zalo still gets its 200 (a
    # refusal would only make it deliver the event again); the flood is not stored or answered.
    if not await channel.allow(inbound.user_id):
        return Receipt(status="rate_limited")
    stored = await channel.accept(inbound)
    return Receipt(status="accepted" if stored else "duplicate")
