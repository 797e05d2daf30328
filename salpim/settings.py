"""Configuration: every setting comes from an environment variable with the SALPIM_ prefix.

This is the one place that reads the environment; everything else receives a Settings object.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from state.crypto import check_master_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRECTORY = PROJECT_ROOT / "welfare" / "data" / "directory_jongno.csv"
DEFAULT_ORGANISATIONS = PROJECT_ROOT / "welfare" / "data" / "organisations_jongno.csv"


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting (a short secret key, say) is never echoed back.
    model_config = SettingsConfigDict(env_prefix="SALPIM_", extra="ignore", hide_input_in_errors=True)

    # Store: SQLite file by default; any SQLAlchemy async URL (postgresql+asyncpg://...) otherwise.
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'salpim.db'}"
    # Telegram: no token means no Telegram; the playground and the API still run.
    telegram_token: str | None = None
    # The Bot API base URL; tests and staging point it at the fake Bot API (bot/fake_bot_api.py).
    telegram_api_url: str = "https://api.telegram.org"
    # The Bot API request backend: "aiohttp" (ours, fast) or "httpx" (python-telegram-bot's default).
    telegram_backend: Literal["aiohttp", "httpx"] = "aiohttp"
    webhook_secret: str | None = None
    # Where staff open the web office (/office): its sign-in links start with this address.
    # Unset: SALPIM_PUBLIC_URL, else this machine (http://127.0.0.1:8000).
    office_url: str | None = None
    # The bot's @username without the @ (leaflets' QR code: https://t.me/<bot>?start=report).
    # Unset: the username Telegram gives at start-up (getMe), when a token is set.
    bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    # When set (and a token is), the bot registers {public_url}/telegram/webhook; otherwise it polls.
    public_url: str | None = None
    # Master key for field encryption and keyed hashes. Unset: a key is made once under var/.
    secret_key: str | None = None
    # Old keys still accepted for reading (comma-separated), so keys can rotate.
    old_secret_keys: str = ""
    default_locale: str = "ko"
    # The 읍면동 directory loaded at start (CSV, see docs/directory.md).
    directory: Path = DEFAULT_DIRECTORY
    # The partner organisations loaded at start (CSV, see docs/organisations.md).
    organisations: Path = DEFAULT_ORGANISATIONS
    # The resource directory (docs/resources.md): an entry not verified for this many days is
    # "확인 필요" wherever shown, and its organisation is reminded.
    resource_max_age_days: int = Field(default=90, ge=7, le=730)
    # A dialog idle this long is parked as a draft the user can resume.
    dialog_ttl_minutes: int = Field(default=60, ge=1)
    # An urgent report nobody has taken after this long is repeated to the team leader.
    urgent_escalation_minutes: int = Field(default=15, ge=1)
    # The playground: "local" (default) answers only requests from this machine for a loopback
    # host (integrations/local_requests.py, so not through a reverse proxy), "public" answers
    # requests for the allowed hosts, "off" removes it.
    playground: Literal["local", "public", "off"] = "local"
    # Host names the public playground answers (comma-separated); default: SALPIM_PUBLIC_URL's host.
    allowed_hosts: str = ""
    # /metrics: unset = only from this machine (not through a proxy); set = this bearer token.
    metrics_token: str | None = None
    # Request bodies (integrations/body_limits.py): the default limit (routes may have their
    # own, smaller) and how long a body may take to arrive.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    body_timeout_seconds: float = Field(default=15.0, gt=0)
    # The 24h duty team alerted for urgent reports whose 읍면동 is not yet known (a Telegram chat id).
    duty_chat_id: int | None = None
    # Abuse limits.
    reports_per_hour: int = Field(default=5, ge=1)
    messages_per_second: float = Field(default=3.0, gt=0)
    max_photo_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # Outgoing Bot API calls per second (Telegram's documented global limit is about 30/s).
    send_rate_per_second: float = Field(default=30.0, gt=0)
    log_level: str = "INFO"
    # The Korean analyser (Kiwi, ≈ 300 MB): "process" — `salpim serve` runs it once per machine
    # for all its workers (integrations/analyser_process.py); "inprocess" — each worker loads its own.
    analyser: Literal["process", "inprocess"] = "process"
    # The analyser process's Unix socket. `salpim serve` sets it for its workers; set by hand, it
    # names an analyser run by someone else and serve starts none. Unset: Kiwi in this process
    # (tests, the playground under a plain `uvicorn integrations.asgi:app`).
    analyser_socket: Path | None = None
    # Local service-catalogue entries a 시군구 adds (`salpim load-services` copies files here).
    services_dir: Path = PROJECT_ROOT / "var" / "services"
    # Retention (docs/privacy.md): identity dropped, statistics kept. The guide's consent form
    # keeps case data at most 5 years after closure (서식2); reports that never became a case,
    # 1 year; checklist free notes follow their case.
    retention_case_days: int = Field(default=5 * 365, ge=1)
    retention_report_days: int = Field(default=365, ge=1)
    # The audit chain's anchors (state/audit_anchors.py): an append-only file outside the
    # database, and how often the service adds one while the log grows.
    audit_anchor_file: Path = PROJECT_ROOT / "var" / "audit-anchors.jsonl"
    audit_anchor_seconds: int = Field(default=60, ge=1)

    @field_validator("playground", mode="before")
    @classmethod
    def _playground_from_bool(cls, value: object) -> object:
        # The setting used to be a boolean: true meant local, false off.
        if isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0"):
            return "local" if str(value).lower() in ("true", "1") else "off"
        return value

    @property
    def playground_hosts(self) -> frozenset[str]:
        from urllib.parse import urlsplit
        hosts = {h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()}
        if not hosts and self.public_url:
            hosts.add((urlsplit(self.public_url).hostname or "").lower())
        return frozenset(hosts - {""})

    @field_validator("secret_key")
    @classmethod
    def _secret_key_long_enough(cls, value: str | None) -> str | None:
        return check_master_secret(value) if value else value

    @property
    def office_base_url(self) -> str:
        return (self.office_url or self.public_url or "http://127.0.0.1:8000").rstrip("/")

    @property
    def var_dir(self) -> Path:
        return PROJECT_ROOT / "var"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
