"""Forms and user text: CSRF protection on every state-changing request and a token in every form
of every page; user text (a person named `<script>`) shown as text everywhere; uploads stored
under generated names.

Reproduce: .venv/bin/python -m pytest tests/web/test_trust_forms.py -v
"""

from __future__ import annotations

import io
import pathlib
import re

import pytest
from conftest_web import (
    PASSWORD,
    SAMPLES,
    Client,
    add_analysed,
    add_assessment,
    add_person,
    login,
    user_id,
    wait_until,
)
from sqlalchemy import func, select

from web.db import db
from web.models import Assessment, Person, User

NASTY_NAME = '<script>alert("name")</script>'
NASTY_NOTES = '"><img src=x onerror=alert(1)>'
NASTY_USER = "<b>bold</b>'\""


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and not rule.websocket:
            for method in rule.methods - {"GET", "HEAD", "OPTIONS"}:
                yield rule, method


def _counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Person, Assessment, User))


@pytest.mark.slow
def test_every_state_changing_request_without_a_token_is_refused(app):
    pid = add_person(app)
    aid = add_assessment(app, pid, status="incomplete", n_frames=0)
    uid = user_id(app)
    before = _counts(app)
    no_token = login(app, csrf=False)
    values = {"person_id": pid, "assessment_id": aid, "user_id": uid, "number": 1}
    tried = []
    for rule, method in _routes(app):
        url = app.url_map.bind("localhost").build(rule.endpoint, {k: values[k] for k in rule.arguments})
        if rule.endpoint in ("auth.login", "auth.setup"):
            continue  # before a login (tried below)
        r = no_token.open(url, method=method, data={"name": "X", "person_id": pid, "test": "slr-left",
                                                    "mode": "passive", "password": "whatever 123"})
        assert r.status_code == 400, f"{method} {url}: {r.status_code}"
        assert "security token is missing" in r.get_data(as_text=True)
        tried.append(rule.endpoint)
    assert len(tried) >= 11
    assert _counts(app) == before
    assert no_token.get("/people/").status_code == 200  # still logged in: logout needs a token too
    # a token of another session does not do either
    other = login(app)
    r = no_token.post(f"/people/{pid}/delete", headers={"X-CSRFToken": other.csrf_token()})
    assert r.status_code == 400 and _counts(app) == before
    r = no_token.post(f"/people/{pid}/delete", data={"csrf_token": "forged"})
    assert r.status_code == 400 and _counts(app) == before


def test_login_and_first_run_need_a_token_too(app):
    user_id(app)
    r = Client(app, csrf=False).post("/login", data={"name": "clinician", "password": PASSWORD})
    assert r.status_code == 400  # (login CSRF: logging someone in as the attacker)


@pytest.mark.slow
def test_every_form_of_every_page_carries_a_token(app):
    pid = add_person(app)
    ids = {s: add_assessment(app, pid, status=s, n_frames=4) for s in ("pending", "incomplete", "failed")}
    ids["complete"] = add_analysed(app, pid)
    c = login(app)
    pages = ["/people/", "/people/new", f"/people/{pid}/edit", f"/people/{pid}/history", "/assessments/new",
             "/uploads/new", "/account", "/users/", f"/assessments/{ids['pending']}/live",
             f"/assessments/{ids['complete']}/report", "/settings/", f"/people/{pid}/visit"] + [
                 f"/assessments/{i}" for i in ids.values()]
    forms = 0
    for path in pages:
        page = c.get(path).get_data(as_text=True)
        for form in re.findall(r"<form\b.*?</form>", page, flags=re.S):
            if 'method="post"' in form:
                forms += 1
                token = re.search(r'name="csrf_token" value="([^"]+)"', form)
                assert token, f"a form of {path} has no CSRF token:\n{form[:300]}"
    assert forms >= 15  # incl. the log-out button on every page


