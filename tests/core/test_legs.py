"""Which leg is raised, near or far, and which landmarks are lost: by geometry (rom/core/legs.py)."""

import numpy as np
import pytest
from synthetic import slr_profile, supine_series

from rom.core import kinematics, legs
from rom.core.errors import NotMeasurable
from rom.core.landmarks import INDEX
from rom.protocols.slr.measure import analyze_slr


def _shrink_leg(s, side, factor):
    """The leg of one label drawn `factor` times as long from its hip (a far leg looks shorter)."""
    xy = s.xy_px.copy()
    hip = xy[:, INDEX[f"{side}_hip"]]
    for part in ("knee", "ankle", "heel", "foot_index"):
        i = INDEX[f"{side}_{part}"]
        xy[:, i] = hip + factor * (xy[:, i] - hip)
    return type(s)(**{**s.__dict__, "xy_px": xy})


def _no_depth(s):
    return type(s)(**{**s.__dict__, "z": np.zeros_like(s.z)})


@pytest.mark.parametrize("head_left", [True, False])
@pytest.mark.parametrize("raised_label", ["left", "right"])
@pytest.mark.parametrize("leg", ["near", "far"])
def test_side_follows_from_near_or_far_and_the_head_not_from_the_labels(head_left, raised_label, leg):
    # The model's labels say `raised_label`; the raised leg looks longer (near) or shorter (far).
    p, _ = slr_profile(onset_deg=50.0)
    s = supine_series(p, raised=raised_label, head_left=head_left, noise_px=0.3)
    other = "right" if raised_label == "left" else "left"
    s = _no_depth(_shrink_leg(s, other if leg == "near" else raised_label, 0.88))
    facing = "right" if head_left else "left"
    truth = facing if leg == "near" else ("left" if facing == "right" else "right")
    r = analyze_slr(s)
    assert r.raised_leg == leg
    assert r.side == truth


def test_depth_alone_decides_when_lengths_agree():
    body = kinematics.SupineFrame(feet_deg=0.0, up_sign=1.0)
    p, _ = slr_profile(onset_deg=50.0)
    s = supine_series(p, raised="left")  # head left: left label is given the far depth (+0.3)
    raised = legs.assign_raised_leg(s, body)
    up = np.zeros(len(s), bool)
    up[60:120] = True
    nf = legs.near_or_far(raised, up)
    assert nf.leg == "far" and nf.depth == pytest.approx(0.6) and not nf.agree


def test_contradicting_cues_leave_the_leg_unknown_and_say_so():
    p, _ = slr_profile(onset_deg=50.0)
    s = _shrink_leg(supine_series(p, raised="left"), "right", 0.85)  # longer (near) but depth says far
    r = analyze_slr(s)
    assert r.raised_leg == "unknown"
    assert any("could not tell from the picture" in w for w in r.quality.warnings)


@pytest.mark.slow
def test_a_declared_side_that_the_picture_contradicts_is_refused():
    p, _ = slr_profile(onset_deg=50.0)
    s = _no_depth(_shrink_leg(supine_series(p, raised="left"), "right", 0.88))  # near leg: the right
    s = type(s)(**{**s.__dict__, "z": supine_series(p, raised="left").z * -1})  # depth agrees: near
    assert analyze_slr(s).side == "right"
    with pytest.raises(NotMeasurable, match="the left leg was given, but the raised leg is the camera's near leg"):
        analyze_slr(s, side="left")
    assert analyze_slr(s, side="right").side == "right"


def test_knee_and_foot_exchanged_separately_are_put_back():
    body = kinematics.SupineFrame(feet_deg=0.0, up_sign=1.0)
    p, on = slr_profile(onset_deg=60.0)
    s = supine_series(p, raised="left", noise_px=0.3)
    xy = s.xy_px.copy()
    k_l, k_r = INDEX["left_knee"], INDEX["right_knee"]
    a_l, a_r = INDEX["left_ankle"], INDEX["right_ankle"]
    xy[80:86, [k_l, k_r]] = xy[80:86, [k_r, k_l]]  # knees exchanged
    xy[100:103, [a_l, a_r]] = xy[100:103, [a_r, a_l]]  # feet exchanged, later
    r = legs.assign_raised_leg(type(s)(**{**s.__dict__, "xy_px": xy}), body)
    assert r.label == "left"
    assert list(np.flatnonzero(r.knee_swapped)) == list(range(80, 86))
    assert list(np.flatnonzero(r.foot_swapped)) == list(range(100, 103))
    np.testing.assert_allclose(r.series.point("left_knee")[80:86], s.point("left_knee")[80:86])
    np.testing.assert_allclose(r.series.point("left_ankle")[100:103], s.point("left_ankle")[100:103])
    # the overlay redraws a frame the same way
    redrawn = legs.relabel_frame(xy[81], True, False)
    np.testing.assert_allclose(redrawn[k_l], s.xy_px[81, k_l])


