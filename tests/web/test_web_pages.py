"""Every page of the web app through Flask's test client: people, new assessment, live page,
result pages in each state, history, upload form and checks."""

from __future__ import annotations

import io
import pathlib

import pytest
from conftest_web import add_analysed, add_assessment, add_person

from web.db import db
from web.models import Assessment, Person


@pytest.mark.slow
def test_index_redirects_to_people(client):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/people/")


@pytest.mark.slow
def test_people_empty_list_invites_to_add(client):
    r = client.get("/people/")
    assert r.status_code == 200
    assert b"Add the first person" in r.data


@pytest.mark.slow
def test_create_person_then_list_and_search(client, app):
    r = client.post("/people/new", data={"name": "Anna B.", "birth_year": "1984", "notes": "left knee surgery 2019"})
    assert r.status_code == 302
    client.post("/people/new", data={"name": "P-0042", "birth_year": "", "notes": ""})
    with app.app_context():
        anna = db.session.scalar(db.select(Person).where(Person.name == "Anna B."))
        assert anna.birth_year == 1984 and anna.notes == "left knee surgery 2019"
        assert r.headers["Location"].endswith(f"/people/{anna.id}/history")
    page = client.get("/people/").data
    assert b"Anna B." in page and b"P-0042" in page
    found = client.get("/people/?q=knee").data  # notes are searched too
    assert b"Anna B." in found and b"P-0042" not in found
    found = client.get("/people/?q=p-00").data  # case-insensitive
    assert b"P-0042" in found and b"Anna B." not in found
    assert "No one matches" in client.get("/people/?q=zzz").get_data(as_text=True)


@pytest.mark.parametrize("form, message", [
    ({"name": "  ", "birth_year": ""}, "A name or pseudonymous ID is required."),
    ({"name": "X", "birth_year": "18"}, "The birth year must be a year between 1900"),
    ({"name": "X" * 121, "birth_year": ""}, "longer than 120 characters"),
])
@pytest.mark.slow
def test_invalid_person_is_refused_with_the_reason(client, app, form, message):
    r = client.post("/people/new", data=form)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Person.id))) == 0


@pytest.mark.slow
def test_edit_person(client, app):
    pid = add_person(app, "P-1")
    assert client.get(f"/people/{pid}/edit").status_code == 200
    r = client.post(f"/people/{pid}/edit", data={"name": "P-1b", "birth_year": "1990", "notes": "runner"})
    assert r.status_code == 302
    with app.app_context():
        p = db.session.get(Person, pid)
        assert (p.name, p.birth_year, p.notes) == ("P-1b", 1990, "runner")
    r = client.post(f"/people/{pid}/edit", data={"name": "", "birth_year": ""})
    assert r.status_code == 400
    with app.app_context():
        assert db.session.get(Person, pid).name == "P-1b"  # unchanged


@pytest.mark.slow
def test_unknown_person_and_assessment_are_404(client):
    assert client.get("/people/99/edit").status_code == 404
    assert client.get("/people/99/history").status_code == 404
    assert client.get("/assessments/99").status_code == 404
    assert client.get("/api/assessments/99").status_code == 404


