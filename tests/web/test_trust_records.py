"""No patient's frames can reach another record, and live connections end when they must
(issue 13).

* Clinician A deletes a person while their live recording streams: the stream stops at once, its
  frames and files are gone, and clinician B's next recording (which on SQLite may get the same
  assessment ID) holds only B's frames, in the database and in the kept video. On SQLite and
  PostgreSQL.
* A second live connection to one assessment is refused in words; so are connections past the
  limits per account and in all.
* Logging out, or an admin deactivating the account, ends its open WebSocket.
"""

from __future__ import annotations

import json
import pathlib
import struct

import pytest
from conftest_web import (
    Client,
    LiveServer,
    add_assessment,
    add_person,
    add_user,
    login,
    make_app,
    session_cookie,
    user_id,
    wait_until,
    ws_connect,
)
from simple_websocket import ConnectionClosed
from sqlalchemy import func, select
from test_trust_faults import Page, clip_jpegs

from rom.capture import video
from web.db import db
from web.models import Assessment, FrameSample


def _until_error(ws) -> dict:
    """Read replies until the server's error message (frames sent before it still get theirs)."""
    while True:
        reply = json.loads(ws.receive(timeout=60))
        if reply["type"] == "error":
            return reply


def _frames_stored(app, aid) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(FrameSample).where(FrameSample.assessment_id == aid))
        db.session.remove()
        return n


def _files(app) -> list[str]:
    root = pathlib.Path(app.instance_path)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not p.name.startswith(("rom.sqlite", "secret_key")))


@pytest.fixture(name="served")
def served_fixture(tmp_path, db_url):
    server = LiveServer(make_app(tmp_path / "instance", db_url))
    yield server
    server.stop()
    with server.app.app_context():
        db.engine.dispose()


@pytest.mark.slow
def test_deleting_a_person_stops_their_recording_and_nothing_reaches_another_record(served):
    app = served.app
    jpegs = clip_jpegs()
    add_user(app, "dr-b")
    pa = add_person(app, "A-patient")
    aa = add_assessment(app, pa, status="pending", keep_video=True)
    page = Page(f"{served.ws_url}/ws/live/{aa}", session_cookie(app))
    assert page.control("start")["type"] == "started"
    for i in range(25):
        page.send(jpegs[i], i / 30)
    a_client = login(app)
    r = a_client.post(f"/people/{pa}/delete")
    assert r.status_code == 302
    err = _until_error(page.ws)  # (the delete waited for the connection to stop)
    assert "deleted" in err["message"] and "discarded" in err["message"]
    assert "SQL" not in err["message"] and "INSERT" not in err["message"]
    with pytest.raises(ConnectionClosed):
        for _ in range(5):
            page.ws.send(struct.pack("<d", 2.0) + jpegs[31])
            page.ws.receive(timeout=10)
    assert _frames_stored(app, aa) == 0
    assert _files(app) == []  # no frame of A's left on disk

    # B records next; on SQLite the new assessment gets A's deleted ID (the largest one).
    pb = add_person(app, "B-patient", owner="dr-b")
    ab = add_assessment(app, pb, status="pending", keep_video=True)
    page_b = Page(f"{served.ws_url}/ws/live/{ab}", session_cookie(app, "dr-b"))
    assert page_b.control("start")["type"] == "started"
    n_b = 12
    for i in range(n_b):
        page_b.send(jpegs[100 + i], i / 30)
    page_b.control("stop")
    assert _frames_stored(app, ab) == n_b
    with app.app_context():
        b = db.session.get(Assessment, ab)
        kept = pathlib.Path(app.instance_path) / b.video_path
        db.session.remove()
    assert video.probe(kept).n_frames == n_b  # B's video holds B's frames only


@pytest.mark.slow
def test_a_second_connection_to_one_assessment_is_refused_in_words(live_server):
    app = live_server.app
    aid = add_assessment(app, add_person(app), status="pending")
    cookie = session_cookie(app)
    first = Page(f"{live_server.ws_url}/ws/live/{aid}", cookie)
    second = ws_connect(f"{live_server.ws_url}/ws/live/{aid}", headers={"Cookie": cookie})
    reply = json.loads(second.receive(timeout=60))
    assert reply["type"] == "error" and "already open in another window" in reply["message"]
    assert "UNIQUE" not in reply["message"]
    assert first.control("start")["type"] == "started"  # the first one goes on


@pytest.mark.slow
def test_live_connections_are_limited_per_account_and_in_all(tmp_path):
    server = LiveServer(make_app(tmp_path / "instance", LIVE_MAX_PER_ACCOUNT=1, LIVE_MAX_CONNECTIONS=2))
    try:
        app = server.app
        add_user(app, "dr-b")
        add_user(app, "dr-c")
        a1, a2 = (add_assessment(app, add_person(app, f"P{i}"), status="pending") for i in range(2))
        b1 = add_assessment(app, add_person(app, "PB", owner="dr-b"), status="pending")
        c1 = add_assessment(app, add_person(app, "PC", owner="dr-c"), status="pending")
        Page(f"{server.ws_url}/ws/live/{a1}", session_cookie(app))
        ws = ws_connect(f"{server.ws_url}/ws/live/{a2}", headers={"Cookie": session_cookie(app)})
        assert "this account already has 1 live connections open" in json.loads(ws.receive(timeout=60))["message"]
        Page(f"{server.ws_url}/ws/live/{b1}", session_cookie(app, "dr-b"))
        ws = ws_connect(f"{server.ws_url}/ws/live/{c1}", headers={"Cookie": session_cookie(app, "dr-c")})
        assert "already serves 2 live connections" in json.loads(ws.receive(timeout=60))["message"]
    finally:
        server.stop()


@pytest.mark.slow
def test_deactivating_an_account_ends_its_open_websocket(live_server):
    app = live_server.app
    user_id(app)  # the admin
    add_user(app, "dr-b")
    aid = add_assessment(app, add_person(app, "PB", owner="dr-b"), status="pending")
    jpegs = clip_jpegs()
    page = Page(f"{live_server.ws_url}/ws/live/{aid}", session_cookie(app, "dr-b"))
    assert page.control("start")["type"] == "started"
    for i in range(5):
        page.send(jpegs[i], i / 30)
    admin = login(app)
    with app.app_context():
        b_id = user_id(app, "dr-b")
    assert admin.post(f"/users/{b_id}/active", data={"active": "0"}).status_code == 302
    err = _until_error(page.ws)
    assert "deactivated" in err["message"] and "kept" in err["message"]
    wait_until(lambda: _status(app, aid) == "incomplete")
    assert _frames_stored(app, aid) == 5  # what was recorded is kept


@pytest.mark.slow
def test_logging_out_ends_the_accounts_websocket_and_a_replayed_cookie_is_refused(live_server):
    app = live_server.app
    aid = add_assessment(app, add_person(app), status="pending")
    c = login(app)
    cookie = f"session={c.get_cookie('session').value}"
    page = Page(f"{live_server.ws_url}/ws/live/{aid}", cookie)
    assert page.control("start")["type"] == "started"
    assert c.post("/logout").status_code == 302
    err = _until_error(page.ws)
    assert "logged out" in err["message"]
    replay = Client(app)
    replay.set_cookie("session", cookie.split("=", 1)[1])
    assert replay.get("/api/people").status_code == 401  # the old cookie no longer works


def _status(app, aid):
    with app.app_context():
        s = db.session.get(Assessment, aid).status
        db.session.remove()
        return s
