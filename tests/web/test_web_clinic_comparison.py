"""Left/right comparisons of like with like (issue 11, point 6): same test, same mode, a chosen
visit or the other side's closest within COMPARE_WITHIN_DAYS, shown with its date; one value
for the difference worth noting, the engine's."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest_web import add_assessment, add_person, make_app

from rom.protocols.slr.interpret import degrees, thresholds
from rom.protocols.slr.interpretation import SIDE_DIFFERENCE_DEG

DEC = datetime(2026, 12, 1, 10, 0)
OCT = datetime(2026, 10, 2, 10, 0)


def slr(app, pid, side, deg, at, mode="passive", **fields):
    return add_assessment(app, pid, test="slr", side=side, mode=mode, status="complete", started_at=at,
                          created_at=at, result=slr_result(side, deg), **fields)


def slr_result(side: str, deg: float, **more) -> dict:
    """A stored SLR result as the engine's `to_dict()` gives it (the fields the pages read)."""
    return {"test": "slr", "side": side, "slr_angle_deg": deg, "slr_angle_ci95_deg": [deg - 3, deg + 3],
            "max_hip_flexion_deg": deg + 5, "knee_bend_onset_s": 2.5, "pain_s": None, "pain_angle_deg": None,
            "pelvic_rotation_deg": 3.0, "contralateral_hip_flexion_deg": 1.0, "flags": [],
            "quality": {"frames": 90, "detected_fraction": 1.0, "view": "side", "warnings": []}, **more}


def test_the_difference_worth_noting_is_the_engines(app):
    assert app.config["SLR_MDC_DEG"] == SIDE_DIFFERENCE_DEG
    assert thresholds(app.config).side_difference_deg == SIDE_DIFFERENCE_DEG
    assert thresholds().side_difference_deg == SIDE_DIFFERENCE_DEG
    assert thresholds({"SLR_MDC_DEG": 7.0}).side_difference_deg == 7.0  # a clinic's setting overrides the table


def test_degrees_are_singular_for_one():
    assert degrees(1) == "1 degree"
    assert degrees(1.0) == "1 degree"
    assert degrees(0) == "0 degrees"
    assert degrees(6.5) == "6.5 degrees"
    assert degrees(6.04) == "6 degrees"


@pytest.mark.slow
def test_active_is_never_compared_with_passive(client, app):
    pid = add_person(app, "P-1")
    right = slr(app, pid, "right", 70.0, DEC.replace(hour=9))
    left = slr(app, pid, "left", 70.0, DEC, mode="active")
    page = client.get(f"/assessments/{left}").get_data(as_text=True)
    assert "differ by" not in page
    assert "No right active SLR within 30 days of this one." in page
    r = client.get(f"/assessments/{left}?compare={right}")
    assert r.status_code == 400
    assert "only raises of the same mode are compared" in r.get_data(as_text=True)
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "differ by" not in history
    assert "Latest active SLR: No right active SLR within 30 days of the left one of 2026-12-01" in history
    assert "Latest passive SLR: No left passive SLR within 30 days of the right one of 2026-12-01" in history


@pytest.mark.slow
def test_an_old_other_side_is_not_compared_but_named_with_its_date(client, app):
    pid = add_person(app, "P-2")
    slr(app, pid, "right", 70.0, OCT)
    left = slr(app, pid, "left", 50.0, DEC)
    page = client.get(f"/assessments/{left}").get_data(as_text=True)
    assert "the left side is tighter" not in page
    assert "No right passive SLR within 30 days of this one: choose one below to compare anyway." in page
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "(the latest is of 2026-10-02): measure that side again to compare." in history
    assert "the left side is tighter" not in history


@pytest.mark.slow
def test_the_other_side_within_the_window_is_compared_with_both_dates(client, app):
    pid = add_person(app, "P-3")
    slr(app, pid, "right", 71.5, datetime(2026, 11, 20, 10, 0))
    slr(app, pid, "right", 40.0, datetime(2026, 11, 29, 10, 0), mode="active")  # not like with like
    left = slr(app, pid, "left", 60.0, DEC)
    page = client.get(f"/assessments/{left}").get_data(as_text=True)
    assert ("Left 60.0° (2026-12-01), right 71.5° (2026-11-20): they differ by 11.5 degrees, more than the "
            "minimal detectable change of 6 degrees: the left side is tighter.") in page
    assert "the closest in time within 30 days" in page
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "Latest passive SLR: Left 60.0° (2026-12-01), right 71.5° (2026-11-20)" in history


