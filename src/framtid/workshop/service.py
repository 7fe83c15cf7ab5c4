"""The workshop's rules, without HTTP: create, join, answer, ideas and votes, results, the room's
scenario, facilitator actions, export and expiry. Routes and the CLI call these functions.

Numbers kept: an answer is one row per (question, participant), written with an upsert, so a
changed answer replaces the old one (the last one counts) and concurrent writes can neither lose
nor double an answer. The room's scenario is the median of every lever question's answers.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import Database
from .models import Answer, Idea, ModerationEntry, Participant, Question, Vote, Workshop

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I/L: easy to read aloud
CODE_LENGTH = 6
EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 365
IDEA_MAX = 280
STATEMENT_MIN, STATEMENT_MAX = 1, 5
SCENARIO_STEP = "scenario"
# The policy levers a room chooses (see `framtid levers`): what a kommune can do itself.
POLICY_LEVERS = ("young_adults", "healthy_ageing", "care_productivity", "employment_seniors",
                 "employment_women", "employment_overall")
MAX_QUESTIONS = 60
MAX_TEXT = 500


class WorkshopError(Exception):
    """A refusal with an HTTP status, a catalogue key for the message and (for 422) a field."""

    status = 400

    def __init__(self, key: str, field: str | None = None, **fmt):
        super().__init__(key)
        self.key, self.field, self.fmt = key, field, fmt


class NotFound(WorkshopError):
    status = 404


class Forbidden(WorkshopError):
    status = 403


class Gone(WorkshopError):
    status = 410


class Conflict(WorkshopError):
    status = 409


class Invalid(WorkshopError):
    status = 422


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:12]


@dataclass(frozen=True)
class LeverRange:
    min: float
    max: float
    step: float
    default: float


def lever_ranges(lever_meta: list[dict], population: float | None) -> dict[str, LeverRange]:
    """The policy levers as questions: the simulator's slider range (persons per year scaled to
    the region) and a step on whose grid the default lies."""
    from ..web.views import lever_step, slider_range

    out = {}
    meta = {m["name"]: m for m in lever_meta}
    for name in POLICY_LEVERS:
        if name not in meta:
            continue
        m = meta[name]
        default = float(m["default"])
        lo, hi = slider_range(m, population, default)
        out[name] = LeverRange(lo, hi, float(lever_step(lo, hi, default)), default)
    return out


class WorkshopService:
    def __init__(self, db: Database, lever_meta: list[dict] | None = None,
                 expiry_days: int = EXPIRY_DAYS):
        self.db = db
        if lever_meta is None:
            from ..consequences.service import all_levers

            lever_meta = all_levers()
        self.lever_meta = lever_meta
        self.expiry_days = expiry_days

    # --- facilitator: create ------------------------------------------------------------------
    def create(self, region: str, lang: str, beats: list[str], population: float | None = None,
               days: int | None = None) -> tuple[str, str]:
        """A new workshop with the default question set: one «veivalg» statement per story beat,
        then the policy levers. Returns (join code, facilitator key); the key is stored hashed
        only and cannot be recovered."""
        days = self.expiry_days if days is None else int(days)
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            raise Invalid("error.days", "days", min=1, max=MAX_EXPIRY_DAYS)
        self.purge_expired()
        key = secrets.token_urlsafe(24)
        steps = [b for b in beats if b != SCENARIO_STEP] + [SCENARIO_STEP]
        t = now()
        with self.db.tx() as s:
            for _ in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if s.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
                    break
            ws = Workshop(code=code, region=region, lang=lang, key_hash=key_hash(key),
                          state="open", step=0, steps=json.dumps(steps), created_at=t,
                          expires_at=t + timedelta(days=days), revision=0)
            s.add(ws)
            s.flush()
            pos = 0
            for beat in steps[:-1]:
                s.add(Question(workshop_id=ws.id, kind="statement", step=beat, position=pos,
                               text_key=f"statement.{beat}", min=STATEMENT_MIN,
                               max=STATEMENT_MAX, step_size=1, is_open=(beat == steps[0])))
                pos += 1
            for name, r in lever_ranges(self.lever_meta, population).items():
                s.add(Question(workshop_id=ws.id, kind="lever", step=SCENARIO_STEP, position=pos,
                               text_key=f"lever.{name}", lever=name, min=r.min, max=r.max,
                               step_size=r.step, default=r.default,
                               is_open=(steps[0] == SCENARIO_STEP)))
                pos += 1
        return code, key

    # --- lookups ----------------------------------------------------------------------------
    @staticmethod
    def _ws(s: Session, code: str) -> Workshop:
        q = select(Workshop).where(Workshop.code == normalise_code(code))
        ws = s.scalar(q)
        if ws is None:
            raise NotFound("error.no_workshop")
        if ws.expires_at <= now():
            raise Gone("error.expired")
        return ws

    def _live(self, s: Session, code: str) -> Workshop:
        ws = self._ws(s, code)
        if ws.state == "closed":
            raise Gone("error.closed")
        return ws

    @staticmethod
    def check_key(ws: Workshop, key: str | None) -> None:
        """Constant-time comparison of the key's hash with the stored hash."""
        if not key or not hmac.compare_digest(key_hash(key), ws.key_hash):
            raise Forbidden("error.forbidden")

    def authorise(self, code: str, key: str | None) -> None:
        with self.db.tx() as s:
            self.check_key(self._ws(s, code), key)

    def info(self, code: str) -> dict:
        """The workshop as participants see it: region, state, current step, questions."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            qs = s.scalars(select(Question).where(Question.workshop_id == ws.id)
                           .order_by(Question.position, Question.id)).all()
            steps = json.loads(ws.steps)
            return {"code": ws.code, "region": ws.region, "lang": ws.lang, "state": ws.state,
                    "step": ws.step, "steps": steps,
                    "current": steps[min(ws.step, len(steps) - 1)],
                    "expires_at": ws.expires_at.isoformat() + "Z", "revision": ws.revision,
                    "created_at": ws.created_at.isoformat() + "Z",
                    "questions": [_question(q) for q in qs]}

    # --- participants -------------------------------------------------------------------------
    def join(self, code: str) -> str:
        token = secrets.token_urlsafe(16)
        with self.db.begin() as con:
            row = con.execute(_WORKSHOP_STATE, {"code": normalise_code(code)}).first()
            if row is None:
                raise NotFound("error.no_workshop")
            ws_id, state, expires = row
            if expires <= now():
                raise Gone("error.expired")
            if state == "closed":
                raise Gone("error.closed")
            con.execute(_INSERT_PARTICIPANT, {"ws": ws_id, "token": token, "t": now()})
        return token

    @staticmethod
    def _participant(s: Session, ws: Workshop, token: str) -> Participant:
        p = s.scalar(select(Participant).where(Participant.token == (token or "")[:64],
                                               Participant.workshop_id == ws.id))
        if p is None:
            raise NotFound("error.no_participant")
        return p

    def is_participant(self, code: str, token: str | None) -> bool:
        if not token:
            return False
        with self.db.tx() as s:
            ws = self._ws(s, code)
            return s.scalar(select(Participant.id).where(
                Participant.token == token[:64], Participant.workshop_id == ws.id)) is not None

    def answer(self, code: str, question_id: int, token: str, value) -> float:
        """Store (or replace) one participant's answer: one lookup, one upsert, one commit,
        with statements built once (this is the path a room hammers)."""
        with self.db.begin() as con:
            row = con.execute(_ANSWER_LOOKUP, {"code": normalise_code(code),
                                               "qid": int(question_id),
                                               "token": (token or "")[:64]}).first()
            if row is None:
                raise NotFound("error.no_workshop")
            ws_id, state, expires, qid, kind, qmin, qmax, is_open, pid = row
            if expires <= now():
                raise Gone("error.expired")
            if state == "closed":
                raise Gone("error.closed")
            if qid is None:
                raise NotFound("error.no_question")
            if pid is None:
                raise NotFound("error.no_participant")
            v = _valid_value(Question(kind=kind, min=qmin, max=qmax), value)
            if not is_open:
                raise Conflict("error.question_closed")
            con.execute(_upsert_answer(con.dialect.name),
                        {"ws": ws_id, "q": qid, "p": pid, "v": v, "t": now()})
            return v

    def my_answers(self, code: str, token: str | None) -> dict[int, float]:
        if not token:
            return {}
        with self.db.tx() as s:
            ws = self._ws(s, code)
            p = s.scalar(select(Participant).where(Participant.token == token[:64],
                                                   Participant.workshop_id == ws.id))
            if p is None:
                return {}
            rows = s.execute(select(Answer.question_id, Answer.value)
                             .where(Answer.participant_id == p.id)).all()
            return {int(q): float(v) for q, v in rows}

    def add_idea(self, code: str, token: str, text: str) -> dict:
        text = clean_text(text)
        if not text:
            raise Invalid("error.idea_empty", "text")
        if len(text) > IDEA_MAX:
            raise Invalid("error.idea_long", "text", max=IDEA_MAX)
        with self.db.tx() as s:
            ws = self._live(s, code)
            p = self._participant(s, ws, token)
            steps = json.loads(ws.steps)
            idea = Idea(workshop_id=ws.id, participant_id=p.id, text=text,
                        step=steps[min(ws.step, len(steps) - 1)], hidden=False,
                        created_at=now())
            s.add(idea)
            s.flush()
            return {"id": idea.id, "text": idea.text, "votes": 0}

    def vote(self, code: str, idea_id: int, token: str) -> int:
        with self.db.tx() as s:
            ws = self._live(s, code)
            p = self._participant(s, ws, token)
            idea = s.get(Idea, int(idea_id))
            if idea is None or idea.workshop_id != ws.id or idea.hidden:
                raise NotFound("error.no_idea")
            ins = (pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert)(Vote)
            s.execute(ins.values(workshop_id=ws.id, idea_id=idea.id, participant_id=p.id)
                      .on_conflict_do_nothing(index_elements=["idea_id", "participant_id"]))
            return int(s.scalar(select(func.count()).select_from(Vote)
                                .where(Vote.idea_id == idea.id)))

    def my_votes(self, code: str, token: str | None) -> set[int]:
        if not token:
            return set()
        with self.db.tx() as s:
            ws = self._ws(s, code)
            rows = s.scalars(select(Vote.idea_id).join(
                Participant, Participant.id == Vote.participant_id).where(
                Participant.token == token[:64], Vote.workshop_id == ws.id)).all()
            return set(rows)

    # --- results ----------------------------------------------------------------------------
    def fingerprint(self, code: str) -> tuple:
        """Cheap «has anything changed?» for the live view (one query per table)."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            a = s.execute(select(func.count(), func.max(Answer.updated_at))
                          .where(Answer.workshop_id == ws.id)).one()
            p = s.scalar(select(func.count()).select_from(Participant)
                         .where(Participant.workshop_id == ws.id))
            i = s.execute(select(func.count(), func.max(Idea.id),
                                 func.sum(Idea.hidden.cast(Integer)))
                          .where(Idea.workshop_id == ws.id)).one()
            v = s.scalar(select(func.count()).select_from(Vote).where(Vote.workshop_id == ws.id))
            return (ws.state, ws.step, ws.revision, tuple(a), p, tuple(i), v)

    def results(self, code: str, top: int = 50) -> dict:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            qs = s.scalars(select(Question).where(Question.workshop_id == ws.id)
                           .order_by(Question.position, Question.id)).all()
            rows = s.execute(select(Answer.question_id, Answer.value, func.count())
                             .where(Answer.workshop_id == ws.id)
                             .group_by(Answer.question_id, Answer.value)).all()
            participants = s.scalar(select(func.count()).select_from(Participant)
                                    .where(Participant.workshop_id == ws.id))
            ideas = self._ideas(s, ws, top)
        counts: dict[int, dict[float, int]] = {}
        for qid, value, n in rows:
            counts.setdefault(int(qid), {})[float(value)] = int(n)
        answers, scenario = {}, {}
        for q in qs:
            c = counts.get(q.id, {})
            answers[str(q.id)] = summary(q, c)
            if q.kind == "lever" and q.lever and q.lever not in scenario:
                med = answers[str(q.id)].get("median")
                scenario[q.lever] = round_to(med if med is not None else q.default, q)
        steps = json.loads(ws.steps)
        return {"participants": int(participants), "state": ws.state, "step": ws.step,
                "current": steps[min(ws.step, len(steps) - 1)], "revision": ws.revision,
                "answers": answers, "scenario": scenario, "ideas": ideas}

    @staticmethod
    def _ideas(s: Session, ws: Workshop, top: int | None, hidden: bool = False) -> list[dict]:
        votes = (select(Vote.idea_id, func.count().label("n")).where(Vote.workshop_id == ws.id)
                 .group_by(Vote.idea_id).subquery())
        q = (select(Idea, func.coalesce(votes.c.n, 0))
             .outerjoin(votes, votes.c.idea_id == Idea.id)
             .where(Idea.workshop_id == ws.id))
        if not hidden:
            q = q.where(Idea.hidden.is_(False))
        q = q.order_by(func.coalesce(votes.c.n, 0).desc(), Idea.id)
        if top:
            q = q.limit(top)
        return [{"id": i.id, "text": i.text, "votes": int(n), "step": i.step,
                 **({"hidden": i.hidden} if hidden else {})} for i, n in s.execute(q).all()]

    # --- facilitator actions ----------------------------------------------------------------
    def advance(self, code: str, key: str | None, to: int | None = None) -> dict:
        """Move to the next step (or step `to`): the questions of the step left are closed, those
        of the new step opened."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            if ws.state == "closed":
                raise Gone("error.closed")
            steps = json.loads(ws.steps)
            new = ws.step + 1 if to is None else int(to)
            if not 0 <= new < len(steps):
                raise Invalid("error.step", "to", max=len(steps) - 1)
            s.execute(update(Question).where(Question.workshop_id == ws.id,
                                             Question.step == steps[ws.step])
                      .values(is_open=False))
            s.execute(update(Question).where(Question.workshop_id == ws.id,
                                             Question.step == steps[new])
                      .values(is_open=True))
            ws.step = new
            ws.revision += 1
            return {"step": new, "current": steps[new]}

    def close(self, code: str, key: str | None) -> None:
        """End the meeting: nothing more can be answered; results and export stay available
        until the workshop expires or is deleted."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            ws.state = "closed"
            ws.revision += 1
            s.execute(update(Question).where(Question.workshop_id == ws.id)
                      .values(is_open=False))

    def reopen(self, code: str, key: str | None) -> None:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            ws.state = "open"
            ws.revision += 1

    def delete(self, code: str, key: str | None) -> None:
        """Delete at once: every answer, idea, vote, participant and question goes with it."""
        with self.db.tx() as s:
            ws = self._ws_any(s, code)
            self.check_key(ws, key)
            _delete_workshops(s, [ws.id])

    @staticmethod
    def _ws_any(s: Session, code: str) -> Workshop:
        ws = s.scalar(select(Workshop).where(Workshop.code == normalise_code(code)))
        if ws is None:
            raise NotFound("error.no_workshop")
        return ws

    def purge_expired(self) -> int:
        with self.db.tx() as s:
            ids = list(s.scalars(select(Workshop.id).where(Workshop.expires_at <= now())))
            if ids:
                _delete_workshops(s, ids)
            return len(ids)

    def set_hidden(self, code: str, key: str | None, idea_id: int, hidden: bool = True) -> None:
        """Moderation: hide (or show again) an idea. Logged, never deleted."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            idea = s.get(Idea, int(idea_id))
            if idea is None or idea.workshop_id != ws.id:
                raise NotFound("error.no_idea")
            if idea.hidden != hidden:
                idea.hidden = hidden
                s.add(ModerationEntry(workshop_id=ws.id, idea_id=idea.id,
                                      action="hide" if hidden else "show", at=now()))
                ws.revision += 1

    def moderation_log(self, code: str, key: str | None) -> list[dict]:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            rows = s.execute(select(ModerationEntry, Idea.text)
                             .join(Idea, Idea.id == ModerationEntry.idea_id)
                             .where(ModerationEntry.workshop_id == ws.id)
                             .order_by(ModerationEntry.id)).all()
            return [{"idea_id": m.idea_id, "action": m.action, "at": m.at.isoformat() + "Z",
                     "text": text} for m, text in rows]

    def all_ideas(self, code: str, key: str | None) -> list[dict]:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            return self._ideas(s, ws, None, hidden=True)

    # --- editing questions ------------------------------------------------------------------
    def add_question(self, code: str, key: str | None, kind: str, text: str | None = None,
                     lever: str | None = None, step: str | None = None,
                     population: float | None = None) -> dict:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            steps = json.loads(ws.steps)
            n = s.scalar(select(func.count()).select_from(Question)
                         .where(Question.workshop_id == ws.id))
            if n >= MAX_QUESTIONS:
                raise Invalid("error.too_many", "kind", max=MAX_QUESTIONS)
            step = step or steps[min(ws.step, len(steps) - 1)]
            if step not in steps:
                raise Invalid("error.unknown_step", "step")
            pos = (s.scalar(select(func.max(Question.position))
                            .where(Question.workshop_id == ws.id)) or 0) + 1
            if kind == "statement":
                text = clean_text(text or "")
                if not text or len(text) > MAX_TEXT:
                    raise Invalid("error.question_text", "text", max=MAX_TEXT)
                q = Question(workshop_id=ws.id, kind="statement", step=step, position=pos,
                             text=text, min=STATEMENT_MIN, max=STATEMENT_MAX, step_size=1,
                             is_open=step == steps[ws.step])
            elif kind == "lever":
                ranges = lever_ranges(self.lever_meta, population)
                if lever not in ranges:
                    raise Invalid("error.unknown_lever", "lever")
                r = ranges[lever]
                q = Question(workshop_id=ws.id, kind="lever", step=step, position=pos,
                             text_key=f"lever.{lever}", text=clean_text(text or "") or None,
                             lever=lever, min=r.min, max=r.max, step_size=r.step,
                             default=r.default, is_open=step == steps[ws.step])
            else:
                raise Invalid("error.kind", "kind")
            s.add(q)
            ws.revision += 1
            s.flush()
            return _question(q)

    def edit_question(self, code: str, key: str | None, question_id: int, *,
                      text: str | None = None, is_open: bool | None = None,
                      step: str | None = None) -> dict:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            q = s.get(Question, int(question_id))
            if q is None or q.workshop_id != ws.id:
                raise NotFound("error.no_question")
            if text is not None:
                text = clean_text(text)
                if not text or len(text) > MAX_TEXT:
                    raise Invalid("error.question_text", "text", max=MAX_TEXT)
                q.text = text
            if step is not None:
                if step not in json.loads(ws.steps):
                    raise Invalid("error.unknown_step", "step")
                q.step = step
            if is_open is not None:
                q.is_open = bool(is_open)
            ws.revision += 1
            return _question(q)

    def remove_question(self, code: str, key: str | None, question_id: int) -> None:
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            q = s.get(Question, int(question_id))
            if q is None or q.workshop_id != ws.id:
                raise NotFound("error.no_question")
            s.execute(delete(Answer).where(Answer.question_id == q.id))
            s.delete(q)
            ws.revision += 1

    def reorder(self, code: str, key: str | None, ids: list[int]) -> None:
        """Questions in the order given (ids not listed keep their order after them)."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
            qs = s.scalars(select(Question).where(Question.workshop_id == ws.id)
                           .order_by(Question.position, Question.id)).all()
            by_id = {q.id: q for q in qs}
            if len(set(ids)) != len(ids) or any(i not in by_id for i in ids):
                raise Invalid("error.reorder", "ids")
            ordered = [by_id[i] for i in ids] + [q for q in qs if q.id not in set(ids)]
            for pos, q in enumerate(ordered):
                q.position = pos
            ws.revision += 1

    def move(self, code: str, key: str | None, question_id: int, delta: int) -> None:
        info = self.info(code)
        ids = [q["id"] for q in info["questions"]]
        if int(question_id) not in ids:
            raise NotFound("error.no_question")
        i = ids.index(int(question_id))
        j = max(0, min(len(ids) - 1, i + delta))
        ids.insert(j, ids.pop(i))
        self.reorder(code, key, ids)

    # --- export -------------------------------------------------------------------------------
    def export_rows(self, code: str, key: str | None) -> tuple[dict, list[dict], list[dict]]:
        """(workshop info, per-question summary rows, ideas incl. hidden) for the exports."""
        with self.db.tx() as s:
            ws = self._ws(s, code)
            self.check_key(ws, key)
        return self.info(code), self.results(code, top=0)["answers"], self.all_ideas(code, key)

    def export_csv(self, code: str, key: str | None, question_text) -> str:
        """All results as CSV: one row per question (count, distribution or median) and per
        idea (votes, hidden). No participant appears, only counts."""
        info, answers, ideas = self.export_rows(code, key)
        res = self.results(code, top=0)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["workshop", "region", "state", "participants"])
        w.writerow([info["code"], info["region"], info["state"], res["participants"]])
        w.writerow([])
        w.writerow(["question_id", "kind", "step", "text", "lever", "min", "max", "count",
                    "mean", "median", "n_1", "n_2", "n_3", "n_4", "n_5"])
        for q in info["questions"]:
            a = answers.get(str(q["id"]), {})
            dist = a.get("distribution", {})
            w.writerow([q["id"], q["kind"], q["step"], csv_safe(question_text(q)),
                        q.get("lever") or "",
                        _g(q["min"]), _g(q["max"]), a.get("count", 0), _g(a.get("mean")),
                        _g(a.get("median"))] + [dist.get(str(k), "") for k in range(1, 6)])
        w.writerow([])
        w.writerow(["scenario_lever", "value"])
        for lever, v in res["scenario"].items():
            w.writerow([lever, _g(v)])
        w.writerow([])
        w.writerow(["idea_id", "votes", "hidden", "step", "text"])
        for i in ideas:
            w.writerow([i["id"], i["votes"], "yes" if i["hidden"] else "no", i["step"],
                        csv_safe(i["text"])])
        return buf.getvalue()


