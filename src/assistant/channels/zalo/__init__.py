"""Zalo Official Account channel (webhook, durable inbox/outbox, token refresh). See docs/ZALO.md."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException
from pydantic import ValidationError

from assistant.api.state import AppState
from assistant.channels.zalo.channel import ZaloChannel
from assistant.channels.zalo.options import WorkerOptions
from assistant.channels.zalo.verification import valid_code, verifier_router
from assistant.channels.zalo.webhook import PATH, router
from assistant.errors import UserError

log = logging.getLogger("assistant.zalo")

__all__ = ["ZaloChannel", "install"]


def install(app: FastAPI, state: AppState) -> None:
    """Serve the domain-verification file when a code is set; mount /webhooks/zalo and start the worker
    with the app when the app id and OA secret key are set, otherwise say once that the channel is off."""
    settings = state.settings
    code = settings.zalo_verifier_code.strip()
    if code and valid_code(code):
        app.include_router(verifier_router(code))
    elif code:
        log.warning("ASSISTANT_ZALO_VERIFIER_CODE chỉ được gồm chữ, số, '_' và '-'; bỏ qua tệp xác thực tên miền.")
    if not (settings.zalo_app_id and settings.zalo_oa_secret_key):
        log.info(
            "Kênh Zalo OA đang tắt: đặt ASSISTANT_ZALO_APP_ID và ASSISTANT_ZALO_OA_SECRET_KEY để bật %s "
            "(và ASSISTANT_ZALO_ACCESS_TOKEN, ASSISTANT_ZALO_REFRESH_TOKEN, ASSISTANT_ZALO_APP_SECRET để gửi trả lời).",
            PATH,
        )
        _answer_not_configured(app)
        return
    channel = ZaloChannel(settings, state.assistant, state.db, _worker_options())
    app.state.zalo_channel = channel
    app.include_router(router)
    state.on_startup.append(channel.start)
    state.on_shutdown.append(channel.stop)
    log.info("Kênh Zalo OA đang bật: webhook %s.", PATH)


def _answer_not_configured(app: FastAPI) -> None:
    """A clear 404 (the site mounted at / would otherwise answer a POST with 405)."""

    @app.post(PATH, include_in_schema=False)
    async def zalo_off() -> None:
        raise HTTPException(404, "Kênh Zalo OA chưa được bật trên máy chủ này.")


def _worker_options() -> WorkerOptions:
    try:
        return WorkerOptions()
    except ValidationError as exc:
        names = ", ".join(f"ASSISTANT_ZALO_{str(e['loc'][0]).upper()}" for e in exc.errors())
        raise UserError(f"Giá trị không hợp lệ cho {names} (xem docs/ZALO.md).") from None
