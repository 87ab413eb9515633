"""The operator's LLM adapter, against a fake HTTP boundary only."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.policy import OptOutPolicy
from domain.messaging.opt_out import STOP_REPLY
from infrastructure.composition.messaging import build_understanding
from infrastructure.intents.llm import LlmClassifier
from infrastructure.settings import Settings
from service_layer.understanding import Understanding
from tests.fakes.builders import SmsWorld, replica_facts

URL = "http://llm.test:8080/v1/"
NUMBER = "+447911123456"


def completion(content: str) -> dict:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


def answering(content: str, seen: list[httpx.Request] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, json=completion(content))
    return handler


def llm(handler, **options) -> LlmClassifier:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return LlmClassifier(client, URL, "intent-small", **options)


async def test_a_good_answer_is_the_reading_and_the_request_is_as_asked():
    seen: list[httpx.Request] = []
    answer = json.dumps({"intent": "CALLBACK_REQUEST", "confidence": 0.92, "opt_out": 0.01})
    reading = await llm(answering(answer, seen), api_key="k-1").classify("ring me " * 60)
    assert reading == Classification(Intent.CALLBACK_REQUEST, 0.92, Source.LLM, opt_out=0.01)
    (request,) = seen
    assert (request.method, str(request.url)) == (
        "POST", "http://llm.test:8080/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer k-1"
    sent = json.loads(request.content)
    assert (sent["model"], sent["temperature"]) == ("intent-small", 0)
    system, user = sent["messages"]
    assert system["role"] == "system" and all(i.value in system["content"] for i in Intent)
    assert user == {"role": "user", "content": ("ring me " * 60)[:200]}


async def test_no_key_sends_no_authorisation():
    seen: list[httpx.Request] = []
    answer = json.dumps({"intent": "OTHER", "confidence": 1, "opt_out": 0})
    assert (await llm(answering(answer, seen)).classify("ok")).intent is Intent.OTHER
    assert "authorization" not in seen[0].headers


async def test_an_answer_later_than_the_timeout_is_none():
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return httpx.Response(200, json=completion(
            '{"intent": "QUESTION", "confidence": 0.9, "opt_out": 0}'))

    started = asyncio.get_running_loop().time()
    assert await llm(slow, timeout_seconds=0.05).classify("who is this") is None
    assert asyncio.get_running_loop().time() - started < 0.4


async def test_a_server_error_is_none():
    assert await llm(lambda request: httpx.Response(500, text="boom")).classify("hi") is None


async def test_a_connection_failure_is_none():
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)
    assert await llm(refused).classify("hi") is None


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"choices": []}',
                                  b'{"choices": [{"message": {"content": 7}}]}'])
async def test_a_body_that_is_not_a_completion_is_none(body):
    assert await llm(lambda request: httpx.Response(200, content=body)).classify("hi") is None


@pytest.mark.parametrize("content", [
    "Sure! The intent is QUESTION.",
    '["QUESTION"]',
    '{"intent": "HAPPY", "confidence": 0.9, "opt_out": 0}',
    '{"intent": ["QUESTION"], "confidence": 0.9, "opt_out": 0}',
    '{"intent": "question", "confidence": 0.9, "opt_out": 0}',
    '{"intent": "QUESTION", "confidence": 1.5, "opt_out": 0}',
    '{"intent": "QUESTION", "confidence": 0.9, "opt_out": -0.1}',
    '{"intent": "QUESTION", "confidence": "0.9", "opt_out": 0}',
    '{"intent": "QUESTION", "confidence": true, "opt_out": 0}',
    '{"intent": "QUESTION", "confidence": NaN, "opt_out": 0}',
    '{"intent": "QUESTION", "confidence": 0.9}',
])
async def test_an_answer_outside_the_strict_json_is_none(content):
    assert await llm(answering(content)).classify("who is this") is None


def test_no_llm_is_built_unless_its_url_is_set(monkeypatch):
    monkeypatch.delenv("INTENT_LLM_URL", raising=False)
    understanding, closers = build_understanding(Settings(_env_file=None))
    assert (understanding.second_opinion, closers) == (None, ())


async def test_a_configured_llm_is_the_second_opinion_and_its_client_is_closed():
    settings = Settings(_env_file=None, intent_llm_url=URL, intent_llm_model="m",
                        intent_llm_timeout_seconds=2.5, intent_opt_out_threshold=0.95)
    understanding, (close,) = build_understanding(settings)
    opinion = understanding.second_opinion
    assert isinstance(opinion, LlmClassifier)
    assert (opinion.timeout_seconds, understanding.opt_out_at) == (2.5, 0.95)
    await close()
    assert opinion.client.is_closed


@pytest.mark.parametrize("seconds", [0, 10.5])
def test_the_timeout_is_bounded(seconds):
    with pytest.raises(ValueError):
        Settings(_env_file=None, intent_llm_timeout_seconds=seconds)


async def sms_world_reading(local: Classification, llm_answer: str):
    """An SMS service, which texted user 1, whose classifier reads "not now" as ``local``
    and whose LLM answers ``llm_answer``."""
    world = SmsWorld()
    world.replica.put(replica_facts(1))
    world.classifier.answers["not now"] = local
    understanding = Understanding(world.classifier, llm(answering(llm_answer)), opt_out_at=0.9)
    sms = world.service(understanding=understanding, policy=OptOutPolicy(0.9, 0.3))
    await sms.send(1, "Hello")
    return world, sms


async def test_an_inbound_text_is_decided_on_the_llm_answer_by_the_same_policy():
    local = Classification(Intent.OTHER, 0.6, Source.CLASSIFIER, opt_out=0.4)
    world, sms = await sms_world_reading(
        local, '{"intent": "OPT_OUT", "confidence": 0.97, "opt_out": 0.97}')
    assert await sms.received(from_number=NUMBER, to_number="+441", body="Not now",
                              sid="SMin1") == STOP_REPLY
    assert world.store.tables.opt_outs == {NUMBER: 1} and 1 in world.store.tables.do_not_call


async def test_an_llm_that_reads_no_opt_out_still_leaves_the_text_to_a_person():
    local = Classification(Intent.OTHER, 0.6, Source.CLASSIFIER, opt_out=0.4)
    world, sms = await sms_world_reading(
        local, '{"intent": "QUESTION", "confidence": 0.99, "opt_out": 0.0}')
    assert await sms.received(from_number=NUMBER, to_number="+441", body="Not now",
                              sid="SMin1") is None
    (review,) = world.store.tables.reviews.values()
    assert review["opt_out_chance"] == 0.4 and world.store.tables.opt_outs == {}
