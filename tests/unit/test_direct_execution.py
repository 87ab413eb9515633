"""The direct completion of plain fields answers exactly as Strawberry's own execution."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry
from strawberry.extensions import SchemaExtension

from graphql_api import execution
from graphql_api.execution import DiallerExecutionContext
from graphql_api.schema import build_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    id: strawberry.ID
    name: str | None
    count: int
    colour: Colour
    at: datetime | None = None


@strawberry.type
class Branch:
    label: str
    leaves: list[Leaf]
    first: Leaf | None = None

    @strawberry.field
    def upper(self) -> str:
        return self.label.upper()

    @strawberry.field
    def computed(self) -> list[Leaf]:
        return self.leaves


def _leaf(i: int, **changes) -> Leaf:
    values = {"id": strawberry.ID(str(i)), "name": f"n{i}", "count": i, "colour": Colour.RED,
              "at": datetime(2024, 1, i % 28 + 1, tzinfo=UTC), **changes}
    return Leaf(**values)


def _schema(branches: list[Branch], extensions=()):
    @strawberry.type
    class Query:
        @strawberry.field
        async def branches(self) -> list[Branch]:
            return branches

        @strawberry.field
        def branch(self) -> Branch:
            return branches[0]

    default = strawberry.Schema(Query, extensions=list(extensions))
    direct = strawberry.Schema(Query, extensions=list(extensions),
                               execution_context_class=DiallerExecutionContext)
    return default, direct


QUERY = """
query Q($with: Boolean!) {
  branches {
    label upper
    leaves { id name count colour at }
    first { ...F }
    computed { id alias: name count @include(if: $with) }
  }
  branch { label leaves { name } }
}
fragment F on Leaf { id colour at }
"""


async def _both(branches: list[Branch], query: str = QUERY, extensions=()):
    default, direct = _schema(branches, extensions)
    variables = {"with": True}
    return (await default.execute(query, variables), await direct.execute(query, variables))


def _errors(result) -> list:
    return [(e.message, e.path, e.locations) for e in result.errors or []]


async def test_plain_values_are_the_same():
    branches = [Branch(label="a", leaves=[_leaf(1), _leaf(2, name=None, at=None)],
                       first=_leaf(3)), Branch(label="b", leaves=[])]
    expected, got = await _both(branches)
    assert expected.errors is None and got.errors is None
    assert got.data == expected.data


async def test_a_null_for_a_non_null_field_gives_the_same_error_and_nulls():
    branches = [Branch(label="a", leaves=[_leaf(1), _leaf(2, count=None)], first=_leaf(3)),
                Branch(label="b", leaves=[_leaf(4)], first=_leaf(5, colour=None))]
    expected, got = await _both(branches)
    assert _errors(got) == _errors(expected) and got.errors
    assert got.data == expected.data


async def test_a_value_that_does_not_serialise_gives_the_same_error():
    branches = [Branch(label="a", leaves=[_leaf(1, count="many")], first=_leaf(2, at="now"))]
    expected, got = await _both(branches)
    assert _errors(got) == _errors(expected) and got.errors
    assert got.data == expected.data


async def test_a_resolve_hook_still_sees_every_field():
    seen: list[list[str]] = [[], []]

    class Counting(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):
            seen[self.execution_context.context["run"]].append(info.field_name)
            return _next(root, info, *args, **kwargs)

    default, direct = _schema([Branch(label="a", leaves=[_leaf(1)], first=_leaf(2))],
                              [Counting])
    query = "{ branches { label leaves { id name } first { id } } }"
    expected = await default.execute(query, context_value={"run": 0})
    got = await direct.execute(query, context_value={"run": 1})
    assert got.data == expected.data and seen[1] == seen[0] and "name" in seen[0]


async def test_plain_fields_skip_graphql_cores_field_execution(monkeypatch):
    calls: list[str] = []
    original = DiallerExecutionContext.execute_field

    def counted(self, parent_type, source, details, path, position_context):
        calls.append(details[0].node.name.value)
        return original(self, parent_type, source, details, path, position_context)

    monkeypatch.setattr(execution.DiallerExecutionContext, "execute_field", counted)
    _, direct = _schema([Branch(label="a", leaves=[_leaf(1), _leaf(2)], first=_leaf(3))])
    result = await direct.execute("{ branches { label upper leaves { id name } first { id } } }")
    assert result.errors is None
    # Only the fields with resolvers run through graphql-core; the plain ones are read.
    assert sorted(calls) == ["branches", "upper"]


def test_the_api_schema_executes_with_the_direct_context():
    assert build_schema().execution_context_class is DiallerExecutionContext
