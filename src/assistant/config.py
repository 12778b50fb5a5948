"""One settings object, read from ASSISTANT_* environment variables (see CONTRACT.md and README).

`Settings` holds what the whole assistant needs, with one nested section per part that has several knobs:
`db` (ASSISTANT_DB_*), `rate_limit` (ASSISTANT_RATE_LIMIT_*), `llm` (ASSISTANT_LLM_*) and `zalo`
(ASSISTANT_ZALO_*). A section's field is the variable without its prefix: ASSISTANT_ZALO_APP_ID is
`settings.zalo.app_id`. In code, `Settings(zalo_app_id=..., db_url=...)` takes the same flat names as the
environment (lower case, without ASSISTANT_); whatever is not given is read from the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import UserError

ZALO_TEXT_LIMIT = 2000  # characters per text message, set by Zalo


class DbSettings(BaseSettings):
    """Where questions, feedback, conversations and channel state live."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_DB_", extra="ignore")

    url: str = ""  # SQLAlchemy URL; default: sqlite file var/assistant.db under the working directory
    pool_size: int = Field(10, ge=1)  # connections kept per process (PostgreSQL), twice as many more under bursts

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        var = Path("var").resolve()
        var.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{var / 'assistant.db'}"


class RateLimitSettings(BaseSettings):
    """Questions per client (search gets five times as many; also per Zalo user)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_RATE_LIMIT_", extra="ignore")

    per_minute: int = 30  # questions (and feedback) per client per minute; 0 turns the limit off
    # Where the counters live: "memory://" (one process) or "redis://host:6379/0" (shared by every process
    # and machine). Any storage URI of the `limits` package works.
    storage: str = "memory://"


class LlmSettings(BaseSettings):
    """Optional polish of composed answers by an OpenAI-compatible chat endpoint (off while base_url is empty)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_LLM_", extra="ignore")

    base_url: str = ""
    model: str = "local"
    api_key: str = ""
    timeout: float = Field(8.0, gt=0)


class ZaloSettings(BaseSettings):
    """The Zalo Official Account channel: identity and tokens, then how patiently replies are delivered
    (the worker's tuning has safe defaults; tests shorten it). See docs/ZALO.md."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_ZALO_", extra="ignore")

    app_id: str = ""
    oa_secret_key: str = ""
    app_secret: str = ""
    access_token: str = ""
    refresh_token: str = ""
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    verifier_code: str = ""  # domain verification: serves /zalo_verifier<code>.html and a meta tag
    max_event_age: int = 900  # seconds; older events are treated as replays
    worker: bool = True  # false: this process stores Zalo events but leaves answering to others
    # The worker's tuning.
    retry_delay: float = Field(2.0, gt=0)  # first back-off, doubled after each failed attempt
    retry_max_delay: float = Field(600.0, gt=0)  # back-off ceiling
    max_attempts: int = Field(10, ge=1)  # send attempts per message part before it is marked failed
    answer_attempts: int = Field(3, ge=1)  # tries to compose an answer before an apology is sent instead
    poll_interval: float = Field(5.0, gt=0)  # idle wake-up, to pick up retries that fall due
    http_timeout: float = Field(10.0, gt=0)  # per call to Zalo's APIs
    # A row being worked on is hidden from other workers this long; the lease is renewed every third of it
    # while the work runs, so this is how late a crashed worker's rows are picked up by another.
    lease_seconds: float = Field(15.0, gt=0)
    # Sends in flight per process (each citizen's messages stay in order). Each one more is one more
    # message that a crash could leave uncertain, and so repeat; one is enough for a province's volume.
    concurrency: int = Field(1, ge=1)
    message_chars: int = Field(ZALO_TEXT_LIMIT, ge=200, le=ZALO_TEXT_LIMIT)  # split replies longer than this
    # Zalo lets an OA send a consultation ("tư vấn") message to a user only within this many hours of the
    # user's last message to the OA: 7 days in Zalo's current policy (older documents said 48 hours). A staff
    # reply outside it is not queued (Zalo would refuse it with -230) and the staff member is told so.
    reply_window_hours: float = Field(168.0, gt=0)

    @property
    def enabled(self) -> bool:
        """The webhook is served once events can be verified (app id and OA secret key)."""
        return bool(self.app_id and self.oa_secret_key)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1, 2, ...)."""
        return min(self.retry_delay * 2 ** max(attempts - 1, 0), self.retry_max_delay)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # The nested sections, by field name (the flat name of a section's field is "<name>_<field>").
    SECTIONS: ClassVar[dict[str, type[BaseSettings]]] = {
        "db": DbSettings,
        "rate_limit": RateLimitSettings,
        "llm": LlmSettings,
        "zalo": ZaloSettings,
    }

    embedder: str = "e5-small"
    admin_token: str = ""
    site_dir: str = ""  # default: the index folder's sibling "site"
    api_url: str = ""  # where a separately deployed site's chat panel sends questions
    public_url: str = ""  # the site's public address, so answers sent outside the site carry full links
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed; the
    # client address is the last one in that header that is not itself a trusted proxy.
    trusted_proxies: str = ""
    index_dir: str = ""  # default build/index; `assistant serve --index` sets it for every worker process
    # Overload protection, per process: answering work (search, ask) running at once, and waiting beyond
    # that; past both, or after waiting `queue_timeout` seconds, a fast 503 with Retry-After.
    max_answering: int = 4
    max_waiting: int = 128
    queue_timeout: float = 10.0
    max_body_bytes: int = 64 * 1024  # any request body larger than this gets a 413
    admin_max_failures: int = 10  # wrong admin tokens per client per 15 minutes before a 429
    cors_origins: str = ""  # comma-separated origins of a separately deployed site allowed to call /api
    # Staff (issue 16): the knowledge base accepted proposals are written into, how long a staff sign-in lasts,
    # and wrong passwords per client address and per account per 15 minutes before sign-in is refused.
    kb_dir: str = "kb"
    staff_session_hours: float = Field(12.0, gt=0)
    staff_max_failures: int = Field(5, ge=1)
    db: DbSettings = Field(default_factory=DbSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        """Flat names (`zalo_app_id=`, `db_url=`) into their sections; the rest of a section from the environment."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, section in cls.SECTIONS.items():
            given = {
                key[len(name) + 1 :]: data.pop(key)
                for key in list(data)
                if key.startswith(name + "_") and key[len(name) + 1 :] in section.model_fields
            }
            if not given:
                continue
            current = data.get(name)
            if isinstance(current, BaseSettings):
                current = current.model_dump(exclude_unset=True)
            try:
                data[name] = section(**{**(current or {}), **given})
            except ValidationError as exc:  # named by its variables, not by this validator
                raise UserError(_invalid(exc)) from None
        return data

    def database_url(self) -> str:
        return self.db.resolved_url()


def load_settings(**values: Any) -> Settings:
    """Settings from the environment (and `values`); a UserError naming the variables that are wrong."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise UserError(_invalid(exc)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()


def _invalid(exc: ValidationError) -> str:
    classes: list[type[BaseSettings]] = [Settings, *Settings.SECTIONS.values()]
    prefixes = {cls.__name__: cls.model_config.get("env_prefix", "") for cls in classes}
    prefix = prefixes.get(exc.title, "ASSISTANT_")
    names = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] in Settings.SECTIONS and exc.title == Settings.__name__:
            loc = [f"{loc[0]}_{loc[1]}" if len(loc) > 1 else loc[0]]
        names.append(prefix + (loc[0].upper() if loc else "?"))
    return f"Giá trị không hợp lệ cho {', '.join(dict.fromkeys(names))} (xem README, phần Cấu hình)."
