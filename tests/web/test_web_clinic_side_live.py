"""A live SLR's side is checked when it is stored (`web.services.recording.store_result`), and an
incomplete recording with a wrongly declared side is measured, not refused (issue 11)."""

from __future__ import annotations

import pytest
from conftest_web import add_assessment, add_person
from synthetic import slr_profile, supine_series
from test_legs import _no_depth, _shrink_leg
from test_web_clinic_side import near_right_raise

from rom.protocols.slr.measure import analyze_slr
from web.db import db
from web.models import Assessment
from web.services import recording


@pytest.mark.slow
def test_a_live_slr_is_checked_when_stored(app):
    pid = add_person(app)
    aid = add_assessment(app, pid, test="slr", side="left", mode="passive", source="live", status="recording")
    s = near_right_raise()
    with app.app_context():
        a = db.session.get(Assessment, aid)
        recording.store_result(a, analyze_slr(s, "live", side="left"), s, None, rows_stored=False)
        a = db.session.get(Assessment, aid)
        assert a.side == "right" and a.result["side"] == "right"
        assert a.result["side_check"]["mismatch"] is True
        assert a.result["side_check"]["declared"] == "left"


def test_an_incomplete_recording_with_a_wrong_side_is_measured_not_refused():
    p, _ = slr_profile(onset_deg=50.0)
    s = _no_depth(_shrink_leg(supine_series(p, raised="left"), "right", 0.88))
    s = type(s)(**{**s.__dict__, "z": supine_series(p, raised="left").z * -1})  # both cues: the right leg
    with pytest.raises(Exception, match="the left leg was given"):
        analyze_slr(s, side="left")
    assert recording.measure_series(s, "slr", "left", None).side == "right"