@pytest.mark.slow
def test_delete_person_deletes_their_assessments(client, app):
    pid = add_person(app)
    add_assessment(app, pid)
    assert client.post(f"/people/{pid}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 0


@pytest.mark.slow
def test_new_assessment_without_people_asks_for_a_person(client):
    r = client.get("/assessments/new")
    assert r.status_code == 302 and r.headers["Location"].endswith("/people/new")


@pytest.mark.slow
def test_new_assessment_creates_a_pending_one_and_opens_the_live_page(client, app):
    pid = add_person(app)
    page = client.get(f"/assessments/new?person={pid}").get_data(as_text=True)
    assert "Straight-leg raise (SLR), left leg" in page and "Hip hinge" in page and "Active" in page
    r = client.post("/assessments/new", data={"person_id": pid, "test": "slr-right", "mode": "active"})
    assert r.status_code == 302
    with app.app_context():
        a = db.session.scalar(db.select(Assessment))
        assert (a.test, a.side, a.mode, a.status, a.keep_video) == ("slr", "right", "active", "pending", False)
    live = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'/ws/live/{a.id}"' in live
    assert 'id="pain"' in live and "Start recording" in live and "Speak the cues" in live
    r = client.post("/assessments/new", data={"person_id": pid, "test": "hinge", "mode": "passive",
                                              "keep_video": "1"})
    with app.app_context():
        h = db.session.get(Assessment, int(r.headers["Location"].split("/")[-2]))
        assert (h.test, h.side, h.mode, h.keep_video) == ("hinge", None, None, True)
    assert 'id="pain"' not in client.get(r.headers["Location"]).get_data(as_text=True)


@pytest.mark.slow
def test_new_assessment_refuses_an_unknown_test(client, app):
    pid = add_person(app)
    r = client.post("/assessments/new", data={"person_id": pid, "test": "squat", "mode": "passive"})
    assert r.status_code == 400


@pytest.mark.slow
def test_live_page_of_a_recorded_assessment_goes_to_its_result(client, app):
    aid = add_assessment(app, add_person(app), status="complete", result={"side": "left"})
    r = client.get(f"/assessments/{aid}/live")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/assessments/{aid}")


@pytest.mark.slow
def test_result_page_of_a_complete_slr(client, app):
    pid = add_person(app)
    aid = add_analysed(app, pid, "slr_avg_male_L_near_60")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    with app.app_context():
        r = db.session.get(Assessment, aid).result
    assert f"{r['slr_angle_deg']:.1f}°" in page
    assert "95% interval" in page and "Knee-bend onset" in page
    assert "suggests tight hamstrings (Hansberger 2019)" in page  # about 60 degrees < 80
    assert f"/assessments/{aid}/keyframe.jpg" in page and 'id="angles-chart"' in page
    for export in ("frames.csv", ".json", ".fhir.json", ".mot", "/report"):
        assert export in page
    img = client.get(f"/assessments/{aid}/keyframe.jpg")
    assert img.status_code == 200 and img.mimetype == "image/jpeg" and img.data[:2] == b"\xff\xd8"


@pytest.mark.slow
def test_result_page_of_a_complete_hinge(client, app):
    aid = add_analysed(app, add_person(app), "hinge_avg_male_R_rounded")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Hip hinge" in page and "Trunk inclination" in page
    assert "rounded back" in page.lower()


@pytest.mark.slow
def test_result_page_of_an_active_slr_says_so(client, app):
    aid = add_analysed(app, add_person(app), "slr_avg_male_L_near_60")
    with app.app_context():
        db.session.get(Assessment, aid).mode = "active"
        db.session.commit()
    assert "This was an active SLR" in client.get(f"/assessments/{aid}").get_data(as_text=True)


@pytest.mark.slow
def test_result_pages_of_unfinished_states(client, app):
    pid = add_person(app)
    pending = add_assessment(app, pid, status="pending")
    assert "Set up the camera and record" in client.get(f"/assessments/{pending}").get_data(as_text=True)
    failed = add_assessment(app, pid, status="failed", error="no leg raise found: the legs rose at most 3 degrees")
    assert "no leg raise found" in client.get(f"/assessments/{failed}").get_data(as_text=True)
    incomplete = add_assessment(app, pid, status="incomplete", n_frames=42)
    page = client.get(f"/assessments/{incomplete}").get_data(as_text=True)
    assert "42 frames were stored" in page and "Analyse what was recorded" in page
    analysing = add_assessment(app, pid, status="analysing", source="upload", progress=0.25)
    r = client.get(f"/assessments/{analysing}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/uploads/{analysing}")
    assert "25%" in client.get(f"/uploads/{analysing}").get_data(as_text=True)


@pytest.mark.slow
def test_record_again_and_delete(client, app):
    pid = add_person(app)
    aid = add_assessment(app, pid, status="failed", error="x", mode="active", side="right")
    r = client.post(f"/assessments/{aid}/again")
    assert r.status_code == 302 and "/live" in r.headers["Location"]
    with app.app_context():
        new = db.session.get(Assessment, int(r.headers["Location"].split("/")[-2]))
        assert (new.test, new.side, new.mode, new.status) == ("slr", "right", "active", "pending")
    r = client.post(f"/assessments/{aid}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/people/{pid}/history")
    assert client.get(f"/assessments/{aid}").status_code == 404


@pytest.mark.slow
def test_history_shows_each_assessment_chart_and_left_right_difference(client, app):
    pid = add_person(app, "P-7")
    left = add_analysed(app, pid, "slr_avg_male_L_near_60")
    right = add_analysed(app, pid, "slr_avg_female_R_near_45")
    add_assessment(app, pid, status="failed", error="x")
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert page.count("/assessments/") >= 3
    assert 'id="history-chart"' in page and 'id="history-data"' in page
    assert "beyond the minimal detectable change" in page  # about 60 vs 45 degrees
    with app.app_context():
        lr = {db.session.get(Assessment, i).result["side"] for i in (left, right)}
    assert lr == {"left", "right"}
    assert "Export every result as a FHIR Bundle" in page


@pytest.mark.slow
def test_upload_form_and_refused_uploads(client, app):
    pid = add_person(app)
    assert b'type="file"' in client.get("/uploads/new").data
    r = client.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive",
                                          "video": (io.BytesIO(b"just some text, not a video"), "clip.mp4")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert "not a video that can be read" in r.get_data(as_text=True)
    r = client.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto", "mode": "passive"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "Choose a video file" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 0
    assert not list(pathlib.Path(app.instance_path, "uploads").glob("*"))


@pytest.mark.slow
def test_upload_larger_than_the_limit_is_refused(tmp_path):
    from conftest_web import login, make_app

    app = make_app(tmp_path / "i", MAX_CONTENT_LENGTH=1000)
    pid = add_person(app)
    r = login(app).post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "auto",
                                                     "video": (io.BytesIO(b"x" * 5000), "big.mp4")},
                               content_type="multipart/form-data")
    assert r.status_code == 413
    assert "larger than the upload limit" in r.get_data(as_text=True)


def test_init_db_command(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "database ready" in result.output


@pytest.mark.slow
def test_errors_are_explained_in_the_apps_layout(client, app):
    page = client.get("/assessments/12345")
    assert page.status_code == 404
    assert "Assessment 12345 does not exist." in page.get_data(as_text=True)
    assert "New assessment" in page.get_data(as_text=True)  # the navigation is there
    assert client.get("/api/assessments/12345").get_json() == {"error": "Assessment 12345 does not exist."}
