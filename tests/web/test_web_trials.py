"""Several trials per SLR on the web (issue 11): the result page lists them with the mean and the
spread, the chart marks each; the clinician excludes one with a reason (CSRF, a reason needed),
which recomputes the mean and shows in the history and the CSV, JSON and FHIR exports; migration
0007_trial_exclusions."""

from __future__ import annotations

import csv
import functools
import io
import json

import flask_migrate
import numpy as np
import pytest
from conftest_web import add_assessment, add_person, add_user, login
from sqlalchemy import inspect
from synthetic import FPS, slr_profile, supine_series

from rom.analysis import measure
from web.db import MIGRATIONS, db
from web.services.trials import TrialExclusion


@functools.cache
def three_trials() -> dict:
    """The engine's result of three synthetic raises (truth at the onsets: 50, 60, 70 degrees),
    with pain marked once in trials 1 and 3 and twice in trial 1."""
    parts = [slr_profile(onset_deg=deg)[0] for deg in (50.0, 60.0, 70.0)]
    p = {k: np.concatenate([q[k] for q in parts]) for k in ("thigh", "knee", "other")}
    p["t"] = np.arange(len(p["thigh"])) / FPS
    n = len(parts[0]["t"])
    marks = [2.6, 3.0, 2 * n / FPS + 2.6]
    return measure(supine_series(p, noise_px=0.5), "slr", "three.mp4", pain_marks=marks).to_dict()


def _stored(app, **fields) -> int:
    r = three_trials()
    return add_assessment(app, add_person(app), status="complete", side=r["side"], result=r, **fields)


@pytest.mark.slow
def test_the_result_page_lists_the_trials_with_mean_and_spread(client, app):
    aid = _stored(app)
    r = three_trials()
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    table = page[page.index('id="trials"'):]
    table = table[:table.index("</section>")]
    angles = [t["slr_angle_deg"] for t in r["trials"]]
    assert angles == pytest.approx([50.0, 60.0, 70.0], abs=1.5)
    for t in r["trials"]:
        row = table[table.index(f'id="trial-{t["number"]}"'):]
        row = row[:row.index("</tr>")]
        assert f"{t['slr_angle_deg']:.1f}°" in row and f"{t['knee_bend_onset_s']:.2f} s" in row
    mean = float(np.mean(angles))
    s = r["trials_summary"]
    assert s["mean_slr_angle_deg"] == pytest.approx(mean, abs=0.06)
    assert f"Mean of 3 of 3 trials: <strong>{s['mean_slr_angle_deg']:.1f}°</strong>, SD {s['sd_deg']:.1f}°" in table
    assert "The SLR angle above is trial 1&#39;s" in table or "The SLR angle above is trial 1's" in table
    # pain marks: one per trial, the first in its window (2.6 s; 3.0 s is trial 1's second); none in trial 2
    pains = [t["pain_s"] for t in r["trials"]]
    assert pains[0] == 2.6 and pains[1] is None and pains[2] == pytest.approx(2.6 + 2 * 6.0, abs=0.01)
    row2 = table[table.index('id="trial-2"'):]
    assert "<td>none</td>" in row2[:row2.index("</tr>")]
    assert table.count('name="reason"') == 3 and table.count('name="csrf_token"') == 3
    assert f'href="/assessments/{aid}/trials.csv"' in page


@pytest.mark.slow
def test_the_chart_marks_each_trial_with_the_mean_and_spread(client, app):
    aid = _stored(app)
    r = three_trials()
    chart = client.get(f"/api/assessments/{aid}/frames").get_json()
    trial_marks = [m for m in chart["marks"] if "trial" in m]
    assert [m["trial"] for m in trial_marks] == [1, 2, 3]
    assert [m["t_s"] for m in trial_marks] == [t["knee_bend_onset_s"] for t in r["trials"]]
    assert trial_marks[1]["label"] == f"trial 2 {r['trials'][1]['slr_angle_deg']:.0f}°"
    s = r["trials_summary"]
    assert [round(h["y"], 1) for h in chart["hlines"]] == pytest.approx(
        [s["mean_slr_angle_deg"], s["mean_slr_angle_deg"] + s["sd_deg"], s["mean_slr_angle_deg"] - s["sd_deg"]],
        abs=0.11)


