"""autovacuum sooner on the tables every lead rewrites: queue_entries and leases

Each lease, disposition and time-driven rescore rewrites queue_entries rows at the top of a
queue; nextLead reads that top in score order, through every dead version left there. At
the default scale factor (a fifth of the table) 500,000 entries gather 100,000 dead rows
before a vacuum, and the planner works from old statistics meanwhile.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 15:00:00
"""

from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

_TABLES = ("queue_entries", "leases")
_SETTINGS = ("autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, "
             "autovacuum_vacuum_cost_delay = 1")


def upgrade() -> None:
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} SET ({_SETTINGS})")


def downgrade() -> None:
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor, "
                   "autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay)")
