"""The result page's part of tests/web/test_web_words.py: a failed analysis's reason without
command-line advice, and the chart's text alternative."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest_web import add_assessment, add_person
from test_web_clinic_comparison import slr_result


@pytest.mark.slow
def test_a_failed_upload_gives_no_command_line_advice_on_its_page(client, app):
    pid = add_person(app)
    aid = add_assessment(app, pid, status="failed", source="upload",
                         error="cannot tell whether the person lies (SLR) or stands (hip hinge); choose the test with "
                               "--test")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "--test" not in page
    assert "choose the test when uploading the video" in page


@pytest.mark.slow
def test_the_result_chart_has_a_text_alternative(client, app):
    from web.db import db
    from web.models import FrameSample

    pid = add_person(app)
    at = datetime(2026, 12, 1, 10, 0)
    aid = add_assessment(app, pid, status="complete", started_at=at, created_at=at,
                         result=slr_result("left", 61.0, knee_bend_onset_s=1.0))
    with app.app_context():
        db.session.add_all(FrameSample(assessment_id=aid, frame=i, t_s=i / 10, angles={
            "t_s": i / 10, "hip_flexion_deg": 3.0 + 6 * i}) for i in range(11))
        db.session.commit()
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert 'aria-describedby="angles-chart-text"' in page
    assert ('id="angles-chart-text">Angles over 1.0 s: hip flexion from 3° to 63° (highest at 1.0 s). '
            'Marked: knee bend 61° at 1.0 s.</p>') in page
