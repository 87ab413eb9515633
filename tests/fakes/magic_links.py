"""The magic-link ports in memory: links with infrastructure.postgres.magic_links' rules, the
replica's users, and an e-mail sender recording what it sent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.links.model import Channel, Invalidity, LinkState, MagicLink, Purpose, state_of
from domain.links.ports import EmailSender, LinkStore, UserDirectory
from domain.users.model import User

_LINK_FIELDS = ("id", "user_id", "purpose", "channel", "sent_at", "expires_at", "clicked_at",
                "click_count", "used_at", "revoked_at")


def _link(row: dict) -> MagicLink:
    return MagicLink(**{name: row[name] for name in _LINK_FIELDS})


class FakeLinkStore(LinkStore):
    """``rows``: magic_links by id (the token only as its hash); ``do_not_call`` and
    ``sms_opt_outs`` (numbers and user ids that texted STOP) stand for those tables."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict] = {}
        self.do_not_call: set[int] = set()
        self.sms_opt_outs: set[str | int] = set()

    def by_hash(self, token_hash: str) -> dict | None:
        return next((r for r in self.rows.values() if r["token_hash"] == token_hash), None)

    def _insert(self, **values) -> MagicLink:
        row = dict(id=uuid.uuid4(), clicked_at=None, click_count=0, used_at=None,
                   revoked_at=None, delivery_ref=None, last_clicked_at=None, **values)
        self.rows[row["id"]] = row
        return _link(row)

    async def is_opted_out(self, user_id: int, channel: Channel, address: str) -> bool:
        texted_stop = channel is Channel.SMS and bool({user_id, address} & self.sms_opt_outs)
        return user_id in self.do_not_call or texted_stop

    async def insert_within_limit(self, *, token_hash: str, user_id: int, purpose: Purpose,
                                  channel: Channel, sent_to: str | None,
                                  sent_by: uuid.UUID | None, now: datetime,
                                  expires_at: datetime, window_start: datetime,
                                  limit: int) -> MagicLink | None:
        # Revoked links do not count: each was replaced by a successor, or withdrawn.
        recent = sum(1 for r in self.rows.values() if r["user_id"] == user_id
                     and r["sent_at"] > window_start and r["revoked_at"] is None)
        if recent >= limit:
            return None
        return self._insert(token_hash=token_hash, user_id=user_id, purpose=purpose,
                            channel=channel, sent_to=sent_to, sent_by=sent_by, sent_at=now,
                            expires_at=expires_at)

    async def set_delivery_ref(self, link_id: uuid.UUID, ref: str | None) -> None:
        self.rows[link_id]["delivery_ref"] = (ref or "")[:64] or None

    async def delete(self, link_id: uuid.UUID) -> None:
        self.rows.pop(link_id, None)

    async def replace(self, link_id: uuid.UUID, *, token_hash: str, now: datetime,
                      expires_at: datetime) -> MagicLink | None:
        old = self.rows.get(link_id)
        if old is None or old["revoked_at"] is not None or old["used_at"] is not None:
            return None
        old["revoked_at"] = now
        return self._insert(token_hash=token_hash, user_id=old["user_id"],
                            purpose=old["purpose"], channel=old["channel"],
                            sent_to=old["sent_to"], sent_by=old["sent_by"], sent_at=now,
                            expires_at=expires_at)

    async def record_click(self, token_hash: str, now: datetime) -> MagicLink | None:
        row = self.by_hash(token_hash)
        if row is None:
            return None
        row.update(click_count=row["click_count"] + 1, last_clicked_at=now,
                   clicked_at=row["clicked_at"] or now)
        return _link(row)

    async def redeem(self, token_hash: str, now: datetime) -> MagicLink | Invalidity:
        row = self.by_hash(token_hash)
        if row is None:
            return Invalidity.UNKNOWN
        state = state_of(row["used_at"], row["expires_at"], now, row["revoked_at"])
        if state is LinkState.ACTIVE:
            row["used_at"] = now
            return _link(row)
        return Invalidity.USED if state is LinkState.USED else Invalidity.EXPIRED

    async def for_user(self, user_id: int, limit: int) -> list[MagicLink]:
        rows = sorted((r for r in self.rows.values() if r["user_id"] == user_id),
                      key=lambda r: (-r["sent_at"].timestamp(), str(r["id"])))
        return [_link(r) for r in rows[:limit]]

    async def purge_expired_before(self, cutoff: datetime) -> int:
        gone = [i for i, r in self.rows.items() if r["expires_at"] < cutoff]
        for link_id in gone:
            del self.rows[link_id]
        return len(gone)


class FakeUserDirectory(UserDirectory):
    def __init__(self, *users: User) -> None:
        self.known: dict[int, User] = {u.id: u for u in users}

    def put(self, *users: User) -> None:
        self.known.update({u.id: u for u in users})

    async def users(self, user_ids: Sequence[int]) -> dict[int, User]:
        return {u: self.known[u] for u in user_ids if u in self.known}


@dataclass(frozen=True)
class SentEmail:
    to: str
    subject: str
    body: str


class FakeEmailSender(EmailSender):
    """Sends every e-mail unless ``failures`` holds the next exception to raise."""

    def __init__(self) -> None:
        self.sent: list[SentEmail] = []
        self.failures: list[Exception] = []

    async def send(self, to: str, subject: str, body: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(SentEmail(to, subject, body))
        return f"email-{len(self.sent)}"
