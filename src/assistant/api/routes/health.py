from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import State

router = APIRouter()


@router.get("/healthz")
def healthz(state: State) -> dict[str, object]:
    return {
        "status": "ok",
        "procedures": len(state.index.kb.procedures),
        "embedder": state.index.manifest.get("embedder"),
        "index_built_at": state.index.manifest.get("built_at"),
    }
