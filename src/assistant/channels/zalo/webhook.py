"""POST /webhooks/zalo: check, verify, read, store, acknowledge. Answering happens later, in the worker,
so Zalo gets its 200 within its 2-second limit whatever the answer costs.

The body is unsigned until the signature is checked, so before anything parses it the size and the
nesting depth are bounded (a cheap scan); only then is it hashed, verified and parsed.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from assistant.api.deps import State
from assistant.channels.zalo.channel import ZaloChannel
from assistant.channels.zalo.events import EventError, parse_event, to_inbound
from assistant.channels.zalo.signature import HEADER, SignatureError

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


def get_channel(request: Request) -> ZaloChannel:
    return request.app.state.zalo_channel


Channel = Annotated[ZaloChannel, Depends(get_channel)]
router = APIRouter()


@router.post(PATH, include_in_schema=False)
async def receive(request: Request, channel: Channel, state: State) -> dict[str, str]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
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
                f"Sự kiện Zalo có thời điểm lệch quá {channel.settings.zalo_max_event_age} giây so với hiện tại: "
                "bị từ chối vì có thể là yêu cầu phát lại.",
            )
        inbound = to_inbound(event)
    except EventError as exc:
        raise HTTPException(400, exc.detail) from None
    if inbound is None:
        return {"status": "ignored"}
    # Per citizen, not per address: every event comes from Zalo's servers. Zalo still gets its 200 (a
    # refusal would only make it deliver the event again); the flood is not stored or answered.
    if not await state.limiter.allow_async("zalo", inbound.user_id):
        return {"status": "rate_limited"}
    stored = await channel.accept(inbound)
    return {"status": "accepted" if stored else "duplicate"}
