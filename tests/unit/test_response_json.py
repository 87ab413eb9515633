"""HTTP answers' JSON: the standard library's values, faster."""

from __future__ import annotations

import json

from graphql_api.response_json import encode_response


def test_answers_encode_to_the_same_json_values():
    answer = {"data": {"queue": {"totalCount": 3, "edges": [
        {"cursor": "cTE6LTEyLjU6Nw==", "node": {"score": -12.5, "position": 1, "user": None}},
        {"cursor": "x", "node": {"score": 1e-7, "name": "Zoë “Ann” 😀", "ok": True}}]}},
        "errors": [{"message": "no", "path": ["queue", 0], "extensions": {"code": "X"}}]}
    encoded = encode_response(answer)
    assert isinstance(encoded, bytes) and json.loads(encoded) == answer


def test_what_orjson_refuses_is_encoded_as_the_standard_library_does():
    for odd in ({"data": {"big": 2**70}}, {"data": {1: "int key"}}):
        assert encode_response(odd) == json.dumps(odd, separators=(",", ":")).encode()
