"""Websocket messages encode as json.dumps would; a shared result is encoded once."""

from __future__ import annotations

import json

from graphql_api import ws_encoding
from graphql_api.ws_encoding import encode_message


def test_messages_encode_as_plain_json():
    shared = {"queueUpdates": {"kind": "ADDED", "userId": "7", "score": -12.5, "note": "é"}}
    for message in ({"id": "a", "type": "next", "payload": {"data": shared}},
                    {"id": "b", "type": "next", "payload": {"data": shared, "errors": []}},
                    {"type": "connection_ack"}, {"id": "c", "type": "complete"}):
        assert json.loads(encode_message(message)) == message


def test_a_shared_result_is_encoded_once_and_a_new_one_again(monkeypatch):
    calls = []
    real = ws_encoding._ENCODER.encode
    monkeypatch.setattr(ws_encoding._ENCODER, "encode", lambda o: calls.append(o) or real(o))
    shared = {"queueUpdates": {"kind": "MOVED"}}
    texts = [encode_message({"id": str(i), "type": "next", "payload": {"data": shared}})
             for i in range(100)]
    assert sum(o is shared for o in calls) == 1
    assert {json.loads(t)["id"] for t in texts} == {str(i) for i in range(100)}
    changed = {"queueUpdates": {"kind": "REMOVED"}}
    later = json.loads(encode_message({"id": "x", "type": "next", "payload": {"data": changed}}))
    assert later["payload"]["data"] == changed  # another object: encoded for itself
