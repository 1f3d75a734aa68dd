"""Helpers of the web app's tests; their fixtures are in `conftest.py`.

Built like the Flask tutorial's tests: `app` (an app on a fresh database in a temporary
instance folder, `make_app`), `client` (logged in as the clinician `CLINICIAN`, who owns the people
that `add_person` adds unless told otherwise), `runner`. `db_url` runs a storage test against SQLite
and against a real PostgreSQL server that `postgres_server` starts on a free local port
(`running_postgres`; skipped, with the reason, when PostgreSQL is not installed). `live_server`
serves an app over HTTP and WebSocket on a free port (`LiveServer`), for the WebSocket and browser
tests; `session_cookie` logs in for them.

CSRF protection stays on in every test: the test client (`Client`) sends the token with each
state-changing request, as the pages' forms do; `Client(app, csrf=False)` does not.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import flask
import pytest
import simple_websocket
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from simple_websocket import ConnectionClosed
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server

from web import DaemonThread, create_app
from web.db import prepare_database

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ARTIFACTS = ROOT / "test-artifacts"
CLINICIAN = "clinician"  # the account of `client`, an admin (the first account always is)
PASSWORD = "correct horse battery"


class Client(FlaskClient):
    """Flask's test client, sending the session's CSRF token (as the X-CSRFToken header) with
    every request that changes something, as the pages' forms send it."""

    def __init__(self, app, *args, csrf: bool = True, **kwargs):
        super().__init__(app, *args or (app.response_class,), **kwargs)
        self.csrf = csrf

    def open(self, *args, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if self.csrf and method not in ("GET", "HEAD", "OPTIONS") and not (args and not isinstance(args[0], str)):
            headers = Headers(kwargs.get("headers") or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The token the pages' forms carry for this client's session."""
        with self.session_transaction() as sess, self.application.test_request_context():
            flask.session.update(sess)
            token = generate_csrf()
            sess.update(flask.session)
        return token


def make_app(instance: pathlib.Path, db_url: str | None = None, **config):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": db_url or f"sqlite:///{instance / 'rom.sqlite'}", **config})
    app.test_client_class = Client
    with app.app_context():
        prepare_database()
    return app


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


@contextlib.contextmanager
def running_postgres():
    """A throw-away PostgreSQL server: (host, port), for the `postgres_server` fixture. PostgreSQL
    refuses to run as root, so as root the server runs as the `postgres` user in a temporary folder
    that user owns. Skips the test, with the reason, when PostgreSQL cannot run here."""
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
        close_sockets()
        self.server.shutdown()
        self.server.server_close()


class _HeaderRead:
    """The socket as the handshake reads it: recv stops at the end of the HTTP reply's header."""

    def __init__(self, sock: socket.socket):
        self._sock = sock

    def send(self, data: bytes) -> int:
        return self._sock.send(data)

    def recv(self, n: int) -> bytes:
        seen = self._sock.recv(n, socket.MSG_PEEK)
        end = seen.find(b"\r\n\r\n")
        return self._sock.recv(end + 4 if end >= 0 else len(seen) or n)


class WsClient(simple_websocket.Client):
    """simple_websocket's client, but a message sent right after the handshake is not lost.

    The stock client's handshake takes only the first event (the accept) of what it read, and its
    reader thread then reads the socket again: when the server's first message and its close came
    in the same read as the accept (an error sent at once, e.g. "already open in another window"),
    they were dropped and receive() raised ConnectionClosed 1005. Here the handshake reads up to
    the end of the header only, and the rest is left on the socket for the reader thread."""

    def handshake(self):
        sock, self.sock = self.sock, _HeaderRead(self.sock)
        try:
            super().handshake()
        finally:
            self.sock = sock


_open_sockets: list[WsClient] = []  # the WebSocket clients tests opened, closed when their server stops


def ws_connect(url: str, headers: dict | None = None) -> WsClient:
    """A WebSocket client (simple_websocket's), closed when the test's live server stops, its
    reader thread a daemon: a connection a test leaves open must not keep pytest from exiting."""
    ws = WsClient.connect(url, headers=headers or {}, thread_class=DaemonThread)
    _open_sockets.append(ws)
    return ws


def close_sockets() -> None:
    while _open_sockets:
        try:
            _open_sockets.pop().close()
        except (ConnectionClosed, OSError):  # the other side closed it first
            pass


def serve_subprocess(instance: pathlib.Path, port: int | None = None, *args: str):
    """`rom serve` in a subprocess on the instance folder: (process, base URL) once it answers."""
    import sys

    port = port or _free_port()
    env = {**os.environ, "ROM_INSTANCE_PATH": str(instance)}
    env.pop("ROM_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "rom", "serve", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=1)
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.communicate()) from None
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("rom serve did not start")


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


def add_user(app, name: str = CLINICIAN, password: str = PASSWORD, admin: bool = False) -> int:
    from web.services import accounts

    with app.app_context():
        return accounts.create_user(name, password, admin=admin).user.id


def user_id(app, name: str = CLINICIAN) -> int:
    """The account's ID; CLINICIAN is created (an admin) when it does not exist yet."""
    from web.services import accounts

    with app.app_context():
        user = accounts.find(name)
        if user is not None:
            return user.id
    if name != CLINICIAN:
        raise LookupError(f"no account {name!r}")
    return add_user(app, CLINICIAN, admin=True)


def login(app, name: str = CLINICIAN, password: str = PASSWORD, csrf: bool = True) -> Client:
    """A test client logged in through the login page (csrf=False: one that then sends no CSRF
    token)."""
    user_id(app, name)
    client = Client(app)
    r = client.post("/login", data={"name": name, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)
    client.csrf = csrf
    return client


def session_cookie(app, name: str = CLINICIAN) -> str:
    """A Cookie header value of a logged-in session, for WebSocket and HTTP clients."""
    return f"session={login(app, name).get_cookie('session').value}"


class HttpSession:
    """A browser-like client of a served app (urllib): keeps cookies, fills the CSRF token into
    forms from the page that holds them."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str]:
        """(status, final URL, body) after redirects."""
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.status, r.url, r.read().decode()

    def submit(self, page: str, data: dict, action: str | None = None) -> tuple[int, str, str]:
        """Post a form of `page` (to its own URL, or `action`) with the page's CSRF token."""
        _, url, body = self.get(page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        req = urllib.request.Request(self.base + action if action else url, method="POST",
                                     data=urllib.parse.urlencode({"csrf_token": token, **data}).encode())
        with self.opener.open(req, timeout=60) as r:
            return r.status, r.url, r.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def add_person(app, name: str = "P-001", owner: str = CLINICIAN, **fields) -> int:
    """A person owned by the account `owner` (CLINICIAN by default, created if need be)."""
    from web.db import db
    from web.models import Person

    owner_id = user_id(app, owner)
    with app.app_context():
        p = Person(name=name, notes=fields.pop("notes", ""), owner_id=owner_id, **fields)
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
    from sample_landmarks import analysis_of

    from rom.analysis import Options

    return analysis_of(SAMPLES / f"{name}.mp4", Options(test=truth(name)["test"]))


def add_analysed(app, person_id: int, name: str = "slr_avg_male_L_near_60", **fields) -> int:
    """A complete assessment stored from the engine's analysis of a sample clip."""
    from web.db import db
    from web.models import Assessment
    from web.services import keyframe, recording

    analysis = sample_analysis(name)
    r = analysis.result
    with app.app_context():
        a = Assessment(person_id=person_id, test=r.test, side=r.side, mode="passive" if r.test == "slr" else None,
                       source="upload", status="analysing", **{"video_name": f"{name}.mp4", **fields})
        db.session.add(a)
        db.session.commit()
        recording.store_result(a, r, analysis.series, keyframe.from_analysis(analysis), rows_stored=False)
        return a.id