@pytest.mark.slow
def test_excluding_a_trial_with_a_reason_recomputes_the_mean_everywhere(client, app):
    aid = _stored(app)
    r = three_trials()
    reply = client.post(f"/assessments/{aid}/trials/3/exclude", data={"reason": "the patient tensed the leg"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/assessments/{aid}#trials")
    angles = [t["slr_angle_deg"] for t in r["trials"]]
    mean2 = (angles[0] + angles[1]) / 2
    sd2 = float(np.std(angles[:2], ddof=1))
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert f"Mean of 2 of 3 trials: <strong>{mean2:.1f}°</strong>" in page
    row3 = page[page.index('id="trial-3"'):]
    row3 = row3[:row3.index("</tr>")]
    assert "excluded: the patient tensed the leg (clinician)" in row3 and "Count again" in row3
    # the chart: the mean line moves, trial 3's mark says excluded
    chart = client.get(f"/api/assessments/{aid}/frames").get_json()
    assert chart["hlines"][0]["y"] == pytest.approx(round(mean2, 1), abs=0.06)
    assert chart["marks"][-1]["label"].endswith("excluded") or any(
        m.get("trial") == 3 and m["label"].endswith("excluded") for m in chart["marks"])
    # the history
    history = client.get(f"/people/{_person(app, aid)}/history").get_data(as_text=True)
    assert f"(trial 1; mean of 2 of 3 trials {mean2:.1f}° (SD {sd2:.1f}°), 1 excluded)" in history
    # JSON
    data = json.loads(client.get(f"/assessments/{aid}.json").get_data(as_text=True))
    assert data["trials"]["summary"]["included"] == [1, 2]
    assert data["trials"]["summary"]["mean_slr_angle_deg"] == pytest.approx(mean2, abs=0.06)
    assert data["trials"]["rows"][2]["excluded"] == "the patient tensed the leg"
    assert data["trials"]["rows"][2]["excluded_by"] == "clinician"
    assert data["result"]["trials_summary"]["n_included"] == 3  # the engine's result is not changed
    # CSV
    rows = list(csv.reader(io.StringIO(client.get(f"/assessments/{aid}/trials.csv").get_data(as_text=True))))
    assert rows[0][:3] == ["trial", "slr_angle_deg", "ci95_low_deg"]
    assert [row[11] for row in rows[1:4]] == ["yes", "yes", "no"]
    assert rows[3][12] == "the patient tensed the leg"
    assert rows[-1][1:4] == ["3", "2", str(round(mean2, 1))]
    # FHIR
    obs = json.loads(client.get(f"/assessments/{aid}.fhir.json").get_data(as_text=True))
    comps = {c["code"]["coding"][0]["code"]: c for c in obs["component"]}
    assert comps["trials-mean-slr-angle"]["valueQuantity"]["value"] == pytest.approx(mean2, abs=0.06)
    assert comps["trials-mean-slr-angle"]["valueQuantity"]["code"] == "deg"
    assert "not counted" in comps["trial3-slr-angle"]["code"]["text"]
    notes = [n["text"] for n in obs["note"]]
    assert "Trial 3 excluded by the clinician (clinician): the patient tensed the leg" in notes
    assert obs["valueQuantity"]["value"] == r["slr_angle_deg"]  # the headline stays trial 1
    # the JSON API
    api = client.get(f"/api/assessments/{aid}").get_json()
    assert api["trials"]["summary"]["included"] == [1, 2] and api["trials"]["rows"][2]["excluded"]
    # the printable report: the table without forms
    report = client.get(f"/assessments/{aid}/report").get_data(as_text=True)
    assert f"Mean of 2 of 3 trials: <strong>{mean2:.1f}°</strong>" in report
    assert "excluded: the patient tensed the leg" in report and 'name="reason"' not in report
    # counted again
    assert client.post(f"/assessments/{aid}/trials/3/include").status_code == 302
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Mean of 3 of 3 trials" in page


def _person(app, aid: int) -> int:
    from web.models import Assessment

    with app.app_context():
        return db.session.get(Assessment, aid).person_id


@pytest.mark.parametrize("data, words", [
    ({}, "Give the reason for leaving the trial out"),
    ({"reason": "   "}, "Give the reason for leaving the trial out"),
    ({"reason": "x" * 301}, "at most 300 are kept"),
])
@pytest.mark.slow
def test_an_exclusion_needs_a_reason(client, app, data, words):
    aid = _stored(app)
    reply = client.post(f"/assessments/{aid}/trials/2/exclude", data=data)
    assert reply.status_code == 400 and words in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(TrialExclusion).count() == 0


@pytest.mark.slow
def test_an_exclusion_needs_the_csrf_token_a_trial_and_the_owner(app):
    aid = _stored(app)
    bare = login(app, csrf=False)
    assert bare.post(f"/assessments/{aid}/trials/2/exclude", data={"reason": "tensed"}).status_code == 400
    client = login(app)
    assert client.post(f"/assessments/{aid}/trials/9/exclude", data={"reason": "tensed"}).status_code == 400
    assert client.post(f"/assessments/{aid}/trials/2/include").status_code == 400  # not excluded
    add_user(app, "other")
    other = login(app, name="other")
    assert other.post(f"/assessments/{aid}/trials/2/exclude", data={"reason": "tensed"}).status_code == 404
    with app.app_context():
        assert db.session.query(TrialExclusion).count() == 0


@pytest.mark.slow
def test_one_raise_shows_no_trials_table_and_an_unchanged_headline(client, app):
    p, _ = slr_profile(onset_deg=60.0)
    r = measure(supine_series(p, noise_px=0.5), "slr", "one.mp4").to_dict()
    assert len(r["trials"]) == 1
    aid = add_assessment(app, add_person(app), status="complete", result=r)
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert 'id="trials"' not in page
    history = client.get(f"/people/{_person(app, aid)}/history").get_data(as_text=True)
    assert f"<td>{r['slr_angle_deg']:.1f}°</td>" in history


@pytest.mark.slow
def test_migration_0007_adds_the_exclusions_and_deleting_the_assessment_removes_them(client, app):
    aid = _stored(app)
    client.post(f"/assessments/{aid}/trials/1/exclude", data={"reason": "started too fast"})
    with app.app_context():
        assert db.session.query(TrialExclusion).count() == 1
    assert client.post(f"/assessments/{aid}/delete").status_code == 302
    with app.app_context():
        assert db.session.query(TrialExclusion).count() == 0
        db.session.remove()
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0006_clinic_settings")
        assert "trial_exclusion" not in inspect(db.engine).get_table_names()
        assert "assessment" in inspect(db.engine).get_table_names()
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert "trial_exclusion" in inspect(db.engine).get_table_names()
