"""magic links

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 01:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'magic_links',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('purpose', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('sent_to', sa.String(length=64), nullable=True),
        sa.Column('sent_by', sa.Uuid(), nullable=True),
        sa.Column('delivery_ref', sa.String(length=64), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_clicked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('click_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['sent_by'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('magic_links_user_idx', 'magic_links', ['user_id', 'sent_at'])
    op.create_index('magic_links_expires_idx', 'magic_links', ['expires_at'])


def downgrade() -> None:
    op.drop_table('magic_links')
