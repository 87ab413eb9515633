"""queue movements rolled up per London hour and day (and which transaction wrote each
queue event, so a late one is found); indexes for queueFlow

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

_XACT = "(pg_current_xact_id())::text::bigint"


def upgrade() -> None:
    # Added bare, then given its default: a volatile default on ADD COLUMN would rewrite
    # every row. Older rows keep NULL; the first rollup sees all of them.
    op.add_column('queue_events', sa.Column('xact', sa.BigInteger(), nullable=True))
    op.alter_column('queue_events', 'xact', server_default=sa.text(_XACT))
    op.create_index('queue_events_xact_idx', 'queue_events', ['xact'])
    # Whether a late event's user already moved so in its bucket: one range, not a history.
    op.drop_index('queue_events_user_idx', table_name='queue_events')
    op.create_index('queue_events_user_idx', 'queue_events', ['user_id', 'occurred_at'])
    op.create_index('queue_events_joins_idx', 'queue_events', ['occurred_at'],
                    postgresql_include=['to_queue', 'user_id'],
                    postgresql_where=sa.text("kind IN ('ADDED', 'MOVED')"))
    op.create_index('conversions_user_idx', 'conversions', ['user_id', 'occurred_at'])
    # A user's first contact after a join, read from the index alone.
    op.drop_index('dispositions_user_idx', table_name='dispositions')
    op.create_index('dispositions_user_idx', 'dispositions', ['user_id', 'created_at'],
                    postgresql_include=['outcome'])
    op.create_table(
        'queue_movement_rollups',
        sa.Column('bucket', sa.String(4), nullable=False),
        sa.Column('bucket_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('from_queue', sa.String(24), nullable=False),
        sa.Column('to_queue', sa.String(24), nullable=False),
        sa.Column('cause', sa.String(24), nullable=False),
        sa.Column('users', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', 'bucket_start', 'from_queue', 'to_queue', 'cause'),
    )
    op.create_table(
        'queue_movement_rollup_state',
        sa.Column('id', sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column('snapshot', sa.Text(), nullable=True),
        sa.Column('rolled_from', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rolled_until', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('id = 1', name='queue_movement_rollup_state_one_row'),
    )
    op.execute("INSERT INTO queue_movement_rollup_state (id) VALUES (1)")


def downgrade() -> None:
    op.drop_table('queue_movement_rollup_state')
    op.drop_table('queue_movement_rollups')
    op.drop_index('dispositions_user_idx', table_name='dispositions')
    op.create_index('dispositions_user_idx', 'dispositions', ['user_id', 'created_at'])
    op.drop_index('conversions_user_idx', table_name='conversions')
    op.drop_index('queue_events_joins_idx', table_name='queue_events')
    op.drop_index('queue_events_user_idx', table_name='queue_events')
    op.create_index('queue_events_user_idx', 'queue_events', ['user_id'])
    op.drop_index('queue_events_xact_idx', table_name='queue_events')
    op.drop_column('queue_events', 'xact')