def test_a_knee_put_on_the_resting_leg_is_lost_not_measured():
    body = kinematics.SupineFrame(feet_deg=0.0, up_sign=1.0)
    p, _ = slr_profile(onset_deg=60.0)
    s = supine_series(p, raised="left", noise_px=0.3)
    xy = s.xy_px.copy()
    # frames 90-99: the raised knee drawn halfway to the resting knee (the thigh shrinks)
    xy[90:100, INDEX["left_knee"]] = 0.5 * (xy[90:100, INDEX["left_knee"]] + xy[90:100, INDEX["right_knee"]])
    raised = legs.assign_raised_leg(type(s)(**{**s.__dict__, "xy_px": xy}), body)
    up = np.zeros(len(s), bool)
    up[40:150] = True
    lost = legs.lost_frames(raised, up)
    assert set(np.flatnonzero(lost)) >= set(range(92, 100))
    assert not lost[:90].any() and not lost[100:].any()
    dropped = legs.drop_raised_leg(raised, lost)
    assert np.isnan(dropped.series.point("left_knee")[lost]).all()
    assert np.isfinite(dropped.series.point("right_knee")[lost]).all()


def test_a_clip_with_no_rest_seen_is_refused():
    p, _ = slr_profile(onset_deg=60.0)
    n = len(p["t"])
    s = supine_series(p, gaps=list(range(0, 30)) + list(range(n - 60, n)))  # rest before and after missing
    with pytest.raises(NotMeasurable, match="not seen resting on the table"):
        analyze_slr(s)


def test_a_knee_lost_around_the_onset_is_refused():
    p, on = slr_profile(onset_deg=60.0)
    s = supine_series(p, noise_px=0.3)
    xy = s.xy_px.copy()
    xy[on - 12:on + 12, INDEX["left_knee"]] = np.nan  # the model lost the raised knee there
    with pytest.raises(NotMeasurable, match="knee was found in only"):
        analyze_slr(type(s)(**{**s.__dict__, "xy_px": xy}))


def test_a_leg_beyond_what_a_hip_can_do_is_refused():
    # an "SLR" of 150 degrees: the landmarks of a standing examiner taken for the leg
    p, _ = slr_profile(onset_deg=140.0, overshoot_deg=10.0)
    with pytest.raises(NotMeasurable, match="beyond what a hip can do"):
        analyze_slr(supine_series(p, noise_px=0.3))


def test_a_foot_guessed_at_the_pictures_edge_loses_the_foot_only_frame_by_frame():
    body = kinematics.SupineFrame(feet_deg=0.0, up_sign=1.0)
    p, _ = slr_profile(onset_deg=60.0)
    s = supine_series(p, raised="left", noise_px=0.3)
    xy = s.xy_px.copy()
    # frames 90, 93 and 96: the raised ankle pulled 30 % of the shank towards the knee (off the picture)
    k, a = INDEX["left_knee"], INDEX["left_ankle"]
    for i in (90, 93, 96):
        xy[i, a] = xy[i, k] + 0.7 * (xy[i, a] - xy[i, k])
    raised = legs.assign_raised_leg(type(s)(**{**s.__dict__, "xy_px": xy}), body)
    up = np.zeros(len(s), bool)
    up[40:150] = True
    assert not legs.lost_frames(raised, up).any()  # the knee is not lost: no passage is closed over
    off = legs.foot_off_frames(raised, up)
    assert set(np.flatnonzero(off)) == {90, 93, 96}
    dropped = legs.drop_raised_leg(raised, off, legs.FOOT)
    assert np.isnan(dropped.series.point("left_ankle")[off]).all()
    assert np.isfinite(dropped.series.point("left_knee")[off]).all()
    assert np.isfinite(dropped.series.point("left_ankle")[91:93]).all()
