"""Errors the API returns, each with a stable ``extensions.code``."""

from __future__ import annotations

from graphql import GraphQLError

from domain.errors import ServiceBusy

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_USER_INPUT = "BAD_USER_INPUT"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL = "INTERNAL_SERVER_ERROR"
SERVICE_BUSY = "SERVICE_BUSY"
RATE_LIMITED = "RATE_LIMITED"


class ApiError(GraphQLError):
    code = INTERNAL

    def __init__(self, message: str, **extensions: object):
        super().__init__(message, extensions={"code": self.code, **extensions})


class Unauthenticated(ApiError):
    code = UNAUTHENTICATED


class Forbidden(ApiError):
    code = FORBIDDEN


class BadUserInput(ApiError):
    """Input the schema accepted but the rules refuse; ``field`` names it."""

    code = BAD_USER_INPUT


class Busy(ApiError):
    """Overloaded right now: the request changed nothing and may be sent again."""

    code = SERVICE_BUSY

    def __init__(self, message: str, retry_after_seconds: int = 1):
        super().__init__(message, retryAfterSeconds=retry_after_seconds)


class RateLimited(ApiError):
    """Over a rate limit: the request changed nothing; ``retryAfterSeconds`` says when
    there is room again."""

    code = RATE_LIMITED

    def __init__(self, message: str, retry_after_seconds: int):
        super().__init__(message, retryAfterSeconds=max(1, int(retry_after_seconds)))


def as_busy(error: GraphQLError) -> GraphQLError | None:
    """The error a client sees when a dependency was too busy or too slow to answer."""
    original = error.original_error
    if isinstance(original, ServiceBusy):
        return Busy(f"the service is busy ({original}); try again shortly",
                    original.retry_after_seconds)
    if isinstance(original, TimeoutError):
        return Busy("a dependency took too long to answer; try again shortly")
    return None


def is_expected(error: GraphQLError) -> bool:
    """Errors we raised on purpose, or GraphQL's own validation; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)
