"""Exports (CSV with units, JSON, FHIR R4, OpenSim .mot, printable report) and the JSON API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest_web import add_analysed, add_assessment, add_person, sample_analysis

from rom.outputs.frames_csv import frame_rows
from web.db import db
from web.models import Assessment

SLR = "slr_avg_male_L_near_60"


@pytest.fixture(name="slr")
def slr_fixture(app):
    """(person id, assessment id) of a stored SLR of the left leg."""
    pid = add_person(app, "P-9", birth_year=1971)
    return pid, add_analysed(app, pid, SLR)


@pytest.mark.slow
def test_csv_has_units_in_the_header_and_matches_the_engines_frames_csv(client, slr):
    _, aid = slr
    r = client.get(f"/assessments/{aid}/frames.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    analysis = sample_analysis(SLR)
    header, expected = frame_rows(analysis.result, analysis.series)  # what `rom analyze --out` writes
    assert rows[0] == header
    assert {"t_s", "hip_flexion_deg", "knee_flexion_deg", "pose_detected"} <= set(rows[0])
    assert all(c in ("frame", "pose_detected") or c.endswith(("_s", "_deg", "_visibility")) for c in rows[0])
    assert len(rows) - 1 == len(expected) == len(analysis.series)
    for got, want in zip(rows[1:], expected):
        for g, w in zip(got, want):
            assert (g == w == "") or abs(float(g) - float(w)) <= 1e-3  # landmarks are stored as float32


@pytest.mark.slow
def test_json_export(client, slr):
    _, aid = slr
    data = json.loads(client.get(f"/assessments/{aid}.json").data)
    assert data["assessment"]["test"] == "slr" and data["assessment"]["person"] == "P-9"
    assert data["result"]["slr_angle_deg"] == pytest.approx(sample_analysis(SLR).result.to_dict()["slr_angle_deg"])
    assert data["frames"]["series"][0]["name"] == "hip_flexion_deg"
    assert len(data["frames"]["t_s"]) == len(data["frames"]["series"][0]["values"])
    assert any("tight hamstrings" in s for s in data["interpretation"])


@pytest.mark.slow
def test_fhir_observation(client, slr):
    pid, aid = slr
    r = client.get(f"/assessments/{aid}.fhir.json")
    assert r.mimetype == "application/fhir+json"
    obs = json.loads(r.data)
    result = sample_analysis(SLR).result.to_dict()
    assert obs["resourceType"] == "Observation" and obs["status"] == "final"
    assert obs["subject"]["reference"] == f"Patient/{pid}"
    assert obs["valueQuantity"] == {"value": result["slr_angle_deg"], "unit": "deg",
                                    "system": "http://unitsofmeasure.org", "code": "deg"}
    assert obs["bodySite"]["text"] == "left hip"
    assert obs["effectiveDateTime"].endswith("Z")
    assert obs["category"][0]["coding"][0]["code"] == "exam"
    assert obs["interpretation"][0]["coding"][0]["code"] == "L"  # below 80 degrees
    comps = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in obs["component"]}
    assert comps["knee-bend-onset"] == {"value": result["knee_bend_onset_s"], "unit": "s",
                                        "system": "http://unitsofmeasure.org", "code": "s"}
    assert comps["max-hip-flexion"]["code"] == "deg"


@pytest.mark.slow
def test_fhir_bundle_of_a_person(client, app, slr):
    pid, aid = slr
    add_assessment(app, pid, status="failed", error="x")  # not exported
    b = json.loads(client.get(f"/people/{pid}/bundle.fhir.json").data)
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in b["entry"]]
    assert kinds == ["Patient", "Observation"]
    patient = b["entry"][0]["resource"]
    assert patient["birthDate"] == "1971" and patient["identifier"][0]["value"] == "P-9"
    assert all(e["fullUrl"].startswith("http://localhost/fhir/") for e in b["entry"])


@pytest.mark.slow
def test_hinge_fhir_has_one_component_set_per_rep(client, app):
    aid = add_analysed(app, add_person(app), "hinge_avg_female_R_good_3reps")
    obs = json.loads(client.get(f"/assessments/{aid}.fhir.json").data)
    reps = sample_analysis("hinge_avg_female_R_good_3reps").result.reps
    assert obs["valueQuantity"]["value"] == pytest.approx(max(r.max_hip_flexion_deg for r in reps), abs=0.051)
    assert sum(c["code"]["coding"][0]["code"].endswith("max-hip-flexion") for c in obs["component"]) == len(reps)


@pytest.mark.slow
def test_opensim_mot(client, slr):
    _, aid = slr
    text = client.get(f"/assessments/{aid}.mot").get_data(as_text=True)
    lines = text.splitlines()
    end = lines.index("endheader")
    head = dict(ln.split("=", 1) for ln in lines[1:end] if "=" in ln)
    assert head["version"] == "1" and head["inDegrees"] == "yes"
    columns = lines[end + 1].split("\t")
    assert columns == ["time", "hip_flexion_l", "knee_angle_l", "hip_flexion_r"]
    data = [ln.split("\t") for ln in lines[end + 2:]]
    assert int(head["nRows"]) == len(data) == len(sample_analysis(SLR).series)
    assert int(head["nColumns"]) == len(columns) == len(data[0])
    hip = [float(row[1]) for row in data if row[1] != "NaN"]
    assert max(hip) == pytest.approx(sample_analysis(SLR).result.max_hip_flexion_deg, abs=0.01)


@pytest.mark.slow
def test_printable_report(client, slr):
    _, aid = slr
    page = client.get(f"/assessments/{aid}/report").get_data(as_text=True)
    assert 'media="print"' in page and "P-9" in page and "born 1971" in page
    assert f"/assessments/{aid}/keyframe.jpg" in page and 'id="angles-chart"' in page
    assert "Interpretation" in page and "SLR angle" in page


@pytest.mark.slow
def test_exports_need_a_result(client, app):
    aid = add_assessment(app, add_person(app), status="incomplete")
    for url in ("frames.csv", ".json", ".fhir.json", ".mot", "/report"):
        sep = "/" if url == "frames.csv" else ""
        assert client.get(f"/assessments/{aid}{sep}{url}").status_code == 409


@pytest.mark.slow
def test_api_people_and_history(client, app, slr):
    pid, aid = slr
    add_person(app, "Q-1")
    people = client.get("/api/people?q=p-9").get_json()
    assert [p["name"] for p in people] == ["P-9"]
    detail = client.get(f"/api/people/{pid}").get_json()
    assert detail["assessments"][0]["id"] == aid
    assert detail["slr"]["points"]["left"][0]["deg"] == detail["assessments"][0]["result"]["slr_angle_deg"]
    assert detail["slr"]["points"]["right"] == []


@pytest.mark.slow
def test_api_assessment_and_frames(client, slr):
    _, aid = slr
    a = client.get(f"/api/assessments/{aid}").get_json()
    assert a["status"] == "complete" and a["url"] == f"/assessments/{aid}"
    f = client.get(f"/api/assessments/{aid}/frames").get_json()
    assert f["source"] == "offline"
    assert [s["name"] for s in f["series"]][:2] == ["hip_flexion_deg", "knee_flexion_deg"]
    assert all(len(s["values"]) == len(f["t_s"]) for s in f["series"])
    onset = [m for m in f["marks"] if m["kind"] == "onset"]
    assert onset and onset[0]["t_s"] == a["result"]["knee_bend_onset_s"]


@pytest.mark.slow
def test_api_marks_a_recording_without_a_connection_as_incomplete(client, app):
    from datetime import timedelta

    from web.models import utcnow

    aid = add_assessment(app, add_person(app), status="recording", started_at=utcnow() - timedelta(minutes=1),
                         last_frame_at=utcnow() - timedelta(seconds=30))
    assert client.get(f"/api/assessments/{aid}").get_json()["status"] == "incomplete"
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "incomplete"
