"""`rom serve`: starts on an empty database with no setup (SQLite by default, any SQLAlchemy URL
with --db), brings the schema up to date, asks for the first account, settles what a previous
server left unfinished."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from conftest_web import (
    PASSWORD,
    ROOT,
    HttpSession,
    add_assessment,
    add_person,
    make_app,
    postgres_database,
    serve_subprocess,
)

from web.db import db
from web.models import Assessment


def _serve(tmp_path, *args):
    return serve_subprocess(tmp_path / "instance", None, *args)


def _stop(proc) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.parametrize("database", ["default", "sqlite-url", "postgresql"])
def test_serve_starts_on_an_empty_database(tmp_path, request, database):
    args = []
    if database == "sqlite-url":
        args = ["--db", f"sqlite:///{tmp_path / 'other.sqlite'}"]
    elif database == "postgresql":
        args = ["--db", postgres_database(request.getfixturevalue("postgres_server"))]
    proc, base = _serve(tmp_path, *args)
    try:
        browser = HttpSession(base)
        _, url, page = browser.get("/people/")
        assert url == f"{base}/setup" and "Create the first account" in page  # the first run
        _, url, page = browser.submit("/setup", {"name": "dr-a", "password": PASSWORD, "password2": PASSWORD})
        assert url == f"{base}/people/"
        assert "Add the first person" in page
        assert urllib.request.urlopen(f"{base}/static/live.js").status == 200
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert f"serving on {base}/" in out and "no account yet" in out
    if database == "default":
        assert (tmp_path / "instance" / "rom.sqlite").exists() and "rom.sqlite" in out
    if database == "sqlite-url":
        assert (tmp_path / "other.sqlite").exists()


@pytest.mark.slow
def test_serve_marks_a_recording_of_a_stopped_server_incomplete(tmp_path):
    app = make_app(tmp_path / "instance")  # the database a previous server left
    aid = add_assessment(app, add_person(app), status="recording")
    with app.app_context():
        db.engine.dispose()
    proc, base = _serve(tmp_path)
    try:
        with app.app_context():
            assert db.session.get(Assessment, aid).status == "incomplete"
    finally:
        _stop(proc)


@pytest.mark.slow
def test_serve_says_why_when_the_port_is_taken(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = {**os.environ, "ROM_INSTANCE_PATH": str(tmp_path / "instance")}
        r = subprocess.run([sys.executable, "-m", "rom", "serve", "--port", str(port)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert f"Port {port} is in use by another program" in r.stderr
