"""What the API puts in the audit trail: reads of personal data by a person, and every
mutation. Recording never waits for PostgreSQL and never fails a request."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.utilities import get_operation_ast, value_from_ast_untyped
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from domain.agents.model import Role
from domain.audit.model import AuditKind, AuditRecord
from domain.users.model import parse_user_id
from graphql_api.context import RequestContext

log = logging.getLogger(__name__)
# The people whose reads are recorded (INTEGRATION is the main application).
PERSONS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
UNKNOWN_OPERATION = "(unknown)"


def record_reads(source: Info | RequestContext, user_ids: Iterable[int]) -> None:
    """Records that the person asking has read these users' personal data.

    Call it once access is granted, with the field's ``info`` where you have it (the
    operation is then exact even on a websocket), else the request context. Each user is
    recorded once per request (once per event on a websocket); INTEGRATION and anonymous
    callers are not recorded. Returns at once and never raises.
    """
    try:
        info = source if isinstance(source, Info) else None
        context = info.context if info is not None else source
        if not isinstance(context, RequestContext):  # a schema run outside the app
            return
        principal = context.principal
        if principal is None or not principal.has_role(*PERSONS):
            return
        reads = context.audit_reads
        fresh = reads.first_reads(user_ids)
        if not fresh:
            return
        operation = (operation_label(info.operation) if info is not None
                     else reads.operation or UNKNOWN_OPERATION)
        at, address = context.services.clock(), context.client_ip
        context.services.audit_writer.record_many([
            AuditRecord(at, AuditKind.READ, principal.agent_id, user_id, operation, address)
            for user_id in fresh])
    except Exception:  # the trail must never cost the request its answer
        log.exception("reads could not be recorded in the audit trail")


def operation_label(operation: OperationDefinitionNode) -> str:
    """The operation's name; unnamed: its root fields' names (not aliases), comma-separated."""
    if operation.name is not None:
        return operation.name.value
    names = dict.fromkeys(f.name.value for f in _root_fields(operation.selection_set, {}, {})
                          if not f.name.value.startswith("__"))
    return ",".join(names) or UNKNOWN_OPERATION


class AuditMutations(SchemaExtension):
    """Records each root field of a mutation before it runs: who, the user it names (its
    ``userId`` argument, or an input's ``userId``), from where; refused and failed
    attempts too. For other operations it notes the operation for record_reads."""

    def on_execute(self) -> Iterator[None]:
        try:
            self._note()
        except Exception:  # the trail must never cost the request its answer
            log.exception("the operation could not be recorded in the audit trail")
        yield

    def _note(self) -> None:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if not isinstance(context, RequestContext) or document is None:
            return
        operation = get_operation_ast(document, execution.operation_name)
        if operation is None:
            return
        if operation.operation is not OperationType.MUTATION:
            context.audit_reads.operation = operation_label(operation)
            return
        _record_mutation(context, document, operation, execution.variables or {})


def _record_mutation(context: RequestContext, document: DocumentNode,
                     operation: OperationDefinitionNode, variables: dict) -> None:
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    principal = context.principal
    agent_id = principal.agent_id if principal is not None else None
    at, address = context.services.clock(), context.client_ip
    context.services.audit_writer.record_many([
        AuditRecord(at, AuditKind.MUTATION, agent_id, _user_of(field, variables),
                    field.name.value, address)
        for field in _root_fields(operation.selection_set, fragments, variables)
        if not field.name.value.startswith("__")])


def _root_fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict) -> Iterator[FieldNode]:
    """The fields an operation asks of its root type, through fragments, as executed
    (@skip / @include honoured)."""
    for selection in selection_set.selections:
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _root_fields(fragment.selection_set, fragments, variables)


def _included(selection: SelectionNode, variables: dict) -> bool:
    for directive in selection.directives or ():
        condition = next((a.value for a in directive.arguments or ()
                          if a.name.value == "if"), None)
        if condition is None:
            continue
        value = (variables.get(condition.name.value) if isinstance(condition, VariableNode)
                 else value_from_ast_untyped(condition))
        if (directive.name.value, value) in (("skip", True), ("include", False)):
            return False
    return True


def _user_of(field: FieldNode, variables: dict) -> int | None:
    """The user a mutation field names: its ``userId``, or a ``userId`` in an input."""
    for argument in field.arguments or ():
        value = value_from_ast_untyped(argument.value, variables)
        if argument.name.value != "userId":
            value = value.get("userId") if isinstance(value, dict) else None
        if value is not None:
            try:
                return parse_user_id(value)
            except ValueError:
                return None
    return None
