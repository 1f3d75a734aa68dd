"""The real pose model on the SLR sample clips, against their ground truth (issue figures)."""

import numpy as np
import pytest
from sample_landmarks import analysis_of

from rom.analysis import Options
from rom.validation import truth as T
from rom.validation.validate import compare

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slr_rows(samples_dir):
    rows = []
    for tr in T.find(samples_dir):
        if tr.test == "slr":
            a = analysis_of(tr.video, Options(test="slr"))
            rows.append(compare(a.result, tr) | {"result": a.result})
    return rows


def test_there_are_enough_samples(slr_rows):
    assert len(slr_rows) >= 12


def test_slr_angle_error_within_the_issue_figures(slr_rows):
    err = np.array([abs(r["slr_error_deg"]) for r in slr_rows])
    assert err.mean() <= 3.0, {r["clip"]: round(r["slr_error_deg"], 1) for r in slr_rows}
    assert err.max() <= 6.5, {r["clip"]: round(r["slr_error_deg"], 1) for r in slr_rows}


def test_knee_bend_onset_within_0_2_s_median(slr_rows):
    d = [abs(r["onset_error_s"]) for r in slr_rows if r["onset_error_s"] is not None]
    assert len(d) >= 10
    assert np.median(d) <= 0.2


def test_knee_never_bending_is_recognised(slr_rows):
    for r in slr_rows:
        truth_no_bend = r["onset_truth_s"] is None
        assert ("knee_bend_not_reached" in r["result"].flags) == truth_no_bend, r["clip"]


def test_raised_side_is_right_for_every_clip(slr_rows):
    assert all(r["side_ok"] for r in slr_rows), [r["clip"] for r in slr_rows if not r["side_ok"]]


def test_other_leg_lifting_is_flagged_only_where_it_happens(slr_rows):
    for r in slr_rows:
        assert ("contralateral_leg_lift" in r["result"].flags) == ("contralateral" in r["clip"]), r["clip"]


def test_per_frame_angles_beat_raw_mediapipe(slr_rows):
    # The issue quotes raw MediaPipe at 4.7 degrees for the thigh line and 5.5 for the knee.
    assert np.mean([r["hip_mae_deg"] for r in slr_rows]) < 2.5
    assert np.mean([r["knee_mae_deg"] for r in slr_rows]) < 4.0


def test_examiner_clips_measure_the_person_lying_down(slr_rows):
    ex = [r for r in slr_rows if "examiner" in r["clip"]]
    assert len(ex) >= 2
    for r in ex:
        assert abs(r["slr_error_deg"]) < 6.0, r["clip"]
        assert r["hip_mae_deg"] < 4.0, r["clip"]


def test_a_pelvic_tilt_the_landmarks_cannot_show_is_not_assessed_never_silently_absent(slr_rows):
    # The camera cannot see a 6-15 degree posterior tilt (the fit half of samples/validation): every
    # result says so, with the reason, and never raises or silently drops the flag.
    for r in slr_rows:
        res = r["result"]
        assert "pelvic_tilt" not in res.flags, r["clip"]
        unsure = dict(res.not_assessed)
        assert "palpate" in unsure["pelvic_tilt"], r["clip"]
        assert res.to_dict()["not_assessed"]["pelvic_tilt"] == unsure["pelvic_tilt"]
