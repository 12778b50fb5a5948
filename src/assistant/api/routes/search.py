from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from assistant.api.deps import RateLimited, State
from assistant.search.hybrid import MAX_QUERY_CHARS
from assistant.text import tidy

router = APIRouter(prefix="/api")


@router.get("/search", dependencies=[RateLimited])
async def search(state: State, q: str = Query(""), k: int = Query(10, ge=1, le=50)) -> dict[str, object]:
    query = tidy(q)
    if not query:
        raise HTTPException(422, "Vui lòng nhập nội dung cần tìm.")
    if not any(ch.isalnum() for ch in query):
        raise HTTPException(422, "Nội dung tìm kiếm cần có chữ hoặc số, ví dụ: \"khai sinh\" hoặc mã thủ tục \"1.001193\".")
    if len(query) > MAX_QUERY_CHARS:
        raise HTTPException(422, f"Nội dung tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    async with state.gate.slot():
        hits = await run_in_threadpool(state.searcher.search, query, k)
    return {"results": [hit.to_json() for hit in hits]}