# --- helpers -------------------------------------------------------------------------------------
_ANSWER_LOOKUP = (
    select(Workshop.id, Workshop.state, Workshop.expires_at, Question.id, Question.kind,
           Question.min, Question.max, Question.is_open, Participant.id)
    .select_from(Workshop)
    .outerjoin(Question, and_(Question.workshop_id == Workshop.id,
                              Question.id == bindparam("qid")))
    .outerjoin(Participant, and_(Participant.workshop_id == Workshop.id,
                                 Participant.token == bindparam("token")))
    .where(Workshop.code == bindparam("code")))
_UPSERTS: dict[str, object] = {}
_WORKSHOP_STATE = (select(Workshop.id, Workshop.state, Workshop.expires_at)
                   .where(Workshop.code == bindparam("code")))
_INSERT_PARTICIPANT = insert(Participant).values(workshop_id=bindparam("ws"),
                                                 token=bindparam("token"),
                                                 joined_at=bindparam("t"))


def _upsert_answer(dialect: str):
    """INSERT … ON CONFLICT (question, participant) DO UPDATE: the last answer counts."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(Answer).values(
            workshop_id=bindparam("ws"), question_id=bindparam("q"),
            participant_id=bindparam("p"), value=bindparam("v"), updated_at=bindparam("t"))
        stmt = _UPSERTS[dialect] = ins.on_conflict_do_update(
            index_elements=["question_id", "participant_id"],
            set_={"value": ins.excluded.value, "updated_at": ins.excluded.updated_at})
    return stmt


def clean_text(text: str) -> str:
    """Trim, fold whitespace and drop control characters (the text is escaped on output)."""
    text = "".join(ch for ch in str(text) if ch.isprintable() or ch in " \n\t")
    return " ".join(text.split())


def csv_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _g(x) -> str:
    if x is None:
        return ""
    x = float(x)
    return str(int(x)) if x == int(x) else f"{x:.4g}"


def _question(q: Question) -> dict:
    return {"id": q.id, "kind": q.kind, "step": q.step, "position": q.position,
            "text_key": q.text_key, "custom_text": q.text, "lever": q.lever,
            "min": q.min, "max": q.max, "step_size": q.step_size, "default": q.default,
            "open": q.is_open}


def _valid_value(q: Question, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise Invalid("error.value_number", "value", min=_g(q.min), max=_g(q.max)) from None
    if isinstance(value, bool) or not math.isfinite(v) or not q.min <= v <= q.max:
        raise Invalid("error.value_range", "value", min=_g(q.min), max=_g(q.max))
    if q.kind == "statement" and v != int(v):
        raise Invalid("error.value_whole", "value", min=_g(q.min), max=_g(q.max))
    return v


def round_to(x: float | None, q: Question) -> float | None:
    """A median on the question's own grid (what a slider can show)."""
    if x is None:
        return None
    step = q.step_size or 1.0
    v = round((x - q.min) / step) * step + q.min
    return float(round(min(max(v, q.min), q.max), 6))


