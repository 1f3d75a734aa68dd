"""Sessions and accounts (issue 13): the lock-out holds under 40 parallel logins and across a
restart, `next` only leads to this app, logout ends the session on the server, a password policy,
one first-run set-up however many arrive at once, one account per name in any case, an audit log
(an admin acting on another's account included), NUL characters refused on both databases, and
the upload form's `mode` checked."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest_web import CLINICIAN, PASSWORD, Client, add_person, add_user, login, make_app, user_id
from sqlalchemy import func, select

from web.db import db
from web.models import AuditEvent, User
from web.services import accounts


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _login_form(base: str):
    """(opener with the form's cookie, CSRF token) of a fresh visitor of the login page."""
    from http.cookiejar import CookieJar

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    body = opener.open(f"{base}/login", timeout=30).read().decode()
    return opener, re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)


def _post_login(opener, base, token, name, password) -> int:
    data = urllib.parse.urlencode({"csrf_token": token, "name": name, "password": password}).encode()
    try:
        return opener.open(urllib.request.Request(f"{base}/login", data=data, method="POST"), timeout=120).status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.slow
def test_forty_parallel_logins_check_at_most_five_passwords(live_server):
    """40 wrong passwords at once: the lock-out's check and count are one step, so at most five are
    looked at (fewer when attempts recorded later are counted by an earlier one: the lock-out errs
    towards refusing), and the burst leaves the name locked. All wrong: a right one among the first
    five would, by design, clear the count."""
    user_id(live_server.app)
    forms = [_login_form(live_server.url) for _ in range(40)]
    statuses: list[int] = [0] * 40
    start = threading.Barrier(40)

    def attempt(i):
        opener, token = forms[i]
        start.wait()
        statuses[i] = _post_login(opener, live_server.url, token, CLINICIAN, "wrong guess")

    threads = [threading.Thread(target=attempt, args=(i,), daemon=True) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    checked = statuses.count(401)  # the password was looked at this many times
    assert checked <= 5, statuses
    assert statuses.count(429) == 40 - checked, statuses
    opener, token = _login_form(live_server.url)  # and now even the right password waits
    assert _post_login(opener, live_server.url, token, CLINICIAN, PASSWORD) == 429


@pytest.mark.slow
def test_the_lock_out_survives_a_restart(tmp_path):
    app = make_app(tmp_path / "instance")
    user_id(app)
    c = Client(app)
    for _ in range(5):
        assert c.post("/login", data={"name": CLINICIAN, "password": "wrong guess"}).status_code == 401
    restarted = make_app(tmp_path / "instance")  # a new server process on the same database
    r = Client(restarted).post("/login", data={"name": CLINICIAN.upper(), "password": PASSWORD})
    assert r.status_code == 429


@pytest.mark.parametrize("evil", ["/\t/evil.com/phish", "/%09/evil.com", "\t//evil.com", "/\\evil.com",
                                  "//evil.com", "/\n/evil.com", "/ok\r\nSet-Cookie: x=1", "/\x7f/evil.com",
                                  "https://evil.com", "///evil.com", "/ /evil.com"])
@pytest.mark.slow
def test_next_only_leads_to_a_path_of_this_app(app, evil):
    c = login(app)
    r = c.get("/login", query_string={"next": evil})  # while logged in: straight to `next`
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location == "/people/" or (location.startswith("/") and not location.startswith("//")), location
    assert "evil.com" not in location or location.startswith("/%09"), location
    fresh = Client(app)
    r = fresh.post("/login", data={"name": CLINICIAN, "password": PASSWORD, "next": evil})
    assert r.status_code == 302 and "evil.com" not in r.headers["Location"].replace("/%09/evil.com", "")


def test_a_tab_in_next_does_not_become_a_protocol_relative_redirect(app):
    c = login(app)
    r = c.get("/login?next=/%09/evil.com/phish")
    assert r.status_code == 302 and r.headers["Location"] == "/people/"


@pytest.mark.slow
def test_a_replayed_cookie_after_logout_is_refused(app):
    c = login(app)
    cookie = c.get_cookie("session").value
    assert c.get("/api/people").status_code == 200
    assert c.post("/logout").status_code == 302
    replay = Client(app)
    replay.set_cookie("session", cookie)
    assert replay.get("/api/people").status_code == 401


@pytest.mark.slow
@pytest.mark.parametrize("weak", ["12345678", "password", " " * 8, "aaaaaaaaaaaa", "Password1", "  1234567  "])
def test_weak_passwords_are_refused(app, weak):
    user_id(app)
    with app.app_context(), pytest.raises(accounts.AccountError, match="too easy|at least 8"):
        accounts.create_user("dr-weak", weak)


@pytest.mark.slow
def test_the_first_run_set_up_happens_once_however_many_arrive(live_server):
    base = live_server.url
    forms = []
    for _ in range(8):
        from http.cookiejar import CookieJar

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        body = opener.open(f"{base}/setup", timeout=30).read().decode()
        forms.append((opener, re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)))
    start = threading.Barrier(8)

    def setup(i):
        opener, token = forms[i]
        data = urllib.parse.urlencode({"csrf_token": token, "name": f"admin{i}", "password": PASSWORD,
                                       "password2": PASSWORD}).encode()
        start.wait()
        try:
            opener.open(urllib.request.Request(f"{base}/setup", data=data, method="POST"), timeout=120)
        except urllib.error.HTTPError:
            pass

    threads = [threading.Thread(target=setup, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_account_names_are_one_in_any_case_and_language(app):
    add_user(app, "Ärztin")
    with app.app_context():
        with pytest.raises(accounts.AccountError, match="already an account"):
            accounts.create_user("ärztin", PASSWORD)
        assert accounts.find("ÄRZTIN").name == "Ärztin"


@pytest.mark.slow
def test_the_audit_log_records_logins_account_changes_exports_and_deletions(app):
    from conftest_web import add_analysed

    user_id(app)  # the admin, first
    add_user(app, "dr-b")
    admin = login(app)
    with app.app_context():
        b_id = accounts.find("dr-b").id
    assert admin.post(f"/users/{b_id}/password", data={"password": "a fresh long phrase"}).status_code == 302
    b = login(app, "dr-b", "a fresh long phrase")
    pid = add_person(app, "PB", owner="dr-b")
    aid = add_analysed(app, pid)
    assert b.get(f"/assessments/{aid}.json").status_code == 200
    assert b.post(f"/people/{pid}/delete").status_code == 302
    with app.app_context():
        events = [(e.actor_name, e.action, e.target) for e in db.session.scalars(select(AuditEvent))]
    assert (CLINICIAN, "set another account's password", "dr-b") in events
    assert ("dr-b", "login", "dr-b") in events
    assert ("dr-b", "export", f"/assessments/{aid}.json") in events
    assert ("dr-b", "delete person", f"person {pid}") in events
    page = admin.get("/users/audit").get_data(as_text=True)
    assert "set another account&#39;s password" in page
    assert b.get("/users/audit").status_code == 403  # admins only


@pytest.mark.slow
@pytest.mark.parametrize("where", ["person", "search", "login", "filename"])
def test_a_nul_byte_is_a_400_on_both_databases(db_app, where):
    app = db_app
    c = login(app)
    if where == "person":
        r = c.post("/people/new", data={"name": "A\x00B"})
    elif where == "search":
        r = c.get("/people/?q=a%00b")
    elif where == "login":
        r = Client(app).post("/login", data={"name": "x\x00y", "password": "whatever"})
    else:
        import io

        pid = add_person(app)
        r = c.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive",
                                         "video": (io.BytesIO(b"data"), "a\x00b.mp4")},
                   content_type="multipart/form-data")
    assert r.status_code == 400
    assert "NUL" in r.get_data(as_text=True)


