"""Errors the API returns, each with a stable ``extensions.code``."""

from __future__ import annotations

from graphql import GraphQLError

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_USER_INPUT = "BAD_USER_INPUT"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL = "INTERNAL_SERVER_ERROR"


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


def is_expected(error: GraphQLError) -> bool:
    """Errors we raised on purpose, or GraphQL's own validation; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)
