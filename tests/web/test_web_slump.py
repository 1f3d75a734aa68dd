"""A slump test in the web app: stored from the engine's analysis of sample clips (the right and the
left leg), shown, compared left/right, exported (CSV with units, JSON, FHIR R4, OpenSim .mot) and
printed; the live page's readouts and the symptom marker."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest_web import add_analysed, add_assessment, add_person, sample_analysis

pytestmark = pytest.mark.slow

RIGHT = "slump_avg_female_R_near_20_g10"  # right leg, 10 degrees gained on release
LEFT = "slump_avg_male_L_near_30_g0"  # left leg, no gain


@pytest.fixture(name="slump")
def slump_fixture(app):
    """(person id, right assessment id, left assessment id)."""
    pid = add_person(app, "P-7", birth_year=1980)
    return pid, add_analysed(app, pid, RIGHT), add_analysed(app, pid, LEFT)


def test_result_page_shows_the_steps_the_knee_and_leaves_the_call_to_the_clinician(client, slump):
    _, right, _ = slump
    page = client.get(f"/assessments/{right}").get_data(as_text=True)
    r = sample_analysis(RIGHT).result.to_dict()
    assert "Knee flexion at end range in full slump, right leg" in page
    assert f"{r['knee_flexion_end_deg']:.1f}" in page
    assert "Steps of the test" in page and "neck release" in page and "not found in the video" in page  # no ankle step
    assert "clinician" in page and "knee went further on neck release" in page


def test_exports(client, slump):
    pid, right, _ = slump
    r = sample_analysis(RIGHT).result.to_dict()
    rows = list(csv.reader(io.StringIO(client.get(f"/assessments/{right}/frames.csv").get_data(as_text=True))))
    assert {"t_s", "knee_flexion_deg", "spine_flexion_deg", "neck_flexion_deg"} <= set(rows[0])
    data = json.loads(client.get(f"/assessments/{right}.json").data)
    assert data["result"]["release_gain_deg"] == r["release_gain_deg"] and data["assessment"]["test"] == "slump"
    assert any("clinician" in s for s in data["interpretation"])
    obs = json.loads(client.get(f"/assessments/{right}.fhir.json").data)
    assert obs["valueQuantity"]["value"] == r["knee_flexion_end_deg"] and obs["valueQuantity"]["code"] == "deg"
    assert obs["code"]["text"].startswith("Slump test") and "interpretation" not in obs
    comps = {c["code"]["coding"][0]["code"]: c.get("valueQuantity") for c in obs["component"]}
    assert comps["release-gain"]["value"] == r["release_gain_deg"]
    mot = client.get(f"/assessments/{right}.mot").get_data(as_text=True).splitlines()
    assert mot[mot.index("endheader") + 1].split("\t")[:2] == ["time", "knee_angle_r"]
    report = client.get(f"/assessments/{right}/report").get_data(as_text=True)
    assert "P-7" in report and "Steps of the test" in report and "clinician" in report


def test_left_and_right_are_compared_with_the_threshold_said(client, slump):
    pid, _, _ = slump
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert "Slump test over time" in page
    assert "Knee flexion at end range: left" in page and "measurement noise" in page


def test_the_live_page_has_the_slump_readouts_and_the_symptom_marker(client, app):
    pid = add_person(app, "P-8")
    aid = add_assessment(app, pid, test="slump", side="right", mode=None, status="pending", source="live")
    page = client.get(f"/assessments/{aid}/live").get_data(as_text=True)
    assert 'data-angle="spine_flexion_deg"' in page and 'data-angle="neck_flexion_deg"' in page
    assert 'id="pain"' in page and 'data-hip-reference="trunk"' in page
    assert "Symptoms now" in page and "Pain now" not in page  # where the symptoms start, or ease


def test_a_declared_leg_is_checked_against_the_knee_that_straightened(app):
    from web.services import sides

    analysis = sample_analysis(RIGHT)
    with app.app_context():
        result, check = sides.check(analysis.result, analysis.series, "left", RIGHT)
    assert result.side == "right" and check.mismatch and check.source == "video"
    assert "the video shows the right leg" in check.sentence()
