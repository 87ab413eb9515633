"""The GraphQL schema: root fields, permissions and protective limits."""

from __future__ import annotations

import re
from collections.abc import Iterable

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from graphql_api import errors
from graphql_api.access import ReadsUserContexts, SeesUser
from graphql_api.audit import AuditMutations
from graphql_api.execution import DiallerExecutionContext
from graphql_api.limits import RequestBudget
from graphql_api.operation_metrics import CountOperations
from graphql_api.permissions import (
    CanReadUsers,
    IsAdmin,
    IsAuthenticated,
    IsStaff,
    IsSupervisor,
)
from graphql_api.resolvers import activity, agents, scoring, users
from graphql_api.resolvers import audit as audit_resolvers
from graphql_api.resolvers import calls as call_resolvers
from graphql_api.resolvers import queue as queue_resolvers
from graphql_api.roots.accounts import AccountsMutation, AccountsQuery
from graphql_api.roots.callbacks import CallbacksMutation, CallbacksQuery
from graphql_api.roots.calls import CallsQuery, CallsSubscription
from graphql_api.roots.conversations import ConversationsMutation, ConversationsQuery
from graphql_api.roots.do_not_call import DoNotCallMutation, DoNotCallQuery
from graphql_api.roots.learning import LearningMutation, LearningQuery
from graphql_api.roots.links import LinksMutation, LinksQuery
from graphql_api.roots.messaging import MessagingMutation, MessagingQuery, MessagingSubscription
from graphql_api.roots.search import SearchQuery
from graphql_api.roots.supervisor import SupervisorMutation, SupervisorQuery
from graphql_api.roots.sync import SyncQuery
from graphql_api.types.activity import AgentActivity
from graphql_api.types.agents import AgentType, LoginResult
from graphql_api.types.audit import AuditConnection
from graphql_api.types.calls import CallbackType
from graphql_api.types.queue import QueueConnection, QueueStatsType, QueueUpdate
from graphql_api.types.scoring import ExperimentType, RuleSetType, ScoreExplanation
from graphql_api.types.users import UserContextType
from infrastructure.logging import get_logger

log = get_logger(__name__)
# graphql-core ends a message with its suggestions: "… Did you mean 'x' or 'y'?"
_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)


@strawberry.type
class Query:
    me: AgentType = strawberry.field(resolver=agents.me, permission_classes=[IsAuthenticated],
                                     description="The agent the token belongs to.")
    user_context: UserContextType | None = strawberry.field(
        resolver=users.user_context, permission_classes=[CanReadUsers, ReadsUserContexts],
        description="A user's whole context; null when the user does not exist.")
    user_contexts: list[UserContextType | None] = strawberry.field(
        resolver=users.user_contexts, permission_classes=[CanReadUsers, ReadsUserContexts],
        description="Several users' contexts in the order asked (1 to 100); null for unknown.")
    queue: QueueConnection = strawberry.field(
        resolver=queue_resolvers.queue, permission_classes=[IsStaff],
        description="One queue in calling order (lower score first, ties by user id).")
    queue_stats: list[QueueStatsType] = strawberry.field(
        resolver=queue_resolvers.queue_stats, permission_classes=[CanReadUsers])
    explain_score: ScoreExplanation | None = strawberry.field(
        resolver=scoring.explain_score, permission_classes=[IsStaff, SeesUser],
        description="Every rule that fired for a user, with its points; null: no such user.")
    rule_sets: list[RuleSetType] = strawberry.field(
        resolver=scoring.list_rule_sets, permission_classes=[IsSupervisor])
    experiment: ExperimentType | None = strawberry.field(
        resolver=scoring.experiment, permission_classes=[IsSupervisor])
    audit_log: AuditConnection = strawberry.field(
        resolver=audit_resolvers.audit_log, permission_classes=[IsSupervisor],
        description="Reads of personal data and mutations, newest first: a user's, an "
                    "agent's, or both (at least one); the period at most AUDIT_KEEP_DAYS.")


@strawberry.type
class Mutation:
    login: LoginResult = strawberry.field(
        resolver=agents.login,
        description="Wrong e-mail or password gives LoginFailed, never which one.")
    set_agent_status: AgentType = strawberry.field(
        resolver=agents.set_agent_status, permission_classes=[IsStaff])
    set_automated_agent_limit: AgentType = strawberry.field(
        resolver=agents.set_automated_agent_limit, permission_classes=[IsSupervisor],
        description="An automated agent's cap on texts an hour (SUPERVISOR, ADMIN).")
    set_agent_queue_types: AgentType = strawberry.field(
        resolver=agents.set_agent_queue_types, permission_classes=[IsSupervisor],
        description="Which queue types an agent works (SUPERVISOR, ADMIN); null: all.")
    next_lead: queue_resolvers.NextLeadResult = strawberry.field(
        resolver=queue_resolvers.next_lead, permission_classes=[IsStaff],
        description="Leases the most urgent callable entry to the calling agent.")
    record_disposition: call_resolvers.DispositionResult = strawberry.field(
        resolver=call_resolvers.record_disposition, permission_classes=[IsStaff])
    schedule_callback: call_resolvers.CallbackResult = strawberry.field(
        resolver=call_resolvers.schedule_callback, permission_classes=[IsStaff, SeesUser],
        description="Books (or reschedules) a callback; personal: for the booking agent first.")
    cancel_callback: CallbackType = strawberry.field(
        resolver=call_resolvers.cancel_callback, permission_classes=[IsStaff])
    create_rule_set: scoring.RuleSetResult = strawberry.field(
        resolver=scoring.create_rule_set, permission_classes=[IsAdmin],
        description="A new draft version; an invalid document comes back with every problem.")
    activate_rule_set: RuleSetType = strawberry.field(
        resolver=scoring.activate_rule_set, permission_classes=[IsAdmin],
        description="Makes a version active (the previous one is retired) and rescores.")
    start_experiment: scoring.ExperimentResult = strawberry.field(
        resolver=scoring.start_experiment, permission_classes=[IsAdmin],
        description="Scores a share of users (0 < share < 1) with a variant rule set.")