@pytest.mark.slow
def test_user_text_is_shown_as_text_everywhere(app):
    pid = add_person(app, NASTY_NAME, notes=NASTY_NOTES)
    pending = add_assessment(app, pid, status="pending")
    complete = add_analysed(app, pid, video_name=NASTY_NAME + ".mp4")
    failed = add_assessment(app, pid, status="failed", error=NASTY_NOTES)
    c = login(app)
    r = c.post("/users/", data={"name": NASTY_USER, "password": PASSWORD}, follow_redirects=True)
    assert r.status_code == 200
    r = c.post("/people/new", data={"name": NASTY_NAME + "2", "notes": NASTY_NOTES}, follow_redirects=True)
    pages = {"flash after adding": r.get_data(as_text=True)}
    for path in ("/people/", f"/people/?q={NASTY_NAME}", f"/people/{pid}/edit", f"/people/{pid}/history",
                 f"/assessments/new?person={pid}", f"/uploads/new?person={pid}", f"/assessments/{pending}/live",
                 f"/assessments/{complete}", f"/assessments/{complete}/report", f"/assessments/{failed}", "/users/"):
        pages[path] = c.get(path).get_data(as_text=True)
    for path, page in pages.items():
        for raw in (NASTY_NAME, NASTY_NOTES, "<b>bold</b>"):
            assert raw not in page, f"{path} shows {raw!r} unescaped"
        assert "<script>alert" not in page and "onerror=alert(1)>" not in page, path
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in pages["/people/"]
    assert "&lt;script&gt;" in pages[f"/people/{pid}/history"] and "&#34;&gt;&lt;img" in pages[f"/people/{pid}/history"]
    assert "&lt;b&gt;bold&lt;/b&gt;" in pages["/users/"]
    # the JSON API and exports carry the text as data, with a JSON content type
    r = c.get("/api/people")
    assert r.mimetype == "application/json" and r.get_json()[0]["name"] == NASTY_NAME
    r = c.get(f"/assessments/{complete}.json")
    assert r.mimetype == "application/json" and "attachment" in r.headers["Content-Disposition"]


@pytest.mark.slow
def test_uploads_are_stored_under_generated_names(app, tmp_path):
    pid = add_person(app)
    c = login(app)
    nasty = "../../etc/%d passwd;<x>.mp4.html"
    with open(SAMPLES / "bad" / "frontal_slr.mp4", "rb") as f:
        r = c.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive",
                                         "keep_video": "1", "video": (f, nasty)}, content_type="multipart/form-data")
    assert r.status_code == 302
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    a = wait_until(lambda: (x := c.get(f"/api/assessments/{aid}").get_json())["status"] != "analysing" and x, 120)
    assert a["status"] == "failed"
    instance = pathlib.Path(app.instance_path)
    stored = [p.relative_to(instance).as_posix() for p in instance.rglob("*") if p.is_file()]
    with app.app_context():
        token = db.session.get(Assessment, aid).token
    assert f"videos/{aid}-{token}.video" in stored  # a generated name; the suffix is no video's, so not kept
    assert not [p for p in stored if "passwd" in p or "%" in p or p.endswith(".html")]
    video = c.get(f"/assessments/{aid}/video")
    assert video.status_code == 200 and "attachment" in video.headers["Content-Disposition"]
    assert video.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        assert db.session.get(Assessment, aid).video_name == nasty  # shown (escaped), never used as a path


@pytest.mark.parametrize("content, name, reason", [
    (b"", "empty.mp4", "the file is empty"),
    (b"just some text, not a video", "clip.mp4", "looks like a text file"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.mov", "no video frames could be decoded"),
])
@pytest.mark.slow
def test_uploads_are_checked_by_reading_them_not_by_their_name(app, content, name, reason):
    pid = add_person(app)
    c = login(app)
    r = c.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive",
                                     "video": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "not a video that can be read" in page and reason in page
    assert not list(pathlib.Path(app.instance_path, "uploads").glob("*"))
