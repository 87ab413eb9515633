"""Sending a magic link to a customer: by e-mail from the link service itself, by SMS as a
text of the conversation (kept masked, checked like every text, shown in the thread)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.links.model import Channel, Purpose, Rejection, sms_body
from domain.messaging.model import SmsRejection, SmsStatus
from service_layer.magic_links import LinkIssued, LinkRejected, MagicLinks
from service_layer.sms import SmsService

# How a text's refusal is told to whoever asked for the link.
_REFUSED = {SmsRejection.OPTED_OUT: Rejection.OPTED_OUT,
            SmsRejection.DO_NOT_CALL: Rejection.OPTED_OUT,
            SmsRejection.UNDIALABLE: Rejection.UNDIALABLE,
            SmsRejection.UNKNOWN_USER: Rejection.NO_SUCH_USER}


@dataclass
class LinkSending:
    links: MagicLinks
    sms: SmsService

    async def send(self, user_id: int, purpose: Purpose, channel: Channel, *,
                   sent_by: uuid.UUID | None = None) -> LinkIssued | LinkRejected:
        """Mints and sends a link, or says why not; a link that was not sent is not kept."""
        if channel is Channel.EMAIL:
            return await self.links.issue_magic_link(user_id, purpose, channel, sent_by=sent_by)
        issued = await self.links.issue_magic_link(user_id, purpose, channel, sent_by=sent_by,
                                                   deliver=False)
        if isinstance(issued, LinkRejected):
            return issued
        body = sms_body(purpose, issued.url, self.links.policy.ttl_hours)
        # Tried once: an agent who is told it failed may send another, a retry behind their
        # back would text the customer twice.
        sent = await self.sms.send(user_id, body, agent_id=sent_by, links=[issued.carried],
                                   retries=False)
        if isinstance(sent, SmsRejection) or sent.status is SmsStatus.FAILED:
            await self.links.withdraw(issued.link.id)
            if isinstance(sent, SmsRejection):
                return LinkRejected(_REFUSED.get(sent, Rejection.SEND_FAILED),
                                    f"the SMS was refused: {sent.value}")
            return LinkRejected(Rejection.SEND_FAILED,
                                f"the SMS could not be sent: {sent.failure_reason}")
        await self.links.delivered(issued.link.id, f"sms {sent.id}")
        return issued
