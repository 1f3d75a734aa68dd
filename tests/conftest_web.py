"""Fixtures and helpers of the web app's tests.

A test module imports the fixtures it uses (`from conftest_web import app_fixture  # noqa: F401`);
each is registered under its short name (`app`), so that test arguments do not shadow imports.

Built like the Flask tutorial's tests: `app` (an app on a fresh database in a temporary
instance folder), `client`, `runner`. `db_url` runs a storage test against SQLite and against a
real PostgreSQL server that `postgres_server` starts on a free local port (skipped, with the
reason, when PostgreSQL is not installed). `live_server` serves an app over HTTP and WebSocket
on a free port, for the WebSocket and browser tests.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
from werkzeug.serving import make_server

from web import create_app
from web.db import prepare_database

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ARTIFACTS = ROOT / "test-artifacts"


def make_app(instance: pathlib.Path, db_url: str | None = None, **config):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": db_url or f"sqlite:///{instance / 'rom.sqlite'}", **config})
    with app.app_context():
        prepare_database()
    return app


@pytest.fixture(name="app")
def app_fixture(tmp_path):
    return make_app(tmp_path / "instance")


@pytest.fixture(name="client")
def client_fixture(app):
    return app.test_client()


@pytest.fixture(name="runner")
def runner_fixture(app):
    return app.test_cli_runner()


# --- PostgreSQL --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> pathlib.Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return pathlib.Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return pathlib.Path(initdb).parent if initdb else None


@pytest.fixture(scope="session", name="postgres_server")
def postgres_server_fixture():
    """A throw-away PostgreSQL server: (host, port). PostgreSQL refuses to run as root, so as
    root the server runs as the `postgres` user in a temporary folder that user owns."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); PostgreSQL storage tests skipped")
    as_user: list[str] = []
    base = pathlib.Path(tempfile.mkdtemp(prefix="rom-pg-"))
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
        try:
            shutil.chown(base, "postgres", "postgres")
        except (LookupError, PermissionError):
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    run = functools.partial(subprocess.run, check=True, capture_output=True, text=True)
    run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync",
         "-E", "UTF8"])
    run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "start", "-o",
         f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"])
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def postgres_database(server) -> str:
    """A new empty database on the server; its SQLAlchemy URL."""
    import psycopg

    host, port = server
    name = f"rom_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@{host}:{port}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"], name="db_url")
def db_url_fixture(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rom.sqlite'}"
    return postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(name="db_app")
def db_app_fixture(tmp_path, db_url):
    """An app on SQLite or PostgreSQL (parametrised by db_url)."""
    app = make_app(tmp_path / "instance", db_url)
    yield app
    with app.app_context():
        from web.db import db

        db.engine.dispose()


# --- A served app ------------------------------------------------------------------------------

class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.ws_url = f"ws://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="live_server")
def live_server_fixture(tmp_path):
    server = LiveServer(make_app(tmp_path / "instance"))
    yield server
    server.stop()


# --- Helpers -----------------------------------------------------------------------------------

def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text())


def wait_until(predicate, timeout_s: float = 30.0, step_s: float = 0.1):
    """Poll predicate() until it returns something true; that value (or fail)."""
    end = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not reached within {timeout_s} s")
        time.sleep(step_s)


def add_person(app, name: str = "P-001", **fields) -> int:
    from web.db import db
    from web.models import Person

    with app.app_context():
        p = Person(name=name, notes=fields.pop("notes", ""), **fields)
        db.session.add(p)
        db.session.commit()
        return p.id


def add_assessment(app, person_id: int, **fields) -> int:
    from web.db import db
    from web.models import Assessment

    with app.app_context():
        a = Assessment(person_id=person_id, **{"test": "slr", "side": "left", "mode": "passive", **fields})
        db.session.add(a)
        db.session.commit()
        return a.id


@functools.cache
def sample_analysis(name: str):
    """The engine's analysis of a sample clip (cached for the session: the pose model is slow)."""
    from rom.analysis import Options, analyze_video

    test = "hinge" if name.startswith("hinge") else "slr"
    return analyze_video(SAMPLES / f"{name}.mp4", Options(test=test))


def add_analysed(app, person_id: int, name: str = "slr_avg_male_L_near_60", **fields) -> int:
    """A complete assessment stored from the engine's analysis of a sample clip."""
    from web import keyframe, recording
    from web.db import db
    from web.models import Assessment

    analysis = sample_analysis(name)
    r = analysis.result
    with app.app_context():
        a = Assessment(person_id=person_id, test=r.test, side=r.side, mode="passive" if r.test == "slr" else None,
                       source="upload", status="analysing", video_name=f"{name}.mp4", **fields)
        db.session.add(a)
        db.session.commit()
        recording.store_result(a, r, analysis.series, keyframe.from_analysis(analysis), rows_stored=False)
        return a.id
