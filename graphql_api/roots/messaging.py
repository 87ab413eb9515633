"""Root fields of SMS (merged into Query, Mutation and Subscription in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.access import SeesUser
from graphql_api.permissions import IsStaff
from graphql_api.resolvers import sms
from graphql_api.types.messages import SmsConnection, SmsEventType


@strawberry.type
class MessagingQuery:
    conversation: SmsConnection = strawberry.field(
        resolver=sms.conversation, permission_classes=[IsStaff, SeesUser],
        description="A user's SMS both ways: the newest page first, each page oldest first; "
                    "`after` (a page's endCursor) goes further back in time.")


@strawberry.type
class MessagingMutation:
    send_sms: sms.SendSmsResult = strawberry.field(
        resolver=sms.send_sms, permission_classes=[IsStaff, SeesUser],
        description="Texts a user (1 to 1600 characters); refused with the reason when the "
                    "user opted out, is on do-not-call or has no valid number.")


@strawberry.type
class MessagingSubscription:
    sms_events: SmsEventType = strawberry.subscription(
        resolver=sms.sms_events, permission_classes=[IsStaff, SeesUser],
        description="Messages received and status changes of one user's conversation; no "
                    "userId: all (SUPERVISOR, ADMIN) or the users an agent works on (holds "
                    "the lease of, or has texted).")
