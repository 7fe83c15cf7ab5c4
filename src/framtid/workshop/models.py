"""The workshop's tables (SQLAlchemy 2 declarative). Times are naive UTC. Nothing here identifies
a person: a participant is a random token; no IP address, name or device data is stored.

The schema itself is created by Alembic (`migrations/`); these classes must match it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Workshop(Base):
    __tablename__ = "ws_workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    region: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(2))
    key_hash: Mapped[str] = mapped_column(String(64))          # sha256 of the facilitator key
    state: Mapped[str] = mapped_column(String(16), default="open")   # open | closed
    step: Mapped[int] = mapped_column(Integer, default=0)      # index into the steps
    steps: Mapped[str] = mapped_column(Text, default="[]")     # JSON list of step ids (beats)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    revision: Mapped[int] = mapped_column(Integer, default=0)  # bumped on facilitator changes


class Question(Base):
    __tablename__ = "ws_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(16))              # statement | lever
    step: Mapped[str] = mapped_column(String(32))              # the beat it belongs to
    position: Mapped[int] = mapped_column(Integer)
    text_key: Mapped[str | None] = mapped_column(String(64), nullable=True)   # catalogue text
    text: Mapped[str | None] = mapped_column(Text, nullable=True)             # facilitator's own
    lever: Mapped[str | None] = mapped_column(String(32), nullable=True)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    step_size: Mapped[float] = mapped_column(Float, default=1.0)
    default: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)


class Participant(Base):
    __tablename__ = "ws_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    token: Mapped[str] = mapped_column(String(43), unique=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime())


class Answer(Base):
    __tablename__ = "ws_answers"
    __table_args__ = (UniqueConstraint("question_id", "participant_id", name="uq_ws_answer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("ws_questions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("ws_participants.id",
                                                           ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime())


class Idea(Base):
    __tablename__ = "ws_ideas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("ws_participants.id",
                                                           ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(280))
    step: Mapped[str] = mapped_column(String(32))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime())


class Vote(Base):
    __tablename__ = "ws_votes"
    __table_args__ = (UniqueConstraint("idea_id", "participant_id", name="uq_ws_vote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ws_ideas.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("ws_participants.id",
                                                           ondelete="CASCADE"))


class ModerationEntry(Base):
    """What the facilitator hid (or showed again), and when: hidden ideas are logged, not
    deleted. Removed with the workshop."""

    __tablename__ = "ws_moderation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ws_workshops.id", ondelete="CASCADE"),
                                             index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ws_ideas.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))            # hide | show
    at: Mapped[datetime] = mapped_column(DateTime())
