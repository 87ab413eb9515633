"""Prometheus metrics shared by the API and the worker."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

HTTP_REQUESTS = Counter(
    "dialler_http_requests_total", "HTTP requests served", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "dialler_http_request_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
GRAPHQL_OPERATIONS = Counter(
    "dialler_graphql_operations_total", "GraphQL operations executed",
    ["operation", "outcome"])
CACHE_REQUESTS = Counter(
    "dialler_cache_requests_total", "Cache look-ups by result", ["cache", "result"])
CACHE_ERRORS = Counter(
    "dialler_cache_errors_total", "Cache operations that failed (Redis unreachable)", ["op"])


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
