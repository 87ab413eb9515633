"""queue entries keep when their score next changes with time, the facts it came from, and
when and by which rules it was worked out

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Entries written before keep NULLs: never due, until the next rebuild rewrites them.
    for name, kind in (('next_change_at', _TS), ('basis_date_of_birth', sa.Date()),
                       ('basis_post_code', sa.Text()),
                       ('basis_lenders', postgresql.ARRAY(sa.Text())),
                       ('basis_claims_created', postgresql.ARRAY(_TS)),
                       ('basis_last_outcome', sa.String(32)),
                       ('basis_last_reached_at', _TS),
                       ('basis_failed_attempts', sa.Integer()),
                       ('scored_at', _TS), ('scored_version', sa.Integer()),
                       ('scored_arm', sa.String(16))):
        op.add_column('queue_entries', sa.Column(name, kind, nullable=True))
    op.create_index('queue_entries_next_change_idx', 'queue_entries', ['next_change_at'],
                    postgresql_where=sa.text('next_change_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('queue_entries_next_change_idx', table_name='queue_entries')
    for name in ('scored_arm', 'scored_version', 'scored_at', 'basis_failed_attempts', 'basis_last_reached_at', 'basis_last_outcome',
                 'basis_claims_created', 'basis_lenders', 'basis_post_code',
                 'basis_date_of_birth', 'next_change_at'):
        op.drop_column('queue_entries', name)
