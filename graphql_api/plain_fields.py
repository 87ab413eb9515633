"""Which fields of the schema only read their source (Strawberry's "basic" fields, and
resolver fields whose value the producer preloaded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import GraphQLObjectType, GraphQLOutputType
from strawberry.schema.schema_converter import GraphQLCoreConverter

_PRELOADED = "graphql_api.preloaded"


class NotLoaded(Exception):
    """A preloaded field's value is not there: its resolver must run."""


NOT_LOADED: Any = object()  # what a preloaded field's reader returns when it has nothing


def preloaded(read: Callable[[Any], Any]) -> dict:
    """Metadata for a resolver field (``strawberry.field(metadata=preloaded(...))``) whose
    value the producer of its object may have preloaded: ``read(source)`` gives that value,
    exactly what the resolver would answer, or NOT_LOADED when the resolver must run.

    The resolver should answer ``read(source)`` itself whenever it is not NOT_LOADED.
    """
    return {_PRELOADED: read}


class PlainField(NamedTuple):
    """A field whose value is read from its source object."""

    read: Any  # (source, python name) -> value; raises NotLoaded when a resolver must run
    python_name: str
    type_: GraphQLOutputType


# (parent type, field name) -> PlainField, or None for a field whose resolver must run.
# Types live as long as their schema, so this grows only with the schemas built.
_FIELDS: dict[tuple[GraphQLObjectType, str], PlainField | None] = {}


def plain_field(parent_type: GraphQLObjectType, name: str) -> PlainField | None:
    key = (parent_type, name)
    if key not in _FIELDS:
        _FIELDS[key] = _plain_field(parent_type, name)
    return _FIELDS[key]


def _plain_field(parent_type: GraphQLObjectType, name: str) -> PlainField | None:
    field_def = parent_type.fields.get(name)
    strawberry_field = field_def and field_def.extensions.get(
        GraphQLCoreConverter.DEFINITION_BACKREF)
    if strawberry_field is None or field_def.args:
        return None
    read = strawberry_field.metadata.get(_PRELOADED)
    if read is not None:
        # A permission or field extension must see the field resolved: not plain then.
        return None if strawberry_field.extensions else PlainField(
            _reader(read), strawberry_field.python_name, field_def.type)
    # Only the resolver Strawberry installs for a basic field (no resolver, permission or
    # field extension, no exception handler) is the same as reading the attribute.
    if (not strawberry_field.is_basic_field
            or getattr(field_def.resolve, "__name__", "") != "_get_basic_result"):
        return None
    return PlainField(strawberry_field.default_resolver, strawberry_field.python_name,
                      field_def.type)


def _reader(read: Callable[[Any], Any]) -> Callable[[Any, str], Any]:
    def read_preloaded(source: Any, _name: str) -> Any:
        value = read(source)
        if value is NOT_LOADED:
            raise NotLoaded
        return value

    return read_preloaded