@strawberry.type
class Subscription:
    agent_activity: AgentActivity = strawberry.subscription(
        resolver=activity.agent_activity, permission_classes=[IsSupervisor],
        description="Every agent's status changes, live (SUPERVISOR and ADMIN).")
    queue_updates: QueueUpdate = strawberry.subscription(
        resolver=queue_resolvers.queue_updates, permission_classes=[IsStaff],
        description="Entries that join, leave, move or are rescored; no type: all queues.")


# Each area of the API keeps its root fields in its own module; they are merged here.
# One line per area: add the area's root type to its tuple.
QUERIES: tuple[type, ...] = (Query, CallsQuery, LinksQuery, SupervisorQuery, MessagingQuery,
                             SyncQuery, ConversationsQuery, LearningQuery, AccountsQuery,
                             CallbacksQuery, DoNotCallQuery, SearchQuery)
MUTATIONS: tuple[type, ...] = (Mutation, LinksMutation, SupervisorMutation, MessagingMutation,
                               ConversationsMutation, LearningMutation, AccountsMutation,
                               CallbacksMutation, DoNotCallMutation)
SUBSCRIPTIONS: tuple[type, ...] = (Subscription, CallsSubscription, MessagingSubscription,)


class DiallerSchema(strawberry.Schema):
    hide_suggestions = False  # "Did you mean …" names fields, arguments and enum values

    async def execute(self, query: str | None, variable_values: dict | None = None,
                      context_value: object | None = None, root_value: object | None = None,
                      operation_name: str | None = None,
                      allowed_operation_types: Iterable[OperationType] | None = None,
                      operation_extensions: dict | None = None) -> ExecutionResult:
        """A subscription lives on a websocket: sent over HTTP it is refused (400), where
        Strawberry would run its resolver once as a query and fail."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        allowed.discard(OperationType.SUBSCRIPTION)
        return await super().execute(query, variable_values, context_value, root_value,
                                     operation_name, allowed, operation_extensions)

    def process_errors(self, errs: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errs:
            if self.hide_suggestions:
                error.message = _SUGGESTION.sub("", error.message)
            if not (error.extensions or {}).get("code") and errors.is_expected(error):
                # No original error: the document failed validation; a GraphQLError inside:
                # a variable's value could not be coerced.
                code = errors.VALIDATION_FAILED if error.original_error is None \
                    else errors.BAD_USER_INPUT
                error.extensions = {**(error.extensions or {}), "code": code}
            elif errors.as_busy(error) is not None:
                log.warning("request refused: busy", path=error.path,
                            error=str(error.original_error))
            elif not errors.is_expected(error):
                log.error("unexpected error", path=error.path,
                          exc_info=error.original_error)


class MaskUnexpectedErrors(MaskErrors):
    """Hides bugs' details from clients; they keep a stable code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not errors.is_expected(e),
                         error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        busy = errors.as_busy(error)
        if busy is not None:  # overload is no bug: say so, with when to try again
            error.message, error.extensions = busy.message, busy.extensions
            return error
        masked = super().anonymise_error(error)
        masked.extensions = {"code": errors.INTERNAL}
        return masked

    def _process_result(self, result: object) -> None:
        # MaskErrors asks isinstance() of a runtime-checkable Protocol, which is slow and
        # runs for every result streamed to every subscriber; it only checks the attribute.
        found = getattr(result, "errors", None)
        if found:
            result.errors = self._process_errors(found)


def build_schema(max_depth: int = 12, max_tokens: int = 2000, max_aliases: int = 30, *,
                 introspection: bool = True) -> strawberry.Schema:
    """``introspection`` False: no __schema/__type and no "Did you mean" suggestions."""
    # The limiters' validation rules are built once: a rule class made per request would
    # never hit the validation cache (it keys on the rules), and parsing plus validation is
    # most of a cached request's cost.
    limits = [*QueryDepthLimiter(max_depth=max_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]
    if not introspection:
        limits.append(NoSchemaIntrospectionCustomRule)
    built = DiallerSchema(
        query=merge_types("Query", QUERIES), mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS),
        execution_context_class=DiallerExecutionContext,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: AddValidationRules(limits),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            MaskUnexpectedErrors,
            RequestBudget,
            AuditMutations,  # after the budget: a refused operation did nothing to record
            CountOperations,  # last: one refused by any of the above counts as rejected
        ],
    )
    built.hide_suggestions = not introspection
    return built


schema = build_schema()
