"""Uploading a video: analysed in the background (a child process) with progress, ending on the
result page; the uploaded file is deleted unless the video is to be kept."""

from __future__ import annotations

import pathlib

import pytest
from conftest_web import SAMPLES, add_person, truth, wait_until

from web.db import db
from web.models import Assessment


def _upload(client, person_id, clip: pathlib.Path, **fields):
    with open(clip, "rb") as f:
        data = {"person_id": person_id, "test": "slr", "side": "auto", "mode": "passive",
                "video": (f, clip.name), **fields}
        return client.post("/uploads/new", data=data, content_type="multipart/form-data")


def _finished(client, aid):
    a = client.get(f"/api/assessments/{aid}").get_json()
    return a if a["status"] != "analysing" else None


@pytest.mark.slow
def test_upload_is_analysed_in_the_background_to_the_result_page(client, app):
    pid = add_person(app)
    name = "slr_avg_female_R_near_45"
    r = _upload(client, pid, SAMPLES / f"{name}.mp4")
    assert r.status_code == 302
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert r.headers["Location"].endswith(f"/uploads/{aid}")
    page = client.get(f"/uploads/{aid}")
    assert page.status_code in (200, 302)  # 302 once it has finished
    progress = []
    a = wait_until(lambda: progress.append(client.get(f"/api/assessments/{aid}").get_json()["progress"])
                   or _finished(client, aid), timeout_s=120)
    assert a["status"] == "complete", a["error"]
    assert a["result"]["side"] == "right" == a["side"]
    assert abs(a["result"]["slr_angle_deg"] - truth(name)["slr_angle_deg"]) < 3.0
    assert all(0.0 <= p <= 1.0 for p in progress if p is not None)
    assert client.get(f"/uploads/{aid}").headers["Location"].endswith(f"/assessments/{aid}")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert f"{name}.mp4" in page and "SLR angle, right leg" in page
    assert client.get(f"/assessments/{aid}/keyframe.jpg").status_code == 200
    assert not list(pathlib.Path(app.instance_path, "uploads").glob("*"))  # the video was not kept
    assert client.get(f"/assessments/{aid}/video").status_code == 404


@pytest.mark.slow
def test_kept_upload_and_test_found_from_the_video(client, app):
    pid = add_person(app)
    r = _upload(client, pid, SAMPLES / "hinge_avg_male_L_good.mp4", test="auto", keep_video="1")
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    a = wait_until(lambda: _finished(client, aid), timeout_s=120)
    assert a["status"] == "complete", a["error"]
    assert a["test"] == "hinge" and a["mode"] is None
    assert len(a["result"]["reps"]) == len(truth("hinge_avg_male_L_good")["reps"])
    video = client.get(f"/assessments/{aid}/video")
    assert video.status_code == 200
    assert video.data == (SAMPLES / "hinge_avg_male_L_good.mp4").read_bytes()


@pytest.mark.slow
def test_unmeasurable_upload_fails_with_the_engines_reason(client, app):
    pid = add_person(app)
    r = _upload(client, pid, SAMPLES / "bad" / "frontal_slr.mp4")
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    a = wait_until(lambda: _finished(client, aid), timeout_s=120)
    assert a["status"] == "failed" and a["error"]
    assert a["error"] in client.get(f"/assessments/{aid}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assessment, aid).finished_at is not None
