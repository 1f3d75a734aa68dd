"""Plain words on the result, history and report pages (issue 11, points 3 and 10): flags in
words, no command-line advice, '1 degree', no green 'No flags' above warnings, a text
alternative for every chart, a favicon, ISO dates and no labels drawn over each other in the
charts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from conftest_web import ROOT, add_assessment, add_person
from test_web_clinic_comparison import slr_result

from web.formats.filters import plain_words

WARNING = "the knee angle is noisy around the bend (rms 1 degrees); the onset time is uncertain"


def _hinge_result(flags=("rounded_back",)) -> dict:
    rep = {"start_s": 0.5, "bottom_s": 1.5, "end_s": 2.5, "max_hip_flexion_deg": 80.0,
           "max_trunk_inclination_deg": 60.0, "max_knee_flexion_deg": 20.0, "back_flexion_deg": 30.0,
           "flags": list(flags)}
    return {"test": "hinge", "side": "right", "reps": [rep], "flags": list(flags),
            "quality": {"frames": 90, "detected_fraction": 1.0, "view": "side", "warnings": []}}


def test_engine_advice_is_put_in_the_web_apps_words():
    assert plain_words("not a straight-leg raise clip (for a hip hinge use --test hinge)") == \
        "not a straight-leg raise clip (for a hip hinge, upload it as a hip hinge)"
    assert plain_words("cannot tell whether the person lies (SLR) or stands (hip hinge); choose the test with --test") \
        == "cannot tell whether the person lies (SLR) or stands (hip hinge); choose the test when uploading the video"
    assert plain_words("often wrong from the side: check it or give --side") == \
        "often wrong from the side: check it or choose the side"
    assert plain_words("rms 1 degrees") == "rms 1 degree"
    assert plain_words("rms 11 degrees, 0.1 degrees") == "rms 11 degrees, 0.1 degrees"


@pytest.mark.slow
def test_flags_are_words_in_the_history_and_the_hinge_table(client, app):
    pid = add_person(app)
    aid = add_assessment(app, pid, test="hinge", side="right", mode=None, status="complete", result=_hinge_result())
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    for text in (history, page):
        assert "rounded_back" not in text
    assert "<td>rounded back</td>" in history
    assert "<td>rounded back</td></tr>" in page


@pytest.mark.slow
def test_no_green_banner_above_warnings_and_warnings_in_plain_words(client, app):
    pid = add_person(app)
    aid = add_assessment(app, pid, status="complete", result=slr_result(
        "left", 60.0, quality={"frames": 90, "detected_fraction": 1.0, "view": "side",
                               "warnings": [WARNING, "could not tell: check it or give --side", "view oblique"]}))
    for url in (f"/assessments/{aid}", f"/assessments/{aid}/report"):
        page = client.get(url).get_data(as_text=True)
        assert "nothing in the movement needs a second look" not in page
        assert "No flags in the movement, but the recording has 3 warnings: check them before relying on the result." \
            in page
        assert "The knee angle is noisy around the bend (rms 1 degree)" in page
        assert "--side" not in page and "Could not tell: check it or choose the side" in page
    clean = add_assessment(app, pid, status="complete", result=slr_result("left", 60.0))
    assert "No flags: nothing in the movement needs a second look." in client.get(f"/assessments/{clean}").get_data(
        as_text=True)


@pytest.mark.slow
def test_a_check_the_video_cannot_make_is_named_not_assessed_never_a_green_banner(client, app):
    from rom.protocols.slr.words import NOT_ASSESSED as NOT_ASSESSED_REASONS
    pid = add_person(app)
    reason = NOT_ASSESSED_REASONS["pelvic_tilt"]
    aid = add_assessment(app, pid, status="complete",
                         result=slr_result("left", 60.0, not_assessed={"pelvic_tilt": reason}))
    for url in (f"/assessments/{aid}", f"/assessments/{aid}/report"):
        page = client.get(url).get_data(as_text=True)
        assert "nothing in the movement needs a second look" not in page
        assert "one check was not assessed" in page
        assert "pelvis tilting: not assessed" in page
        assert "palpate the pelvis" in page


@pytest.mark.slow
def test_a_failed_upload_gives_no_command_line_advice_in_the_history(client, app):
    pid = add_person(app)
    add_assessment(app, pid, status="failed", source="upload",
                         error="cannot tell whether the person lies (SLR) or stands (hip hinge); choose the test with "
                               "--test")
    for url in (f"/people/{pid}/history",):
        page = client.get(url).get_data(as_text=True)
        assert "--test" not in page
        assert "choose the test when uploading the video" in page


@pytest.mark.slow
def test_every_chart_has_a_text_alternative(client, app):
    from web.db import db
    from web.models import FrameSample

    pid = add_person(app)
    at = datetime(2026, 12, 1, 10, 0)
    aid = add_assessment(app, pid, status="complete", started_at=at, created_at=at,
                         result=slr_result("left", 61.0, knee_bend_onset_s=1.0))
    add_assessment(app, pid, side="right", status="complete", started_at=at.replace(month=10), created_at=at,
                   result=slr_result("right", 70.0))
    with app.app_context():
        db.session.add_all(FrameSample(assessment_id=aid, frame=i, t_s=i / 10, angles={
            "t_s": i / 10, "hip_flexion_deg": 3.0 + 6 * i, "knee_flexion_deg": 0.0 if i < 6 else 2.0 * i})
            for i in range(11))
        db.session.commit()
    for url in (f"/assessments/{aid}/report",):
        page = client.get(url).get_data(as_text=True)
        assert 'aria-describedby="angles-chart-text"' in page
        assert ('id="angles-chart-text">Angles over 1.0 s: hip flexion from 3° to 63° (highest at 1.0 s); knee flexion '
                'from 0° to 20° (highest at 1.0 s). Marked: knee bend 61° at 1.0 s.</p>') in page
    history = client.get(f"/people/{pid}/history").get_data(as_text=True)
    assert 'aria-describedby="history-chart-text"' in history
    assert "Left: 1 SLR, 61.0° on 2026-12-01. Right: 1 SLR, 70.0° on 2026-10-01." in history


@pytest.mark.slow
def test_there_is_a_favicon(client, app):
    page = client.get("/people/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    icon = app.test_client().get("/favicon.ico")  # no login needed
    assert icon.status_code == 301 and icon.headers["Location"].endswith("/static/favicon.svg")
    svg = app.test_client().get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data


DRIVER = """
import {drawChart} from './plot.mjs';
globalThis.window = {devicePixelRatio: 1};
const calls = [];
const g = {font: '', fillStyle: '', strokeStyle: '', lineWidth: 1, textAlign: 'left', textBaseline: 'top',
  setTransform() {}, clearRect() {}, beginPath() {}, moveTo() {}, lineTo() {}, stroke() {}, fill() {}, arc() {},
  setLineDash() {}, fillRect() {},
  measureText: (t) => ({width: 7 * t.length}),
  fillText(text, x, y) { calls.push({text, x, y, align: this.textAlign, baseline: this.textBaseline}); }};
