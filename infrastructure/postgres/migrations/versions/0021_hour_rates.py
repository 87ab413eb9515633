"""each queue entry's learned p(contact) per London hour, for the contact_hour factor

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('queue_entries', sa.Column('basis_hour_rates', postgresql.ARRAY(sa.Float()),
                                             nullable=True))


def downgrade() -> None:
    op.drop_column('queue_entries', 'basis_hour_rates')
