"""MagicLinks on in-memory links: issue (and e-mail), rate limit, follow, redeem once, renew.

A link by SMS is sent in a text of the conversation: tests/unit/test_link_sending.py."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.links import tokens
from domain.links.model import Channel, Invalidity, MagicLink, Purpose, Rejection
from service_layer.magic_links import LinkIssued, LinkRejected
from tests.fakes.builders import LINK_KEY, NOW, LinksWorld, a_user

NUMBER = "+447911123456"


@pytest.fixture
def world() -> LinksWorld:
    world = LinksWorld()
    world.users.put(a_user(1))
    return world


async def _issue(world: LinksWorld, channel: Channel = Channel.SMS, user_id: int = 1,
                 **options) -> LinkIssued | LinkRejected:
    """An SMS link is minted for a text to carry; an e-mailed one is sent."""
    options.setdefault("deliver", channel is Channel.EMAIL)
    return await world.service().issue_magic_link(user_id, Purpose.SIGN, channel, **options)


async def test_an_sms_link_is_minted_for_a_text_and_only_its_hash_is_kept(world):
    issued = await _issue(world)
    assert issued.url == f"https://api.test/l/{issued.token}"
    [row] = world.store.rows.values()
    assert row["token_hash"] == tokens.token_hash(issued.token)
    assert issued.token not in str(row)
    assert (row["sent_to"], row["delivery_ref"], row["expires_at"]) == (
        "*********456", None, NOW + timedelta(hours=72))


async def test_the_link_service_does_not_text_a_link_itself(world):
    with pytest.raises(ValueError, match="LinkSending"):
        await _issue(world, deliver=True)
    assert world.store.rows == {}


async def test_an_emailed_link_goes_to_the_users_address(world):
    issued = await _issue(world, Channel.EMAIL)
    [sent] = world.email.sent
    assert sent.to == "ann@example.com" and issued.url in sent.body
    assert world.store.rows[issued.link.id]["delivery_ref"] == "email-1"


async def test_a_link_for_another_messages_delivery_is_kept_but_not_sent(world):
    issued = await _issue(world, Channel.EMAIL, deliver=False)
    assert isinstance(issued, LinkIssued) and issued.link.id in world.store.rows
    assert world.email.sent == []


@pytest.mark.parametrize("user, channel, rejection", [
    (None, Channel.SMS, Rejection.NO_SUCH_USER),
    (a_user(1, email="not an address"), Channel.EMAIL, Rejection.NO_EMAIL),
    (a_user(1, phone_number="12"), Channel.SMS, Rejection.UNDIALABLE),
])
async def test_a_user_who_cannot_be_reached_is_refused_and_nothing_kept(world, user, channel,
                                                                        rejection):
    world.users.known.clear()
    world.users.put(*[user] if user else [])
    refused = await _issue(world, channel)
    assert refused.reason is rejection
    assert world.store.rows == {} and world.email.sent == []


async def test_do_not_call_refuses_every_channel(world):
    world.store.do_not_call.add(1)
    for channel in Channel:
        assert (await _issue(world, channel)).reason is Rejection.OPTED_OUT
    assert world.store.rows == {}


async def test_a_number_that_texted_stop_gets_no_sms_link_but_may_get_an_email(world):
    world.store.sms_opt_outs.add(NUMBER)
    assert (await _issue(world)).reason is Rejection.OPTED_OUT
    assert isinstance(await _issue(world, Channel.EMAIL), LinkIssued)


async def test_at_most_the_hourly_rate_of_links_then_more_an_hour_later(world):
    for _ in range(3):
        assert isinstance(await _issue(world), LinkIssued)
    refused = await _issue(world, Channel.EMAIL)
    assert refused.reason is Rejection.RATE_LIMITED and "3 links" in refused.message
    assert len(world.store.rows) == 3
    world.clock.now = NOW + timedelta(hours=1)
    assert isinstance(await _issue(world), LinkIssued)


async def test_a_failed_email_is_reported_and_the_link_withdrawn(world):
    world.email.failures.append(ConnectionRefusedError("mail server down"))
    refused = await _issue(world, Channel.EMAIL)
    assert refused.reason is Rejection.SEND_FAILED and "mail server down" in refused.message
    assert world.store.rows == {}


async def test_a_link_is_redeemed_once(world):
    issued = await _issue(world)
    service = world.service()
    redeemed = await service.redeem(issued.token)
    assert isinstance(redeemed, MagicLink) and redeemed.used_at == NOW
    assert await service.redeem(issued.token) is Invalidity.USED


async def test_an_expired_link_is_refused_though_its_click_is_counted(world):
    issued = await _issue(world)
    world.clock.now = NOW + timedelta(hours=72)
    service = world.service()
    assert await service.follow(issued.token) is Invalidity.EXPIRED
    assert await service.redeem(issued.token) is Invalidity.EXPIRED
    assert world.store.rows[issued.link.id]["click_count"] == 1


async def test_a_click_on_a_usable_link_lands_on_its_page_in_the_main_app(world):
    issued = await _issue(world)
    assert await world.service().follow(issued.token) == (
        f"https://app.test/sign?token={issued.token}")
    row = world.store.rows[issued.link.id]
    assert (row["click_count"], row["clicked_at"], row["used_at"]) == (1, NOW, None)


async def test_a_tampered_token_is_unknown_without_a_lookup_and_a_stranger_after(world):
    issued = await _issue(world)
    tampered = ("B" if issued.token[0] == "A" else "A") + issued.token[1:]
    service = world.service()
    assert await service.follow(tampered) is Invalidity.UNKNOWN
    assert await service.redeem(tampered) is Invalidity.UNKNOWN
    assert world.store.rows[issued.link.id]["click_count"] == 0
    assert await service.redeem(tokens.mint(LINK_KEY)) is Invalidity.UNKNOWN


async def test_renewal_revokes_the_old_link_and_the_successor_works(world):
    issued = await _issue(world)
    world.clock.now = NOW + timedelta(hours=1)
    service = world.service()
    successor = await service.renew(issued.link.id)
    assert await service.redeem(issued.token) is Invalidity.EXPIRED  # revoked
    renewed = await service.redeem(successor.token)
    assert renewed.id == successor.link_id and renewed.expires_at == world.clock.now + \
        timedelta(hours=72)
    assert await service.renew(successor.link_id) is None  # used
    assert await service.renew(issued.link.id) is None  # revoked already
    assert await service.renew(uuid.uuid4()) is None


async def test_a_renewed_link_no_longer_counts_towards_the_rate_limit(world):
    first = await _issue(world)
    await _issue(world)
    await world.service().renew(first.link.id)  # two live links now: one more may go
    assert isinstance(await _issue(world), LinkIssued)
    assert (await _issue(world)).reason is Rejection.RATE_LIMITED


async def test_the_users_links_come_newest_first(world):
    older = await _issue(world)
    world.clock.now = NOW + timedelta(minutes=5)
    newer = await _issue(world, Channel.EMAIL)
    assert [link.id for link in await world.service().links_for_user(1)] == [
        newer.link.id, older.link.id]


async def test_purge_deletes_only_links_expired_longer_than_the_retention(world):
    old = await _issue(world)
    world.clock.now = NOW + timedelta(days=20)
    recent = await _issue(world)
    purged = await world.service().purge_expired_links(NOW + timedelta(days=33, hours=1))
    assert purged == 1 and list(world.store.rows) == [recent.link.id]
    assert old.link.id not in world.store.rows
