"""Accounts and access control: every endpoint of the app (enumerated from its URL map, so that a
new one is tried too) with another clinician's IDs and with no login: 404 or 403 (401 or the
login page without a login), never the other clinician's data, and nothing changed. The
WebSocket the same over a real connection. Plus the first run, logins, sessions and cookies.

Reproduce: .venv/bin/python -m pytest tests/web/test_trust_access.py -v
"""

from __future__ import annotations

import subprocess

import pytest
from conftest_web import (
    CLINICIAN,
    PASSWORD,
    ROOT,
    Client,
    add_analysed,
    add_assessment,
    add_person,
    add_user,
    login,
    make_app,
    session_cookie,
    user_id,
    ws_connect,
)
from simple_websocket import ConnectionError as HandshakeRefused
from sqlalchemy import func, select

from web.db import db
from web.models import Assessment, Person, User

SECRETS = ("Secret-A", "secret note of A", "a-only-video.mp4")  # A's data: never shown to others


@pytest.fixture(name="records")
def records_fixture(app):
    """Clinician A (the admin CLINICIAN) with a person and assessments in every state; clinician
    B, a second account without records. Returns the IDs."""
    a_person = add_person(app, SECRETS[0], notes=SECRETS[1], birth_year=1970)
    complete = add_analysed(app, a_person, "slr_avg_male_L_near_60")
    with app.app_context():
        db.session.get(Assessment, complete).video_name = SECRETS[2]
        db.session.commit()
    ids = {"person": a_person, "complete": complete,
           "pending": add_assessment(app, a_person, status="pending"),
           "incomplete": add_assessment(app, a_person, status="incomplete", n_frames=3),
           "analysing": add_assessment(app, a_person, status="analysing", source="upload"),
           "a_user": user_id(app), "b_user": add_user(app, "dr-b")}
    return ids


def _state(app) -> dict:
    """Everything of A's that a request could change."""
    with app.app_context():
        people = {(p.id, p.name, p.notes, p.owner_id) for p in db.session.scalars(select(Person))}
        assessments = {(a.id, a.person_id, a.status, a.test, a.side) for a in db.session.scalars(select(Assessment))}
        users = {(u.id, u.name, u.password_hash, u.active, u.is_admin) for u in db.session.scalars(select(User))}
    return {"people": people, "assessments": assessments, "users": users}


def _routes(app):
    """(endpoint, rule, method) of every HTTP route but the static files and the WebSocket."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.websocket:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule, method


def _url(app, rule, ids, assessment: str = "complete") -> str:
    values = {"person_id": ids["person"], "assessment_id": ids[assessment], "user_id": ids["a_user"], "number": 1}
    return app.url_map.bind("localhost").build(rule.endpoint, {k: values[k] for k in rule.arguments})


def _form(ids) -> dict:
    """Form fields any POST might read, pointing at A's records."""
    return {"person_id": ids["person"], "name": "changed", "notes": "changed", "birth_year": "1990",
            "test": "slr-left", "mode": "passive", "side": "auto", "password": "new password 123",
            "password2": "new password 123", "current": "wrong", "active": "0"}


def test_the_url_map_is_what_these_tests_know(app):
    """A new endpoint must be looked at here: the loops below try it, but say how it should answer."""
    endpoints = {e for e, _, _ in _routes(app)}
    assert endpoints == {
        "index", "favicon", "auth.login", "auth.logout", "auth.setup", "auth.account",
        "people.index", "people.create", "people.edit", "people.delete",
        "assessments.new", "assessments.live", "assessments.result", "assessments.history", "assessments.analyse",
        "assessments.again", "assessments.delete", "assessments.keyframe", "assessments.video",
        "assessments.notes", "assessments.delete_abandoned", "assessments.exclude_trial", "assessments.include_trial",
        "uploads.new", "uploads.progress",
        "exports.frames_csv", "exports.as_json", "exports.as_fhir", "exports.person_bundle", "exports.as_mot",
        "exports.report", "exports.trials_csv",
        "api.people", "api.person", "api.assessment", "api.assessment_frames",
        "users.index", "users.password", "users.active", "users.audit_log",
        "settings.index", "settings.profile", "settings.clinic", "visits.report",
    }


