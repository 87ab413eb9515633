"""A magic link sent by SMS travels in a text of the conversation, checked like every text;
on in-memory links and messages."""

from __future__ import annotations

import pytest

from domain.links import tokens
from domain.links.model import Channel, Purpose, Rejection
from domain.messaging.model import SmsStatus
from domain.messaging.ports import TwilioSendFailed
from service_layer.link_sending import LinkSending
from service_layer.magic_links import LinkIssued
from tests.fakes.builders import LinksWorld, SmsWorld, a_user, replica_facts

NUMBER = "+447911123456"
LEAKED = "A" * 32 + "." + "b" * 22  # token-shaped text a provider's error might quote


@pytest.fixture
def links() -> LinksWorld:
    links = LinksWorld()
    links.users.put(a_user(1))
    return links


@pytest.fixture
def texts() -> SmsWorld:
    texts = SmsWorld()
    texts.replica.put(replica_facts(1))
    return texts


def sending(links: LinksWorld, texts: SmsWorld) -> LinkSending:
    return LinkSending(links.service(), texts.service())


async def test_an_sms_link_is_a_text_of_the_conversation_kept_masked(links, texts):
    issued = await sending(links, texts).send(1, Purpose.SIGN, Channel.SMS)
    assert isinstance(issued, LinkIssued)
    [handed] = texts.gateway.sent
    assert handed.to == NUMBER and issued.url in handed.body and "72 hours" in handed.body
    [kept] = texts.store.tables.messages.values()
    assert kept["user_id"] == 1 and issued.token not in kept["body"]
    assert f"[link {issued.link.id}]" in kept["body"]
    row = links.store.rows[issued.link.id]
    assert row["delivery_ref"] == f"sms {kept['id']}"
    assert row["token_hash"] == tokens.token_hash(issued.token)


async def test_an_emailed_link_is_sent_by_the_link_service(links, texts):
    issued = await sending(links, texts).send(1, Purpose.SIGN, Channel.EMAIL)
    assert isinstance(issued, LinkIssued) and links.email.sent and not texts.gateway.sent


async def test_a_failed_sms_is_reported_masked_tried_once_and_the_link_withdrawn(links, texts):
    texts.gateway.failures.append(TwilioSendFailed(f"rejected body with {LEAKED}",
                                                   retryable=True))
    refused = await sending(links, texts).send(1, Purpose.SIGN, Channel.SMS)
    assert refused.reason is Rejection.SEND_FAILED and "SMS could not be sent" in refused.message
    assert "rejected body" in refused.message and LEAKED not in refused.message
    assert links.store.rows == {}
    [kept] = texts.store.tables.messages.values()
    assert (kept["status"], kept["next_attempt_at"]) == (SmsStatus.FAILED, None)  # no retry
    for _ in range(3):  # a withdrawn link never counted towards the rate limit
        assert isinstance(await sending(links, texts).send(1, Purpose.SIGN, Channel.SMS),
                          LinkIssued)


async def test_a_text_the_rules_refuse_sends_no_link_and_keeps_none(links, texts):
    texts.store.tables.opt_outs[NUMBER] = 1
    refused = await sending(links, texts).send(1, Purpose.SIGN, Channel.SMS)
    assert refused.reason is Rejection.OPTED_OUT
    assert links.store.rows == {} and texts.gateway.sent == []
