"""The direct completion of plain fields answers exactly as Strawberry's own execution."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from graphql_api import execution
from graphql_api.execution import DiallerExecutionContext
from graphql_api.plain_fields import NOT_LOADED, preloaded
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


@strawberry.type
class Odd:
    """Fields of every built-in scalar, given values graphql-core must coerce or refuse."""

    number: int | None = None
    ratio: float | None = None
    text: str | None = None
    key: strawberry.ID | None = None
    flag: bool | None = None


ODD_VALUES = {
    "number": [2**31, -(2**31) - 1, 2**31 - 1, 3.0, 3.5, True, "12", float("nan")],
    "ratio": [float("inf"), float("nan"), 2, True, "1.5", 1e308],
    "text": [5, 2.5, True, Colour.RED, b"bytes", ["a"]],
    "key": [7, 7.0, True, "x", None],
    "flag": [1, 0, "yes", None],
}


async def test_scalars_coerce_and_refuse_as_graphql_core_does():
    odds = [Odd(**{name: value}) for name, values in ODD_VALUES.items() for value in values]

    @strawberry.type
    class Query:
        @strawberry.field
        async def odds(self) -> list[Odd]:
            return odds

        @strawberry.field
        async def strict(self) -> list[Leaf]:
            return [_leaf(1, id=5), _leaf(2, count=2**40), _leaf(3, count=4.0)]

    query = "{ odds { number ratio text key flag } strict { id count } }"
    default = strawberry.Schema(Query)
    direct = strawberry.Schema(Query, execution_context_class=DiallerExecutionContext)
    expected, got = await default.execute(query), await direct.execute(query)
    assert _errors(got) == _errors(expected) and len(got.errors) > 5
    assert got.data == expected.data


class Anything:
    """Makes up every attribute it is asked for, ``__await__`` too."""

    def __getattr__(self, name):
        return "made up"


class Sometimes:
    """A leaf whose ``__await__`` is made up for some instances only."""

    def __init__(self, i: int, awaitable: bool):
        self.id, self.name, self.awaitable = str(i), f"s{i}", awaitable

    def __getattr__(self, name):
        if name == "__await__" and self.awaitable:
            return lambda: iter(())
        raise AttributeError(name)


async def test_awaitables_errors_and_odd_objects_in_plain_fields_go_to_graphql_core():
    async def later() -> Leaf:
        return _leaf(8)

    def branches():
        return [Branch(label="a", leaves=[_leaf(1)], first=Anything()),
                Branch(label="b", leaves=[_leaf(2)], first=later()),
                Branch(label="c", leaves=[], first=ValueError("no leaf")),
                Branch(label="d", leaves=[_leaf(3)], first=Sometimes(4, awaitable=False)),
                Branch(label="e", leaves=[_leaf(5)], first=Sometimes(6, awaitable=True))]

    default, _ = _schema(branches())
    _, direct = _schema(branches())
    query = "{ branches { label leaves { id name } first { id name } } }"
    expected, got = await default.execute(query), await direct.execute(query)
    assert _errors(got) == _errors(expected) and len(got.errors) == 3
    assert got.data == expected.data


LOADED_LATER: list[str] = []


class Closed(BasePermission):
    message = "closed"

    def has_permission(self, source, info, **kwargs) -> bool:
        return False


@strawberry.type
class Shelf:
    name: str
    _leaves: strawberry.Private[list[Leaf] | None] = None

    def _preloaded_leaves(self) -> list[Leaf]:
        return NOT_LOADED if self._leaves is None else list(self._leaves)

    @strawberry.field(metadata=preloaded(lambda shelf: shelf._preloaded_leaves()))
    def leaves(self) -> list[Leaf]:
        found = self._preloaded_leaves()
        if found is NOT_LOADED:
            LOADED_LATER.append(self.name)
            return self._load()
        return found

    async def _load(self) -> list[Leaf]:
        return [_leaf(len(self.name))]

    @strawberry.field(permission_classes=[Closed],
                      metadata=preloaded(lambda shelf: shelf._preloaded_leaves()))
    def guarded(self) -> list[Leaf]:
        return self.leaves()


async def test_a_preloaded_field_is_read_directly_and_resolved_when_not_loaded(monkeypatch):
    calls: list[str] = []
    original = DiallerExecutionContext.execute_field

    def counted(self, parent_type, source, details, path, position_context):
        calls.append(details[0].node.name.value)
        return original(self, parent_type, source, details, path, position_context)

    def shelves():
        return [Shelf(name="full", _leaves=[_leaf(1), _leaf(2)]), Shelf(name="empty", _leaves=[]),
                Shelf(name="later")]

    @strawberry.type
    class Query:
        @strawberry.field
        async def shelves(self) -> list[Shelf]:
            return shelves()

    query = "{ shelves { name leaves { id name colour } } }"
    expected = await strawberry.Schema(Query).execute(query)
    monkeypatch.setattr(execution.DiallerExecutionContext, "execute_field", counted)
    LOADED_LATER.clear()
    got = await strawberry.Schema(Query, execution_context_class=DiallerExecutionContext
                                  ).execute(query)
    assert got.errors is None and got.data == expected.data
    # Only the shelf without its leaves runs the resolver, which loads them.
    assert LOADED_LATER == ["later"] and sorted(calls) == ["leaves", "shelves"]


async def test_a_preloaded_field_with_a_permission_is_always_resolved():
    @strawberry.type
    class Query:
        @strawberry.field
        async def shelf(self) -> Shelf:
            return Shelf(name="full", _leaves=[_leaf(1)])

    query = "{ shelf { name guarded { id } } }"
    expected = await strawberry.Schema(Query).execute(query)
    got = await strawberry.Schema(Query, execution_context_class=DiallerExecutionContext
                                  ).execute(query)
    assert _errors(got) == _errors(expected) and got.errors
    assert got.data == expected.data