@pytest.mark.slow
@pytest.mark.parametrize("assessment", ["complete", "pending", "incomplete", "analysing"])
def test_another_clinician_gets_404_or_403_never_data(app, records, assessment):
    before = _state(app)
    b = login(app, "dr-b")
    tried = 0
    for endpoint, rule, method in _routes(app):
        if not rule.arguments:
            continue
        url = _url(app, rule, records, assessment)
        r = b.open(url, method=method, data=_form(records) if method == "POST" else None)
        body = r.get_data(as_text=True)
        expected = (403,) if endpoint.startswith("users.") else (404,)
        assert r.status_code in expected, f"{method} {url}: {r.status_code}"
        assert not any(s in body for s in SECRETS), f"{method} {url} shows A's data"
        tried += 1
    assert tried >= 20
    assert _state(app) == before  # nothing of A's changed


@pytest.mark.slow
def test_another_clinician_cannot_use_As_person_in_forms_or_lists(app, records):
    before = _state(app)
    b = login(app, "dr-b")
    for path in ("/people/", "/people/?q=Secret", "/api/people", "/api/people?q=secret", "/assessments/new",
                 "/uploads/new", f"/assessments/new?person={records['person']}"):
        r = b.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        assert not any(s in r.get_data(as_text=True) for s in SECRETS), path
    assert b.get("/api/people").get_json() == []
    # new assessments and uploads for A's person
    assert b.post("/assessments/new", data={"person_id": records["person"], "test": "slr-left",
                                            "mode": "passive"}).status_code == 404
    with open(ROOT / "samples" / "slr_avg_male_L_near_60.mp4", "rb") as f:
        r = b.post("/uploads/new", data={"person_id": records["person"], "test": "slr", "side": "auto",
                                         "mode": "passive", "video": (f, "x.mp4")}, content_type="multipart/form-data")
    assert r.status_code == 404
    assert _state(app) == before


@pytest.mark.slow
def test_an_admin_manages_accounts_but_sees_only_their_own_people(app, records):
    b = login(app, "dr-b")
    b_person = b.post("/people/new", data={"name": "B's person", "birth_year": "", "notes": ""})
    b_pid = int(b_person.headers["Location"].split("/")[-2])
    a = login(app)  # the admin
    assert a.get("/users/").status_code == 200 and "dr-b" in a.get("/users/").get_data(as_text=True)
    assert a.get(f"/people/{b_pid}/history").status_code == 404
    assert "B&#39;s person" not in a.get("/people/").get_data(as_text=True)
    assert [p["name"] for p in a.get("/api/people").get_json()] == [SECRETS[0]]
    # B sees their own, and is no admin
    assert b.get(f"/people/{b_pid}/history").status_code == 200
    assert b.get("/users/").status_code == 403
    assert b.post("/users/", data={"name": "mallory", "password": PASSWORD}).status_code == 403


@pytest.mark.slow
def test_without_a_login_every_endpoint_asks_to_log_in_and_shows_nothing(app, records):
    before = _state(app)
    anonymous = Client(app)
    for endpoint, rule, method in _routes(app):
        if endpoint in ("auth.login", "auth.setup"):
            continue
        url = _url(app, rule, records)
        r = anonymous.open(url, method=method, data=_form(records) if method == "POST" else None)
        body = r.get_data(as_text=True)
        if endpoint == "favicon":  # public, as the static files are: the app's icon, nothing else
            assert r.status_code == 301 and r.headers["Location"].endswith("/static/favicon.svg"), url
        elif url.startswith("/api/"):
            assert r.status_code == 401 and r.get_json() == {"error": "log in first"}, url
        else:
            assert r.status_code == 302, f"{method} {url}: {r.status_code}"
            assert r.headers["Location"].startswith("/login"), url
        assert not any(s in body for s in SECRETS), url
    assert _state(app) == before


@pytest.mark.slow
def test_the_login_page_returns_to_the_page_asked_for_but_never_elsewhere(app):
    user_id(app)
    c = Client(app)
    r = c.get("/people/?q=x")
    assert r.headers["Location"] == "/login?next=/people/?q%3Dx"
    r = c.post("/login", data={"name": CLINICIAN, "password": PASSWORD, "next": "/people/?q=x"})
    assert r.status_code == 302 and r.headers["Location"] == "/people/?q=x"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        c = Client(app)
        r = c.post("/login", data={"name": CLINICIAN, "password": PASSWORD, "next": evil})
        assert r.headers["Location"] == "/people/", evil


