"""Prometheus metrics shared by the API and the worker, and the worker's metrics server."""

from __future__ import annotations

import hmac
import os
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import ThreadingWSGIServer, make_wsgi_app
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# Set (by `dialler serve --workers N`, before its processes start) to a directory the
# processes write their counters and histograms to, so that a scrape reaching any one of
# them reads every one's; unset, each process reports its own.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Collectors whose figures are the same in every process (read from the databases): a
# multi-process scrape takes them from the process it reached.
PER_PROCESS: list[Collector] = []

# Any other method a client sends is counted as OTHER: labels stay a fixed, small set.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

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
    path = os.environ.get(MULTIPROCESS_DIR)
    if not path:
        return generate_latest(), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)
    for collector in PER_PROCESS:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def method_label(method: str) -> str:
    return method if method in HTTP_METHODS else "OTHER"


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's name
        """Scrapes every few seconds are not worth a log line."""


def serve_metrics(port: int, token: str | None, host: str = "") -> ThreadingWSGIServer:
    """The worker's /metrics on its own port, in a daemon thread; with a token, bearer only."""
    metrics_app = make_wsgi_app()

    def app(environ, start_response):
        if token and not bearer_matches(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer"),
                                                ("Content-Type", "text/plain")])
            return [b"a bearer token is required\n"]
        return metrics_app(environ, start_response)

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server

CDC_MESSAGES = Counter(
    "dialler_cdc_messages_total",
    "CDC messages by result: received, applied, duplicate, ignored, control, retried, "
    "dead_lettered, unmapped, failed, delete_failed, visibility_change_failed", ["result"])
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
TASK_RESTARTS = Counter(
    "dialler_task_restarts_total", "Background tasks started again after they died", ["task"])
WORKER_HEARTBEAT = Gauge(
    "dialler_worker_heartbeat_timestamp_seconds",
    "Unix time of the sync worker's last heartbeat (0: this process runs no worker)",
    multiprocess_mode="max")
