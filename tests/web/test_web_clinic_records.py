"""What the file needs (issue 11, point 8): notes per assessment (stored by a migration that keeps
every row), failed assessments with their reason in the history, abandoned set-ups shown as such
and deleted on request."""

from __future__ import annotations

import json
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from conftest_web import add_assessment, add_person
from test_web_clinic_comparison import slr_result

from web import create_app
from web.db import MIGRATIONS, db
from web.models import Assessment, Person, utcnow


def complete_slr(app, pid, **fields):
    return add_assessment(app, pid, status="complete", result=slr_result("left", 62.0), **fields)


@pytest.mark.slow
def test_notes_are_saved_with_csrf_and_shown_and_exported(client, app):
    aid = complete_slr(app, add_person(app, "P-1"))
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert f'action="/assessments/{aid}/notes"' in page and 'name="csrf_token"' in page
    r = client.post(f"/assessments/{aid}/notes", data={"notes": "Pain radiated below the knee.\r\nL5 pattern."})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/assessments/{aid}#notes")
    with app.app_context():
        assert db.session.get(Assessment, aid).notes == "Pain radiated below the knee.\nL5 pattern."
    assert "Pain radiated below the knee." in client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Pain radiated below the knee." in client.get(f"/assessments/{aid}/report").get_data(as_text=True)
    exported = json.loads(client.get(f"/assessments/{aid}.json").data)
    assert exported["assessment"]["notes"] == "Pain radiated below the knee.\nL5 pattern."
    fhir = json.loads(client.get(f"/assessments/{aid}.fhir.json").data)
    assert {"text": "Clinician's notes: Pain radiated below the knee.\nL5 pattern."} in fhir["note"]
    client.post(f"/assessments/{aid}/notes", data={"notes": "  "})  # cleared
    with app.app_context():
        assert db.session.get(Assessment, aid).notes is None


