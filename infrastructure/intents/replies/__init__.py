"""The versioned replies to common questions, kept as data (answers_v<N>.json)."""

from __future__ import annotations

import json
from pathlib import Path

from domain.conversations.answers import Topic
from domain.conversations.ports import AnswerBook

CURRENT = Path(__file__).with_name("answers_v1.json")


class JsonAnswerBook(AnswerBook):
    def __init__(self, path: Path = CURRENT) -> None:
        kept = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = kept["version"]
        self._answers = {Topic(topic): text for topic, text in kept["answers"].items()}

    def answer(self, topic: Topic) -> str | None:
        return self._answers.get(topic)
