"""`GET /api/units?q=`: the province's current xã, phường, đặc khu by their current or former names."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from assistant.api.deps import State
from assistant.places import Gazetteer
from assistant.text import tidy

router = APIRouter(prefix="/api", tags=["tra cứu"])

MAX_CHARS = 200


class FormerUnitOut(BaseModel):
    """A unit before 1 July 2025 that (in whole or in part) formed the current one."""

    name: str
    type: str  # "xã", "phường", "thị trấn"
    district: str
    province: str
    code: str
    split: bool  # its area went to several current units


class CentreOut(BaseModel):
    """The unit's public administrative service centre."""

    name: str
    address: str | None
    hours: str | None
    phone: str | None


class UnitOut(BaseModel):
    name: str
    type: str  # "xã", "phường", "đặc khu"
    code: int  # official code
    former: list[FormerUnitOut]
    centre: CentreOut
    hotline: str | None
    notes: list[str]
    url: str  # its entry on the site's units page


class UnitsResponse(BaseModel):
    results: list[UnitOut]


@router.get("/units", response_model=UnitsResponse)
def units(state: State, q: str = Query(""), k: int = Query(20, ge=1, le=102)) -> UnitsResponse:
    query = tidy(q)
    if not any(ch.isalnum() for ch in query):
        raise HTTPException(422, "Vui lòng nhập tên xã, phường, đặc khu (tên cũ hoặc tên mới) cần tra cứu.")
    if len(query) > MAX_CHARS:
        raise HTTPException(422, f"Nội dung tra cứu quá dài (tối đa {MAX_CHARS} ký tự).")
    gazetteer = Gazetteer.of(state.index.kb.units)
    return UnitsResponse.model_validate({"results": [unit.to_json() for unit in gazetteer.search(query, limit=k)]})
