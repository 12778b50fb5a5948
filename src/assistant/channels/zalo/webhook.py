"""POST /webhooks/zalo: verify, read, store, acknowledge. Answering happens later, in the worker, so
Zalo gets its 200 within its 2-second limit whatever the answer costs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from assistant.channels.zalo.channel import ZaloChannel
from assistant.channels.zalo.events import EventError, parse_event, to_inbound
from assistant.channels.zalo.signature import HEADER, SignatureError

PATH = "/webhooks/zalo"
MAX_BODY = 64 * 1024  # Zalo events are a few hundred bytes


def get_channel(request: Request) -> ZaloChannel:
    return request.app.state.zalo_channel


Channel = Annotated[ZaloChannel, Depends(get_channel)]
router = APIRouter()


@router.post(PATH, include_in_schema=False)
async def receive(request: Request, channel: Channel) -> dict[str, str]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, "Sự kiện Zalo quá lớn.")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "Sự kiện Zalo quá lớn.")
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
    stored = await channel.accept(inbound)
    return {"status": "accepted" if stored else "duplicate"}
