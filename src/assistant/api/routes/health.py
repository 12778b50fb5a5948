"""Liveness and readiness. Both run in the event loop, outside the cap on answering work, so a busy
process still says at once that it is alive."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from assistant.api.deps import State

router = APIRouter()

READY_TIMEOUT = 3.0  # seconds the database gets to answer SELECT 1


@router.get("/healthz")
async def healthz(state: State) -> dict[str, object]:
    """Alive, with the index loaded (the app does not start without one). Cheap: no database, no thread."""
    return {
        "status": "ok",
        "procedures": len(state.index.kb.procedures),
        "embedder": state.index.manifest.get("embedder"),
        "index_built_at": state.index.manifest.get("built_at"),
        "answering": state.gate.busy,
    }


@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    return Response(status_code=200, media_type="application/json")


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """Ready to serve: the index is loaded and the database answers within a few seconds."""
    checks = {"index": "ok" if state.index.kb.procedures else "trống", "database": "ok"}
    try:
        await asyncio.wait_for(asyncio.to_thread(state.db.ping), READY_TIMEOUT)
    except Exception:  # timeout, refused connection, missing database...
        checks["database"] = "không trả lời"
    if all(v == "ok" for v in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = ", ".join(f"{name}: {value}" for name, value in checks.items() if value != "ok")
    return JSONResponse(
        {"detail": f"Máy chủ chưa sẵn sàng ({failing}).", "checks": checks},
        status_code=503,
        headers={"Retry-After": "5"},
    )
