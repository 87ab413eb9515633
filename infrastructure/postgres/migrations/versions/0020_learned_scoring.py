"""learned scoring: conversion rates per segment, queue and agent in each snapshot, and the
confidence of each user's window and channel rates; the habits a queue entry was scored from
and the snapshot that scored it; when agent matching first passed an entry over, and why a
lease was matched

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_HABITS = (('basis_window_start', sa.SmallInteger()), ('basis_window_end', sa.SmallInteger()),
           ('basis_window_answered', sa.Integer()), ('basis_window_calls', sa.Integer()),
           ('basis_window_rate', sa.Float()), ('basis_window_confidence', sa.Float()),
           ('basis_answered', sa.Integer()), ('basis_calls', sa.Integer()),
           ('basis_call_rate', sa.Float()), ('basis_call_confidence', sa.Float()),
           ('basis_replied', sa.Integer()), ('basis_texts', sa.Integer()),
           ('basis_text_rate', sa.Float()), ('basis_text_confidence', sa.Float()),
           ('scored_snapshot', sa.Integer()), ('passed_over_at', _TS))

# What scoring needs of a user's window and channel rates beyond 0019's columns.
_LEARNED_USER = (('best_end', sa.SmallInteger()), ('best_confidence', sa.Float()),
                 ('call_confidence', sa.Float()), ('text_confidence', sa.Float()))


def _snapshot() -> sa.Column:
    return sa.Column('snapshot_id', sa.BigInteger(),
                     sa.ForeignKey('learning_snapshots.id', ondelete='CASCADE'),
                     primary_key=True)


def _rate() -> list[sa.Column]:
    return [sa.Column('converted', sa.Integer(), nullable=False),
            sa.Column('worked', sa.Integer(), nullable=False),
            sa.Column('estimate', sa.Float(), nullable=False),
            sa.Column('confidence', sa.Float(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        'learned_conversions', _snapshot(),
        sa.Column('age_band', sa.Text(), primary_key=True),
        sa.Column('area', sa.Text(), primary_key=True),
        sa.Column('lender', sa.Text(), primary_key=True),
        sa.Column('queue_type', sa.String(24), primary_key=True), *_rate())
    op.create_table(
        'learned_queue_conversions', _snapshot(),
        sa.Column('queue_type', sa.String(24), primary_key=True), *_rate())
    op.create_table(
        'learned_agents', _snapshot(),
        sa.Column('agent_id', sa.Uuid(), primary_key=True),
        sa.Column('queue_type', sa.String(24), primary_key=True),
        sa.Column('lender', sa.Text(), primary_key=True), *_rate(),
        sa.Column('team_estimate', sa.Float(), nullable=False))
    for name, kind in _HABITS:
        op.add_column('queue_entries', sa.Column(name, kind, nullable=True))
    for name, kind in _LEARNED_USER:
        op.add_column('learned_users', sa.Column(name, kind, nullable=True))
    op.add_column('leases', sa.Column('match_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('leases', 'match_reason')
    for name, _ in reversed(_LEARNED_USER):
        op.drop_column('learned_users', name)
    for name, _ in reversed(_HABITS):
        op.drop_column('queue_entries', name)
    op.drop_table('learned_agents')
    op.drop_table('learned_queue_conversions')
    op.drop_table('learned_conversions')
