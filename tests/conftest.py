import os
import pathlib
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def samples_dir() -> pathlib.Path:
    return SAMPLES


# A thread that is not a daemon and still runs when the tests end (say a WebSocket connection a
# test left open) would keep the interpreter from exiting, and CI would wait for it until its time
# limit. Such a thread fails the run instead, with its name, and the process exits.
_LEFT_BEHIND: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    _LEFT_BEHIND.extend(t.name for t in threading.enumerate()
                        if t is not threading.main_thread() and not t.daemon and t.is_alive())
    if _LEFT_BEHIND:
        session.exitstatus = 1


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _LEFT_BEHIND:
        print(f"\ntests: threads left running after the tests: {', '.join(_LEFT_BEHIND)}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


# --- The web app's fixtures (helpers in conftest_web.py, imported when a web test asks) ------------

@pytest.fixture
def app(tmp_path):
    """The web app on a fresh SQLite database in a temporary instance folder."""
    from conftest_web import make_app

    return make_app(tmp_path / "instance")


@pytest.fixture
def client(app):
    """A test client logged in as conftest_web.CLINICIAN (an admin: the first account always is)."""
    from conftest_web import login

    return login(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL server, (host, port); skipped when PostgreSQL is not installed."""
    from conftest_web import running_postgres

    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A storage test runs on SQLite and on PostgreSQL."""
    from conftest_web import postgres_database

    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rom.sqlite'}"
    return postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def db_app(tmp_path, db_url):
    """An app on SQLite or PostgreSQL (parametrised by db_url)."""
    from conftest_web import make_app

    app = make_app(tmp_path / "instance", db_url)
    yield app
    with app.app_context():
        from web.db import db

        db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """The app served over HTTP and WebSocket on a free local port."""
    from conftest_web import LiveServer, make_app

    server = LiveServer(make_app(tmp_path / "instance"))
    yield server
    server.stop()
