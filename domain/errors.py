"""Failures any port may raise, so use cases can react without knowing the adapter."""

from __future__ import annotations


class ServiceBusy(Exception):
    """A dependency is at capacity right now; the caller may retry shortly."""

    def __init__(self, message: str, retry_after_seconds: int = 1):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
