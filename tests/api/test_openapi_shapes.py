"""/openapi.json documents every route's response body and its errors (the one shape, a Vietnamese `detail`),
and the documented bodies carry the fields of CONTRACT.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer

# Every public route, with the Zalo channel on (its webhook is documented only then).
ROUTES = {
    ("/healthz", "get"),
    ("/readyz", "get"),
    ("/api/search", "get"),
    ("/api/ask", "post"),
    ("/api/feedback", "post"),
    ("/api/units", "get"),
    ("/webhooks/zalo", "post"),
    ("/api/admin/unanswered", "get"),
}


@pytest.fixture(scope="module")
def openapi(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from assistant.api.app import build_state
    from assistant.config import Settings
    from tests.conftest import index_embedder, start_server

    db = tmp_path_factory.mktemp("openapi") / "openapi.db"
    settings = Settings(
        db_url=f"sqlite:///{db}",
        admin_token="staff-secret",
        zalo_app_id="app",
        zalo_oa_secret_key="secret",
        zalo_worker=False,
        embedder=index_embedder(built),
    )
    server: LiveServer = start_server(build_state(settings, built / "index", built / "site"))
    try:
        response = httpx.get(server.url + "/openapi.json", timeout=30)
    finally:
        server.stop()
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def operations(doc: dict[str, Any]):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_public_route_is_documented(openapi: dict[str, Any]) -> None:
    documented = {(path, method) for path, method, _ in operations(openapi)}
    assert ROUTES <= documented, ROUTES - documented


def success_problems(doc: dict[str, Any]) -> dict[str, str]:
    """Route → what is missing in its documented success response."""
    problems = {}
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        success = sorted(code for code in op["responses"] if code.startswith("2"))
        if success not in (["200"], ["204"]):
            problems[where] = f"success codes {success}"
        elif success == ["204"]:
            if "content" in op["responses"]["204"]:
                problems[where] = "a 204 with a body"
        else:
            content = op["responses"]["200"].get("content", {})
            if "application/json" in content:
                body = resolve(content["application/json"]["schema"], doc)
                if body.get("type") != "object" or not body.get("properties"):
                    problems[where] = f"no documented fields: {body}"
            elif "text/html" not in content:  # a page for people (/admin…) is HTML
                problems[where] = f"content {sorted(content)}"
    return problems


def test_every_route_documents_its_success_body(openapi: dict[str, Any]) -> None:
    problems = success_problems(openapi)
    assert problems == {}


def test_every_route_documents_its_errors_in_the_one_shape(openapi: dict[str, Any]) -> None:
    problems = []
    for path, method, op in operations(openapi):
        errors = {code: r for code, r in op["responses"].items() if code[0] in "45"}
        if "500" not in errors:
            problems.append(f"{method.upper()} {path}: no 500")
        for code, response in errors.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            body = resolve(schema, openapi) if schema else {}
            if body.get("properties", {}).get("detail", {}).get("type") != "string" or "detail" not in body.get(
                "required", []
            ):
                problems.append(f"{method.upper()} {path} {code}: not {{'detail': string}}")
            if not response.get("description") or response["description"] == "Validation Error":
                problems.append(f"{method.upper()} {path} {code}: no Vietnamese description")
    assert problems == []
    assert "HTTPValidationError" not in openapi["components"]["schemas"]  # FastAPI's own shape is not ours


def body_of(openapi: dict[str, Any], path: str, method: str, code: str = "200") -> dict[str, Any]:
    schema = openapi["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    return resolve(schema, openapi)


def test_the_documented_bodies_carry_the_contract(openapi: dict[str, Any]) -> None:
    ask = body_of(openapi, "/api/ask", "post")
    assert {"question_id", "answered", "answer", "procedure", "sources", "confidence"} <= set(ask["properties"])
    source = resolve(ask["properties"]["sources"]["items"], openapi)
    assert set(source["properties"]) == {"code", "title", "sector", "url", "score"}
    search = body_of(openapi, "/api/search", "get")
    result = resolve(search["properties"]["results"]["items"], openapi)
    assert set(result["properties"]) == {"code", "title", "sector", "url", "score", "snippet"}
    assert body_of(openapi, "/healthz", "get")["properties"]["status"]["const"] == "ok"
    assert set(body_of(openapi, "/readyz", "get", "503")["properties"]) == {"detail", "checks"}
    assert "status" in body_of(openapi, "/webhooks/zalo", "post")["properties"]
    for code in ("401", "429"):
        assert code in openapi["paths"]["/api/admin/unanswered"]["get"]["responses"]
    for code in ("400", "401", "413"):
        assert code in openapi["paths"]["/webhooks/zalo"]["post"]["responses"]
