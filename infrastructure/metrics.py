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

CDC_MESSAGES = Counter(
    "dialler_cdc_messages_total",
    "CDC messages by result: received, applied, duplicate, ignored, control, retried, "
    "dead_lettered, unmapped, failed", ["result"])
CDC_LAG = Histogram(
    "dialler_cdc_lag_seconds", "From the main database's commit to our committed effect",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))
CDC_BATCH = Histogram(
    "dialler_cdc_batch_seconds", "Time to apply one received batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
JOB_RUNS = Counter("dialler_job_runs_total", "Scheduled job runs by outcome", ["job", "status"])
RECONCILE_DRIFT = Histogram(
    "dialler_reconcile_drift", "Queue differences the reconciliation found",
    buckets=(0, 1, 10, 100, 1000, 10000))
