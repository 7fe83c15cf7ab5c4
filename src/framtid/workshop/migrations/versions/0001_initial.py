"""The workshop tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ws_fk():
    return sa.Column("workshop_id", sa.Integer,
                     sa.ForeignKey("ws_workshops.id", ondelete="CASCADE"), nullable=False,
                     index=True)


def upgrade() -> None:
    op.create_table(
        "ws_workshops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True, index=True),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("steps", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "ws_questions",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text_key", sa.String(64)),
        sa.Column("text", sa.Text),
        sa.Column("lever", sa.String(32)),
        sa.Column("min", sa.Float, nullable=False),
        sa.Column("max", sa.Float, nullable=False),
        sa.Column("step_size", sa.Float, nullable=False),
        sa.Column("default", sa.Float),
        sa.Column("is_open", sa.Boolean, nullable=False),
    )
    op.create_table(
        "ws_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("token", sa.String(43), nullable=False, unique=True, index=True),
        sa.Column("joined_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "ws_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("question_id", sa.Integer,
                  sa.ForeignKey("ws_questions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.Integer,
                  sa.ForeignKey("ws_participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("question_id", "participant_id", name="uq_ws_answer"),
    )
    op.create_table(
        "ws_ideas",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("participant_id", sa.Integer,
                  sa.ForeignKey("ws_participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.String(280), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "ws_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("idea_id", sa.Integer, sa.ForeignKey("ws_ideas.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("participant_id", sa.Integer,
                  sa.ForeignKey("ws_participants.id", ondelete="CASCADE"), nullable=False),
        sa.UniqueConstraint("idea_id", "participant_id", name="uq_ws_vote"),
    )
    op.create_table(
        "ws_moderation",
        sa.Column("id", sa.Integer, primary_key=True),
        _ws_fk(),
        sa.Column("idea_id", sa.Integer, sa.ForeignKey("ws_ideas.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("ws_moderation", "ws_votes", "ws_ideas", "ws_answers", "ws_participants",
                  "ws_questions", "ws_workshops"):
        op.drop_table(table)
