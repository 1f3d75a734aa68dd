"""The real pose model on the AKE sample clips, against their ground truth: the AKE angle and the flags of
two clips (`--test auto` on every sample: tests/cli/test_detect_test.py), and the refusals of clips that are
not an AKE."""

import pytest
from sample_landmarks import analysis_of

from rom.analysis import Options
from rom.core.errors import NotMeasurable
from rom.validation import truth as T
from rom.validation.validate import compare

pytestmark = pytest.mark.slow

CLIPS = ("ake_avg_male_L_near_25", "ake_avg_male_R_far_20_hip_drift_other_leg_lift")


@pytest.fixture(scope="module")
def ake_rows(samples_dir):
    rows = []
    for name in CLIPS:
        tr = T.load(samples_dir / f"{name}.truth.json")
        a = analysis_of(tr.video, Options(test="ake"))
        rows.append(compare(a.result, tr) | {"result": a.result, "series": a.series})
    return rows


def test_the_ake_angle_is_within_its_interval_and_the_flags_match_the_truth(ake_rows):
    for r in ake_rows:
        # (the far leg with drift and lift reads 5.4 low: inside its interval, never confidently wrong)
        assert abs(r["ake_error_deg"]) <= 6.0, (r["clip"], r["ake_error_deg"])
        assert r["covers"], (r["clip"], r["ci95_deg"], r["ake_truth_deg"])
        assert r["flags"]["exact"], (r["clip"], r["flags"])
        assert r["side_ok"], r["clip"]
        # (the hip at end range, corrected for the view by the thigh's reading at the start: both within 3 degrees,
        # inside the interval; before the correction the far leg's read 7.4 low)
        assert r["hip_covers"] and abs(r["hip_end_error_deg"]) <= 3.5, (r["clip"], r["hip_end_error_deg"])


def test_the_truths_other_leg_lift_is_rom_s_contralateral_leg_lift(ake_rows):
    r = ake_rows[1]
    assert "other_leg_lift" in T.load(r["result"].video.replace(".mp4", ".truth.json")).data["flags"]
    assert "contralateral_leg_lift" in r["result"].flags and "contralateral_leg_lift" in r["flags"]["hits"]


def test_an_slr_given_as_an_ake_is_refused_with_the_reason(samples_dir):
    with pytest.raises(NotMeasurable, match="not an active knee extension.*--test slr"):
        analysis_of(samples_dir / "slr_avg_male_L_near_60.mp4", Options(test="ake"))


def test_live_rules_on_the_same_landmarks_say_the_offline_angle_side_and_flags(ake_rows):
    from rom.core.landmarks import PoseEstimate
    from rom.protocols.ake.live import AKELive

    for r in ake_rows:
        s, off = r["series"], r["result"]
        live = AKELive(None, s.fps)
        cues = []
        for i in range(len(s)):
            est = PoseEstimate(xy_px=s.xy_px[i], z=s.z[i], visibility=s.visibility[i], world_m=s.world_m[i]) \
                if s.detected[i] else None
            cues += live.update(est, float(s.t_s[i])).cues
        assert live.ake_deg == pytest.approx(off.ake_angle_deg, abs=0.5), r["clip"]
        assert live.ref["side"] == off.side, r["clip"]
        assert any(c.startswith("keep the thigh at 90") for c in cues) == ("hip_drift" in off.flags), r["clip"]
        assert any(c.startswith("the other leg is lifting") for c in cues) == ("contralateral_leg_lift" in off.flags)


def test_a_hinge_given_as_an_ake_is_refused_with_the_reason(samples_dir):
    with pytest.raises(NotMeasurable, match="not an active knee extension.*--test hinge"):
        analysis_of(samples_dir / "hinge_avg_male_L_good.mp4", Options(test="ake"))
