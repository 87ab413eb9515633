"""learned retry spacing: each snapshot's contacts against expected by the gap since a missed
call, and each queue entry's last call (what the retry_spacing factor reads)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'learned_spacing',
        sa.Column('snapshot_id', sa.BigInteger(),
                  sa.ForeignKey('learning_snapshots.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('gap', sa.SmallInteger(), primary_key=True),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.Column('contacts', sa.Integer(), nullable=False),
        sa.Column('expected', sa.Float(), nullable=False),
        sa.Column('ratio', sa.Float(), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
    )
    op.add_column('queue_entries', sa.Column('basis_last_called_at',
                                             sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('queue_entries', 'basis_last_called_at')
    op.drop_table('learned_spacing')
