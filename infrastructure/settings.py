"""One typed settings class over the environment (DESIGN.md section 8)."""

from __future__ import annotations

from datetime import time
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.queue.calling_window import CallingWindow

JWT_SECRET_PLACEHOLDER = "change-me"
_UNSAFE_SECRETS = {"", JWT_SECRET_PLACEHOLDER, "changethis", "secret", "changeme"}


class DatabaseAddress:
    """An operator's database URL, split into what each driver needs."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme in ("postgres", "postgresql"):
            self.dialect = "postgresql"
        elif scheme in ("mysql", "mariadb"):
            self.dialect = "mysql"
        else:
            raise ValueError(f"unsupported database URL scheme {parts.scheme!r}")
        self.url = url
        # ?host=/dir names a unix-socket directory (how the embedded server listens).
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        self.socket_dir = unquote(query["host"]) if query.get("host", "").startswith("/") else None
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (5432 if self.dialect == "postgresql" else 3306)
        default_user = "postgres" if self.dialect == "postgresql" else "root"
        self.user = unquote(parts.username or default_user)
        self.password = unquote(parts.password or "")
        self.database = parts.path.lstrip("/") or None

    @property
    def plain_url(self) -> str:
        """The URL with the scheme a raw driver (asyncpg) accepts."""
        auth = self.user + (f":{self.password}" if self.password else "")
        if self.socket_dir:
            return f"{self.dialect}://{auth}@/{self.database or ''}?host={self.socket_dir}"
        return f"{self.dialect}://{auth}@{self.host}:{self.port}/{self.database or ''}"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the async driver SQLAlchemy should use."""
        driver = "asyncpg" if self.dialect == "postgresql" else "asyncmy"
        return self.plain_url.replace(f"{self.dialect}://", f"{self.dialect}+{driver}://", 1)

    def with_database(self, database: str) -> DatabaseAddress:
        copy = DatabaseAddress(self.url)
        copy.database = database
        return copy

    def __repr__(self) -> str:
        where = self.socket_dir or f"{self.host}:{self.port}"
        return f"DatabaseAddress({self.dialect}://{where}/{self.database})"


