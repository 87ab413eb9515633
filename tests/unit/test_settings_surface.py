"""The production surface settings: what is on where, and values refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.settings import Settings

REAL = {"database_url": "postgresql://postgres@127.0.0.1/dialler", "jwt_secret": "k" * 40}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "GRAPHIQL", "GRAPHQL_INTROSPECTION", "CORS_ORIGINS",
                 "FORWARDED_ALLOW_IPS", "RECORDING_NOTICE", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("overrides,graphiql,introspection", [
    ({}, True, True),  # the embedded default: all on, for the developer at the machine
    ({"graphiql": False}, False, True),
    ({"graphql_introspection": False}, False, False),  # GraphiQL would not work without it
    ({"graphiql": False, "graphql_introspection": False}, False, False),
    (REAL, False, False),  # real services: all off
    (REAL | {"graphql_introspection": True}, False, True),
    (REAL | {"graphiql": True}, True, True),
])
def test_graphiql_and_introspection_follow_the_services_unless_asked(overrides, graphiql,
                                                                     introspection):
    settings = Settings(_env_file=None, **overrides)
    assert (settings.graphiql_enabled, settings.introspection_enabled) == (graphiql,
                                                                          introspection)


def test_environment_switches_are_read(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", REAL["database_url"])
    monkeypatch.setenv("JWT_SECRET", REAL["jwt_secret"])
    monkeypatch.setenv("GRAPHIQL", "true")
    monkeypatch.setenv("METRICS_TOKEN", "scrape")
    settings = Settings(_env_file=None)
    assert settings.graphiql_enabled and settings.metrics_token.get_secret_value() == "scrape"


@pytest.mark.parametrize("origins", ['["*"]', '["https://app.example.com", " * "]'])
def test_cors_refuses_a_wildcard_with_credentials(monkeypatch, origins):
    monkeypatch.setenv("CORS_ORIGINS", origins)
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(_env_file=None)


def test_cors_takes_listed_origins(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.com"]')
    assert Settings(_env_file=None).cors_origins == ["https://app.example.com"]


@pytest.mark.parametrize("value", ["127.0.0.1", "10.0.0.0/8, 192.168.1.7", "*", "::1",
                                   "fd00::/8"])
def test_trusted_proxies_take_addresses_ranges_or_everyone(value):
    assert Settings(_env_file=None, forwarded_allow_ips=value).forwarded_allow_ips == value


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.0/33", "", "127.0.0.1,,"])
def test_trusted_proxies_refuse_what_is_not_an_address(value):
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Settings(_env_file=None, forwarded_allow_ips=value)


def test_the_recording_notice_has_a_default_and_must_be_speakable():
    assert "recorded" in Settings(_env_file=None).recording_notice
    custom = Settings(_env_file=None, recording_notice="  Calls are recorded.  ")
    assert custom.recording_notice == "Calls are recorded."
    for bad in ("", "   ", "recorded\x00", "x" * 501):
        with pytest.raises(ValidationError, match="(?i)recording_notice|at most|at least"):
            Settings(_env_file=None, recording_notice=bad)
