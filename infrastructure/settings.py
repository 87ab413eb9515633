"""One typed settings class over the environment (README.md, Configuration)."""

from __future__ import annotations

import math
from datetime import time, timedelta
from functools import cached_property
from ipaddress import ip_network
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.automation.policy import AutomationPolicy
from domain.conversations.policy import OptOutPolicy
from domain.queue.calling_window import CallingWindow

if TYPE_CHECKING:  # imported where used: a CLI command reading its settings needs no limits
    from domain.limits.rates import RatePolicy

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
    # The secret rotated out: tokens it signed are still accepted (never signed with), so a
    # rotation logs nobody out; unset it once JWT_EXPIRY_MINUTES have passed.
    jwt_secret_previous: SecretStr | None = None
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
    # A lambda, not `list`: pydantic reads a builtin's signature by tokenizing its text,
    # which costs a CLI command milliseconds at start.
    cors_origins: list[str] = Field(default_factory=lambda: [])
    log_level: str = "INFO"
    log_json: bool = True
    redis_key_prefix: str = "dialler:"
    calling_hours: str = Field(default="08:00-20:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    calling_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5])
    calling_timezone: str = "Europe/London"
    calling_skips_bank_holidays: bool = True
    lease_minutes: int = Field(default=10, ge=1, le=120)
    # Agent matching (domain.queue.matching): nextLead may hand an agent, instead of the most
    # urgent entry, one this many points behind it that they convert clearly better (0:
    # off). 5 is the smallest step of an age band or a lender and under one failed attempt
    # (+8), about 2.5 days of silence: only entries the rules all but tie are reordered.
    match_window_points: float = 5.0
    # The most urgent entry, once passed over, waits no longer than this: the same 15
    # minutes a personal callback waits for its own agent before anyone may take it.
    match_max_wait_minutes: int = 15
    # How often `serve` moves callbacks that fell due into CALLBACK (one process at a time).
    callback_scan_seconds: float = Field(default=5.0, gt=0, le=300)
    pg_pool_size: int = Field(default=20, ge=2, le=500)
    # Opened at start and kept: a burst of agents then finds connections ready instead of
    # waiting while PostgreSQL starts a backend for each (capped at pg_pool_size).
    pg_pool_min_size: int = Field(default=10, ge=1, le=500)
    # Waiting for a free connection gives up sooner than a statement does: a full pool
    # answers SERVICE_BUSY within seconds instead of hanging.
    pg_acquire_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    pg_command_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # How long a queue update waits for other writers of the same users (or a rebuild
    # writing their range) before it is left to the catch-up sweep.
    queue_lock_wait_seconds: float = Field(default=5.0, gt=0, le=60)
    # Users per rebuild range: a range is read, built and written in one short transaction.
    queue_range_size: int = Field(default=50_000, ge=2, le=1_000_000)
    # Processes a rebuild of many ranges spreads them over, this one included (1: all here).
    # Only with configured services: the embedded default's Redis lives in one process.
    rebuild_processes: int = Field(default=2, ge=1, le=64)
    user_context_ttl_seconds: int = Field(default=15 * 60, ge=1)
    max_query_depth: int = Field(default=12, ge=2)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_query_aliases: int = Field(default=30, ge=1)
    # --- sync worker ---
    sqs_pollers: int = Field(default=2, ge=1, le=50)
    sqs_wait_seconds: int = Field(default=20, ge=0, le=20)
    sqs_batch_size: int = Field(default=10, ge=1, le=10)
    sync_max_replica_lag_seconds: int = Field(default=300, ge=1)
    sync_retry_base_seconds: int = Field(default=2, ge=0, le=900)
    sync_retry_cap_seconds: int = Field(default=300, ge=1, le=43_200)
    worker_metrics_port: int | None = Field(default=9101, ge=1, le=65535)
    reconcile_every_minutes: float = Field(default=15, gt=0)
    # Between full sweeps (which also catch deleted rows), a reconciliation reads only the
    # rows changed since the last one, less this margin for clock skew and late commits.
    full_reconcile_hours: float = Field(default=6, gt=0)
    reconcile_margin_seconds: float = Field(default=600, ge=0)
    cache_warm_every_minutes: float = Field(default=60, gt=0)
    cache_warm_users: int = Field(default=2000, ge=0)
    integrity_every_hours: float = Field(default=6, gt=0)
    integrity_sample_size: int = Field(default=500, ge=0)
    cleanup_every_hours: float = Field(default=24, gt=0)
    # How often the worker learns from the history (domain.learning) into a new snapshot.
    learn_every_hours: float = Field(default=24, gt=0)
    # How often the worker rolls up queueMovements' closed hours and days (reads are exact
    # either way: what is not rolled up yet is counted live).
    movement_rollup_every_minutes: float = Field(default=5, gt=0)
    # Where a rule set's model factor finds the estimator file it names (infrastructure.
    # model_files): only files in it can be named.
    models_dir: Path = Path("models")
    queue_events_keep_days: int = Field(default=90, ge=1)
    cdc_seen_keep_days: int = Field(default=14, ge=1)
    webhook_receipts_keep_days: int = Field(default=30, ge=1)
    dead_letters_keep_days: int = Field(default=30, ge=1)
    job_runs_keep_days: int = Field(default=90, ge=1)
    # --- calls and voice ---
    # An API key signs voice tokens; unset: the account sid and auth token sign them.
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: SecretStr | None = None
    voice_token_ttl_seconds: int = Field(default=3600, ge=60, le=24 * 3600)
    recording_retention_months: int = Field(default=12, ge=1, le=120)
    inbound_ring_seconds: int = Field(default=25, ge=5, le=120)
    # --- SMS, follow-ups and magic links ---
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
    # Inbound texts: the classifier's OPT_OUT confidence that opts out unreviewed; the
    # P(OPT_OUT) from which a person reviews the text; the confidence below which any
    # other intent it reads is reviewed. Automated texts to the user wait for the review.
    intent_opt_out_threshold: float = Field(default=0.9, ge=0, le=1)
    intent_review_threshold: float = Field(default=0.3, ge=0, le=1)
    intent_unsure_below: float = Field(default=0.5, ge=0, le=1)
    # An operator's OpenAI-compatible chat-completions API (base URL, e.g.
    # http://host:8080/v1) asked about texts no keyword rule decided; unset: never asked.
    intent_llm_url: str | None = None
    intent_llm_model: str = ""
    intent_llm_api_key: SecretStr | None = None
    intent_llm_timeout_seconds: float = Field(default=1.0, gt=0, le=10)
    # Automated (AI) agents: they text this share (percent, by user id) of the UNSIGNED
    # queue, at most AI_TEXTS_PER_HOUR each unless a supervisor set a cap, and rest a user
    # they texted (no text or call) for AI_REST_AFTER_TEXT_HOURS. A reply read with less
    # confidence than AI_HANDOFF_BELOW goes to a person.
    enable_automated_agents: bool = True
    ai_share_percent: int = Field(default=20, ge=0, le=100)
    ai_texts_per_hour: int = Field(default=60, ge=0, le=3600)
    ai_rest_after_text_hours: float = Field(default=72.0, gt=0)
    ai_handoff_below: float = Field(default=0.8, ge=0, le=1)
    ai_turn_seconds: float = Field(default=20.0, gt=0)

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

    @model_validator(mode="after")
    def _intent_thresholds_are_ordered(self) -> Settings:
        if self.intent_review_threshold >= self.intent_opt_out_threshold:
            raise ValueError("INTENT_REVIEW_THRESHOLD must be below INTENT_OPT_OUT_THRESHOLD")
        return self

    @property
    def opt_out_policy(self) -> OptOutPolicy:
        return OptOutPolicy(self.intent_opt_out_threshold, self.intent_review_threshold,
                            self.intent_unsure_below)

    @property
    def automation_policy(self) -> AutomationPolicy:
        return AutomationPolicy(
            share_percent=self.ai_share_percent, texts_per_hour=self.ai_texts_per_hour,
            rest_after_text=timedelta(hours=self.ai_rest_after_text_hours),
            handoff_below=self.ai_handoff_below)

    def sms_status_callback(self, message_id: int) -> str | None:
        """Where Twilio reports a message's status; None when Twilio could not reach us."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/twilio/sms/status?m={message_id}"

    # --- magic links ---
    # A key for link signatures only; unset: derived from JWT_SECRET (a label keeps them apart).
    magic_link_secret: SecretStr | None = None
    # The secret rotated out: links it signed still open until they expire (never signs).
    magic_link_secret_previous: SecretStr | None = None
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

    @field_validator("magic_link_secret", "magic_link_secret_previous", mode="before")
    @classmethod
    def _refuse_weak_link_secret(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if raw.strip().lower() in _UNSAFE_SECRETS or len(raw.encode()) < 32:
            raise ValueError("MAGIC_LINK_SECRET (or its _PREVIOUS) is a placeholder or shorter "
                             "than 32 bytes: set a random secret of 32 bytes or more, or "
                             "leave it unset")
        return value

    # --- agent sessions and supervisor ---
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
    # --- rate limits ---
    # Counted in Redis (every API process shares them); Redis down: per process. Each
    # limit is a moving window: at most N in any minute / day.
    # Every GraphQL operation (subscriptions' starts too): per agent once authenticated,
    # per address before (mostly logins: an office of agents shares one address).
    rate_requests_per_agent_per_minute: int = Field(default=1200, ge=1)
    # The main application's INTEGRATION account reads for all its users.
    rate_requests_per_integration_per_minute: int = Field(default=6000, ge=1)
    rate_requests_per_address_per_minute: int = Field(default=600, ge=1)
    # sendSms and sendMagicLink: per sending agent and per receiving user. A user's SMS
    # leave room for a live text conversation; their links are also held to
    # MAGIC_LINK_RATE_PER_HOUR (in PostgreSQL, answered as MagicLinkRejected), which is
    # stricter than a minute's allowance here unless raised.
    rate_sms_per_agent_per_minute: int = Field(default=20, ge=1)
    rate_sms_per_agent_per_day: int = Field(default=500, ge=1)
    rate_sms_per_user_per_minute: int = Field(default=6, ge=1)
    rate_sms_per_user_per_day: int = Field(default=30, ge=1)
    rate_links_per_agent_per_minute: int = Field(default=20, ge=1)
    rate_links_per_agent_per_day: int = Field(default=500, ge=1)
    rate_links_per_user_per_minute: int = Field(default=5, ge=1)
    rate_links_per_user_per_day: int = Field(default=10, ge=1)
    # Failed logins per (e-mail, address) within the window: the first N are free, then
    # each makes the next attempt wait, doubling from the base up to the longest wait.
    login_free_failures: int = Field(default=5, ge=1, le=100)
    login_backoff_base_seconds: int = Field(default=2, ge=1, le=3600)
    login_backoff_max_seconds: int = Field(default=900, ge=1, le=86_400)
    login_failure_window_seconds: int = Field(default=86_400, ge=60, le=30 * 86_400)

    @property
    def rate_policy(self) -> RatePolicy:
        """The limits as the domain states them (not cached: a copied Settings differs)."""
        from domain.limits.rates import LoginBackoff, Rate, RatePolicy

        minute, day = 60, 86_400

        def both(name: str, per_minute: int, per_day: int) -> tuple[Rate, Rate]:
            return Rate(name, per_minute, minute), Rate(name, per_day, day)

        return RatePolicy(
            requests_per_agent=Rate("requests.agent", self.rate_requests_per_agent_per_minute,
                                    minute),
            requests_per_integration=Rate(
                "requests.integration", self.rate_requests_per_integration_per_minute, minute),
            requests_per_address=Rate("requests.address",
                                      self.rate_requests_per_address_per_minute, minute),
            sms_per_agent=both("sms.agent", self.rate_sms_per_agent_per_minute,
                               self.rate_sms_per_agent_per_day),
            sms_per_user=both("sms.user", self.rate_sms_per_user_per_minute,
                              self.rate_sms_per_user_per_day),
            links_per_agent=both("links.agent", self.rate_links_per_agent_per_minute,
                                 self.rate_links_per_agent_per_day),
            links_per_user=both("links.user", self.rate_links_per_user_per_minute,
                                self.rate_links_per_user_per_day),
            login=LoginBackoff(self.login_free_failures, self.login_backoff_base_seconds,
                               self.login_backoff_max_seconds,
                               self.login_failure_window_seconds))

    @field_validator("match_window_points")
    @classmethod
    def _match_window_is_points(cls, value: float) -> float:
        if not math.isfinite(value) or value < 0:
            raise ValueError("MATCH_WINDOW_POINTS must be a number of score points, 0 or "
                             "more (0 turns agent matching off)")
        return value

    @field_validator("match_max_wait_minutes")
    @classmethod
    def _match_wait_is_minutes(cls, value: int) -> int:
        if value < 1:
            raise ValueError("MATCH_MAX_WAIT_MINUTES must be a whole number of minutes, "
                             "1 or more")
        return value

    @model_validator(mode="after")
    def _login_backoff_is_valid(self) -> Settings:
        if self.login_backoff_max_seconds < self.login_backoff_base_seconds:
            raise ValueError("LOGIN_BACKOFF_MAX_SECONDS must be at least "
                             "LOGIN_BACKOFF_BASE_SECONDS")
        return self
    # --- access to personal data ---
    # After a call, disposition or SMS with a user, an agent still works on them this long.
    work_on_hours: float = Field(default=24, gt=0, le=24 * 31)
    # --- live sessions ---
    # How often each API process re-checks its open websockets' sessions and agents (one
    # batched query) and token expiry; the fallback when a Redis notice is lost.
    live_socket_sweep_seconds: float = Field(default=1.0, gt=0, le=60)
    # --- production surface and recording notice ---
    # GraphiQL at /graphql, and introspection with "Did you mean" suggestions; unset: on
    # for the embedded default only. GraphiQL needs introspection: GRAPHIQL=true turns
    # both on, GRAPHQL_INTROSPECTION=false alone turns both off.
    graphiql: bool | None = None
    graphql_introspection: bool | None = None
    # Set: /metrics (API and worker) answers only `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    # Proxies whose X-Forwarded-For / -Proto are believed (comma-separated IPs or CIDRs, or
    # *): the address that limits and the audit trail see. Others' headers are ignored.
    forwarded_allow_ips: str = "127.0.0.1"
    # Every outbound HTTP call (Twilio, SQS) gives up after this long.
    outbound_http_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # Said to the customer at the start of every call, outbound and inbound.
    recording_notice: str = Field(
        default="This call is recorded for quality and compliance purposes.",
        min_length=1, max_length=500)

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_with_credentials(cls, value: list[str]) -> list[str]:
        if any(origin.strip() == "*" for origin in value):
            raise ValueError("CORS_ORIGINS must list origins: '*' is refused because "
                             "requests carry credentials")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _trusted_proxies_parse(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item == "*":
                continue
            try:
                ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"FORWARDED_ALLOW_IPS: {item!r} is not an IP address, a "
                                 "CIDR range or *") from None
        return value

    @field_validator("recording_notice")
    @classmethod
    def _notice_is_spoken_text(cls, value: str) -> str:
        if not value.strip() or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise ValueError("RECORDING_NOTICE must be plain text to be spoken, not blank")
        return value.strip()

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.embedded_postgres and self.graphql_introspection is not False

    @property
    def introspection_enabled(self) -> bool:
        """Introspection and suggestions: what lets a stranger map the schema."""
        asked = self.graphql_introspection
        return self.graphiql_enabled or (self.embedded_postgres if asked is None else asked)

    # --- audit trail ---
    # Records of reads of personal data and of mutations are kept this long (the daily
    # cleanup deletes older ones); auditLog's period may span at most this many days.
    audit_keep_days: int = Field(default=400, ge=1, le=3660)
    # Each process writes its buffered records this often, or at once when a batch is full.
    audit_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    audit_batch_size: int = Field(default=1000, ge=1, le=50_000)
    # Records a process holds while PostgreSQL cannot take them; past this, new ones are
    # dropped and logged as errors.
    audit_buffer_max: int = Field(default=200_000, ge=1000, le=10_000_000)

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
        previous = self.jwt_secret_previous
        if previous is not None and (previous.get_secret_value().strip().lower()
                                     in _UNSAFE_SECRETS
                                     or len(previous.get_secret_value().encode()) < 32):
            raise ValueError("JWT_SECRET_PREVIOUS is a placeholder or shorter than 32 bytes")
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


def previous_secrets(secret: SecretStr | None) -> tuple[str, ...]:
    """A rotated-out secret as the verifiers take it: none, or the one."""
    return (secret.get_secret_value(),) if secret is not None else ()
