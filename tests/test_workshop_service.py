"""The workshop's rules (framtid.workshop.service), against SQLite and PostgreSQL alike: answers
(the last one counts, exact under concurrency), ranges, ideas and votes, moderation log, the
room's scenario (medians), facilitator actions, question editing, expiry and deletion, and
the Alembic migration itself."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, text, update

from framtid.workshop import service as S
from framtid.workshop.db import Database
from framtid.workshop.models import (Answer, Idea, ModerationEntry, Participant, Question, Vote,
                                     Workshop)

LEVERS = [
    {"name": "young_adults", "unit": "persons", "default": 0.0, "min": -10000.0,
     "max": 10000.0},
    {"name": "healthy_ageing", "unit": "years", "default": 0.0, "min": 0.0, "max": 5.0},
    {"name": "care_productivity", "unit": "percent", "default": 0.0, "min": -20.0,
     "max": 50.0},
    {"name": "fertility", "unit": "tfr", "default": 1.5, "min": 0.8, "max": 3.0},
]
BEATS = ["population", "dependency", "care"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        d = Database(f"sqlite:///{tmp_path / 'workshop.sqlite'}")
    else:
        d = Database(request.getfixturevalue("postgres").new_database())
    yield d
    d.dispose()


@pytest.fixture
def ws(db):
    return S.WorkshopService(db, lever_meta=LEVERS)


@pytest.fixture
def room(ws):
    code, key = ws.create("3403", "nb", BEATS, population=30_000)
    return code, key


def _q(ws, code, kind="statement", n=0):
    return [q for q in ws.info(code)["questions"] if q["kind"] == kind][n]


def test_migration_creates_the_tables_and_is_idempotent(db):
    names = set(inspect(db.engine).get_table_names())
    assert {"ws_workshops", "ws_questions", "ws_participants", "ws_answers", "ws_ideas",
            "ws_votes", "ws_moderation", "ws_alembic_version"} <= names
    db.migrate()   # a second start migrates nothing and fails nothing
    with db.engine.connect() as con:
        assert con.execute(text("SELECT version_num FROM ws_alembic_version")).scalar() == "0001"


def test_no_column_can_hold_personal_data(db):
    """Participants are random tokens: no IP, name, user agent or e-mail column anywhere."""
    cols = {c["name"] for t in inspect(db.engine).get_table_names()
            for c in inspect(db.engine).get_columns(t)}
    for bad in ("ip", "ip_address", "address", "name", "email", "user_agent", "device"):
        assert bad not in cols


def test_default_questions_come_from_the_beats_and_the_policy_levers(ws, room):
    code, _ = room
    info = ws.info(code)
    assert info["steps"] == BEATS + ["scenario"]
    st = [q for q in info["questions"] if q["kind"] == "statement"]
    lv = [q for q in info["questions"] if q["kind"] == "lever"]
    assert [q["step"] for q in st] == BEATS
    assert [q["text_key"] for q in st] == [f"statement.{b}" for b in BEATS]
    assert [q["lever"] for q in lv] == ["young_adults", "healthy_ageing", "care_productivity"]
    assert all(q["min"] == 1 and q["max"] == 5 for q in st)
    ya = lv[0]   # persons per year scaled to the region (the simulator's slider range)
    assert -10_000 < ya["min"] < 0 < ya["max"] < 10_000 and ya["default"] == 0
    # only the first beat's question is open at the start
    assert [q["open"] for q in info["questions"]] == [True] + [False] * (len(st) + len(lv) - 1)
    assert len(code) == S.CODE_LENGTH and set(code) <= set(S.CODE_ALPHABET)


def test_the_key_is_stored_hashed_and_checked(ws, room, db):
    code, key = room
    with db.tx() as s:
        stored = s.scalar(select(Workshop.key_hash).where(Workshop.code == code))
    assert key not in stored and stored == S.key_hash(key)
    ws.authorise(code, key)
    for bad in (None, "", key[:-1], key + "x", "x" * 200):
        with pytest.raises(S.Forbidden):
            ws.authorise(code, bad)


def test_last_answer_counts(ws, room):
    code, _ = room
    q = _q(ws, code)
    p = ws.join(code)
    ws.answer(code, q["id"], p, 2)
    ws.answer(code, q["id"], p, 5)
    a = ws.results(code)["answers"][str(q["id"])]
    assert a["count"] == 1 and a["distribution"]["5"] == 1 and a["distribution"]["2"] == 0
    assert ws.my_answers(code, p) == {q["id"]: 5.0}


@pytest.mark.parametrize("value, key", [(0, "error.value_range"), (6, "error.value_range"),
                                        (2.5, "error.value_whole"), ("x", "error.value_number"),
                                        (float("nan"), "error.value_range"),
                                        (True, "error.value_range")])
def test_statement_out_of_range_is_refused_naming_value(ws, room, value, key):
    code, _ = room
    q = _q(ws, code)
    p = ws.join(code)
    with pytest.raises(S.Invalid) as exc:
        ws.answer(code, q["id"], p, value)
    assert exc.value.field == "value" and exc.value.key == key
    assert ws.results(code)["answers"][str(q["id"])]["count"] == 0


def test_lever_answers_and_the_rooms_scenario_is_the_median(ws, room):
    code, key = room
    ws.advance(code, key, 3)   # the scenario step opens the lever questions
    ha = _q(ws, code, "lever", 1)
    assert ha["lever"] == "healthy_ageing" and ha["open"]
    for v in (1, 2, 4):
        ws.answer(code, ha["id"], ws.join(code), v)
    with pytest.raises(S.Invalid) as exc:
        ws.answer(code, ha["id"], ws.join(code), 5.5)
    assert exc.value.field == "value"
    res = ws.results(code)
    assert res["scenario"]["healthy_ageing"] == 2.0
    assert res["scenario"]["young_adults"] == 0.0          # nobody answered: the default
    assert res["answers"][str(ha["id"])]["median"] == 2.0
    ws.answer(code, ha["id"], ws.join(code), 3)             # even count: mean of the middle two
    assert ws.results(code)["answers"][str(ha["id"])]["median"] == 2.5


def test_closed_question_and_unknown_participant(ws, room):
    code, _ = room
    closed = _q(ws, code, n=1)
    p = ws.join(code)
    with pytest.raises(S.Conflict):
        ws.answer(code, closed["id"], p, 3)
    with pytest.raises(S.NotFound) as exc:
        ws.answer(code, _q(ws, code)["id"], "no-such-participant", 3)
    assert exc.value.key == "error.no_participant"
    with pytest.raises(S.NotFound):
        ws.answer(code, 999_999, p, 3)


def test_a_participant_of_one_workshop_cannot_answer_another(ws, room):
    code, _ = room
    other, _ = ws.create("0301", "nb", BEATS)
    p = ws.join(other)
    with pytest.raises(S.NotFound):
        ws.answer(code, _q(ws, code)["id"], p, 3)
    with pytest.raises(S.NotFound):   # nor answer another workshop's question through its own
        ws.answer(other, _q(ws, code)["id"], p, 3)


def test_ideas_votes_and_moderation(ws, room, db):
    code, key = room
    p1, p2 = ws.join(code), ws.join(code)
    for bad, k in (("", "error.idea_empty"), ("   \n ", "error.idea_empty"),
                   ("x" * 281, "error.idea_long")):
        with pytest.raises(S.Invalid) as exc:
            ws.add_idea(code, p1, bad)
        assert exc.value.key == k and exc.value.field == "text"
    assert ws.add_idea(code, p1, "y" * 280)["text"] == "y" * 280
    a = ws.add_idea(code, p1, "  Gratis   barnehage  ")
    b = ws.add_idea(code, p2, "<script>alert(1)</script>")
    assert a["text"] == "Gratis barnehage"
    assert ws.vote(code, b["id"], p1) == 1
    assert ws.vote(code, b["id"], p1) == 1          # once per participant
    assert ws.vote(code, b["id"], p2) == 2
    assert [i["id"] for i in ws.results(code)["ideas"]][0] == b["id"]   # most votes first
    ws.set_hidden(code, key, b["id"], True)
    assert b["id"] not in [i["id"] for i in ws.results(code)["ideas"]]
    with pytest.raises(S.NotFound):
        ws.vote(code, b["id"], p1)
    hidden = [i for i in ws.all_ideas(code, key) if i["hidden"]]
    assert [i["id"] for i in hidden] == [b["id"]]   # hidden, not deleted
    log = ws.moderation_log(code, key)
    assert [(m["idea_id"], m["action"]) for m in log] == [(b["id"], "hide")]
    ws.set_hidden(code, key, b["id"], False)
    assert [m["action"] for m in ws.moderation_log(code, key)] == ["hide", "show"]
    with pytest.raises(S.Forbidden):
        ws.set_hidden(code, "wrong", a["id"], True)


def test_advance_opens_the_new_step_and_closes_the_old(ws, room):
    code, key = room
    with pytest.raises(S.Forbidden):
        ws.advance(code, None)
    assert ws.advance(code, key) == {"step": 1, "current": "dependency"}
    info = ws.info(code)
    assert [q["open"] for q in info["questions"] if q["kind"] == "statement"] == [False, True,
                                                                                  False]
    with pytest.raises(S.Invalid):
        ws.advance(code, key, 99)
    ws.advance(code, key, 3)
    assert all(q["open"] for q in ws.info(code)["questions"] if q["kind"] == "lever")


def test_close_gives_410_to_participants_but_keeps_results(ws, room):
    code, key = room
    q = _q(ws, code)
    p = ws.join(code)
    ws.answer(code, q["id"], p, 4)
    ws.close(code, key)
    for call in (lambda: ws.join(code), lambda: ws.answer(code, q["id"], p, 3),
                 lambda: ws.add_idea(code, p, "idé")):
        with pytest.raises(S.Gone) as exc:
            call()
        assert exc.value.key == "error.closed"
    assert ws.results(code)["answers"][str(q["id"])]["count"] == 1
    assert "4" in ws.export_csv(code, key, lambda q: q["text_key"])
    ws.reopen(code, key)
    ws.join(code)


def test_expired_workshop_is_gone_and_purged(ws, room, db):
    code, key = room
    p = ws.join(code)
    ws.add_idea(code, p, "idé")
    with db.tx() as s:
        s.execute(update(Workshop).where(Workshop.code == code)
                  .values(expires_at=S.now() - timedelta(seconds=1)))
    with pytest.raises(S.Gone) as exc:
        ws.info(code)
    assert exc.value.key == "error.expired"
    assert ws.purge_expired() == 1
    with pytest.raises(S.NotFound):
        ws.info(code)
    _assert_nothing_left(db)


def test_expiry_days_are_validated(ws):
    with pytest.raises(S.Invalid) as exc:
        ws.create("3403", "nb", BEATS, days=0)
    assert exc.value.field == "days"
    code, _ = ws.create("3403", "nb", BEATS, days=1)
    info = ws.info(code)
    assert info["expires_at"] > info["created_at"]


def _assert_nothing_left(db):
    with db.tx() as s:
        for model in (Workshop, Question, Participant, Answer, Idea, Vote, ModerationEntry):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model.__tablename__


def test_delete_removes_every_answer_and_idea(ws, room, db):
    code, key = room
    q = _q(ws, code)
    p = ws.join(code)
    ws.answer(code, q["id"], p, 3)
    i = ws.add_idea(code, p, "idé")
    ws.vote(code, i["id"], p)
    ws.set_hidden(code, key, i["id"], True)
    with pytest.raises(S.Forbidden):
        ws.delete(code, "wrong")
    ws.delete(code, key)
    _assert_nothing_left(db)
    with pytest.raises(S.NotFound):
        ws.info(code)


def test_edit_add_reorder_and_remove_questions(ws, room):
    code, key = room
    with pytest.raises(S.Forbidden):
        ws.add_question(code, None, "statement", "Ny påstand")
    new = ws.add_question(code, key, "statement", "  Vi bør   bygge flere boliger ")
    assert new["custom_text"] == "Vi bør bygge flere boliger" and new["step"] == "population"
    assert new["open"]   # added to the current step: open at once
    with pytest.raises(S.Invalid):
        ws.add_question(code, key, "statement", "")
    with pytest.raises(S.Invalid):
        ws.add_question(code, key, "lever", lever="fertility")   # not a policy lever
    with pytest.raises(S.Invalid):
        ws.add_question(code, key, "poll", "x")
    ed = ws.edit_question(code, key, new["id"], text="Boliger først", step="care")
    assert ed["custom_text"] == "Boliger først" and ed["step"] == "care"
    ids = [q["id"] for q in ws.info(code)["questions"]]
    ws.reorder(code, key, [ids[-1], ids[0]])
    after = [q["id"] for q in ws.info(code)["questions"]]
    assert after[:2] == [ids[-1], ids[0]] and sorted(after) == sorted(ids)
    with pytest.raises(S.Invalid):
        ws.reorder(code, key, [ids[0], ids[0]])
    ws.move(code, key, ids[0], +1)
    assert [q["id"] for q in ws.info(code)["questions"]].index(ids[0]) == 2
    p = ws.join(code)
    ws.answer(code, new["id"], p, 1) if ws.info(code)["questions"] else None
    ws.remove_question(code, key, new["id"])
    assert new["id"] not in [q["id"] for q in ws.info(code)["questions"]]
    assert str(new["id"]) not in ws.results(code)["answers"]


def test_concurrent_answers_are_neither_lost_nor_doubled(ws, room):
    """16 threads, each with its own participants, answering and re-answering at once."""
    code, key = room
    ws.advance(code, key, 3)
    for q in ws.info(code)["questions"]:
        ws.edit_question(code, key, q["id"], is_open=True)
    qs = ws.info(code)["questions"]
    people = [ws.join(code) for _ in range(48)]
    errors: list[Exception] = []

    def worker(chunk):
        try:
            for p in chunk:
                for q in qs:
                    lo = q["min"] if q["kind"] == "statement" else q["default"]
                    ws.answer(code, q["id"], p, lo)
                    ws.answer(code, q["id"], p, q["max"])    # the last one counts
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(people[i::16],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    res = ws.results(code)
    for q in qs:
        a = res["answers"][str(q["id"])]
        assert a["count"] == len(people)
        assert a["median"] == q["max"]
    assert res["participants"] == len(people)


def test_weighted_median_and_rounding():
    assert S.weighted_median({}) is None
    assert S.weighted_median({1.0: 1, 5.0: 1}) == 3.0
    assert S.weighted_median({1.0: 3, 5.0: 1}) == 1.0
    q = Question(kind="lever", min=-500.0, max=500.0, step_size=10.0)
    assert S.round_to(123.0, q) == 120.0 and S.round_to(9999, q) == 500.0


def test_csv_export_is_safe_for_spreadsheets(ws, room):
    code, key = room
    p = ws.join(code)
    ws.add_idea(code, p, "=HYPERLINK(\"http://evil\")")
    csv_text = ws.export_csv(code, key, lambda q: q["text_key"])
    assert "'=HYPERLINK" in csv_text
    with pytest.raises(S.Forbidden):
        ws.export_csv(code, None, lambda q: "")
