"""One settings object, read from ASSISTANT_* environment variables (see CONTRACT.md and README)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    embedder: str = "e5-small"
    db_url: str = ""  # default: sqlite file var/assistant.db under the working directory
    admin_token: str = ""
    site_dir: str = ""  # default: the index folder's sibling "site"
    api_url: str = ""  # where a separately deployed site's chat panel sends questions
    public_url: str = ""  # the site's public address, so answers sent outside the site carry full links
    rate_limit_per_minute: int = 30  # questions (and feedback) per client; search gets five times as many
    # Where rate-limit counters live: "memory://" (one process) or "redis://host:6379/0" (shared by every
    # process and machine). Any storage URI of the `limits` package works.
    rate_limit_storage: str = "memory://"
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed; the
    # client address is the last one in that header that is not itself a trusted proxy.
    trusted_proxies: str = ""
    index_dir: str = ""  # default build/index; `assistant serve --index` sets it for every worker process
    db_pool_size: int = 10  # connections kept per process (PostgreSQL), twice as many more under bursts
    # Overload protection, per process: answering work (search, ask) running at once, and waiting beyond
    # that; past both, or after waiting `queue_timeout` seconds, a fast 503 with Retry-After.
    max_answering: int = 4
    max_waiting: int = 128
    queue_timeout: float = 10.0
    max_body_bytes: int = 64 * 1024  # any request body larger than this gets a 413
    admin_max_failures: int = 10  # wrong admin tokens per client per 15 minutes before a 429
    cors_origins: str = ""  # comma-separated origins of a separately deployed site allowed to call /api
    # Optional LLM polish: an OpenAI-compatible chat endpoint.
    llm_base_url: str = ""
    llm_model: str = "local"
    llm_api_key: str = ""
    llm_timeout: float = 8.0
    # Zalo Official Account.
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""
    zalo_app_secret: str = ""
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_verifier_code: str = ""  # domain verification: serves /zalo_verifier<code>.html and a meta tag
    zalo_max_event_age: int = 900  # seconds; older events are treated as replays
    zalo_worker: bool = True  # false: this process stores Zalo events but leaves answering to others

    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        var = Path("var").resolve()
        var.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{var / 'assistant.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
