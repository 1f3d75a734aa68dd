"""The hip hinge's trend chart on the person's page (issue 11: "a trend chart per test, the hinge
included"): per assessment the highest of its repetitions' hip flexion, trunk inclination and
knee bend over the dates, with a text alternative and a table."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from conftest_web import add_analysed, add_assessment, add_person

from rom import protocols
from web.db import db
from web.formats import chart_text
from web.models import Assessment
from web.services import summaries

HINGE = protocols.get("hinge")


def _hinge(at: str, reps: list[tuple[float, float, float]], flags=()) -> Assessment:
    return Assessment(id=len(at), test="hinge", status="complete", started_at=datetime.fromisoformat(at),
                      result={"reps": [{"max_hip_flexion_deg": h, "max_trunk_inclination_deg": t,
                                        "max_knee_flexion_deg": k, "flags": list(flags)} for h, t, k in reps]})


def test_each_assessment_gives_its_highest_repetition_oldest_first():
    later = _hinge("2026-11-20T11:00", [(80.0, 70.0, 12.0), (84.5, 69.0, 15.5)], ["rounded_back"])
    earlier = _hinge("2026-10-01T11:00:00", [(72.0, 66.0, 9.0)])
    slr = Assessment(test="slr", status="complete", started_at=datetime(2026, 11, 1, 11), result={"slr_angle_deg": 60})
    failed = Assessment(test="hinge", status="failed", started_at=datetime(2026, 11, 2, 11), result=None)
    h = summaries.trend(HINGE, [later, slr, failed, earlier])
    assert [(p["day"], p["reps"], p["max_hip_flexion_deg"], p["max_trunk_inclination_deg"], p["max_knee_flexion_deg"],
             p["flags"]) for p in h["points"]] == [("2026-10-01", 1, 72.0, 66.0, 9.0, []),
                                                   ("2026-11-20", 2, 84.5, 70.0, 15.5, ["rounded back"])]
    assert chart_text.trend(HINGE, h) == (
        "Hip hinge over time, the highest repetition of each of 2 assessments: hip flexion from 72.0° on "
        "2026-10-01 to 84.5° on 2026-11-20; trunk inclination from 66.0° on 2026-10-01 to 70.0° on 2026-11-20; "
        "knee flexion from 9.0° on 2026-10-01 to 15.5° on 2026-11-20.")
    assert chart_text.trend(HINGE, summaries.trend(HINGE, [slr])) == "No hip hinge measured yet."


@pytest.mark.slow
def test_the_persons_page_charts_the_hinge_with_a_text_alternative(client, app):
    pid = add_person(app)
    first = add_analysed(app, pid, "hinge_avg_male_L_good", started_at=datetime(2026, 10, 1, 11))
    second = add_analysed(app, pid, "hinge_avg_female_R_good_3reps", started_at=datetime(2026, 11, 20, 11))
    add_assessment(app, pid, test="hinge", side=None, mode=None, status="failed", error="no person")
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert 'id="hinge-chart"' in page and 'aria-describedby="hinge-chart-text"' in page
    data = json.loads(re.search(r'<script type="application/json" id="hinge-data">(.*?)</script>', page, re.S)[1])
    with app.app_context():
        reps = {aid: db.session.get(Assessment, aid).result["reps"] for aid in (first, second)}
    assert [p["id"] for p in data["points"]] == [first, second]
    for p in data["points"]:
        for key in ("max_hip_flexion_deg", "max_trunk_inclination_deg", "max_knee_flexion_deg"):
            assert p[key] == max(r[key] for r in reps[p["id"]])
    assert data["points"][1]["reps"] == len(reps[second]) == 3
    hip = [p["max_hip_flexion_deg"] for p in data["points"]]
    assert f"hip flexion from {hip[0]:.1f}° on 2026-10-01 to {hip[1]:.1f}° on 2026-11-20" in page
    assert f"<td>{hip[1]:.1f}°</td>" in page  # the table beside the chart


@pytest.mark.slow
def test_no_hinge_no_hinge_chart(client, app):
    pid = add_person(app)
    add_analysed(app, pid, "slr_avg_male_L_near_60")
    page = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert 'id="history-chart"' in page and 'id="hinge-chart"' not in page
