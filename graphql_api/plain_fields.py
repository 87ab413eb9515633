"""Which fields of the schema only read an attribute (Strawberry's "basic" fields)."""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import GraphQLObjectType, GraphQLOutputType
from strawberry.schema.schema_converter import GraphQLCoreConverter


class PlainField(NamedTuple):
    """A field whose value is an attribute of its source object."""

    read: Any  # Strawberry's default resolver: (source, python name) -> value
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
    # Only the resolver Strawberry installs for a basic field (no resolver, permission or
    # field extension, no exception handler) is the same as reading the attribute.
    if (strawberry_field is None or field_def.args or not strawberry_field.is_basic_field
            or getattr(field_def.resolve, "__name__", "") != "_get_basic_result"):
        return None
    return PlainField(strawberry_field.default_resolver, strawberry_field.python_name,
                      field_def.type)
