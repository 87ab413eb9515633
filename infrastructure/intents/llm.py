"""An operator's OpenAI-compatible chat-completions endpoint as a second opinion on texts.

Off unless INTENT_LLM_URL is set. Whatever goes wrong (an HTTP error, the timeout, an
answer that is not the strict JSON asked for) gives None, and the local reading stands.
"""

from __future__ import annotations

import asyncio
import json
import math

import httpx

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.ports import IntentSecondOpinion
from infrastructure.logging import get_logger

log = get_logger(__name__)
_INTENTS = tuple(i.value for i in Intent)  # compared, never hashed: any JSON value may come
MAX_TEXT = 200  # an SMS reply says what it means early; less text, less latency
SYSTEM_PROMPT = (
    "You classify a customer's SMS reply to a UK claims company. Answer with strict JSON "
    'only, no prose: {"intent": "<INTENT>", "confidence": <0..1>, "opt_out": <0..1>}, '
    "where intent is exactly one of " + ", ".join(i.value for i in Intent) + ", "
    "confidence is your probability for that intent, and opt_out is the probability that "
    "the customer wants no more contact, whatever intent you chose.")


class LlmClassifier(IntentSecondOpinion):
    """One shared ``client``; ``url`` is the API base (``http://host:8080/v1``)."""

    def __init__(self, client: httpx.AsyncClient, url: str, model: str, *,
                 api_key: str | None = None, timeout_seconds: float = 1.0) -> None:
        self.client, self.model, self.timeout_seconds = client, model, timeout_seconds
        self.endpoint = url.rstrip("/") + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def classify(self, normalised: str) -> Classification | None:
        try:
            # The whole exchange, not each phase of it, must fit in the timeout.
            async with asyncio.timeout(self.timeout_seconds):
                response = await self.client.post(self.endpoint, json=self._request(normalised),
                                                  headers=self.headers)
            response.raise_for_status()
            return parse_answer(response.json()["choices"][0]["message"]["content"])
        except TimeoutError:
            log.warning("the intent LLM did not answer in time", seconds=self.timeout_seconds)
        except (httpx.HTTPError, ValueError, LookupError, TypeError) as exc:
            log.warning("the intent LLM gave no usable answer",
                        error=f"{type(exc).__name__}: {str(exc)[:200]}")
        return None

    def _request(self, normalised: str) -> dict:
        return {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                             {"role": "user", "content": normalised[:MAX_TEXT]}]}


def parse_answer(content: object) -> Classification | None:
    """The strict JSON answer as a classification; None for anything else."""
    if not isinstance(content, str):
        return None
    try:
        answer = json.loads(content)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("intent") not in _INTENTS:
        return None
    confidence, opt_out = answer.get("confidence"), answer.get("opt_out")
    if not (_probability(confidence) and _probability(opt_out)):
        return None
    return Classification(Intent(answer["intent"]), float(confidence), Source.LLM,
                          opt_out=float(opt_out))


def _probability(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0.0 <= value <= 1.0)
