"""Execution that completes the plain parts of a result directly.

graphql-core builds a path, a resolve info and a chain of resolver wrappers for every
field, and Strawberry adds its own wrapper on top: on a page of 500 queue entries that is
about 20,000 fields, most of the request's time. A field that only reads its source (an
attribute, or a value its producer preloaded: graphql_api.plain_fields), below which every
field does the same, needs none of it: its value is read and completed directly, by a
completer built once per place in the query (graphql_api.completers). Anything unusual (a
null where the schema says non-null, a value that does not serialise, an awaitable, an
error, a directive, a schema extension with a resolve hook, a preloaded field that was not
preloaded) goes back to graphql-core, which completes that field from the start and
reports exactly what it always did.

A subscription event whose whole selection is plain depends only on the event, the
operation and its variables, never on who subscribed: it is completed once per event and
handed to every subscription of the same operation and variables (_SharedResults).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationType,
)
from graphql.execution.collect_fields import GroupedFieldSet, collect_fields
from graphql.pyutils import Path, RefMap, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graphql_api.completers import (
    Completer,
    ObjectField,
    leaf_completer,
    list_completer,
    object_completer,
)
from graphql_api.plain_fields import PlainField, plain_field

_LEAVES = (GraphQLScalarType, GraphQLEnumType)


class _EventPlan(NamedTuple):
    """How a subscription's events are completed when its whole selection is plain."""

    response_name: str
    type_: Any
    details: Any
    # What the result depends on besides the event: the schema, the operation's text and
    # place in it (equal texts parse alike, parsed once or not) and the coerced variables.
    key: tuple


