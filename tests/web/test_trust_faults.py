"""Faults: the server killed (SIGKILL) in the middle of a live recording, and a database that is
locked while frames come in.

* `rom serve` in a subprocess records a sample clip sent frame by frame over the WebSocket and is
  killed mid-recording; restarted, it shows the assessment as incomplete with every frame up to
  the last second before the kill, which can then be analysed.
* An SQLite database held under an exclusive lock by another connection for a few seconds: the
  live socket keeps answering frames, says "storage unavailable, retrying", and once the lock is
  gone every frame's row is stored.

Reproduce: .venv/bin/python -m pytest tests/web/test_trust_faults.py -v -s
"""

from __future__ import annotations

import json
import signal
import sqlite3
import struct
import time

import cv2
import psutil
import pytest
from conftest_web import (
    SAMPLES,
    HttpSession,
    add_assessment,
    add_person,
    make_app,
    serve_subprocess,
    session_cookie,
    truth,
    wait_until,
    ws_connect,
)
from sqlalchemy import create_engine, func, select

from rom.capture import video
from web.db import db
from web.models import Assessment, FrameSample
from web.services import recording

SLR = "slr_avg_male_L_near_60"


def clip_jpegs(name: str = SLR) -> list[bytes]:
    info = video.probe(SAMPLES / f"{name}.mp4")
    return [cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
            for _, rgb in video.iter_frames(info)]


class Page:
    """The live page's side of the protocol."""

    def __init__(self, ws_url: str, cookie: str):
        self.ws = ws_connect(ws_url, headers={"Cookie": cookie})
        assert json.loads(self.ws.receive(timeout=60)) == {"type": "ready"}

    def send(self, jpeg: bytes, t_s: float) -> dict:
        self.ws.send(struct.pack("<d", t_s) + jpeg)
        return json.loads(self.ws.receive(timeout=60))

    def control(self, kind: str) -> dict:
        self.ws.send(json.dumps({"type": kind}))
        while True:
            reply = json.loads(self.ws.receive(timeout=180))
            if reply["type"] != "storage":
                return reply


def _stored(app, aid) -> list:
    with app.app_context():
        rows = db.session.execute(select(FrameSample.frame, FrameSample.live).where(FrameSample.assessment_id == aid)
                                  .order_by(FrameSample.frame)).all()
        db.engine.dispose()
    return rows


@pytest.mark.slow
def test_a_killed_server_keeps_the_recording_up_to_the_last_second(tmp_path):
    instance = tmp_path / "instance"
    app = make_app(instance)
    aid = add_assessment(app, add_person(app), status="pending")
    cookie = session_cookie(app)  # signed with the instance's key, which the served app reads too
    with app.app_context():
        db.engine.dispose()
    jpegs = clip_jpegs()
    proc, base = serve_subprocess(instance)
    port = base.rsplit(":", 1)[1]
    page = Page(f"ws://127.0.0.1:{port}/ws/live/{aid}", cookie)
    assert page.control("start")["type"] == "started"
    acked: dict[int, tuple[float, dict]] = {}  # frame -> (time its reply came, the angles shown)
    kill_after = 150  # frames: mid-recording, the leg coming down again
    for i, jpeg in enumerate(jpegs[:kill_after]):
        reply = page.send(jpeg, i / 30.0)
        acked[reply["frame"]] = (time.monotonic(), reply["angles"])
    children = psutil.Process(proc.pid).children(recursive=True)  # the fork server and the live engine
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.communicate()
    gone, alive = psutil.wait_procs(children, timeout=15)
    for p in alive:  # (they were started by this test's server)
        p.kill()
    assert not alive, f"processes left behind by the killed server: {alive}"

    proc, base = serve_subprocess(instance, int(port))  # restarted on the same port
    try:
        rows = _stored(app, aid)
        must = [f for f, (t, _) in acked.items() if killed_at - t >= 1.0]  # acknowledged a second before
        stored = [r.frame for r in rows]
        print(f"killed after {len(acked)} frames; stored {len(stored)}; "
              f"{len(must)} were acknowledged at least a second before the kill")
        assert stored == list(range(len(stored)))  # whole frames, in order
        assert set(must) <= set(stored) and len(stored) >= len(must)
        for r in rows:  # what the page was shown is what was stored
            assert r.live["angles"] == acked[r.frame][1]
        with app.app_context():
            a = db.session.get(Assessment, aid)
            assert a.status == "incomplete" and a.n_frames == len(stored)
            db.engine.dispose()
        browser = HttpSession(base)
        browser.submit("/login", {"name": "clinician", "password": "correct horse battery"})
        _, _, result_page = browser.get(f"/assessments/{aid}")
        assert "The recording stopped before it was finished" in result_page
        assert f"{len(stored)} frames were stored" in result_page
        _, url, result_page = browser.submit(f"/assessments/{aid}", {}, action=f"/assessments/{aid}/analyse")
        with app.app_context():
            a = db.session.get(Assessment, aid)
            assert a.status == "complete", a.error
            assert abs(a.result["slr_angle_deg"] - truth(SLR)["slr_angle_deg"]) < 3.0
            db.engine.dispose()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


