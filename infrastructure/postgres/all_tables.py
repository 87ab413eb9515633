"""Imports every table module so SQLModel.metadata holds the whole dialler schema."""

import infrastructure.postgres.audit_tables  # noqa: F401
import infrastructure.postgres.call_tables  # noqa: F401
import infrastructure.postgres.learning_tables  # noqa: F401
import infrastructure.postgres.link_tables  # noqa: F401
import infrastructure.postgres.lock_tables  # noqa: F401
import infrastructure.postgres.messaging_tables  # noqa: F401
import infrastructure.postgres.queue_tables  # noqa: F401
import infrastructure.postgres.rollup_tables  # noqa: F401
import infrastructure.postgres.search_tables  # noqa: F401
import infrastructure.postgres.sync_tables  # noqa: F401
import infrastructure.postgres.tables  # noqa: F401
