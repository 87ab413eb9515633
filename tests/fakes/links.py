"""The link renewal port: successors minted in memory."""

from __future__ import annotations

import uuid

from domain.links.masking import CarriedLink
from domain.messaging.ports import LinkRenewal


class FakeLinkRenewal(LinkRenewal):
    """Renews any link not in ``unrenewable``; each renewal revokes the old link."""

    def __init__(self) -> None:
        self.unrenewable: set[uuid.UUID] = set()
        self.revoked: list[uuid.UUID] = []
        self.minted: list[CarriedLink] = []

    async def renew(self, link_id: uuid.UUID) -> CarriedLink | None:
        if link_id in self.unrenewable or link_id in self.revoked:
            return None
        self.revoked.append(link_id)
        successor = CarriedLink(uuid.uuid4(), f"{len(self.minted):032d}.{'r' * 22}")
        self.minted.append(successor)
        return successor