class _SharedResults:
    """The completed root values of the last few events, by event and _EventPlan.key.

    An entry keeps its event and schema alive, so no id in a key can be reused while the
    entry exists; a lookup still checks they are the very same objects. A value goes to
    every subscriber as it is: nothing after execution changes a result's data.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[tuple, tuple[Any, Any, Any]] = {}

    def get(self, key: tuple, root: Any, schema: Any) -> Any:
        entry = self._entries.get(key)
        if entry is not None and entry[0] is root and entry[1] is schema:
            return entry[2]
        return Undefined

    def put(self, key: tuple, root: Any, schema: Any, value: Any) -> None:
        entries = self._entries
        entries.pop(key, None)
        entries[key] = (root, schema, value)
        if len(entries) > self._size:
            del entries[next(iter(entries))]

    def clear(self) -> None:
        self._entries.clear()


# A subscriber late by more events than this recomputes its result, which is only slower.
SHARED_RESULTS = _SharedResults(64)


class DiallerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain fields without per-field cost."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension's resolve hook must see every field: no shortcut then.
        self._direct = not (manager and manager.middlewares)
        # graphql-core memoises grouped field sets per request, so each position of the
        # query is planned once however many objects fill it; keyed by id, kept alive.
        self._planned: dict[int, tuple[GroupedFieldSet, list]] = {}
        self._subtrees: dict[tuple, tuple[list, Completer | None]] = {}
        # Set on a subscription's executor by its first event, then copied to each
        # per-event executor: None when the events must be executed one by one.
        self._event_plan: _EventPlan | None = None
        self._event_planned = False
        self._subscription: DiallerExecutionContext | None = None

    def __copy__(self) -> DiallerExecutionContext:
        # What copy() does for a plain object, without its reduce protocol: graphql-core
        # copies the subscription's executor for every event of every subscriber.
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def build_per_event_executor(self, payload: Any) -> DiallerExecutionContext:
        """A per-event executor with memos of its own.

        graphql-core shares the memos with the subscription's executor, but they are keyed
        by field lists that every event collects anew: shared, they would grow by an entry
        per event for as long as the subscription lives.
        """
        if not self._event_planned:
            self._event_plan = self._plan_event()
            self._event_planned = True
        executor = super().build_per_event_executor(payload)
        executor._planned, executor._subtrees = {}, {}
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        executor._subscription = self
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        """A plain subscription event's result is completed once for every subscriber."""
        plan, subscription = self._event_plan, self._subscription
        if plan is None or subscription is None or (
                self.abort_signal is not None and self.abort_signal.aborted):
            return super().execute_operation(serially)
        root, schema = self.root_value, self.schema
        key = (id(root), *plan.key)
        value = SHARED_RESULTS.get(key, root, schema)
        if value is Undefined:
            try:
                # The subscription's own memos: its field lists are collected only once.
                complete = subscription._completer(plan.type_, plan.details)
                if complete is None:
                    return super().execute_operation(serially)
                value = complete(root)
            except Exception:  # noqa: BLE001 - graphql-core says what it is
                return super().execute_operation(serially)
            SHARED_RESULTS.put(key, root, schema, value)
        return self.finish(self.build_response({plan.response_name: value}))

    def _plan_event(self) -> _EventPlan | None:
        """The plan of a subscription whose events need no resolver, or None."""
        root_type, loc = self.schema.subscription_type, self.operation.loc
        if not self._direct or root_type is None or loc is None or loc.source is None or \
                self.operation.operation is not OperationType.SUBSCRIPTION:
            return None
        variables = _hashable_variables(self.variable_values)
        if variables is None:
            return None
        try:
            grouped, defers, _ = collect_fields(
                self.schema, self.fragments, self.variable_values, root_type,
                self.operation, self.hide_suggestions)
        except Exception:  # noqa: BLE001 - execution reports it
            return None
        if defers or len(grouped) != 1:
            return None
        (name, details), = grouped.items()
        node = details[0].node
        field_def = root_type.fields.get(node.name.value)
        if field_def is None or not _passes_event_on(field_def) or \
                any(d.node.directives for d in details) or \
                self._completer(field_def.type, details) is None:
            return None
        return _EventPlan(name, field_def.type, details,
                          (id(self.schema), loc.source.body, loc.start, variables))

    def build_response(self, data):
        """The result; this executor's plans go now. graphql-core's executor is garbage in
        a reference cycle, and a large query's plans (completers, field lists) would wait
        with it for the cyclic collector, which then runs more often."""
        self._planned.clear()
        self._subtrees.clear()
        return super().build_response(data)

    def execute_fields(self, parent_type, source_value, path, grouped_field_set,
                       position_context):
        """graphql-core's ``execute_fields``, completing plain fields directly."""
        if not self._direct:
            return super().execute_fields(parent_type, source_value, path,
                                          grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for name, details, direct in self._fields_of(parent_type, grouped_field_set):
                if direct is not None:
                    plain, complete = direct
                    try:
                        results[name] = complete(plain.read(source_value, plain.python_name))
                        continue
                    except Exception:  # noqa: BLE001, S112 - graphql-core says what it is
                        pass
                result = self.execute_field(parent_type, source_value, details,
                                            Path(path, name, parent_type.name),
                                            position_context)
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:  # settle the siblings' awaitables, they may fail too
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gather_fields(results, awaitable_fields)

    def complete_value(self, return_type, field_details_list, info, path, result,
                       position_context):
        """A resolver's value below which everything is plain is completed directly."""
        if self._direct:
            complete = self._completer(return_type, field_details_list)
            if complete is not None:
                try:
                    return complete(result)
                except Exception:  # noqa: BLE001, S110 - graphql-core says what it is
                    pass
        return super().complete_value(return_type, field_details_list, info, path, result,
                                      position_context)

    def _fields_of(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list:
        """(response name, field details, (PlainField, Completer) or None) for each field."""
        found = self._planned.get(id(grouped))
        if found is None:
            found = (grouped, [(name, details, self._direct_field(parent_type, details))
                               for name, details in grouped.items()])
            self._planned[id(grouped)] = found
        return found[1]

    def _direct_field(self, parent_type: GraphQLObjectType, details
                      ) -> tuple[PlainField, Completer] | None:
        node = details[0].node
        plain = plain_field(parent_type, node.name.value)
        if plain is None or node.arguments or any(d.node.directives for d in details):
            return None
        complete = self._completer(plain.type_, details)
        return None if complete is None else (plain, complete)

    def _completer(self, type_, details) -> Completer | None:
        """How values of this type are completed here; None if a field below is not plain."""
        key = (type_, id(details))
        found = self._subtrees.get(key)
        if found is None:
            found = (details, self._build_completer(type_, details))
            self._subtrees[key] = found
        return found[1]

    def _build_completer(self, type_, details) -> Completer | None:
        nullable = not isinstance(type_, GraphQLNonNull)
        named = type_ if nullable else type_.of_type
        if isinstance(named, GraphQLList):
            item = self._completer(named.of_type, details)
            return None if item is None else list_completer(item, nullable)
        if isinstance(named, _LEAVES):
            return leaf_completer(named, nullable)
        if not isinstance(named, GraphQLObjectType):  # abstract: graphql-core resolves it
            return None
        fields = self._plan_object(named, details)
        return None if fields is None else object_completer(fields, nullable)

    def _plan_object(self, type_: GraphQLObjectType, details) -> list[ObjectField] | None:
        """The plain fields selected on an object type here; None if any is not plain."""
        if type_.is_type_of is not None:
            return None
        grouped, defers, _ = self.collect_subfields(type_, details)
        if defers:
            return None
        fields = []
        for name, sub in grouped.items():
            direct = self._direct_field(type_, sub)
            if direct is None:
                return None
            plain, complete = direct
            fields.append((name, plain.read, plain.python_name, complete))
        return fields


def _passes_event_on(field_def) -> bool:
    """Whether a subscription field resolves each event to the event itself.

    Its arguments and permissions then only shape the stream (Strawberry runs them in the
    subscribe resolver, once per subscription), never what an event looks like.
    """
    strawberry_field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field_def.resolve
    return (strawberry_field is not None and strawberry_field.is_subscription
            and field_def.subscribe is not None
            and getattr(resolve, "__module__", "") == GraphQLCoreConverter.__module__
            and getattr(resolve, "__qualname__", "") ==
            "GraphQLCoreConverter.from_field.<locals>.<lambda>")


def _hashable_variables(variable_values) -> tuple | None:
    """The coerced variables as a key (with each value's type: 1 is not True), or None."""
    coerced = getattr(variable_values, "coerced", variable_values)
    try:
        key = tuple(sorted((name, type(value), value) for name, value in coerced.items()))
        hash(key)
    except TypeError:
        return None
    return key


async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict:
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results
