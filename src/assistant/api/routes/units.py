"""`GET /api/units?q=`: the province's current xã, phường, đặc khu by their current or former names."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from assistant.api.deps import State
from assistant.places import Gazetteer
from assistant.text import tidy

router = APIRouter(prefix="/api")

MAX_CHARS = 200


@router.get("/units")
def units(state: State, q: str = Query(""), k: int = Query(20, ge=1, le=102)) -> dict[str, object]:
    query = tidy(q)
    if not any(ch.isalnum() for ch in query):
        raise HTTPException(422, "Vui lòng nhập tên xã, phường, đặc khu (tên cũ hoặc tên mới) cần tra cứu.")
    if len(query) > MAX_CHARS:
        raise HTTPException(422, f"Nội dung tra cứu quá dài (tối đa {MAX_CHARS} ký tự).")
    gazetteer = Gazetteer.of(state.index.kb.units)
    return {"results": [unit.to_json() for unit in gazetteer.search(query, limit=k)]}
