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
    user_context_ttl_seconds: int = Field(default=15 * 60, ge=1)
    max_query_depth: int = Field(default=12, ge=2)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_query_aliases: int = Field(default=30, ge=1)
    # --- sync worker (issue 4) ---
    # --- calls and voice (issue 5) ---
    # --- SMS, follow-ups and magic links (issue 5) ---
    # --- magic links (issue 5) ---
    # --- agent sessions and supervisor (issue 5) ---

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
