"""dialler_graphql_operations_total: every GraphQL operation, by what it asked and how it
ended."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from infrastructure.metrics import GRAPHQL_OPERATIONS

NOT_RUN = "(not run)"


class CountOperations(SchemaExtension):
    """Labels an operation by its root field (``query:dashboard``), a name the schema
    bounds: the client's operation name would let anyone add series. Several root fields
    (or a fragment at the root) are ``query:(several)``. Outcome: ok; error (the result
    has errors); rejected (never executed: unparseable, invalid, or refused by an earlier
    extension such as the request budget)."""

    _operation: str | None = None  # set once executing: strawberry makes one per operation

    def on_execute(self) -> Iterator[None]:
        self._operation = self._root_field()
        yield

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            GRAPHQL_OPERATIONS.labels(self._operation or NOT_RUN, self._outcome()).inc()

    def _outcome(self) -> str:
        if self._operation is None:
            return "rejected"
        result = self.execution_context.result
        return "error" if result is None or result.errors else "ok"

    def _root_field(self) -> str:
        context = self.execution_context
        operation = get_operation_ast(context.graphql_document, context.operation_name)
        if operation is None:  # validated documents have one; a guard, not a case
            return NOT_RUN
        names = {s.name.value if isinstance(s, FieldNode) else "" for s in
                 operation.selection_set.selections}
        field = names.pop() if len(names) == 1 and "" not in names else "(several)"
        return f"{operation.operation.value}:{field}"