class Lock:
    """An exclusive lock on an SQLite database held by another connection (as another program
    writing to it would)."""

    def __init__(self, path):
        self.con = sqlite3.connect(path, timeout=0, isolation_level=None)

    def __enter__(self):
        self.con.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc):
        self.con.execute("ROLLBACK")
        self.con.close()


@pytest.mark.slow
def test_a_locked_database_is_reported_and_every_frame_stored_after(live_server):
    app = live_server.app
    aid = add_assessment(app, add_person(app), status="pending")
    jpegs = clip_jpegs()
    page = Page(f"{live_server.ws_url}/ws/live/{aid}", session_cookie(app))
    assert page.control("start")["type"] == "started"
    replies = []
    for i in range(60):
        replies.append(page.send(jpegs[i], i / 30.0))
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    during = []
    with Lock(path):
        start = time.monotonic()
        i = 60
        while time.monotonic() < start + 2.5:  # frames go on, at a camera's 30 frames/s, while it is locked
            reply = page.send(jpegs[i], i / 30.0)
            during.append(reply)
            i += 1
            time.sleep(max(0.0, start + (i - 60) / 30.0 - time.monotonic()))
    for j in range(i, len(jpegs)):
        replies.append(page.send(jpegs[j], j / 30.0))
    replies[60:60] = during
    warned = [r["storage"]["message"] for r in during if "storage" in r and not r["storage"]["ok"]]
    print(f"{len(during)} frames answered during the 2.5 s lock; {len(warned)} said: {warned[:1]}")
    assert len(during) >= 10 and all(r["type"] == "frame" for r in during)
    assert warned and warned[0].startswith("storage unavailable, retrying")
    recovered = [k for k, r in enumerate(replies) if r.get("storage", {}).get("ok")]
    assert recovered and recovered[0] > 60  # and the page is told once it answers again
    assert page.control("stop")["type"] == "done"
    rows = _stored(app, aid)
    assert [r.frame for r in rows] == list(range(len(jpegs)))
    assert [r.live["angles"] for r in rows] == [r["angles"] for r in replies]
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "complete"


@pytest.mark.slow
def test_the_frame_writer_retries_past_the_lock_timeout(tmp_path):
    """When the database stays locked longer than SQLite waits (here 0.1 s), a write fails; the
    writer keeps the rows, retries, says why, and stores them all once the lock is gone."""
    app = make_app(tmp_path / "instance")
    aid = add_assessment(app, add_person(app), status="recording")
    path = tmp_path / "instance" / "rom.sqlite"
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    writer = recording.FrameWriter(engine, aid)
    rows = [{"frame": i, "t_s": i / 30, "relock": False, "landmarks": None, "live": None} for i in range(90)]
    statuses = []
    with Lock(path):
        for r in rows[:60]:
            writer.add(r)
            time.sleep(0.02)
        wait_until(lambda: writer.status() and "database is locked" in writer.status(), timeout_s=5)
        statuses.append(writer.status())
    for r in rows[60:]:
        writer.add(r)
    writer.close(timeout_s=30)
    assert "storage unavailable, retrying (database is locked)" in statuses[0]
    assert writer.status() is None and writer.pending == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FrameSample)) == 90
        assert db.session.get(Assessment, aid).n_frames == 90
    engine.dispose()


@pytest.mark.slow
def test_the_frame_writer_gives_up_on_a_bug_not_on_a_lock(tmp_path):
    app = make_app(tmp_path / "instance")
    aid = add_assessment(app, add_person(app), status="recording")
    with app.app_context():
        writer = recording.FrameWriter(db.engine, aid)
        writer.add({"frame": 0, "t_s": 0.0, "relock": False, "landmarks": None, "live": None})
        writer.add({"frame": 0, "t_s": 0.0, "relock": False, "landmarks": None, "live": None})  # the same key
        with pytest.raises(RuntimeError, match="storing the frames failed"):
            writer.close(timeout_s=5)


@pytest.mark.slow
def test_a_connection_that_ends_while_the_database_is_locked_keeps_its_frames(live_server):
    """The tab is closed during the lock: the frames wait, and are stored once it ends."""
    app = live_server.app
    aid = add_assessment(app, add_person(app), status="pending")
    jpegs = clip_jpegs()[:40]
    page = Page(f"{live_server.ws_url}/ws/live/{aid}", session_cookie(app))
    page.control("start")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with Lock(path):
        for i, jpeg in enumerate(jpegs):
            page.send(jpeg, i / 30.0)
        page.ws.close()
        time.sleep(1.5)
    a = wait_until(lambda: (r := _stored(app, aid)) and len(r) == len(jpegs) and r, timeout_s=30)
    assert [r.frame for r in a] == list(range(len(jpegs)))
    wait_until(lambda: _status(app, aid) == "incomplete", timeout_s=30)


def _status(app, aid):
    with app.app_context():
        return db.session.get(Assessment, aid).status

