"""the do-not-call list as entries: by user or by number, why, who added and who removed
each; the users blocked keep their own row (do_not_call), which every check reads

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'do_not_call_entries',
        sa.Column('id', sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('e164', sa.String(20), nullable=True),
        sa.Column('reason', sa.String(24), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.Uuid(), sa.ForeignKey('agents.id'), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('removed_by', sa.Uuid(), sa.ForeignKey('agents.id'), nullable=True),
        sa.Column('removal_note', sa.Text(), nullable=True),
        sa.CheckConstraint('user_id IS NOT NULL OR e164 IS NOT NULL',
                           name='do_not_call_entries_names_someone'),
    )
    op.create_index('do_not_call_entries_user_idx', 'do_not_call_entries', ['user_id'],
                    postgresql_where=sa.text('removed_at IS NULL'))
    op.create_index('do_not_call_entries_e164_idx', 'do_not_call_entries', ['e164'],
                    postgresql_where=sa.text('removed_at IS NULL'))
    # Every user blocked so far gets the entry their row's words name.
    op.execute("""
        INSERT INTO do_not_call_entries (user_id, e164, reason, note, created_at)
        SELECT d.user_id, NULL,
               CASE d.reason WHEN 'SMS opt-out (STOP)' THEN 'SMS_STOP'
                             WHEN 'agent recorded DO_NOT_CALL' THEN 'DISPOSITION'
                             ELSE 'OTHER' END,
               CASE WHEN d.reason NOT IN ('SMS opt-out (STOP)', 'agent recorded DO_NOT_CALL')
                    THEN d.reason END,
               d.created_at
        FROM do_not_call d ORDER BY d.created_at, d.user_id
    """)
    # Their rows in the words an entry of that reason writes (the old words are its note).
    op.execute("UPDATE do_not_call SET reason = 'do-not-call: other' WHERE reason NOT IN "
               "('SMS opt-out (STOP)', 'agent recorded DO_NOT_CALL')")


def downgrade() -> None:
    op.drop_index('do_not_call_entries_e164_idx', table_name='do_not_call_entries')
    op.drop_index('do_not_call_entries_user_idx', table_name='do_not_call_entries')
    op.drop_table('do_not_call_entries')