def summary(q: Question, counts: dict[float, int]) -> dict:
    n = sum(counts.values())
    out: dict = {"count": n}
    if q.kind == "statement":
        out["distribution"] = {str(k): counts.get(float(k), 0)
                               for k in range(STATEMENT_MIN, STATEMENT_MAX + 1)}
    if n:
        total = sum(v * c for v, c in counts.items())
        out["mean"] = total / n
        out["median"] = weighted_median(counts)
        out["min"], out["max"] = min(counts), max(counts)
    else:
        out["mean"] = out["median"] = None
    return out


def weighted_median(counts: dict[float, int]) -> float | None:
    """The median of values given as {value: count} (the mean of the two middle ones if even)."""
    n = sum(counts.values())
    if not n:
        return None
    items = sorted(counts.items())

    def kth(k: int) -> float:
        acc = 0
        for v, c in items:
            acc += c
            if acc > k:
                return v
        return items[-1][0]

    return (kth((n - 1) // 2) + kth(n // 2)) / 2


def _delete_workshops(s: Session, ids: list[int]) -> None:
    for model in (ModerationEntry, Vote, Answer, Idea, Participant, Question):
        s.execute(delete(model).where(model.workshop_id.in_(ids)))
    s.execute(delete(Workshop).where(Workshop.id.in_(ids)))
