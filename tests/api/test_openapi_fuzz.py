"""Schemathesis against /openapi.json: every operation, a bounded number of generated requests each,
no server error and no response that contradicts the schema (status codes, content types, bodies)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer

EXAMPLES = 40  # per operation; the whole run stays well under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server(built: Path, tmp_path_factory: pytest.TempPathFactory):
    from assistant.api.app import build_state
    from assistant.config import Settings
    from tests.conftest import index_embedder, start_server

    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    state = build_state(
        Settings(
            db_url=f"sqlite:///{db}",
            admin_token="staff-secret",
            rate_limit_per_minute=0,
            max_waiting=1000,
            embedder=index_embedder(built),
        ),
        built / "index",
        built / "site",
    )
    server: LiveServer = start_server(state)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: LiveServer):
    return schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_schema_violation(case, fuzz_server: LiveServer) -> None:
    case.call_and_validate(base_url=fuzz_server.url, headers={"Authorization": "Bearer staff-secret"}, checks=CHECKS)
