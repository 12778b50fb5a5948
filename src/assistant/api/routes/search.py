from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from assistant.api.deps import RateLimited, State
from assistant.search import Hit
from assistant.search.hybrid import MAX_QUERY_CHARS
from assistant.text import tidy

router = APIRouter(prefix="/api", tags=["tra cứu"])


class SearchResult(BaseModel):
    """One procedure found, best first."""

    code: str  # national procedure code, e.g. "1.001193"
    title: str
    sector: str  # sector slug (the handbook page)
    url: str  # the procedure's section on the handbook site
    score: float
    snippet: str  # plain text, the best-matching passage

    @classmethod
    def of(cls, hit: Hit) -> SearchResult:
        return cls(
            code=hit.code,
            title=hit.title,
            sector=hit.sector,
            url=hit.url,
            score=round(hit.score, 4),
            snippet=hit.snippet,
        )


class SearchResponse(BaseModel):
    results: list[SearchResult]


@router.get("/search", dependencies=[RateLimited], response_model=SearchResponse)
async def search(state: State, q: str = Query(""), k: int = Query(10, ge=1, le=50)) -> SearchResponse:
    query = tidy(q)
    if not query:
        raise HTTPException(422, "Vui lòng nhập nội dung cần tìm.")
    if not any(ch.isalnum() for ch in query):
        raise HTTPException(422, 'Nội dung tìm kiếm cần có chữ hoặc số, ví dụ: "khai sinh" hoặc mã thủ tục "1.001193".')
    if len(query) > MAX_QUERY_CHARS:
        raise HTTPException(422, f"Nội dung tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    async with state.gate.slot():
        hits = await run_in_threadpool(state.searcher.search, query, k)
    return SearchResponse(results=[SearchResult.of(hit) for hit in hits])
