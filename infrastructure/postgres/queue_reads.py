"""Moved: the queue's reads are views (infrastructure.postgres.views); kept for old imports."""

from infrastructure.postgres.leads import callable_now
from infrastructure.postgres.views.queue_page import QueuePage, page
from infrastructure.postgres.views.queue_stats import QueueSize, sizes

__all__ = ["QueuePage", "QueueSize", "callable_now", "page", "sizes"]