@pytest.mark.slow
def test_the_window_is_a_setting(tmp_path):
    from conftest_web import login

    app = make_app(tmp_path / "i", COMPARE_WITHIN_DAYS=90)
    pid = add_person(app)
    slr(app, pid, "right", 70.0, OCT)
    left = slr(app, pid, "left", 50.0, DEC)
    page = login(app).get(f"/assessments/{left}").get_data(as_text=True)
    assert "Left 50.0° (2026-12-01), right 70.0° (2026-10-02): they differ by 20 degrees" in page


@pytest.mark.slow
def test_a_chosen_visit_is_compared_and_a_wrong_choice_refused_with_the_reason(client, app):
    pid = add_person(app, "P-4")
    oct_right = slr(app, pid, "right", 70.0, OCT)
    dec_right = slr(app, pid, "right", 63.0, DEC.replace(hour=9))
    other_left = slr(app, pid, "left", 61.0, DEC.replace(hour=8))
    left = slr(app, pid, "left", 60.0, DEC)
    page = client.get(f"/assessments/{left}").get_data(as_text=True)  # the closest: the same visit
    assert "right 63.0° (2026-12-01): they differ by 3 degrees, within the minimal detectable change" in page
    assert f'<option value="{oct_right}"' in page and f'<option value="{other_left}"' not in page
    page = client.get(f"/assessments/{left}?compare={oct_right}").get_data(as_text=True)
    assert "Left 60.0° (2026-12-01), right 70.0° (2026-10-02): they differ by 10 degrees" in page
    assert "the one chosen" in page
    r = client.get(f"/assessments/{left}?compare={other_left}")
    assert r.status_code == 400 and "Both are of the left leg" in r.get_data(as_text=True)
    assert client.get(f"/assessments/{left}?compare=abc").status_code == 400
    assert client.get(f"/assessments/{left}?compare=99999").status_code == 404
    failed = add_assessment(app, pid, test="slr", side="right", status="failed", error="no person")
    r = client.get(f"/assessments/{left}?compare={failed}")
    assert r.status_code == 400
    assert "Only complete assessments of one test with a measured SLR angle" in r.get_data(as_text=True)
    stranger = slr(app, add_person(app, "P-5"), "right", 60.0, DEC)
    r = client.get(f"/assessments/{left}?compare={stranger}")
    assert r.status_code == 400 and "another person" in r.get_data(as_text=True)
    assert dec_right


@pytest.mark.slow
def test_visits_pair_one_day_and_one_mode_and_the_measured_side_counts(client, app):
    pid = add_person(app, "P-6")
    slr(app, pid, "left", 60.0, DEC.replace(hour=8))
    slr(app, pid, "right", 52.0, DEC.replace(hour=9))
    slr(app, pid, "left", 50.0, DEC.replace(hour=10), mode="active")
    # declared right, measured left: it is a left leg
    a = slr(app, pid, "right", 45.0, DEC.replace(hour=11), mode="active")
    from web.db import db
    from web.models import Assessment

    with app.app_context():
        row = db.session.get(Assessment, a)
        row.result = {**row.result, "side": "left"}
        db.session.commit()
    data = client.get(f"/api/people/{pid}").get_json()["slr"]
    assert [(v["mode"], v["left"]["deg"], v["right"]["deg"], v["difference_deg"], v["beyond_mdc"])
            for v in data["visits"]] == [("passive", 60.0, 52.0, 8.0, True)]
    assert data["comparisons"][0]["comparison"]["difference_deg"] == 8.0
    assert data["comparisons"][1]["comparison"] is None  # active: two left legs, no right
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "<caption>Left and right per visit (same day, same mode)</caption>" in page
    assert "8.0° (beyond the minimal detectable change of 6°)" in page


@pytest.mark.slow
def test_a_difference_at_the_limit_is_not_beyond_it(client, app):
    pid = add_person(app)
    slr(app, pid, "right", 66.0, DEC.replace(hour=9))
    left = slr(app, pid, "left", 60.0, DEC)
    page = client.get(f"/assessments/{left}").get_data(as_text=True)
    assert "they differ by 6 degrees, within the minimal detectable change of 6 degrees" in page
