"""Liveness and readiness. Both run in the event loop, outside the cap on answering work, so a busy
process still says at once that it is alive."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assistant.api.deps import State

router = APIRouter(tags=["vận hành"])


class Health(BaseModel):
    status: Literal["ok"]
    procedures: int  # procedures in the loaded index
    embedder: str  # the embedding model the index was built with
    index_built_at: dt.datetime
    answering: int  # search and ask requests being answered in this process right now


class Ready(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str]  # "index", "database" → "ok"


class NotReady(BaseModel):
    """503: the one error shape, with what is failing."""

    detail: str
    checks: dict[str, str]


READY_TIMEOUT = 3.0  # seconds the database gets to answer SELECT 1


@router.get("/healthz", response_model=Health)
async def healthz(state: State) -> Health:
    """Alive, with the index loaded (the app does not start without one). Cheap: no database, no thread."""
    manifest = state.index.manifest
    return Health(
        status="ok",
        procedures=len(state.index.kb.procedures),
        embedder=manifest.embedder,
        index_built_at=manifest.built_at,
        answering=state.gate.busy,
    )


@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    return Response(status_code=200, media_type="application/json")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Chỉ mục hoặc cơ sở dữ liệu chưa sẵn sàng; xem Retry-After"}},
)
async def readyz(state: State) -> JSONResponse:
    """Ready to serve: the index is loaded and the database answers within a few seconds."""
    checks = {"index": "ok" if state.index.kb.procedures else "trống", "database": "ok"}
    try:
        await asyncio.wait_for(asyncio.to_thread(state.db.ping), READY_TIMEOUT)
    except Exception:  # timeout, refused connection, missing database...
        checks["database"] = "không trả lời"
    if all(v == "ok" for v in checks.values()):
        return JSONResponse(Ready(status="ready", checks=checks).model_dump())
    failing = ", ".join(f"{name}: {value}" for name, value in checks.items() if value != "ok")
    return JSONResponse(
        NotReady(detail=f"Máy chủ chưa sẵn sàng ({failing}).", checks=checks).model_dump(),
        status_code=503,
        headers={"Retry-After": "5"},
    )
