"""The workshop under load and under a crash, against a real uvicorn on 127.0.0.1 (asyncio +
httpx clients): CI size here (the full 300 × 10 is benchmarks/bench_workshop_load.py).

- SQLite with one process, PostgreSQL with four (uvicorn --workers 4 --factory): every answer
  counted exactly (0 lost, 0 doubled; distributions equal), answer p95 ≤ 200 ms;
- killing the server (SIGKILL to its process group) mid-workshop loses no stored answer;
- live results arrive by Server-Sent Events; the access log never holds the facilitator key.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict

import httpx
import pytest

from framtid.workshop.loadtest import Server, check, prepare, run_load

CI_PARTICIPANTS = 60
CI_QUESTIONS = 10
P95_LIMIT_MS = 200.0


@pytest.fixture(scope="module")
def store_dir(db_path):
    return db_path.parent


@pytest.mark.slow
@pytest.mark.parametrize("backend, workers", [("sqlite", 1), ("postgresql", 4)])
def test_load_counts_every_answer_exactly(request, store_dir, tmp_path, backend, workers):
    url = (request.getfixturevalue("postgres").new_database() if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'load.sqlite'}")
    with Server(store_dir, url, workers, log=tmp_path / "server.log") as srv:
        ws = prepare(srv.url, "3403", CI_QUESTIONS)
        assert len(ws.questions) == CI_QUESTIONS
        fig, acked = asyncio.run(run_load(srv.url, ws, CI_PARTICIPANTS, ramp_s=3.0,
                                          think_s=(0.2, 1.2)))
        check(srv.url, ws, fig, acked)
    report = json.dumps(asdict(fig))
    assert fig.joins_ok == CI_PARTICIPANTS and not fig.errors, report
    assert fig.expected == CI_PARTICIPANTS * CI_QUESTIONS, report
    assert fig.lost == 0 and fig.doubled == 0 and fig.mismatched_questions == 0, report
    assert fig.counted == fig.expected, report
    assert fig.duration_s < 60, report
    assert fig.p95_ms <= P95_LIMIT_MS, report


def _answer_all(base, code, people, questions, value_of):
    acked = {}
    with httpx.Client(base_url=base, timeout=30) as c:
        for i, p in enumerate(people):
            for q in questions:
                v = value_of(i, q)
                r = c.put(f"/api/workshops/{code}/answers/{q['id']}",
                          json={"participant_id": p, "value": v})
                if r.status_code == 200:
                    acked[(p, q["id"])] = v
    return acked


def _counts(base, code, questions):
    res = httpx.get(f"{base}/api/workshops/{code}/results", timeout=30).json()
    return {q["id"]: res["answers"][str(q["id"])]["count"] for q in questions}, res


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killing_the_server_loses_no_stored_answer(request, store_dir, tmp_path, backend):
    url = (request.getfixturevalue("postgres").new_database() if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'crash.sqlite'}")
    srv = Server(store_dir, url, 1, log=tmp_path / "server.log").start()
    try:
        ws = prepare(srv.url, "3403", 6)          # two statements, four levers
        assert ws.questions[0]["kind"] == "statement"
        with httpx.Client(base_url=srv.url, timeout=30) as c:
            people = [c.post(f"/api/workshops/{ws.code}/participants").json()["participant_id"]
                      for _ in range(25)]

        def value(i, q):
            return 1 + i % 5 if q["kind"] == "statement" else q["max"]

        acked = _answer_all(srv.url, ws.code, people, ws.questions, value)
        assert len(acked) == 25 * 6
        # the crash: hard kill in the middle of a burst of answers
        loop_acked = {}

        async def burst():
            async with httpx.AsyncClient(base_url=srv.url, timeout=10) as ac:
                async def one(p):
                    q = ws.questions[0]
                    try:
                        r = await ac.put(f"/api/workshops/{ws.code}/answers/{q['id']}",
                                         json={"participant_id": p, "value": 1})
                        if r.status_code == 200:
                            loop_acked[(p, q["id"])] = 1
                    except httpx.HTTPError:
                        pass
                tasks = [asyncio.create_task(one(p)) for p in people]
                await asyncio.sleep(0.05)
                srv.kill()
                await asyncio.gather(*tasks)

        asyncio.run(burst())
        srv.start()                                     # same store, same database, same port
        counts, res = _counts(srv.url, ws.code, ws.questions)
        assert counts == {q["id"]: 25 for q in ws.questions}   # nothing lost, nothing doubled
        first = res["answers"][str(ws.questions[0]["id"])]["distribution"]
        before = {str(k): 0 for k in range(1, 6)}
        for p_i in range(len(people)):
            before[str(1 + p_i % 5)] += 1
        acked_now = sum(1 for p_i, p in enumerate(people)
                        if (p, ws.questions[0]["id"]) in loop_acked and 1 + p_i % 5 != 1)
        # an answer acknowledged before the kill is there (the burst set value 1); one not
        # acknowledged may or may not be (its client saw an error and would send it again);
        # no value appears from nowhere
        assert sum(first.values()) == 25
        assert first["1"] >= before["1"] + acked_now
        for k in ("2", "3", "4", "5"):
            assert first[k] <= before[k]
        # the workshop goes on after the restart
        more = _answer_all(srv.url, ws.code, people[:5], ws.questions[1:2], lambda i, q: 5)
        assert len(more) == 5
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def live_server(store_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    srv = Server(store_dir, f"sqlite:///{folder / 'live.sqlite'}", 1, log=folder / "server.log",
                 access_log=True, env={"FRAMTID_WORKSHOP_SSE_INTERVAL": "0.2"}).start()
    yield srv, folder
    srv.stop()


def _events(base, code, want, timeout=20.0):
    """Read `results` events until `want(data)` holds; returns that data."""
    deadline = time.time() + timeout
    with httpx.stream("GET", f"{base}/api/workshops/{code}/events", timeout=timeout) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "results":
                data = json.loads(line[6:])
                if want(data):
                    return data
            if time.time() > deadline:
                break
    raise AssertionError("no matching event")


def test_live_results_arrive_by_server_sent_events(live_server):
    srv, _ = live_server
    ws = prepare(srv.url, "3403", 2)
    first = _events(srv.url, ws.code, lambda d: True)
    assert first["participants"] == 0
    with httpx.Client(base_url=srv.url) as c:
        p = c.post(f"/api/workshops/{ws.code}/participants").json()["participant_id"]
        c.put(f"/api/workshops/{ws.code}/answers/{ws.questions[0]['id']}",
              json={"participant_id": p, "value": 5})
    got = _events(srv.url, ws.code,
                  lambda d: d["answers"][str(ws.questions[0]["id"])]["count"] == 1)
    assert got["participants"] == 1
    # a workshop deleted while watched ends the stream with a «gone» event
    assert httpx.get(f"{srv.url}/api/workshops/NOSUCH/events").status_code == 404


def test_the_access_log_never_holds_the_facilitator_key(live_server):
    srv, folder = live_server
    ws = prepare(srv.url, "3403", 2)
    h = {"X-Facilitator-Key": ws.key}
    with httpx.Client(base_url=srv.url) as c:
        c.post(f"/api/workshops/{ws.code}/advance", headers=h)
        c.get(f"/api/workshops/{ws.code}/export.csv", headers=h)
        c.cookies.set(f"ws_h_{ws.code}", ws.key)
        assert c.get(f"/nb/w/{ws.code}/host").status_code == 200
        c.get(f"/nb/w/{ws.code}/host/questions")
    time.sleep(0.5)
    log = (folder / "server.log").read_text(errors="replace")
    assert f"/api/workshops/{ws.code}/advance" in log        # the log is on …
    assert ws.key not in log                                  # … and the key is not in it
