"""what inbound texts were read to mean, and the texts a person must review

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sms_messages', sa.Column('intent', sa.String(length=32), nullable=True))
    op.add_column('sms_messages', sa.Column('intent_confidence', sa.Float(), nullable=True))
    op.add_column('sms_messages', sa.Column('intent_source', sa.String(length=16),
                                            nullable=True))
    op.create_table(
        'text_reviews',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('message_id', sa.BigInteger(), sa.ForeignKey('sms_messages.id'),
                  nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('intent', sa.String(length=32), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('opt_out_chance', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decision', sa.String(length=32), nullable=True),
        sa.Column('decided_by', sa.Uuid(), sa.ForeignKey('agents.id'), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('text_reviews_message_idx', 'text_reviews', ['message_id'], unique=True)
    # Supervisors page the pending ones oldest first; each automated text asks if its
    # recipient has one.
    op.create_index('text_reviews_pending_idx', 'text_reviews', ['received_at', 'id'],
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_index('text_reviews_pending_user_idx', 'text_reviews', ['user_id'],
                    postgresql_where=sa.text("status = 'PENDING'"))


def downgrade() -> None:
    op.drop_table('text_reviews')
    op.drop_column('sms_messages', 'intent_source')
    op.drop_column('sms_messages', 'intent_confidence')
    op.drop_column('sms_messages', 'intent')
