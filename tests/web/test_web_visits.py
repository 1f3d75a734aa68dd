"""The visit report (issue 11): a person's assessments of one day for the patient's file, with the
person, the day, the clinician and the clinic (settings), every test with its figures, trials,
key frame, interpretation and notes, the left/right comparison of like with like and the
sources; printable on A4 or Letter; only the person's clinician sees it."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest_web import add_analysed, add_assessment, add_person, add_user, login, user_id
from sqlalchemy import select

from rom import protocols
from rom.protocols.slr.interpret import side_difference, thresholds
from web import visits
from web.db import db
from web.models import Assessment, AuditEvent
from web.services import settings

SLR = protocols.get("slr")

DAY = "2026-11-20"
LEFT, RIGHT, HINGE = "slr_avg_male_L_near_60", "slr_avg_female_R_near_45", "hinge_avg_male_L_good"
NOTES = {"left": "Pain radiating down the left calf at the end of the raise.",
         "right": "No pain; stopped by the stretch behind the knee.",
         "hinge": "Cued twice to keep the back long."}


def at(hhmm: str, day: str = DAY) -> datetime:
    """A stored time (naive UTC) at midday, the same local day in any time zone of the clinic."""
    return datetime.fromisoformat(f"{day}T{hhmm}")


@pytest.fixture(name="visit")
def visit_fixture(app):
    """A person with a visit on DAY (SLR left and right, a hip hinge, one failed recording) and an
    earlier one; the clinic's and the clinician's names set. Returns the IDs and stored results."""
    pid = add_person(app, "Müller, Jörg", birth_year=1970)
    ids = {"person": pid,
           "left": add_analysed(app, pid, LEFT, started_at=at("11:00"), notes=NOTES["left"]),
           "right": add_analysed(app, pid, RIGHT, started_at=at("11:20"), notes=NOTES["right"]),
           "hinge": add_analysed(app, pid, HINGE, started_at=at("11:40"), notes=NOTES["hinge"]),
           "failed": add_assessment(app, pid, status="failed", started_at=at("11:50"),
                                    error="no person found in the video (use --test hinge)"),
           "earlier": add_analysed(app, pid, LEFT, started_at=at("11:00", "2026-10-01"), notes="Earlier visit.")}
    with app.app_context():
        settings.save_clinic("Praxis Nord", "Hauptstraße 5, 20095 Hamburg")
        settings.save_profile(user_id(app), "Dr Anna Berg", "Physiotherapist, MSc")
        ids["results"] = {k: db.session.get(Assessment, ids[k]).result for k in ("left", "right", "hinge")}
    return ids


@pytest.mark.slow
def test_the_visit_report_has_the_person_clinician_clinic_every_test_and_the_comparison(app, visit):
    page = login(app).get(f"/people/{visit['person']}/visit?day={DAY}").get_data(as_text=True)
    r = visit["results"]
    assert '<td id="visit-person">Müller, Jörg, born 1970</td>' in page
    assert f'<td id="visit-day">{DAY}</td>' in page
    assert '<td id="visit-clinician">Dr Anna Berg, Physiotherapist, MSc</td>' in page
    assert '<strong id="clinic-name">Praxis Nord</strong>' in page and "Hauptstraße 5, 20095 Hamburg" in page
    # every test of the day, with its figures, key frame and notes; not the earlier visit's
    assert page.count('class="visit-test"') == 3
    for k in ("left", "right", "hinge"):
        assert f'id="test-{visit[k]}"' in page and NOTES[k] in page
        assert f'src="/assessments/{visit[k]}/keyframe.jpg"' in page
    assert f"{r['left']['slr_angle_deg']:.1f}°" in page and f"{r['right']['slr_angle_deg']:.1f}°" in page
    assert f"{r['left']['max_hip_flexion_deg']:.1f}°" in page
    for rep in r["hinge"]["reps"]:
        assert f"{rep['max_hip_flexion_deg']:.1f}°" in page and f"{rep['max_trunk_inclination_deg']:.1f}°" in page
    assert "Earlier visit." not in page and f'id="test-{visit["earlier"]}"' not in page
    # the failed recording is listed with its reason in the web's words
    assert "failed (no person found in the video (choose the hip hinge as the test))" in page
    # left and right of the same visit and mode, with both dates; the interpretation and its sources
    th = thresholds(app.config)
    left, right = r["left"]["slr_angle_deg"], r["right"]["slr_angle_deg"]
    assert side_difference(left, right, th, DAY, DAY)[1] in page
    assert abs(left - right) > th.side_difference_deg and "the right side is tighter" in page
    assert f"An SLR angle of {right:.0f} degrees is below 80: this suggests tight hamstrings" in page
    assert "Hansberger et al. 2019" in page and "Bohannon 1985" in page and "minimal detectable change" in page
    assert "Hip hinge flags" in page
    assert 'id="settings-hint"' not in page  # both named
    with app.app_context():  # an export of the file, on the record
        assert db.session.scalar(select(AuditEvent.target).where(AuditEvent.action == "export")) == \
            f"/people/{visit['person']}/visit?day={DAY}"


@pytest.mark.slow
def test_the_latest_visit_is_the_default_and_each_day_is_offered(app, visit):
    client = login(app)
    page = client.get(f"/people/{visit['person']}/visit").get_data(as_text=True)
    assert f'<td id="visit-day">{DAY}</td>' in page
    assert f'<option value="{DAY}" selected>{DAY} (3 results)</option>' in page
    assert '<option value="2026-10-01" >2026-10-01 (1 result)</option>' in page
    earlier = client.get(f"/people/{visit['person']}/visit?day=2026-10-01").get_data(as_text=True)
    assert "Earlier visit." in earlier and earlier.count('class="visit-test"') == 1
    # one side only at that visit, and the other side's nearest is 50 days away: not compared
    assert "No right passive SLR within 30 days of this visit" in earlier
    history = client.get(f"/people/{visit['person']}/history").get_data(as_text=True)
    assert f'id="visit-report" href="/people/{visit["person"]}/visit?day={DAY}"' in history
    assert f'href="/people/{visit["person"]}/visit?day=2026-10-01"' in history


@pytest.mark.slow
def test_one_side_at_a_visit_is_compared_with_the_other_sides_closest_within_the_window(app, visit):
    """A right SLR of 2026-11-25 alone: compared with the left of the 20th, both dates said."""
    pid = visit["person"]
    alone = add_analysed(app, pid, RIGHT, started_at=at("11:00", "2026-11-25"))
    page = login(app).get(f"/people/{pid}/visit?day=2026-11-25").get_data(as_text=True)
    with app.app_context():
        right = db.session.get(Assessment, alone).result["slr_angle_deg"]
    left = visit["results"]["left"]["slr_angle_deg"]
    assert side_difference(left, right, thresholds(app.config), DAY, "2026-11-25")[1] in page
    assert "the other side was not measured at this visit" in page


@pytest.mark.slow
def test_paper_choice_and_print_rules(app, visit):
    client = login(app)
    a4 = client.get(f"/people/{visit['person']}/visit?day={DAY}").get_data(as_text=True)
    letter = client.get(f"/people/{visit['person']}/visit?day={DAY}&paper=letter").get_data(as_text=True)
    assert 'href="/static/paper-a4.css" media="print"' in a4
    assert 'href="/static/paper-letter.css" media="print"' in letter
    assert "size: A4" in client.get("/static/paper-a4.css").get_data(as_text=True)
    assert "size: letter" in client.get("/static/paper-letter.css").get_data(as_text=True)
    css = client.get("/static/visit.css").get_data(as_text=True)
    assert ".visit-test { break-before: page;" in css and "tr { break-inside: avoid; }" in css
    for query, reason in (("day=20.11.2026", "The day must be a date written as YYYY-MM-DD"),
                          ("paper=a3", "The paper must be A4 or Letter")):
        r = client.get(f"/people/{visit['person']}/visit?{query}")
        assert r.status_code == 400 and reason in r.get_data(as_text=True)
    r = client.get(f"/people/{visit['person']}/visit?day=2026-11-21")
    assert r.status_code == 404 and "no assessment with a result on 2026-11-21" in r.get_data(as_text=True)


@pytest.mark.slow
def test_without_settings_the_report_names_the_account_and_no_clinic(app):
    pid = add_person(app, "P-7")
    add_analysed(app, pid, LEFT, started_at=at("11:00"))
    page = login(app).get(f"/people/{pid}/visit").get_data(as_text=True)
    assert '<td id="visit-clinician">clinician</td>' in page and 'id="clinic-name"' not in page
    assert 'id="settings-hint"' in page and "The clinic is not named yet" in page and 'href="/settings/"' in page


@pytest.mark.slow
def test_another_clinician_gets_404_and_nothing_of_the_visit(app, visit):
    add_user(app, "dr-b")
    b = login(app, "dr-b")
    for query in ("", f"?day={DAY}", "?day=2026-10-01&paper=letter"):
        r = b.get(f"/people/{visit['person']}/visit{query}")
        body = r.get_data(as_text=True)
        assert r.status_code == 404 and "Müller" not in body and NOTES["left"] not in body
    # B's own settings do not show on A's report
    with app.app_context():
        settings.save_profile(user_id(app, "dr-b"), "Dr Bernd Roth", "")
    assert "Dr Bernd Roth" not in login(app).get(f"/people/{visit['person']}/visit").get_data(as_text=True)


def test_trials_are_listed_with_the_mean_and_spread_of_those_counted():
    t = visits.trials_from(SLR, [
        {"number": 1, "slr_angle_deg": 58.0, "max_hip_flexion_deg": 66.0, "knee_bend_onset_s": 2.5, "refused": None},
        {"number": 2, "slr_angle_deg": 62.0, "max_hip_flexion_deg": 70.0, "knee_bend_onset_s": 7.5, "refused": None},
        {"number": 3, "slr_angle_deg": 41.0, "refused": None, "excluded": "the patient tensed the leg"},
        {"number": 4, "slr_angle_deg": None, "refused": "the knee was bent from the start"}], None)
    assert [r["counted"] for r in t.rows] == [True, True, False, False] and t.n_counted == 2
    assert [r["why_not"] for r in t.rows[2:]] == ["excluded: the patient tensed the leg",
                                                  "not measured: the knee was bent from the start"]
    assert t.mean_deg == 60.0 and t.range_deg == 4.0 and abs(t.sd_deg - 2.828) < 1e-3
    assert [c[0] for c in t.columns] == ["slr_angle_deg", "max_hip_flexion_deg", "knee_bend_onset_s"]
    # the engine's summary, when there is one, is the one shown
    summary = {"n_trials": 2, "n_included": 1, "included": [2], "mean_slr_angle_deg": 62.0, "sd_deg": None,
               "range_deg": 0.0}
    t = visits.trials_from(SLR, [{"number": 1, "slr_angle_deg": 58.0}, {"number": 2, "slr_angle_deg": 62.0}], summary)
    assert t.mean_deg == 62.0 and [r["why_not"] for r in t.rows] == ["excluded", None]
    assert visits.trials_from(SLR, [{"number": 1, "slr_angle_deg": 60.0}], None) is None  # one raise: the result itself


@pytest.mark.slow
def test_trials_in_a_result_show_in_the_report(app):
    pid = add_person(app, "P-8")
    aid = add_analysed(app, pid, LEFT, started_at=at("11:00"))
    with app.app_context():
        a = db.session.get(Assessment, aid)
        a.result = {**a.result, "trials": [
            {"number": 1, "slr_angle_deg": 58.0, "knee_bend_onset_s": 2.5, "refused": None},
            {"number": 2, "slr_angle_deg": 62.0, "knee_bend_onset_s": 7.5, "refused": None},
            {"number": 3, "slr_angle_deg": None, "knee_bend_onset_s": None,
             "refused": "the knee was bent from the start"}],
            "trials_summary": {"n_trials": 3, "n_included": 2, "included": [1, 2], "mean_slr_angle_deg": 60.0,
                               "sd_deg": 2.83, "min_deg": 58.0, "max_deg": 62.0, "range_deg": 4.0}}
        db.session.commit()
    page = login(app).get(f"/people/{pid}/visit").get_data(as_text=True)
    assert "3 trials: mean SLR angle 60.0° of 2 counted (SD 2.8°, range 4.0°)" in page
    assert "not measured: the knee was bent from the start" in page and "<td>7.50 s</td>" in page


@pytest.mark.slow
def test_a_trial_the_clinician_excluded_is_shown_with_the_reason_and_left_out_of_the_mean(app):
    from web.services import trials

    pid = add_person(app, "P-9")
    aid = add_analysed(app, pid, LEFT, started_at=at("11:00"))
    with app.app_context():
        a = db.session.get(Assessment, aid)
        a.result = {**a.result, "trials": [
            {"number": n, "slr_angle_deg": deg, "knee_bend_onset_s": t, "refused": None}
            for n, deg, t in ((1, 58.0, 2.5), (2, 62.0, 7.5), (3, 49.0, 12.5))]}
        db.session.commit()
        trials.exclude(a, 3, "the patient tensed the leg", "clinician")
        db.session.commit()
    page = login(app).get(f"/people/{pid}/visit").get_data(as_text=True)
    assert "3 trials: mean SLR angle 60.0° of 2 counted (SD 2.8°, range 4.0°)" in page
    assert "excluded: the patient tensed the leg" in page
