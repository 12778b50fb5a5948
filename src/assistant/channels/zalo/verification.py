"""Zalo domain verification: the file `/zalo_verifier<code>.html` at the site root."""

from __future__ import annotations

import logging
import re
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

log = logging.getLogger("assistant.zalo")

META_NAME = "zalo-platform-site-verification"
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def valid_code(code: str) -> bool:
    return bool(_CODE.match(code))


def page(code: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="{META_NAME}" content="{escape(code)}" />\n'
        "<title>Xác thực tên miền Zalo</title>\n</head>\n<body>Xác thực tên miền cho Zalo Official Account.</body>\n</html>\n"
    )


def verifier_router(code: str) -> APIRouter:
    router = APIRouter()
    html = page(code)

    @router.get(f"/zalo_verifier{code}.html", include_in_schema=False, response_class=HTMLResponse)
    def zalo_verifier() -> HTMLResponse:
        return HTMLResponse(html)

    return router


def verifier_routers(code: str) -> list[APIRouter]:
    """The verification file's route when a valid code is set (ASSISTANT_ZALO_VERIFIER_CODE), else none."""
    code = code.strip()
    if not code:
        return []
    if not valid_code(code):
        log.warning("ASSISTANT_ZALO_VERIFIER_CODE chỉ được gồm chữ, số, '_' và '-'; bỏ qua tệp xác thực tên miền.")
        return []
    return [verifier_router(code)]