const canvas = (w) => ({clientWidth: w, clientHeight: 260, getContext: () => g});
const spec = JSON.parse(process.argv[2]);
drawChart(canvas(spec.width), spec);
console.log(JSON.stringify(calls));
"""


def _drawn(tmp_path, spec) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    shutil.copy(ROOT / "web" / "static" / "plot.js", tmp_path / "plot.mjs")
    (tmp_path / "driver.mjs").write_text(DRIVER)
    out = subprocess.run([node, str(tmp_path / "driver.mjs"), json.dumps(spec)], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    return json.loads(out.stdout)


def _box(c) -> tuple[float, float, float, float]:
    w = 7 * len(c["text"])
    x0 = {"left": c["x"], "right": c["x"] - w, "center": c["x"] - w / 2}[c["align"]]
    y0 = {"top": c["y"], "middle": c["y"] - 7, "alphabetic": c["y"] - 12}[c["baseline"]]
    return x0, y0, x0 + w, y0 + 13


def _overlapping(calls) -> list[tuple[str, str]]:
    boxes = [(c["text"], _box(c)) for c in calls]
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:]
            if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]]


@pytest.mark.slow
def test_chart_dates_are_iso_and_no_label_covers_another(tmp_path):
    day = 86400000
    t0 = 1788220800000  # 2026-09-01 UTC
    spec = {"width": 420, "x": [t0 + k * 9 * day for k in range(12)], "time": True,
            "yLabel": "SLR angle (degrees)", "hlines": [{"y": 80, "label": "below 80°: tight hamstrings"}],
            "series": [{"label": "left", "values": [50 + k for k in range(12)]},
                       {"label": "right", "values": [60 + k for k in range(12)]}]}
    calls = _drawn(tmp_path, spec)
    dates = [c["text"] for c in calls if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["text"])]
    assert len(dates) >= 3
    assert not [c["text"] for c in calls if re.search(r"\d+/\d+/\d+", c["text"])]
    assert _overlapping(calls) == []
    result = {"width": 600, "x": [k / 10 for k in range(60)], "xLabel": "time (s)", "yLabel": "degrees",
              "marks": [{"x": 2.9, "label": "knee bend 61°", "kind": "onset"},
                        {"x": 3.0, "label": "pain 63°", "kind": "pain"},
                        {"x": 3.1, "label": "pain 64°", "kind": "pain"}],
              "series": [{"label": n, "values": [k * 1.0 for k in range(60)]}
                         for n in ("hip flexion", "knee flexion", "other leg", "pelvis")]}
    calls = _drawn(tmp_path, result)
    assert {"knee bend 61°", "pain 63°", "pain 64°", "degrees", "pelvis"} <= {c["text"] for c in calls}
    assert _overlapping(calls) == []
