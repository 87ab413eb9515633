"""The versioned replies to common questions, kept as data (answers_v<N>.json).

A set may hold, beside its plain answers, linked ones (``with_link``): each names the
place of the user's own magic link as ``{link}``.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain.conversations.answers import LINK_SLOT, Topic
from domain.conversations.ports import AnswerBook

CURRENT = Path(__file__).with_name("answers_v2.json")


class InvalidReplySet(ValueError):
    """A reply set that cannot be used as it is; the message names what is wrong."""


class JsonAnswerBook(AnswerBook):
    def __init__(self, path: Path = CURRENT) -> None:
        kept = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = kept["version"]
        self._answers = _by_topic(path, kept["answers"])
        self._linked = _by_topic(path, kept.get("with_link", {}))
        for topic, text in self._linked.items():
            if LINK_SLOT not in text:
                raise InvalidReplySet(f"{path.name}: with_link.{topic} has no {LINK_SLOT}")

    def answer(self, topic: Topic) -> str | None:
        return self._answers.get(topic)

    def linked(self, topic: Topic) -> str | None:
        return self._linked.get(topic)


def _by_topic(path: Path, texts: dict[str, str]) -> dict[Topic, str]:
    unknown = sorted(set(texts) - set(Topic))
    if unknown:
        raise InvalidReplySet(f"{path.name}: no such topic {', '.join(unknown)}")
    return {Topic(topic): text for topic, text in texts.items()}
