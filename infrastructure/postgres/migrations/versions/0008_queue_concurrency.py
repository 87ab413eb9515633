"""queue concurrency: recompute marks, range marks, dirty users

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE IF NOT EXISTS queue_compute_seq")
    op.create_table(
        'queue_marks',
        sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'queue_range_marks',
        sa.Column('range_no', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('range_no'),
    )
    op.create_table(
        'queue_dirty',
        sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index('queue_dirty_marked_idx', 'queue_dirty', ['marked_at'])


def downgrade() -> None:
    op.drop_index('queue_dirty_marked_idx', table_name='queue_dirty')
    op.drop_table('queue_dirty')
    op.drop_table('queue_range_marks')
    op.drop_table('queue_marks')
    op.execute("DROP SEQUENCE IF EXISTS queue_compute_seq")
