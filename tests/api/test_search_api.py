"""GET /api/search over real HTTP: contract shape, Vietnamese without diacritics, codes, bad input."""

from __future__ import annotations

import httpx

from tests.conftest import assert_vietnamese_error


def search(server, q: str, k: int = 5) -> list[dict]:
    response = httpx.get(server.url + "/api/search", params={"q": q, "k": k}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_contract_shape_one_entry_per_procedure(server) -> None:
    results = search(server, "đăng ký khai sinh cho con", k=10)
    assert results and len(results) <= 10
    assert set(results[0]) == {"code", "title", "sector", "url", "score", "snippet"}
    codes = [r["code"] for r in results]
    assert len(codes) == len(set(codes))
    assert results[0]["code"] == "1.001193"
    assert results[0]["url"] == "/ho-tich/#tt-1-001193"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_without_diacritics_and_with_abbreviations(server) -> None:
    assert search(server, "dang ky ket hon")[0]["code"] == "1.000894"
    assert search(server, "doi cccd het han")[0]["code"] == "1.014063"
    assert search(server, "xin gpxd nha o")[0]["code"] == "1.013225"


def test_old_tone_placement_finds_the_same(server) -> None:
    assert (
        search(server, "hoà giải tranh chấp đất đai")[0]["code"]
        == search(server, "hòa giải tranh chấp đất đai")[0]["code"]
    )


def test_procedure_code(server) -> None:
    assert search(server, "1.004222")[0]["code"] == "1.004222"


def test_bad_queries_get_vietnamese_422(server) -> None:
    assert_vietnamese_error(httpx.get(server.url + "/api/search", params={"q": "   "}), 422)
    assert_vietnamese_error(httpx.get(server.url + "/api/search"), 422)
    assert_vietnamese_error(httpx.get(server.url + "/api/search", params={"q": "a" * 1001}), 422)
    assert_vietnamese_error(httpx.get(server.url + "/api/search", params={"q": "khai sinh", "k": 0}), 422)
    assert_vietnamese_error(httpx.get(server.url + "/api/search", params={"q": "khai sinh", "k": "nhiều"}), 422)


def test_health(server) -> None:
    body = httpx.get(server.url + "/healthz").json()
    assert body["status"] == "ok" and body["procedures"] >= 60
