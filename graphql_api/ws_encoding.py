"""JSON for websocket messages: a result shared by many subscribers is encoded once.

Subscribers of one plain selection receive the very same result object for an event
(graphql_api/execution.py shares it), so its JSON is kept, by identity, for the few
most recent results; each subscriber's message then differs only in its id.
"""

from __future__ import annotations

import json
from collections import OrderedDict

KEEP = 64
_ENCODER = json.JSONEncoder(separators=(",", ":"))
# id(result data) -> (the object itself, kept alive so its id cannot be reused; its JSON)
_recent: OrderedDict[int, tuple[object, str]] = OrderedDict()


def encode_message(message: object) -> str:
    if (isinstance(message, dict) and message.get("type") == "next"
            and isinstance(payload := message.get("payload"), dict) and payload.keys() == {"data"}
            and isinstance(message.get("id"), str)):
        return ('{"id":' + _ENCODER.encode(message["id"]) + ',"type":"next","payload":{"data":'
                + _encoded(payload["data"]) + "}}")
    return _ENCODER.encode(message)


def _encoded(data: object) -> str:
    kept = _recent.get(id(data))
    if kept is not None and kept[0] is data:
        return kept[1]
    text = _ENCODER.encode(data)
    _recent[id(data)] = (data, text)
    if len(_recent) > KEEP:
        _recent.popitem(last=False)
    return text