@pytest.mark.slow
def test_wrong_passwords_are_refused_and_repeated_failures_wait(app):
    user_id(app)
    c = Client(app)
    r = c.post("/login", data={"name": CLINICIAN, "password": "wrong password"})
    assert r.status_code == 401 and "Wrong name or password" in r.get_data(as_text=True)
    assert c.post("/login", data={"name": "nobody", "password": PASSWORD}).status_code == 401
    for _ in range(4):
        c.post("/login", data={"name": CLINICIAN, "password": "wrong password"})
    r = c.post("/login", data={"name": CLINICIAN, "password": PASSWORD})  # even the right one, now
    assert r.status_code == 429 and "Too many failed logins" in r.get_data(as_text=True)
    assert c.get("/people/").status_code == 302


@pytest.mark.slow
def test_logout_ends_the_session(app):
    c = login(app)
    assert c.get("/people/").status_code == 200
    assert c.get("/logout").status_code == 405  # a link cannot log anyone out: POST with a token
    r = c.post("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert c.get("/people/").status_code == 302


@pytest.mark.slow
def test_a_new_password_or_a_deactivated_account_ends_its_sessions(app):
    add_user(app, "dr-b")
    admin, b, b_elsewhere = login(app), login(app, "dr-b"), login(app, "dr-b")
    r = b.post("/account", data={"current": PASSWORD, "password": "a new password", "password2": "a new password"})
    assert r.status_code == 302
    assert b.get("/people/").status_code == 200  # this session goes on
    assert b_elsewhere.get("/people/").status_code == 302  # the other one has ended
    b_id = user_id(app, "dr-b")
    assert admin.post(f"/users/{b_id}/active", data={"active": "0"}).status_code == 302
    assert b.get("/people/").status_code == 302
    r = Client(app).post("/login", data={"name": "dr-b", "password": "a new password"})
    assert r.status_code == 401  # deactivated
    admin.post(f"/users/{b_id}/active", data={"active": "1"})
    assert login(app, "dr-b", "a new password").get("/people/").status_code == 200
    # the last admin cannot be deactivated, nor anyone deactivate themselves
    r = admin.post(f"/users/{user_id(app)}/active", data={"active": "0"}, follow_redirects=True)
    assert "cannot deactivate your own account" in r.get_data(as_text=True)


@pytest.mark.slow
def test_admin_adds_accounts_and_sets_passwords(app):
    admin = login(app)
    r = admin.post("/users/", data={"name": "dr-c", "password": "short"})
    assert r.status_code == 400 and "at least 8 characters" in r.get_data(as_text=True)
    r = admin.post("/users/", data={"name": "dr-c", "password": "long enough 1"})
    assert r.status_code == 302
    assert admin.post("/users/", data={"name": "DR-C", "password": "long enough 1"}).status_code == 400
    c_id = user_id(app, "dr-c")
    admin.post(f"/users/{c_id}/password", data={"password": "another one 2"})
    assert login(app, "dr-c", "another one 2").get("/people/").status_code == 200
    with app.app_context():
        u = db.session.get(User, c_id)
        assert not u.is_admin and u.password_hash.startswith("scrypt:") and "another one 2" not in u.password_hash


@pytest.mark.slow
def test_first_run_asks_for_the_first_account_which_is_an_admin_and_gets_the_old_records(tmp_path):
    app = make_app(tmp_path / "instance")
    with app.app_context():  # a person recorded before accounts existed (a database of 0001)
        db.session.add(Person(name="Legacy", notes=""))
        db.session.commit()
    c = Client(app)
    for path in ("/", "/people/", "/assessments/new", "/login"):
        r = c.get(path)
        assert r.status_code == 302 and r.headers["Location"] == "/setup", path
    assert c.get("/api/people").status_code == 401
    r = c.post("/setup", data={"name": "first", "password": PASSWORD, "password2": "different"})
    assert r.status_code == 400 and "differ" in r.get_data(as_text=True)
    r = c.post("/setup", data={"name": "first", "password": PASSWORD, "password2": PASSWORD}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Your account is an admin" in page and "The 1 people already recorded are yours" in page
    assert "Legacy" in page
    assert Client(app).get("/setup").headers["Location"] == "/login"  # only once
    with app.app_context():
        (u,) = db.session.scalars(select(User)).all()
        assert u.is_admin and db.session.scalar(select(Person.owner_id)) == u.id


@pytest.mark.slow
def test_session_cookie_is_httponly_and_samesite_and_the_key_is_kept_out_of_the_repository(app):
    user_id(app)
    r = Client(app).post("/login", data={"name": CLINICIAN, "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    key = ROOT / "instance" / "secret_key"
    assert subprocess.run(["git", "check-ignore", "-q", str(key)], cwd=ROOT).returncode == 0
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.endswith("secret_key")]
    import os
    import pathlib

    secret = pathlib.Path(app.instance_path) / "secret_key"
    assert secret.read_text().strip() == app.config["SECRET_KEY"] and len(app.config["SECRET_KEY"]) == 64
    assert oct(os.stat(secret).st_mode & 0o777) == "0o600"


@pytest.mark.slow
def test_pages_carry_the_security_headers(app):
    r = login(app).get("/people/")
    h = r.headers
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    csp = h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert h["Cache-Control"] == "no-store"


@pytest.mark.slow
def test_flask_users_command(tmp_path):
    """The accounts on Flask's CLI (`flask --app web users ...`, web/commands.py)."""
    import os
    import sys

    env = {**os.environ, "ROM_INSTANCE_PATH": str(tmp_path / "instance"), "ROM_PASSWORD": PASSWORD}
    env.pop("ROM_DATABASE_URL", None)

    users = [sys.executable, "-m", "flask", "--app", "web", "users"]

    def rom(*args, **extra):
        return subprocess.run([*users, *args], cwd=ROOT, capture_output=True,
                              text=True, env={**env, **extra}, stdin=subprocess.DEVNULL, timeout=120)

    r = rom("add", "dr-first")
    assert r.returncode == 0 and "added dr-first (admin, the first account is always an admin)" in r.stdout
    r = rom("add", "dr-second")
    assert r.returncode == 0 and "added dr-second (clinician)" in r.stdout
    r = rom("add", "dr-second")
    assert r.returncode == 2 and "already an account named" in r.stderr and "Traceback" not in r.stderr
    r = rom("add", "dr-short", ROM_PASSWORD="short")
    assert r.returncode == 2 and "at least 8 characters" in r.stderr
    r = rom("add", "dr-third", ROM_PASSWORD="")
    assert r.returncode == 2
    no_env = {k: v for k, v in env.items() if k != "ROM_PASSWORD"}
    r = subprocess.run([*users, "add", "dr-x"], cwd=ROOT, capture_output=True,
                       text=True, env=no_env, stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == 2 and "set ROM_PASSWORD" in r.stderr
    r = rom("list")
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and len(lines) == 2
    assert lines[0].split()[:3] == ["dr-first", "admin", "active"]
    assert lines[1].split()[:2] == ["dr-second", "clinician"]
    r = rom("password", "dr-second", ROM_PASSWORD="changed password")
    assert r.returncode == 0 and "new password set" in r.stdout
    app = make_app(tmp_path / "instance")
    assert login(app, "dr-second", "changed password").get("/people/").status_code == 200
    assert rom("password", "nobody").returncode == 2
    # the command moved from rom's CLI to the web app's
    assert subprocess.run([sys.executable, "-m", "rom", "users", "list"], cwd=ROOT, capture_output=True,
                          env=env, timeout=120).returncode == 2
    from web.models import AuditEvent

    with app.app_context():  # account changes from the command line are on the record too
        events = {(e.action, e.target, e.address) for e in db.session.scalars(select(AuditEvent))}
    assert ("add account (command line) (admin)", "dr-first", "command line") in events
    assert ("set password (command line)", "dr-second", "command line") in events


# --- the WebSocket --------------------------------------------------------------------------

def _connect(server, assessment_id, cookie=None, origin=None):
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if origin:
        headers["Origin"] = origin
    return ws_connect(f"{server.ws_url}/ws/live/{assessment_id}", headers=headers)


@pytest.mark.slow
def test_websocket_refuses_other_clinicians_no_login_and_other_origins(live_server):
    app = live_server.app
    pid = add_person(app, SECRETS[0])
    pending = add_assessment(app, pid, status="pending")
    add_user(app, "dr-b")
    for cookie, expected in ((None, 401), (session_cookie(app, "dr-b"), 404), ("session=forged.value.x", 401)):
        with pytest.raises(HandshakeRefused) as refused:
            _connect(live_server, pending, cookie)
        assert refused.value.status_code == expected
    mine = session_cookie(app)
    with pytest.raises(HandshakeRefused) as refused:  # a page of another site, with A's cookie
        _connect(live_server, pending, mine, origin="http://evil.example:5000")
    assert refused.value.status_code == 403
    # A's own page: the origin is the Host the request was sent to (simple_websocket's Host
    # header leaves the port out, where a browser's has it)
    ws = _connect(live_server, pending, mine, origin="http://127.0.0.1")
    assert ws.receive(timeout=60) == '{"type": "ready"}'
    ws.close()
    with app.app_context():
        assert db.session.get(Assessment, pending).status == "pending"
        assert db.session.scalar(select(func.count(Assessment.id))) == 1