@pytest.mark.slow
def test_notes_without_a_token_too_long_or_missing_are_refused(client, app):
    from conftest_web import Client

    aid = complete_slr(app, add_person(app))
    r = client.post(f"/assessments/{aid}/notes", data={"notes": "x" * 5001})
    assert r.status_code == 400 and "at most 5000 are kept" in r.get_data(as_text=True)
    assert client.post(f"/assessments/{aid}/notes", data={}).status_code == 400
    no_token = Client(app, csrf=False)
    with client.session_transaction() as sess, no_token.session_transaction() as other:
        other.update(sess)
    r = no_token.post(f"/assessments/{aid}/notes", data={"notes": "sneaky"})
    assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    assert client.post("/assessments/99999/notes", data={"notes": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(Assessment, aid).notes is None


@pytest.mark.slow
def test_failed_assessments_show_their_reason_in_the_history(client, app):
    pid = add_person(app)
    add_assessment(app, pid, status="failed", error="No person was found in the video.")
    add_assessment(app, pid, status="incomplete")
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert '<span class="reason">No person was found in the video.</span>' in page
    assert "the recording stopped before it was finished" in page


@pytest.mark.slow
def test_abandoned_set_ups_are_shown_and_deleted_and_recent_ones_kept(client, app):
    pid = add_person(app)
    old = add_assessment(app, pid, status="pending", created_at=utcnow() - timedelta(hours=3))
    fresh = add_assessment(app, pid, status="pending")
    done = complete_slr(app, pid, created_at=utcnow() - timedelta(days=3))
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert page.count('<span class="status abandoned">abandoned</span>') == 1
    assert "Delete 1 abandoned set-up" in page and "more than 120 minutes ago" in page
    assert "Abandoned set-up" in client.get(f"/assessments/{old}").get_data(as_text=True)
    assert "Not recorded yet" in client.get(f"/assessments/{fresh}").get_data(as_text=True)
    r = client.post(f"/people/{pid}/abandoned/delete")
    assert r.status_code == 302
    with app.app_context():
        assert {a.id for a in db.session.scalars(sa.select(Assessment))} == {fresh, done}
    r = client.post(f"/people/{pid}/abandoned/delete", follow_redirects=True)
    assert "No abandoned set-ups to delete." in r.get_data(as_text=True)


@pytest.mark.slow
def test_abandoned_set_ups_of_another_clinician_cannot_be_deleted(client, app):
    from conftest_web import add_user

    add_user(app, "other", "tall purple giraffe 42")
    theirs = add_person(app, "Theirs", owner="other")
    old = add_assessment(app, theirs, status="pending", created_at=utcnow() - timedelta(hours=3))
    assert client.post(f"/people/{theirs}/abandoned/delete").status_code == 404
    with app.app_context():
        assert db.session.get(Assessment, old) is not None


def test_the_migration_keeps_every_row_and_fills_the_person_keys(tmp_path, db_url):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0003")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO user_account (id, name, name_key, password_hash, is_admin, active, "
                                 "session_token, created_at) VALUES (1, 'Dr A', 'dr a', 'x', true, true, 't', "
                                 "'2026-11-01 10:00:00')"))
            conn.execute(sa.text("INSERT INTO person (id, owner_id, name, birth_year, notes, created_at, updated_at) "
                                 "VALUES (7, 1, 'MÜLLER, Jörg', 1970, 'Straße 5', '2026-11-01 10:00:00', "
                                 "'2026-11-01 10:00:00')"))
            conn.execute(sa.text("INSERT INTO assessment (id, token, person_id, test, side, mode, source, status, "
                                 "created_at, n_frames, result, error, keep_video) VALUES (3, 'tok', 7, 'slr', 'left', "
                                 "'passive', 'live', 'failed', '2026-11-01 10:05:00', 12, :result, 'no person', "
                                 "false)"), {"result": json.dumps({"slr_angle_deg": 61.5})})
            conn.execute(sa.text("INSERT INTO frame_sample (assessment_id, frame, t_s, relock) "
                                 "VALUES (3, 0, 0.5, false)"))
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        p = db.session.get(Person, 7)
        assert (p.name, p.birth_year, p.notes, p.name_key) == ("MÜLLER, Jörg", 1970, "Straße 5", "müller, jörg")
        assert p.search_key == "müller, jörg\nstrasse 5"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("frame_sample"))) == 1
        a = db.session.get(Assessment, 3)
        assert (a.token, a.status, a.error, a.n_frames, a.result, a.notes) == (
            "tok", "failed", "no person", 12, {"slr_angle_deg": 61.5}, None)
        db.session.remove()
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0003")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name, notes FROM person")).all() == [("MÜLLER, Jörg", "Straße 5")]
            assert conn.execute(sa.text("SELECT error FROM assessment")).all() == [("no person",)]
            assert conn.execute(sa.text("SELECT t_s FROM frame_sample")).all() == [(0.5,)]
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("typed", ["MÜLLER", "müller", "Müller", "mül", "STRASSE"])
def test_people_search_is_case_blind_in_every_language(client, app, typed):
    add_person(app, "Müller, Jörg", notes="lives on Hauptstraße")
    add_person(app, "Meyer")
    page = client.get("/people/", query_string={"q": typed}).get_data(as_text=True)
    assert "Müller, Jörg" in page and "Meyer" not in page
    assert [p["name"] for p in client.get("/api/people", query_string={"q": typed}).get_json()] == ["Müller, Jörg"]


@pytest.mark.slow
def test_search_wildcards_are_taken_literally(client, app):
    add_person(app, "P_1")
    add_person(app, "PX1")
    add_person(app, "100% fit")
    assert [p["name"] for p in client.get("/api/people?q=p_1").get_json()] == ["P_1"]
    assert [p["name"] for p in client.get("/api/people?q=%25").get_json()] == ["100% fit"]


@pytest.mark.slow
def test_duplicate_person_ids_are_refused_with_the_reason(client, app):
    add_person(app, "Müller")
    r = client.post("/people/new", data={"name": "MÜLLER ", "birth_year": ""})
    assert r.status_code == 409
    assert "There is already a person named “Müller”" in r.get_data(as_text=True)
    pid = add_person(app, "P-2")
    r = client.post(f"/people/{pid}/edit", data={"name": "müller", "birth_year": ""})
    assert r.status_code == 409
    assert client.post(f"/people/{pid}/edit", data={"name": "P-2", "notes": "kept its own name"}).status_code == 302
    with app.app_context():
        assert sorted(p.name for p in db.session.scalars(sa.select(Person))) == ["Müller", "P-2"]
        assert db.session.get(Person, pid).notes == "kept its own name"


@pytest.mark.slow
def test_another_clinicians_person_of_the_same_name_is_no_duplicate(client, app):
    from conftest_web import add_user

    add_user(app, "other", "tall purple giraffe 42")
    add_person(app, "P-1", owner="other")
    assert client.post("/people/new", data={"name": "P-1", "birth_year": ""}).status_code == 302
