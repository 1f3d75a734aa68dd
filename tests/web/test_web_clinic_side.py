"""The declared side is checked, not trusted (issue 11): an SLR is measured with the side found in
the video, a declared side that the video contradicts is stored as measured and said so on the
result page, the history, the report and the exports; the left/right comparison uses the
measured side."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
from conftest_web import SAMPLES, add_assessment, add_person, wait_until
from synthetic import slr_profile, supine_series
from test_legs import _no_depth, _shrink_leg
from test_web_clinic_comparison import slr_result

from rom.protocols.slr.measure import analyze_slr
from web.services import sides

MISMATCH = "You declared the right leg; the video shows the left leg raised. Stored as left."


def near_right_raise():
    """A raise of the right leg, the camera's near leg, with depth giving no cue: the engine told
    'left' takes it (the picture cannot refuse it), told 'auto' finds the right leg."""
    p, _ = slr_profile(onset_deg=50.0)
    return _no_depth(_shrink_leg(supine_series(p, raised="left", head_left=True, noise_px=0.3), "right", 0.88))


def unknown_raise():
    """Length and depth contradict each other: the video cannot tell which leg was raised."""
    p, _ = slr_profile(onset_deg=50.0)
    return _shrink_leg(supine_series(p, raised="left"), "right", 0.85)


@pytest.mark.slow
def test_a_declared_side_the_video_contradicts_is_stored_as_measured():
    s = near_right_raise()
    assert analyze_slr(s, side="left").side == "left"  # what the web app used to store
    result, check = sides.measure_checked(s, "slr", "left", "clip")
    assert result.side == "right" and result.raised_leg == "near"
    assert check == sides.SideCheck("left", "right", True)
    assert check.mismatch and check.source == "video"
    assert check.sentence() == "You declared the left leg; the video shows the right leg raised. Stored as right."


@pytest.mark.slow
def test_when_the_video_cannot_tell_the_declared_side_is_used_and_said():
    s = unknown_raise()
    result, check = sides.measure_checked(s, "slr", "right", "clip")
    assert result.side == "right" and result.raised_leg == "unknown"
    assert not check.mismatch and check.source == "declared"
    assert check.sentence().startswith("The video does not show which leg was raised; the declared side (right) "
                                       "was used.")
    auto, check = sides.measure_checked(s, "slr", None, "clip")
    assert check.source == "pose_label" and "the pose model's guess" in check.sentence()


def test_a_confirmed_side_says_nothing():
    result, check = sides.measure_checked(near_right_raise(), "slr", "right", "clip")
    assert result.side == "right" and check.sentence() is None
    assert check.to_dict() == {"declared": "right", "measured": "right", "source": "video", "mismatch": False,
                               "sentence": None}


def _mismatched(app, pid, deg=48.0, at=datetime(2026, 12, 1, 10, 0)):
    check = sides.SideCheck("right", "left", True)
    return add_assessment(app, pid, test="slr", side="left", mode="passive", status="complete", source="upload",
                          started_at=at, created_at=at, video_name="raise.mp4",
                          result=sides.stored(slr_result("left", deg), check))


@pytest.mark.slow
def test_the_mismatch_is_shown_on_the_result_page_before_the_figures(client, app):
    pid = add_person(app)
    aid = _mismatched(app, pid)
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert MISMATCH in page
    assert page.index(MISMATCH) < page.index("SLR angle, left leg")
    assert "SLR angle, right leg" not in page
    report = client.get(f"/assessments/{aid}/report").get_data(as_text=True)
    assert MISMATCH in report and "SLR angle, left leg" in report


@pytest.mark.slow
def test_the_history_and_the_exports_say_so(client, app):
    pid = add_person(app)
    aid = _mismatched(app, pid)
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "declared right; the video shows left" in history
    data = json.loads(client.get(f"/assessments/{aid}.json").data)
    assert data["assessment"]["side"] == "left" and data["assessment"]["declared_side"] == "right"
    assert data["assessment"]["side_note"] == MISMATCH
    assert data["result"]["side_check"]["mismatch"] is True
    fhir = json.loads(client.get(f"/assessments/{aid}.fhir.json").data)
    assert {"text": f"Side: {MISMATCH}"} in fhir["note"]


@pytest.mark.slow
def test_the_comparison_uses_the_measured_side(client, app):
    pid = add_person(app)
    right = add_assessment(app, pid, test="slr", side="right", mode="passive", status="complete",
                           started_at=datetime(2026, 12, 1, 9, 0), created_at=datetime(2026, 12, 1, 9, 0),
                           result=slr_result("right", 70.0))
    left = _mismatched(app, pid, deg=48.0)
    page = client.get(f"/assessments/{left}").get_data(as_text=True)
    assert ("Left 48.0° (2026-12-01), right 70.0° (2026-12-01): they differ by 22 degrees") in page
    assert client.get(f"/assessments/{left}?compare={right}").status_code == 200


@pytest.mark.slow
def test_a_left_raise_uploaded_as_right_is_stored_as_left(client, app):
    pid = add_person(app)
    clip = SAMPLES / "slr_avg_male_L_near_60.mp4"
    with open(clip, "rb") as f:
        r = client.post("/uploads/new", data={"person_id": pid, "test": "slr", "side": "right", "mode": "passive",
                                              "video": (f, clip.name)}, content_type="multipart/form-data")
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])

    def finished():
        a = client.get(f"/api/assessments/{aid}").get_json()
        return a if a["status"] != "analysing" else None

    a = wait_until(finished, timeout_s=180)
    assert a["status"] == "complete", a["error"]
    assert a["side"] == "left" == a["result"]["side"]
    assert a["result"]["side_check"] == {"declared": "right", "measured": "left", "source": "video",
                                         "mismatch": True, "sentence": MISMATCH}
    assert np.isclose(a["result"]["slr_angle_deg"], 60.87, atol=4.0)
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert MISMATCH in page and "SLR angle, left leg" in page