class Settings(BaseSettings):
    """Configuration; anything unset falls back to the embedded default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    replica_database_url: str | None = None
    redis_url: str | None = None
    aws_region: str = "eu-west-2"
    sqs_queue_url: str | None = None
    aws_endpoint_url: str | None = None
    jwt_secret: SecretStr = SecretStr(JWT_SECRET_PLACEHOLDER)
    jwt_expiry_minutes: int = Field(default=12 * 60, ge=5, le=7 * 24 * 60)
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_caller_id: str | None = None
    twilio_twiml_app_sid: str | None = None
    main_app_url: str = "http://localhost:3000"
    # The URL Twilio reaches this API at (behind a proxy); signatures are checked against it.
    public_base_url: str | None = None
    enable_cdc_sync: bool = True
    enable_batch_sync: bool = True
    enable_cache_warming: bool = True

    dialler_data_dir: Path = Path(".dialler")
    replica_schema_name: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True
    redis_key_prefix: str = "dialler:"
    calling_hours: str = Field(default="08:00-20:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    calling_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5])
    calling_timezone: str = "Europe/London"
    calling_skips_bank_holidays: bool = True
    lease_minutes: int = Field(default=10, ge=1, le=120)
    pg_pool_size: int = Field(default=20, ge=2, le=500)
    # Waiting for a free connection gives up sooner than a statement does: a full pool
    # answers SERVICE_BUSY within seconds instead of hanging.
    pg_acquire_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    pg_command_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # How long a queue update waits for other writers of the same users (or a rebuild
    # writing their range) before it is left to the catch-up sweep.
    queue_lock_wait_seconds: float = Field(default=5.0, gt=0, le=60)
    user_context_ttl_seconds: int = Field(default=15 * 60, ge=1)
    max_query_depth: int = Field(default=12, ge=2)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_query_aliases: int = Field(default=30, ge=1)
    # --- sync worker (issue 4) ---
    sqs_pollers: int = Field(default=2, ge=1, le=50)
    sqs_wait_seconds: int = Field(default=20, ge=0, le=20)
    sqs_batch_size: int = Field(default=10, ge=1, le=10)
    sync_max_replica_lag_seconds: int = Field(default=300, ge=1)
    sync_retry_base_seconds: int = Field(default=2, ge=0, le=900)
    sync_retry_cap_seconds: int = Field(default=300, ge=1, le=43_200)
    worker_metrics_port: int | None = Field(default=9101, ge=1, le=65535)
    reconcile_every_minutes: float = Field(default=15, gt=0)
    cache_warm_every_minutes: float = Field(default=60, gt=0)
    cache_warm_users: int = Field(default=2000, ge=0)
    integrity_every_hours: float = Field(default=6, gt=0)
    integrity_sample_size: int = Field(default=500, ge=0)
    cleanup_every_hours: float = Field(default=24, gt=0)
    queue_events_keep_days: int = Field(default=90, ge=1)
    cdc_seen_keep_days: int = Field(default=14, ge=1)
    webhook_receipts_keep_days: int = Field(default=30, ge=1)
    dead_letters_keep_days: int = Field(default=30, ge=1)
    job_runs_keep_days: int = Field(default=90, ge=1)
    # --- calls and voice (issue 5) ---
    # An API key signs voice tokens; unset: the account sid and auth token sign them.
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: SecretStr | None = None
    voice_token_ttl_seconds: int = Field(default=3600, ge=60, le=24 * 3600)
    recording_retention_months: int = Field(default=12, ge=1, le=120)
    inbound_ring_seconds: int = Field(default=25, ge=5, le=120)
    # --- SMS, follow-ups and magic links (issue 5) ---
    # The SMS sender (a Twilio number); unset: TWILIO_CALLER_ID. A messaging service wins.
    twilio_sms_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    # When automated SMS (follow-ups) may go; days: JSON list, 0 = Monday.
    sms_hours: str = Field(default="09:00-20:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    sms_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5])
    sms_timezone: str = "Europe/London"
    sms_max_attempts: int = Field(default=5, ge=1, le=20)
    sms_jobs_every_seconds: float = Field(default=30.0, gt=0)
    # Where a review request points; unset: MAIN_APP_URL + /review.
    review_url: str | None = None

    @cached_property
    def sms_window(self) -> CallingWindow:
        opens, closes = (time.fromisoformat(t) for t in self.sms_hours.split("-"))
        return CallingWindow(opens, closes, frozenset(self.sms_days), self.sms_timezone, True)

    @model_validator(mode="after")
    def _sms_window_is_valid(self) -> Settings:
        try:
            self.sms_window  # noqa: B018 - built here so a bad value fails at start-up
        except (ValueError, KeyError) as exc:  # an unknown zone is a KeyError
            raise ValueError(f"SMS_HOURS/SMS_DAYS/SMS_TIMEZONE: {exc}") from exc
        return self

    def sms_status_callback(self, message_id: int) -> str | None:
        """Where Twilio reports a message's status; None when Twilio could not reach us."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/twilio/sms/status?m={message_id}"

    # --- magic links (issue 5) ---
    # A key for link signatures only; unset: derived from JWT_SECRET (a label keeps them apart).
    magic_link_secret: SecretStr | None = None
    magic_link_ttl_hours: int = Field(default=24, ge=1, le=30 * 24)
    # At most this many links per user in any hour (both channels together).
    magic_link_rate_per_hour: int = Field(default=3, ge=1, le=100)
    # Links expired longer ago than this are deleted by the daily cleanup.
    magic_link_retention_days: int = Field(default=30, ge=1, le=3660)
    # Where links point (this API's public address); unset: PUBLIC_BASE_URL, else localhost.
    link_base_url: str | None = None
    email_from: str = "RMC Claims <no-reply@rmc-claims.example>"
    # smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465; unset: record-only.
    smtp_url: SecretStr | None = None

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _smtp_url_parses(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        parts = urlsplit(str(raw))
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or "
                             "smtps://user:pass@host:465")
        return value

    @field_validator("magic_link_secret", mode="before")
    @classmethod
    def _refuse_weak_link_secret(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if raw.strip().lower() in _UNSAFE_SECRETS or len(raw.encode()) < 32:
            raise ValueError("MAGIC_LINK_SECRET is a placeholder or shorter than 32 bytes: "
                             "set a random secret of 32 bytes or more, or leave it unset")
        return value

    # --- agent sessions and supervisor (issue 5) ---
    # A session with no heartbeat for this long is closed (agent OFFLINE, lease released).
    session_idle_seconds: int = Field(default=120, ge=30, le=24 * 3600)
    # How often `serve` closes idle sessions and ends wrap-ups (one process at a time).
    session_timer_seconds: float = Field(default=5.0, gt=0, le=300)
    # After a disposition the agent is in WRAP_UP this long, then AVAILABLE; 0: no wrap-up.
    wrap_up_seconds: int = Field(default=30, ge=0, le=3600)
    # Reasons an agent may give for PAUSED (JSON list); matched case-insensitively.
    pause_reasons: list[str] = Field(default_factory=lambda: [
        "break", "lunch", "training", "meeting", "coaching", "admin", "comfort break"])
    # The longest period agentPerformance / outcomeBreakdown accept.
    analytics_max_days: int = Field(default=93, ge=1, le=3660)

    @field_validator("pause_reasons")
    @classmethod
    def _pause_reasons_named(cls, value: list[str]) -> list[str]:
        if not any(reason.strip() for reason in value):
            raise ValueError("PAUSE_REASONS must name at least one reason")
        return value

    @field_validator("database_url", "replica_database_url", "redis_url", "sqs_queue_url",
                     "aws_endpoint_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _dialler_db_is_postgres(cls, value: str | None) -> str | None:
        if value is not None and DatabaseAddress(value).dialect != "postgresql":
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return value

    @field_validator("replica_database_url")
    @classmethod
    def _replica_parses(cls, value: str | None) -> str | None:
        if value is not None:
            DatabaseAddress(value)
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if not self.embedded_postgres and secret.strip().lower() in _UNSAFE_SECRETS:
            raise ValueError(
                "JWT_SECRET is unset or left at a placeholder: set a random secret of "
                "32 bytes or more when DATABASE_URL points at a real database"
            )
        if not self.embedded_postgres and len(secret.encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes long")
        return self

    @cached_property
    def calling_window(self) -> CallingWindow:
        opens, closes = (time.fromisoformat(t) for t in self.calling_hours.split("-"))
        return CallingWindow(opens, closes, frozenset(self.calling_days), self.calling_timezone,
                             self.calling_skips_bank_holidays)

    @model_validator(mode="after")
    def _window_is_valid(self) -> Settings:
        try:
            self.calling_window  # noqa: B018 - built here so a bad value fails at start-up
        except ValueError as exc:
            raise ValueError(f"CALLING_HOURS/CALLING_DAYS/CALLING_TIMEZONE: {exc}") from exc
        return self

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def jwt_secret_is_placeholder(self) -> bool:
        return self.jwt_secret.get_secret_value().strip().lower() in _UNSAFE_SECRETS

    @cached_property
    def database(self) -> DatabaseAddress | None:
        return DatabaseAddress(self.database_url) if self.database_url else None

    @cached_property
    def replica(self) -> DatabaseAddress | None:
        return DatabaseAddress(self.replica_database_url) if self.replica_database_url else None

    @property
    def replica_schema(self) -> str | None:
        """The main database's name as CDC records carry it."""
        if self.replica_schema_name:
            return self.replica_schema_name
        return self.replica.database if self.replica else None
