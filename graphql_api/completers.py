"""Completers: functions that complete a value of one type, at one place of a query, into
exactly what graphql-core would put in the result, built once per place and request.

A completer raises (Fallback, or whatever a read raised) wherever graphql-core has more
to do than copy the value: a null where the schema says non-null, a value that does not
serialise, an error, an awaitable. The caller then hands that value to graphql-core,
which completes it from the start and reports exactly what it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import GraphQLScalarType
from graphql.pyutils import Undefined
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_float,
    serialize_id,
    serialize_int,
    serialize_string,
)
from strawberry.execution import optimized_is_awaitable

Completer = Callable[[Any], Any]
# (response name, read(source, python name), python name, completer of the field's value)
ObjectField = tuple[str, Callable[[Any, str], Any], str, Completer]

_SCALARS = frozenset({str, int, float, bool})


class Fallback(Exception):
    """graphql-core decides this value."""


def list_completer(item: Completer, nullable: bool) -> Completer:
    def complete_list(value: Any) -> Any:
        kind = type(value)
        if kind is list or kind is tuple:
            return [item(v) for v in value]
        if value is None and nullable:
            return None
        raise Fallback

    return complete_list


def object_completer(fields: list[ObjectField], nullable: bool) -> Completer:
    # Classes seen here whose instances are neither errors nor awaitables by their class
    # (a page has thousands of objects of a handful of classes).
    plain_classes: set[type] = set()

    def complete_object(value: Any) -> Any:
        kind = type(value)
        if kind not in plain_classes:
            if value is None:
                if nullable:
                    return None
                raise Fallback
            if isinstance(value, Exception) or optimized_is_awaitable(value):
                raise Fallback
            if _never_awaitable(kind):
                plain_classes.add(kind)
        return {name: complete(read(value, attribute))
                for name, read, attribute, complete in fields}

    return complete_object


def _never_awaitable(kind: type) -> bool:
    """What graphql-core's is_awaitable asks of a value, asked of its class; a class that
    makes up attributes (``__getattr__``) is asked again for each of its instances."""
    return not (issubclass(kind, (Exception, CoroutineType, GeneratorType))
                or hasattr(kind, "__await__") or hasattr(kind, "__getattr__"))


def leaf_completer(type_: Any, nullable: bool) -> Completer:
    """A scalar or enum: graphql-core's own coercion, and for the built-in scalars the
    values they return unchanged (a str for String or ID, a bool, a finite float, a
    32-bit int) without the call."""
    coerce = type_.coerce_output_value

    def complete_leaf(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Fallback
        if type(value) not in _SCALARS and (isinstance(value, Exception)
                                            or optimized_is_awaitable(value)):
            raise Fallback
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Fallback
        return coerced

    if not isinstance(type_, GraphQLScalarType):
        return complete_leaf
    if coerce is serialize_string or coerce is serialize_id:
        def complete_text(value: Any) -> Any:
            return value if type(value) is str else complete_leaf(value)
        return complete_text
    if coerce is serialize_boolean:
        def complete_boolean(value: Any) -> Any:
            return value if type(value) is bool else complete_leaf(value)
        return complete_boolean
    if coerce is serialize_float:
        def complete_float(value: Any) -> Any:
            return value if type(value) is float and isfinite(value) else complete_leaf(value)
        return complete_float
    if coerce is serialize_int:
        def complete_int(value: Any) -> Any:
            if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
                return value
            return complete_leaf(value)
        return complete_int
    return complete_leaf
