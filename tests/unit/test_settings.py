"""The typed settings: URLs as operators write them, unsafe secrets refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.settings import DatabaseAddress, Settings

GOOD_SECRET = "k" * 40


def test_urls_pick_the_async_drivers():
    pg = DatabaseAddress("postgresql://u:p%40ss@db:6543/dialler")
    assert pg.sqlalchemy_url == "postgresql+asyncpg://u:p@ss@db:6543/dialler"
    assert (pg.host, pg.port, pg.user, pg.password) == ("db", 6543, "u", "p@ss")
    my = DatabaseAddress("mysql://root@replica/rmc")
    assert (my.dialect, my.port, my.database) == ("mysql", 3306, "rmc")
    assert my.sqlalchemy_url.startswith("mysql+asyncmy://")
    assert DatabaseAddress("postgres://x@h/d").dialect == "postgresql"


def test_placeholder_secret_is_refused_outside_the_embedded_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/dialler")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None)
    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(_env_file=None)
    monkeypatch.setenv("JWT_SECRET", GOOD_SECRET)
    assert Settings(_env_file=None).jwt_secret.get_secret_value() == GOOD_SECRET


def test_the_embedded_default_accepts_no_configuration(monkeypatch):
    for name in ("DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.embedded_postgres and settings.jwt_secret_is_placeholder


def test_bad_urls_are_named(monkeypatch):
    monkeypatch.setenv("JWT_SECRET", GOOD_SECRET)
    monkeypatch.setenv("DATABASE_URL", "mysql://root@h/db")
    with pytest.raises(ValidationError, match="DATABASE_URL must be a postgresql"):
        Settings(_env_file=None)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@h/db")
    monkeypatch.setenv("REPLICA_DATABASE_URL", "oracle://x@h/db")
    with pytest.raises(ValidationError, match="unsupported database URL scheme"):
        Settings(_env_file=None)


def test_replica_schema_name_defaults_to_the_replica_database(monkeypatch):
    monkeypatch.setenv("JWT_SECRET", GOOD_SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@h/db")
    monkeypatch.setenv("REPLICA_DATABASE_URL", "mysql://root@h/rmc_live")
    assert Settings(_env_file=None).replica_schema == "rmc_live"


def test_blank_values_count_as_unset(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "  ")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings(_env_file=None).redis_url is None
