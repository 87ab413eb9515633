"""Thin resolvers for explaining scores, rule sets and experiments."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.scoring.experiments import two_proportion_p_value
from domain.scoring.explain import recommendations
from graphql_api.errors import BadUserInput
from graphql_api.ids import int_id, uuid_id
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.scoring import (
    AutomaticAction,
    ExperimentArm,
    ExperimentRejected,
    ExperimentStarted,
    ExperimentType,
    RuleSetCreated,
    RuleSetInvalid,
    RuleSetProblem,
    RuleSetType,
    ScoreBreakdown,
    ScoreExplanation,
)
from service_layer.explain import explain, match_factor
from service_layer.rule_sets import experiment_refusal

RuleSetResult = Annotated[RuleSetCreated | RuleSetInvalid, strawberry.union("RuleSetResult")]
ExperimentResult = Annotated[ExperimentStarted | ExperimentRejected,
                             strawberry.union("ExperimentResult")]


async def explain_score(info: Info, user_id: strawberry.ID) -> ScoreExplanation | None:
    services = info.context.services
    uid = user_id_argument(user_id)
    found = await explain(services.queues, uid, services.clock(),
                          actions=services.sms.sms.actions)
    if found is None:
        return None
    context = await info.context.loaders.user_context.load(uid)
    b = found.breakdown
    return ScoreExplanation(
        user_id=strawberry.ID(str(uid)), total_score=b.total, queue_type=found.queue_type,
        rule_set_version=found.rule_set_version, experiment_arm=found.experiment_arm,
        breakdown=ScoreBreakdown(lender_score=b.lender, age_score=b.age, time_score=b.time,
                                 disposition_score=b.disposition,
                                 adjustment_score=b.adjustment, learned_score=b.learned),
        factors=[f.reason for f in b.factors] + [f"Queue: {found.placement_reason}"]
        + await match_factor(services.leases, uid, services.clock()),
        recommendations=[*([found.channel_advice] if found.channel_advice else []),
                         *(recommendations(context.context, found.queue_type and
                                           found.queue_type.value) if context else [])],
        automatic_actions=[AutomaticAction.from_domain(a) for a in found.automatic_actions])


async def list_rule_sets(info: Info) -> list[RuleSetType]:
    return [RuleSetType.from_domain(r) for r in await info.context.services.rule_sets.list()]


async def create_rule_set(info: Info, name: str, document: JSON) -> RuleSetResult:
    principal = info.context.require_principal()
    found = await info.context.services.rule_sets.create(name, document, principal.agent_id)
    if isinstance(found, list):
        return RuleSetInvalid(problems=[RuleSetProblem(path=p.path, message=p.message)
                                        for p in found])
    return RuleSetCreated(rule_set=RuleSetType.from_domain(found))


async def activate_rule_set(info: Info, id: strawberry.ID) -> RuleSetType:
    services = info.context.services
    record = await services.rule_sets.activate(int_id(id, "id"), services.clock())
    if record is None:
        raise BadUserInput(f"there is no rule set {id}", field="id")
    # Every score now follows the new rules: rescored in the background (minutes at scale).
    services.background.spawn(services.queues.rebuild(), "rescore after activation")
    return RuleSetType.from_domain(record)


async def start_experiment(info: Info, name: str, variant_rule_set_id: strawberry.ID,
                           share: float) -> ExperimentResult:
    services = info.context.services
    refusal = experiment_refusal(name, share)
    if refusal:
        return ExperimentRejected(message=refusal)
    variant_id = int_id(variant_rule_set_id, "variantRuleSetId")
    started = await services.rule_sets.start_experiment(name, variant_id, share,
                                                        services.clock())
    if isinstance(started, str):
        return ExperimentRejected(message=started)
    services.background.spawn(services.queues.rebuild(), "rescore for an experiment")
    return ExperimentStarted(experiment=await _experiment_type(services, started))


async def experiment(info: Info, id: strawberry.ID) -> ExperimentType | None:
    experiment_id = uuid_id(id, "id")
    services = info.context.services
    found = await services.rule_sets.experiment(experiment_id)
    return await _experiment_type(services, found) if found else None


async def _experiment_type(services, found) -> ExperimentType:
    arms = await services.rule_sets.arm_results(found)
    control, variant = arms
    return ExperimentType(
        id=strawberry.ID(str(found.id)), name=found.name, status=found.status.value,
        share=found.share, started_at=found.started_at,
        arms=[ExperimentArm(name=a.name, users=a.users, attempts=a.attempts,
                            contact_rate=a.contact_rate, conversion_rate=a.conversion_rate)
              for a in arms],
        p_value=two_proportion_p_value(control.conversions, control.users,
                                       variant.conversions, variant.users))