@pytest.mark.slow
def test_the_upload_mode_is_checked_with_test_auto(app):
    import io

    c = login(app)
    pid = add_person(app)
    r = c.post("/uploads/new", data={"person_id": pid, "test": "auto", "side": "auto", "mode": "x" * 340,
                                     "video": (io.BytesIO(b"data"), "clip.mp4")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "passive or active" in r.get_data(as_text=True)


@pytest.mark.slow
def test_the_lock_out_also_holds_per_account_across_addresses(app, monkeypatch):
    from web.services import lockout

    monkeypatch.setattr(lockout, "MAX_ACCOUNT_FAILURES", 8)
    user_id(app)
    for i in range(8):  # one guess from each of 8 addresses (each under the 5 per address)
        c = Client(app)
        c.environ_base["REMOTE_ADDR"] = f"10.0.0.{i}"
        assert c.post("/login", data={"name": CLINICIAN, "password": "wrong guess"}).status_code == 401
    c = Client(app)
    c.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert c.post("/login", data={"name": CLINICIAN, "password": PASSWORD}).status_code == 429


def test_a_refused_attempt_among_the_first_five_keeps_the_lock_closed(app, monkeypatch):
    """The burst that opened the lock (CI, 40 parallel guesses): an attempt that counts arrivals
    recorded after it is refused; were it to remove its record like a late one, the burst would
    leave fewer than five failures and the right password would get in straight after."""
    from web.models import LoginFailure, name_key, utcnow
    from web.services import lockout

    user_id(app)
    with app.test_request_context():
        real_commit = db.session.commit
        calls = []

        def commit_then_others_arrive():
            real_commit()
            if not calls:  # right after this attempt is recorded, six more arrive
                calls.append(1)
                for _ in range(6):
                    db.session.add(LoginFailure(name_key=name_key(CLINICIAN), address="10.1.1.1", at=utcnow()))
                real_commit()

        monkeypatch.setattr(db.session, "commit", commit_then_others_arrive)
        first = lockout.begin(CLINICIAN, "10.1.1.1")
        monkeypatch.setattr(db.session, "commit", real_commit)
        assert first.wait_s > 0  # refused: seven recorded
        kept = db.session.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.address == "10.1.1.1"))
        assert kept == 7  # the first attempt's record stays: it is among the first five
        late = lockout.begin(CLINICIAN, "10.1.1.1")
        assert late.wait_s > 0
        assert db.session.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.address == "10.1.1.1")) == 7
