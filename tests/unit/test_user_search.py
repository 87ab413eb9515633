"""What a search query means, the keys users are found by, and keeping them (on fakes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.users.search import (
    InvalidSearch,
    MatchedOn,
    SearchHit,
    SearchKeys,
    SearchQuery,
    best_hits,
    name_key,
    phone_key,
    prefix_rank,
)
from service_layer.user_search import SearchKeeper, UserSearch
from tests.fakes.search import FakeSearchIndex, FakeSearchSource

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("written", [
    "07912 345678", "07912-345-678", "+44 7912 345678", "+447912345678", "447912345678",
    "0044 7912 345678", "+44 (0)7912 345678", "(0)7912 345678", "(07912) 345 678",
    "7912 345678"])
def test_every_writing_of_a_number_has_one_key(written):
    assert phone_key(written) == "447912345678"


def test_a_foreign_number_keeps_its_code_and_junk_has_no_key():
    assert phone_key("+353 87 1234567") == "353871234567"
    assert phone_key("n/a") is None and phone_key(None) is None and phone_key("  ") is None


def test_a_query_is_read_every_way_it_can_be():
    assert SearchQuery.parse(" 07912 345678 ") == SearchQuery(phone="447912345678",
                                                              phone_whole=True)
    assert SearchQuery.parse("0791234") == SearchQuery(phone="44791234", claim_id=791234)
    assert SearchQuery.parse("123456") == SearchQuery(claim_id=123456)
    assert SearchQuery.parse("7912 345678") == SearchQuery(phone="447912345678",
                                                           phone_whole=True)
    assert SearchQuery.parse("Amelia.Smith@Example.com") == SearchQuery(
        email="amelia.smith@example.com")
    assert SearchQuery.parse("  Amélie  O'Brien ") == SearchQuery(name="amelie o brien")


@pytest.mark.parametrize("query, reason", [
    ("", "at least 2"), ("x", "at least 2"), (" - ", "at least 2"), ("é", "at least 2"),
    ("y" * 201, "longer than 200"), ("12 34", "neither a phone number"),
    ("99999999999999999999", "neither a phone number"), ("ab\x00cd", "NUL character"),
    ("ab\ud800cd", "half of a surrogate pair")])
def test_a_query_too_short_or_meaningless_is_refused(query, reason):
    with pytest.raises(InvalidSearch, match=reason) as refused:
        SearchQuery.parse(query)
    assert refused.value.field == "query"


def test_names_lose_case_accents_and_punctuation():
    assert name_key("  ZOË ", "O'Flannagan-Brûlé") == "zoe o flannagan brule"
    assert name_key(None, None) == "" and name_key(None, "Smith") == "smith"


def test_an_exact_match_outranks_any_prefix():
    assert prefix_rank("447912345678", "447912345678") == 1.0
    assert 0.5 < prefix_rank("4479123", "447912345678") < prefix_rank("44791234567",
                                                                      "447912345678") < 1.0


def test_each_user_comes_once_with_their_best_hit():
    hits = [SearchHit(2, MatchedOn.NAME, 0.4), SearchHit(1, MatchedOn.NAME, 0.4),
            SearchHit(2, MatchedOn.PHONE, 1.0), SearchHit(3, MatchedOn.EMAIL, 0.7)]
    assert best_hits(hits, 2) == [SearchHit(2, MatchedOn.PHONE, 1.0),
                                  SearchHit(3, MatchedOn.EMAIL, 0.7)]


def _keys(user_id: int, name: str = "amelia hughes", claims=()) -> SearchKeys:
    return SearchKeys(user_id, name, f"u{user_id}@example.com", None, tuple(claims))


async def test_a_refresh_keeps_changed_users_and_forgets_deleted_ones():
    source = FakeSearchSource({1: _keys(1), 2: _keys(2)})
    index = FakeSearchIndex({3: _keys(3)})
    keeper = SearchKeeper(source, index, lambda: NOW)
    assert await keeper.refresh([1, 2, 3]) == 3  # two written, one forgotten
    assert sorted(index.rows) == [1, 2]
    assert await keeper.refresh([1, 2]) == 0
    source.users[1] = _keys(1, "amelia fairweather", claims=(77,))
    assert await keeper.refresh([1]) == 1 and index.rows[1].claim_ids == (77,)


async def test_a_rebuild_walks_ranges_and_forgets_users_outside_and_between():
    source = FakeSearchSource({u: _keys(u) for u in (5, 6, 9, 14)})
    index = FakeSearchIndex({u: _keys(u) for u in (1, 7, 20)})
    walked = []
    await SearchKeeper(source, index, lambda: NOW, range_size=4).rebuild(walked.append)
    assert sorted(index.rows) == [5, 6, 9, 14] and sum(walked) == 10


async def test_a_failed_read_changes_nothing():
    source = FakeSearchSource({1: _keys(1, "new name")}, fail=ConnectionError("replica away"))
    index = FakeSearchIndex({1: _keys(1)})
    with pytest.raises(ConnectionError):
        await SearchKeeper(source, index, lambda: NOW).refresh([1])
    assert index.rows == {1: _keys(1)}


async def test_the_search_refuses_first_out_of_range_and_ranks_across_ways():
    index = FakeSearchIndex({1: _keys(1, claims=(447912345678,)),
                             2: SearchKeys(2, "x y", None, "447912345678")})
    search = UserSearch(index)
    with pytest.raises(InvalidSearch) as refused:
        await search.search("amelia", 51)
    assert refused.value.field == "first"
    found = await search.search("447912345678", 5)
    assert [(h.user_id, h.matched_on) for h in found] == [(1, MatchedOn.CLAIM_ID),
                                                          (2, MatchedOn.PHONE)]
