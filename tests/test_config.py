"""One Settings object with nested sections; every ASSISTANT_* variable keeps its name and meaning, and every
one of them is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import DbSettings, Settings, ZaloSettings, load_settings
from assistant.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def variables() -> set[str]:
    """Every environment variable the settings read."""
    names = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields if name not in Settings.SECTIONS}
    for section in Settings.SECTIONS.values():
        prefix = section.model_config.get("env_prefix", "")
        names |= {f"{prefix}{name.upper()}" for name in section.model_fields}
    return names


def test_the_variables_keep_their_names() -> None:
    """The names of CONTRACT.md and the README, read into the sections."""
    assert {
        "ASSISTANT_DB_URL",
        "ASSISTANT_DB_POOL_SIZE",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE",
        "ASSISTANT_RATE_LIMIT_STORAGE",
        "ASSISTANT_LLM_BASE_URL",
        "ASSISTANT_ZALO_APP_ID",
        "ASSISTANT_ZALO_OA_SECRET_KEY",
        "ASSISTANT_ZALO_API_BASE",
        "ASSISTANT_ZALO_RETRY_DELAY",
        "ASSISTANT_EMBEDDER",
        "ASSISTANT_ADMIN_TOKEN",
        "ASSISTANT_TRUSTED_PROXIES",
    } <= variables()


def test_sections_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ASSISTANT_DB_URL": "sqlite:////tmp/x.db",
        "ASSISTANT_DB_POOL_SIZE": "3",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        "ASSISTANT_RATE_LIMIT_STORAGE": "redis://h:6379/0",
        "ASSISTANT_LLM_BASE_URL": "http://llm",
        "ASSISTANT_LLM_TIMEOUT": "2.5",
        "ASSISTANT_ZALO_APP_ID": "app",
        "ASSISTANT_ZALO_WORKER": "false",
        "ASSISTANT_ZALO_RETRY_DELAY": "0.1",
        "ASSISTANT_ADMIN_TOKEN": "t",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.db.url, s.db.pool_size, s.database_url()) == ("sqlite:////tmp/x.db", 3, "sqlite:////tmp/x.db")
    assert (s.rate_limit.per_minute, s.rate_limit.storage) == (0, "redis://h:6379/0")
    assert (s.llm.base_url, s.llm.timeout) == ("http://llm", 2.5)
    assert (s.zalo.app_id, s.zalo.worker, s.zalo.retry_delay, s.zalo.enabled) == ("app", False, 0.1, False)
    assert s.admin_token == "t"


def test_flat_names_in_code_fill_the_sections_and_the_rest_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_ZALO_MAX_ATTEMPTS", "7")
    s = Settings(zalo_app_id="app", zalo_oa_secret_key="secret", db_url="sqlite:////tmp/y.db", rate_limit_per_minute=5)
    assert isinstance(s.zalo, ZaloSettings) and isinstance(s.db, DbSettings)
    assert (s.zalo.app_id, s.zalo.enabled, s.zalo.max_attempts) == ("app", True, 7)
    assert (s.db.url, s.rate_limit.per_minute) == ("sqlite:////tmp/y.db", 5)


def test_a_wrong_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ZALO_RETRY_DELAY", "-1")
    with pytest.raises(UserError, match="ASSISTANT_ZALO_RETRY_DELAY"):
        load_settings()
    monkeypatch.delenv("ASSISTANT_ZALO_RETRY_DELAY")
    monkeypatch.setenv("ASSISTANT_MAX_ANSWERING", "nhiều")
    with pytest.raises(UserError, match="ASSISTANT_MAX_ANSWERING"):
        load_settings()
    with pytest.raises(UserError, match="ASSISTANT_ZALO_MESSAGE_CHARS"):
        load_settings(zalo_message_chars=10)


def test_every_variable_is_documented() -> None:
    """In the README's configuration table, or (the Zalo worker's tuning) in docs/ZALO.md."""
    documented = set(re.findall(r"ASSISTANT_[A-Z_]+", (ROOT / "README.md").read_text(encoding="utf-8")))
    documented |= set(re.findall(r"ASSISTANT_[A-Z_]+", (ROOT / "docs" / "ZALO.md").read_text(encoding="utf-8")))
    assert sorted(variables() - documented) == []
