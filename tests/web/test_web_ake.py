"""An AKE assessment in the web app: shown, compared left/right, charted over time, exported (CSV, JSON,
FHIR, .mot) and printed, from the engine's analysis of the AKE sample clips."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from conftest_web import SAMPLES, add_analysed, add_person, sample_analysis, truth, wait_until

LEFT = "ake_avg_male_L_near_25"
RIGHT = "ake_avg_female_R_near_15"


@pytest.fixture(name="ake")
def ake_fixture(app):
    """(person id, left assessment id, right assessment id)."""
    pid = add_person(app, "P-ake", birth_year=1980)
    return (pid, add_analysed(app, pid, LEFT, started_at=datetime(2026, 11, 2, 10)),
            add_analysed(app, pid, RIGHT, started_at=datetime(2026, 11, 2, 10, 20)))


@pytest.mark.slow
def test_result_page_and_printable_report_show_the_ake_angle(client, ake):
    _, aid, _ = ake
    r = sample_analysis(LEFT).result
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "AKE angle, left leg" in page and f"{r.ake_angle_deg:.1f}" in page
    assert "short hamstrings (clinical convention)" in page or "within the usual range (clinical convention)" in page
    report = client.get(f"/assessments/{aid}/report").get_data(as_text=True)
    assert 'media="print"' in report and "AKE angle" in report and f"/assessments/{aid}/keyframe.jpg" in report
    assert client.get(f"/assessments/{aid}/keyframe.jpg").mimetype == "image/jpeg"


@pytest.mark.slow
def test_left_and_right_are_compared_and_charted_over_time(client, ake):
    pid, _, _ = ake
    left, right = (sample_analysis(n).result.to_dict()["ake_angle_deg"] for n in (LEFT, RIGHT))
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert 'id="ake-history-chart"' in page
    data = json.loads(re.search(r'<script type="application/json" id="ake-history-data">(.*?)</script>', page, re.S)[1])
    assert [p["deg"] for p in data["points"]["left"]] == [left]
    assert [p["deg"] for p in data["points"]["right"]] == [right]
    assert re.search(rf"Latest AKE: Left {left:.1f}°[^<]*right {right:.1f}°[^<]*differ by", page)
    assert "no established threshold" in page
    visit = client.get(f"/people/{pid}/visit").get_data(as_text=True)  # the day's report, with the sources
    assert visit.count("AKE angle, ") == 2 and "Gajdosik &amp; Lusin 1983" in visit
    assert "no threshold is established for the AKE" in visit


@pytest.mark.slow
def test_exports_csv_json_fhir_and_mot(client, ake):
    _, aid, _ = ake
    r = sample_analysis(LEFT).result.to_dict()
    rows = list(csv.reader(io.StringIO(client.get(f"/assessments/{aid}/frames.csv").get_data(as_text=True))))
    assert {"t_s", "knee_flexion_deg", "hip_flexion_deg", "other_hip_flexion_deg"} <= set(rows[0])
    assert len(rows) - 1 == len(sample_analysis(LEFT).series)
    data = json.loads(client.get(f"/assessments/{aid}.json").data)
    assert data["result"]["ake_angle_deg"] == r["ake_angle_deg"] and data["assessment"]["test"] == "ake"
    obs = json.loads(client.get(f"/assessments/{aid}.fhir.json").data)
    coding = obs["code"]["coding"][0]
    assert coding["code"] == "ake-angle" and coding["system"] == "urn:rom:observation"
    assert obs["valueQuantity"]["value"] == r["ake_angle_deg"] and obs["valueQuantity"]["code"] == "deg"
    assert obs["bodySite"]["text"] == "left knee"
    assert obs["interpretation"][0]["coding"][0]["code"] == ("H" if r["ake_angle_deg"] > 20 else "N")
    comps = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in obs["component"]}
    assert comps["hip-flexion-at-end"] == r["hip_flexion_at_end_deg"]
    text = client.get(f"/assessments/{aid}.mot").get_data(as_text=True)
    lines = text.splitlines()
    assert lines[lines.index("endheader") + 1].split("\t") == ["time", "hip_flexion_l", "knee_angle_l", "hip_flexion_r"]


def test_an_ake_is_recorded_live_from_the_new_assessment_form(client, app):
    from web.db import db
    from web.models import Assessment

    pid = add_person(app)
    page = client.get(f"/assessments/new?person={pid}").get_data(as_text=True)
    assert "Active knee extension (AKE, 90/90), left leg" in page
    r = client.post("/assessments/new", data={"person_id": pid, "test": "ake-right"})
    assert r.status_code == 302
    with app.app_context():
        a = db.session.scalar(db.select(Assessment))
        assert (a.test, a.side, a.mode, a.status) == ("ake", "right", None, "pending")
    live = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'/ws/live/{a.id}"' in live and "Start recording" in live
    assert "Hold the thigh upright (hip at 90°)" in live and 'id="pain"' not in live


@pytest.mark.slow
def test_an_uploaded_ake_is_found_from_the_video_and_measured(client, app):
    pid = add_person(app)
    name = RIGHT
    with open(SAMPLES / f"{name}.mp4", "rb") as f:
        r = client.post("/uploads/new", data={"person_id": pid, "test": "auto", "side": "auto",
                                              "video": (f, f"{name}.mp4")}, content_type="multipart/form-data")
    assert r.status_code == 302
    aid = int(r.headers["Location"].rstrip("/").split("/")[-1])

    def finished():
        a = client.get(f"/api/assessments/{aid}").get_json()
        return a if a["status"] != "analysing" else None

    a = wait_until(finished, timeout_s=180)
    assert a["status"] == "complete", a["error"]
    assert a["test"] == "ake" and a["mode"] is None and a["result"]["side"] == "right" == a["side"]
    assert abs(a["result"]["ake_angle_deg"] - truth(name)["ake_angle_deg"]) < 5.0
    assert "AKE angle, right leg" in client.get(f"/assessments/{aid}").get_data(as_text=True)
