"""The hinge on what real clips throw at it (issue 10): what a hinge is, whole lifts that never
overlap, hidden legs, a turned camera, scene cuts, the head turn beside the back's outline, the
hips' travel, lifts from the floor, lockout hyperextension, and `--test auto` on a lifter bent
over a bar. Stick figures with exactly known angles (no pose model)."""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from test_hinge import EXACT, _bent_back, ease, hinge_profile

from rom import analysis
from rom.capture.video import probe
from rom.core import back_contour as bc
from rom.core import posture
from rom.core.errors import NotMeasurable
from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries, PoseEstimate
from rom.protocols.hinge import form as hinge_form
from rom.protocols.hinge import view as hinge_view
from rom.protocols.hinge.measure import analyze_hinge, find_reps, form_flags

FPS = 30.0


def figure(trunk_deg, thigh_deg=0.0, knee_deg=0.0, far_thigh_deg=None, far_knee_deg=None, head_deg=0.0,
           hips_x=0.0, wrist_y=None, facing=1.0, view_deg=0.0, back=None, trunk_px=100.0, thigh_px=90.0,
           shank_px=90.0):
    """A side-view figure built from the hip: per-frame trunk lean from the vertical (forward +),
    near thigh forward from the downward vertical, knee flexion (the shank turns back by it), the
    far leg (default: as the near one), the head's turn against the trunk line (forward +), the
    hips' horizontal shift (towards the back +, pixels), the wrists' height (default: hanging 120
    px below the shoulders) and the body's turn from the side view in its world landmarks."""
    n = len(np.atleast_1d(trunk_deg))
    arr = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()  # noqa: E731
    trunk, thigh, knee, head, hx = (arr(v) for v in (trunk_deg, thigh_deg, knee_deg, head_deg, hips_x))
    far_thigh = thigh if far_thigh_deg is None else arr(far_thigh_deg)
    far_knee = knee if far_knee_deg is None else arr(far_knee_deg)
    f = facing
    hip = np.stack([320.0 - f * hx, np.full(n, 240.0)], axis=1)

    def along(origin, length, angle_deg, up=False):
        a = np.radians(angle_deg)
        return origin + length * np.stack([f * np.sin(a), (-1.0 if up else 1.0) * np.cos(a)], axis=1)

    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    shoulder = along(hip, trunk_px, trunk, up=True)
    ear = along(shoulder, 25.0, trunk + head, up=True)
    for side, th, kn in (("left", thigh, knee), ("right", far_thigh, far_knee)):
        k = along(hip, thigh_px, th)
        a = along(k, shank_px, th - kn)
        wrist = shoulder + [0.0, 120.0] if wrist_y is None else np.stack([shoulder[:, 0], arr(wrist_y)], axis=1)
        parts = {"hip": hip, "knee": k, "ankle": a, "heel": a + [-f * 6.0, 6.0], "foot_index": a + [f * 20.0, 8.0],
                 "shoulder": shoulder, "elbow": shoulder + [0.0, 60.0], "wrist": wrist, "ear": ear}
        for name, p in parts.items():
            xy[:, INDEX[f"{side}_{name}"]] = p
    xy[:, INDEX["nose"]] = ear + [f * 12.0, 0.0]
    z = np.zeros((n, N_LANDMARKS))
    z[:, [INDEX[f"left_{p}"] for p in ("hip", "shoulder", "knee")]] = -0.1
    z[:, [INDEX[f"right_{p}"] for p in ("hip", "shoulder", "knee")]] = 0.1
    world = np.zeros((n, N_LANDMARKS, 3))
    v = np.radians(view_deg)
    for part, half in (("shoulder", 0.18), ("hip", 0.12)):  # left-right axes turned by view_deg
        world[:, INDEX[f"left_{part}"]] = [half * np.sin(v), 0.0, -half * np.cos(v)]
        world[:, INDEX[f"right_{part}"]] = [-half * np.sin(v), 0.0, half * np.cos(v)]
    return LandmarkSeries(t_s=np.arange(n) / FPS, xy_px=xy, z=z, visibility=np.ones((n, N_LANDMARKS)),
                          world_m=world, image_size=(640, 480), fps=FPS, back=back)


def with_(series, **changes):
    fields = {k: getattr(series, k) for k in ("t_s", "xy_px", "z", "visibility", "world_m", "image_size", "fps",
                                             "back")}
    fields.update(changes)
    return LandmarkSeries(**fields)


# ---------------------------------------------------------------- repetitions: whole, never overlapping

def test_repetitions_never_overlap_even_when_a_bottom_has_a_dip():
    # Two bottoms with a shallow return between them (to 35 of 80), then a third rep: scipy's
    # bases of the second peak reach back over the first, which gave overlapping repetitions.
    hip, _ = hinge_profile((80.0, 80.0, 70.0), pause_s=0.0)
    reps = find_reps(hip, FPS)
    assert len(reps) == 3
    for (s0, b0, e0), (s1, b1, e1) in zip(reps, reps[1:]):
        assert s0 <= b0 <= e0 < s1 <= b1 <= e1


def test_a_clip_starting_at_the_bottom_counts_whole_lifts():
    # Set up at the bottom (80 degrees, held 1 s), pull to standing, lower back to the floor:
    # one deadlift, not two halves.
    n = lambda s: int(round(s * FPS))  # noqa: E731
    up = 80.0 * (1 - ease(np.arange(n(1.5)) / (n(1.5) - 1)))
    one = np.r_[np.full(n(1.0), 80.0), up, np.zeros(n(0.5)), up[::-1], np.full(n(0.5), 80.0)]
    reps = find_reps(one, FPS)
    assert len(reps) == 1
    start, bottom, end = reps[0]
    assert start == 0 and bottom < n(1.0) and end >= n(3.0)
    # Two pulls, ending standing: two lifts, each from a bottom to the next.
    # The clip ending a little before the floor (the last 3 frames 4-8 degrees short of the bottom).
    assert len(find_reps(np.r_[one[:-15], 80.0 - np.array([4.0, 6.0, 8.0])], FPS)) == 1
    two = np.r_[one, up]
    reps = find_reps(two, FPS)
    assert len(reps) == 2
    assert reps[0][2] < reps[1][0] and reps[1][2] == len(two) - 1
    res = analyze_hinge(figure(two), config=EXACT)
    assert len(res.reps) == 2
    assert [r.max_hip_flexion_deg for r in res.reps] == pytest.approx([80.0, 80.0], abs=1.0)
    assert any("starts at the bottom" in w for w in res.quality.warnings)
    assert not any(w.startswith("repetition 1: cut off") for w in res.quality.warnings)  # a whole lift


def test_a_lifter_who_stays_bent_over_the_bar_makes_no_lift():
    # From the set-up at 100 degrees the hips rise to 60 and sink again, twice, the trunk never
    # coming up past 55 degrees from the vertical: no lockout, no lift.
    t = np.arange(int(5 * FPS)) / FPS
    hip = 80.0 + 20.0 * np.cos(2 * np.pi * 0.4 * t)
    with pytest.raises(NotMeasurable, match="not a hinge: no lockout: the trunk never came up past 5[0-9] degrees"):
        analyze_hinge(figure(hip - 5.0, thigh_deg=5.0, knee_deg=5.0), config=EXACT)


# ---------------------------------------------------------------- what a hinge is

def test_a_lift_from_the_set_up_must_come_up_within_25_degrees_of_upright():
    # Clips starting at the set-up (hip 110): the hips rise to a least trunk inclination of 30
    # (a lifter tugging at the bar, never standing) or of 15 (the most a real lockout read), and
    # sink back to the floor.
    t = np.arange(int(5 * FPS)) / FPS
    for top, measured in ((30.0, False), (15.0, True)):
        trunk = top + (80.0 - top) * (0.5 + 0.5 * np.cos(2 * np.pi * 0.2 * t))
        s = figure(trunk, thigh_deg=trunk * 30.0 / 80.0)
        if measured:
            assert len(analyze_hinge(s, config=EXACT).reps) == 1
        else:
            with pytest.raises(NotMeasurable, match="no lockout: the trunk never came up past 3[0-1] degrees"):
                analyze_hinge(s, config=EXACT)


def test_a_bottom_held_for_longer_than_a_set_up_lasts_is_not_one_lift():
    # Standing, then bent over at 90 degrees for 12 s (the lifts in it never come up), then up:
    # refused; the same with a 4-second hold is one lift.
    for hold_s, measured in ((12.0, False), (4.0, True)):
        n = lambda sec: int(round(sec * FPS))  # noqa: E731
        down = 90.0 * ease(np.arange(n(1.0)) / (n(1.0) - 1))
        hip = np.r_[np.zeros(n(1.0)), down, np.full(n(hold_s), 90.0), down[::-1], np.zeros(n(1.0))]
        s = figure(hip)
        if measured:
            (rep,) = analyze_hinge(s, config=EXACT).reps
            assert rep.max_hip_flexion_deg == pytest.approx(90.0, abs=1.0)
        else:
            with pytest.raises(NotMeasurable, match="bent over at the bottom for 1[3-4] s without standing up"):
                analyze_hinge(s, config=EXACT)
    assert hinge_form.not_a_hinge(60.0, 20.0, 60.0, bottom_hold_s=10.5).startswith("bent over at the bottom")
    assert hinge_form.not_a_hinge(60.0, 20.0, 60.0, bottom_hold_s=9.5) == ""


def test_walking_is_not_a_hinge():
    # The swing leg flexes the hip 30 degrees, twice, under a trunk that leans 5 degrees.
    t = np.arange(int(4 * FPS)) / FPS
    swing = 30.0 * np.clip(np.sin(2 * np.pi * 0.5 * t), 0, None)
    with pytest.raises(NotMeasurable, match="not a hinge: the trunk leaned forward only [0-7] degrees"):
        analyze_hinge(figure(np.full(len(t), 5.0), thigh_deg=swing, knee_deg=0.5 * swing, far_thigh_deg=0.0,
                             far_knee_deg=0.0), config=EXACT)


def test_running_with_a_leaning_trunk_is_not_a_hinge():
    # Legs swinging 40 degrees each way in opposition: the ankles pass each other by about 1.4 leg lengths.
    t = np.arange(int(4 * FPS)) / FPS
    swing = 40.0 * np.sin(2 * np.pi * 0.5 * t)
    trunk = 35.0 * np.clip(np.sin(2 * np.pi * 0.5 * t), 0, None)
    with pytest.raises(NotMeasurable, match="the feet move"):
        analyze_hinge(figure(trunk, thigh_deg=np.abs(swing), far_thigh_deg=-swing), config=EXACT)


def test_an_upright_squat_is_knee_dominant_not_a_hinge():
    # Thighs to 85 degrees, knees to 115, trunk to 35: the knees bend 80 more than the trunk inclines.
    w, _ = hinge_profile((1.0, 1.0))
    with pytest.raises(NotMeasurable, match="not a hinge: knee-dominant") as e:
        analyze_hinge(figure(35.0 * w, thigh_deg=85.0 * w, knee_deg=115.0 * w), config=EXACT)
    assert "the knees bent 115 degrees with the trunk inclined only 35" in str(e.value)


def test_a_deadlift_from_the_floor_is_a_hinge_and_its_knee_bend_is_not_a_fault():
    # Trunk 55, thighs 50 forward, knees 75, wrists at the ankles (the bar on the floor).
    w, _ = hinge_profile((1.0,))
    ankle_y = 240.0 + 90.0 + 90.0
    wrist = np.where(w > 0.9, ankle_y - 5.0, 240.0 - 100.0 + 120.0)
    res = analyze_hinge(figure(55.0 * w, thigh_deg=50.0 * w, knee_deg=75.0 * w, wrist_y=wrist), config=EXACT)
    (rep,) = res.reps
    assert rep.max_hip_flexion_deg == pytest.approx(105.0, abs=1.0)
    assert rep.knee_bend_deg == pytest.approx(75.0, abs=1.0)
    assert rep.from_floor and rep.flags == ()
    assert rep.confidence["knee_bend"] is None
    assert any("a lift from the floor" in w for w in res.quality.warnings)
    # The same bend with the wrists at the thighs: the hinge turned into a squat.
    res = analyze_hinge(figure(55.0 * w, thigh_deg=50.0 * w, knee_deg=75.0 * w), config=EXACT)
    assert not res.reps[0].from_floor and res.flags == ("knee_bend",)


def test_a_kettlebell_deadlift_bends_the_knees_to_reach_the_bell_and_that_is_no_knee_bend():
    # Knees bent 75 with the shins forward, as in a real kettlebell deadlift, the hands at a bell
    # between the feet: a third of the way from the knee down to the ankle (reach 0.33, not a lift
    # from the floor, which is past mid-shin). The knee bend is what reaching that low takes.
    t = np.linspace(0.0, 1.0, 150)
    w = ease(np.minimum(t / 0.4, (1.0 - t) / 0.4))
    knee_y = 240.0 + 90.0 * np.cos(np.radians(50.0))  # thigh 50 forward at the bottom
    ankle_y = knee_y + 90.0 * np.cos(np.radians(25.0))  # shank 25 forward
    bell = np.where(w > 0.9, knee_y + (ankle_y - knee_y) / 3.0, 240.0 - 100.0 + 120.0)
    res = analyze_hinge(figure(55.0 * w, thigh_deg=50.0 * w, knee_deg=75.0 * w, wrist_y=bell), config=EXACT)
    (rep,) = res.reps
    assert rep.max_knee_flexion_deg == pytest.approx(75.0, abs=1.0)
    assert rep.knee_bend_deg > 2 * EXACT.knee_bend_threshold_deg  # (above the knee's standing median)
    assert not rep.from_floor and rep.flags == () and rep.confidence["knee_bend"] is None
    assert any("hands go below the knees" in w for w in res.quality.warnings)
    # The hands held at knee height (reach 0): the same knees are the hinge turning into a squat.
    at_knee = np.where(w > 0.9, knee_y, 240.0 - 100.0 + 120.0)
    res = analyze_hinge(figure(55.0 * w, thigh_deg=50.0 * w, knee_deg=75.0 * w, wrist_y=at_knee), config=EXACT)
    assert res.flags == ("knee_bend",)


# ---------------------------------------------------------------- what cannot be seen is not measured

def test_legs_hidden_at_every_bottom_are_refused_with_what_to_do():
    hip, _ = hinge_profile((80.0, 80.0))
    s = figure(hip)
    vis = s.visibility.copy()
    for part in ("knee", "ankle"):  # behind the plates from 40 degrees down
        vis[hip > 40.0, INDEX[f"left_{part}"]] = 0.1
    with pytest.raises(NotMeasurable, match="the legs are hidden .*film from the side with the legs in view"):
        analyze_hinge(with_(s, visibility=vis), config=EXACT)


def test_legs_put_on_the_plate_are_not_measured():
    # The pose model bends the knee 120 degrees under an upright trunk and thigh in the frames of
    # the second rep: those frames are left out, the first rep is measured.
    hip, truth = hinge_profile((80.0, 80.0))
    s = figure(hip)
    xy = s.xy_px.copy()
    second = np.arange(truth[1][0], truth[1][2] + 1)
    k = xy[second, INDEX["left_knee"]]
    xy[second, INDEX["left_ankle"]] = k + 90.0 * np.array([-np.sin(np.radians(120)), np.cos(np.radians(120))])
    assert hinge_view.implausible_legs(with_(s, xy_px=xy), "left")[second].any()
    res = analyze_hinge(with_(s, xy_px=xy), config=EXACT)
    assert len(res.reps) == 1
    assert res.reps[0].max_hip_flexion_deg == pytest.approx(80.0, abs=1.0)
    assert any("was not measured" in w and "legs are hidden" in w for w in res.quality.warnings)


def test_an_ankle_put_on_the_plate_at_the_bottom_leaves_the_hip_measured():
    # As the bar passes the shins the model puts the ankle on the plate (a shank a third of the
    # thigh, low visibility) while the knee stays in place: hip flexion is still measured there,
    # knee flexion is not.
    hip, truth = hinge_profile((80.0, 80.0))
    s = figure(hip, thigh_deg=0.3 * hip, knee_deg=0.3 * hip)
    xy, vis = s.xy_px.copy(), s.visibility.copy()
    plate = hip > 60.0
    xy[plate, INDEX["left_ankle"]] = xy[plate, INDEX["left_knee"]] + [0.0, 30.0]
    vis[plate, INDEX["left_ankle"]] = 0.2
    moved = with_(s, xy_px=xy, visibility=vis)
    thigh_bad, shank_bad = hinge_view.implausible_segments(moved, "left")
    assert not thigh_bad.any() and shank_bad.tolist() == plate.tolist()
    view = hinge_view.check_frames(moved, "left")
    assert view.legs_ok.all() and view.knee_ok.tolist() == (~plate).tolist()
    res = analyze_hinge(moved, config=EXACT)
    assert len(res.reps) == 2
    # hip flexion = trunk lean 80 + thigh forward 0.3 * 80
    assert [r.max_hip_flexion_deg for r in res.reps] == pytest.approx([104.0, 104.0], abs=1.5)
    knee_raw = res.frames.columns["knee_flexion_raw_deg"]
    assert np.isnan(knee_raw[plate]).all() and np.isfinite(knee_raw[~plate]).all()
    # the knee was measured up to where the ankle went onto the plate: 0.3 * 60 = 18 degrees
    assert res.reps[0].max_knee_flexion_deg == pytest.approx(18.0, abs=2.5)


def test_a_lift_whose_ankle_is_never_seen_is_refused_with_what_to_do():
    # A close camera with the plate over the shins the whole lift: the knee is "seen", the ankle
    # never; where the knee is then is the model's guess.
    hip, _ = hinge_profile((80.0,))
    s = figure(hip)
    vis = s.visibility.copy()
    vis[:, INDEX["left_ankle"]] = 0.2
    with pytest.raises(NotMeasurable, match="legs are hidden .*ankle was seen in only 0% .*legs in view"):
        analyze_hinge(with_(s, visibility=vis), config=EXACT)
    vis[: len(hip) // 2, INDEX["left_ankle"]] = 1.0  # seen in half the lift: measured
    assert len(analyze_hinge(with_(s, visibility=vis), config=EXACT).reps) == 1


def test_implausible_segment_lengths_mark_the_legs():
    s = figure(np.zeros(10))
    xy = s.xy_px.copy()
    xy[3:6, INDEX["left_ankle"]] = xy[3:6, INDEX["left_knee"]] + [0.0, 30.0]  # a shank a third of the thigh
    bad = hinge_view.implausible_legs(with_(s, xy_px=xy), "left")
    assert bad.tolist() == [False] * 3 + [True] * 3 + [False] * 4


def test_a_camera_turned_45_degrees_is_refused_and_15_degrees_is_measured():
    hip, _ = hinge_profile((80.0,))
    with pytest.raises(NotMeasurable, match="turned away from the side \\(about 45 degrees") as e:
        analyze_hinge(figure(hip, view_deg=45.0), config=EXACT)
    assert "film from the side" in str(e.value)
    res = analyze_hinge(figure(hip, view_deg=15.0), config=EXACT)
    assert res.reps[0].max_hip_flexion_deg == pytest.approx(80.0, abs=1.0)
    assert hinge_view.view_angle_deg(figure(hip, view_deg=15.0)) == pytest.approx(15.0, abs=0.01)


def test_a_scene_cut_leaves_the_longer_shot_and_no_repetition_spans_it():
    # Two shots: the second filmed closer (the body 1.6 times larger, 150 px to the right); the
    # cut falls in the middle of the second repetition's descent, so the second shot (the rest of
    # it and the third repetition) is the longer one.
    hip, truth = hinge_profile((80.0, 60.0, 70.0))
    s = figure(hip)
    cut = truth[1][0] + 20
    assert len(hip) - cut > cut
    xy = s.xy_px.copy()
    xy[cut:] = (xy[cut:] - [320.0, 240.0]) * 1.6 + [470.0, 240.0]
    res = analyze_hinge(with_(s, xy_px=xy), config=EXACT)
    assert res.events.scene_cuts == (cut,)
    assert [round(r.max_hip_flexion_deg) for r in res.reps] == [70]
    assert res.reps[0].bottom_s == pytest.approx(truth[2][1] / FPS, abs=0.15)
    assert any(f"cut between camera shots at {cut / FPS:.1f} s" in w for w in res.quality.warnings)
    # A glitch (the skeleton off for one frame, then back) is no cut.
    glitch = s.xy_px.copy()
    glitch[50] += 200.0
    assert hinge_view.scene_cuts(with_(s, xy_px=glitch)) == []


def test_a_clip_starting_with_two_frames_of_the_previous_shot_measures_its_lift():
    # An edited clip whose first two frames are the end of the previous scene (another body,
    # elsewhere in the picture), then a lift filmed from its set-up (the bottom held 0.5 s, up to
    # the lockout, standing): the lift after the cut is measured, within its own shot.
    hip, truth = hinge_profile((80.0,), hold_s=1.0, still_s=1.0)
    hip = hip[truth[0][1]:]
    s = figure(hip)
    xy = s.xy_px.copy()
    xy[:2] = (xy[:2] - [320.0, 240.0]) * 0.5 + [150.0, 200.0]
    res = analyze_hinge(with_(s, xy_px=xy), config=EXACT)
    assert res.events.scene_cuts == (2,)
    (rep,) = res.reps
    assert rep.max_hip_flexion_deg == pytest.approx(80.0, abs=1.0)
    assert rep.start_s >= 2 / FPS and rep.bottom_s < 0.5


def test_a_montage_of_three_shots_is_refused():
    hip, truth = hinge_profile((80.0, 60.0, 70.0))
    xy = figure(hip).xy_px.copy()
    for k, shift in ((truth[1][0], 150.0), (truth[2][0], -300.0)):
        xy[k:] += [shift, 0.0]
    with pytest.raises(NotMeasurable, match="an edited clip: the picture cuts to another shot 2 times"):
        analyze_hinge(with_(figure(hip), xy_px=xy), config=EXACT)


# ---------------------------------------------------------------- a rounded back clothing cannot fake

def _hump(hip, h=0.08):
    """Outline features: a parabolic hump on the back growing with the bend (27.5 degrees of
    thoracic rounding at h = 0.08, see test_hinge.test_rounded_hump_is_rounded_back)."""
    t = bc.SCAN_T
    return _bent_back(hip, 0.2 + h * (1 - ((t - 0.5) / 0.4) ** 2))


def test_a_tucked_head_is_a_rounded_back_even_where_the_outline_does_not_show_it():
    hip, _ = hinge_profile((80.0,))
    flat = _bent_back(hip, np.full(bc.N_SCAN, 0.2))
    res = analyze_hinge(figure(hip, head_deg=28.0 * hip / 80.0, back=flat), config=EXACT)
    (rep,) = res.reps
    assert rep.head_turn_deg == pytest.approx(28.0, abs=0.5)
    assert rep.back_rounding == pytest.approx(0.0, abs=1.0)
    assert rep.flags == ("rounded_back",)
    assert 0.5 <= rep.confidence["rounded_back"] <= 1.0


def test_the_head_veto_on_an_outline_rounding_is_off_because_real_lifters_lift_the_head():
    # The outline turns 27.5 degrees while the head lifts 15 degrees against the trunk. Real
    # lifters with rounded backs lift the head 12-49 degrees at the bottom of a pull, so by default
    # the outline stands; with the veto switched on it is put down to clothing.
    hip, _ = hinge_profile((80.0,))
    lifted = figure(hip, head_deg=-15.0 * hip / 80.0, back=_hump(hip))
    (rep,) = analyze_hinge(lifted, config=EXACT).reps
    assert rep.back_rounding == pytest.approx(27.5, abs=0.5)
    assert rep.head_turn_deg == pytest.approx(-15.0, abs=0.5)
    assert rep.flags == ("rounded_back",)
    veto = replace(EXACT, form=hinge_form.FormConfig(head_veto_deg=-5.0))
    res = analyze_hinge(lifted, config=veto)
    assert "rounded_back" not in res.reps[0].flags
    assert any("clothing on the back is the likely cause" in w for w in res.quality.warnings)
    # With the head following the upper back, the same outline is a rounded back either way.
    res = analyze_hinge(figure(hip, head_deg=8.0 * hip / 80.0, back=_hump(hip)), config=veto)
    assert res.reps[0].flags == ("rounded_back",)


def test_the_lower_back_line_follows_the_outline_not_the_chord():
    # A chord tipped 60 degrees forward (facing +x), a straight outline 0.2 chord lengths behind it:
    # the lower back's line is parallel to the chord, pointing from the hip to the shoulder.
    hip = np.array([[320.0, 300.0]])
    shoulder = hip + 100.0 * np.array([[np.sin(np.radians(60)), -np.cos(np.radians(60))]])
    flat = np.full((1, bc.N_SCAN), 0.2)
    assert bc.lower_line_deg(flat, hip, shoulder, 1.0)[0] == pytest.approx(30.0, abs=1e-6)
    # The outline below a quarter of the back turning back by 30 degrees: the line turns with it.
    t = bc.SCAN_T
    turned = (0.2 + np.tan(np.radians(30.0)) * (np.minimum(t, 0.25) - 0.25))[None]
    assert bc.lower_line_deg(turned, hip, shoulder, 1.0)[0] == pytest.approx(60.0, abs=1.0)
    assert np.isnan(bc.lower_line_deg(np.full((1, bc.N_SCAN), np.nan), hip, shoulder, 1.0)[0])


def test_where_the_back_bends_tells_a_rounded_back_from_a_lumbar_compensation():
    # A hump whose upper back turns 17.5 degrees, just under the rounded-back threshold, with the
    # whole back bending 23 (lumbar ratio 0.38 at 60 degrees): the spine bends. Where?
    hip, _ = hinge_profile((60.0,))
    t = bc.SCAN_T
    hump = 0.2 + 0.05 * (1 - ((t - 0.5) / 0.4) ** 2)
    # The lower back turns with the trunk (the pelvis follows the hips): the bend is in the upper back.
    res = analyze_hinge(figure(hip, back=_bent_back(hip, hump)), config=EXACT)
    rep = res.reps[0]
    assert rep.back_rounding == pytest.approx(17.5, abs=0.3) and rep.lumbar_ratio > 0.23
    assert rep.flags == ("rounded_back",)
    assert any("the pelvis turns with the hips (0.76" in w for w in res.quality.warnings)
    # The same upper back over a lower back that turns 30 degrees against the trunk (the pelvis
    # stays behind while the lumbar spine flexes): a lumbar compensation.
    low = np.tan(np.radians(30.0)) * (np.minimum(t, 0.25) - 0.25)
    res = analyze_hinge(figure(hip, back=_bent_back(hip, hump + low)), config=EXACT)
    assert res.reps[0].flags == ("lumbar_compensation",)


def test_hips_travelling_back_are_a_hinge_unless_the_pelvis_is_seen_staying_behind():
    hip, _ = hinge_profile((60.0,))
    t = bc.SCAN_T
    low_bend = _bent_back(hip, 0.2 + np.tan(np.radians(30.0)) * (np.minimum(t, 0.25) - 0.25))
    still = analyze_hinge(figure(hip, back=low_bend), config=EXACT)
    assert still.flags == ("lumbar_compensation",)
    assert still.reps[0].hips_back == pytest.approx(0.0, abs=0.01)
    # The hips 40 px (0.44 thigh lengths) behind the planted ankles at the bottom: the thigh turns
    # back over a vertical shank and the trunk inclines less, for the same 60 degrees at the hip.
    hx = 40.0 * hip / 60.0
    thigh = np.degrees(np.arcsin(hx / 90.0))
    back = analyze_hinge(figure(hip - thigh, thigh_deg=thigh, knee_deg=thigh, hips_x=hx, back=low_bend), config=EXACT)
    assert back.reps[0].max_hip_flexion_deg == pytest.approx(60.0, abs=1.0)
    assert back.reps[0].hips_back == pytest.approx(40.0 / 90.0, abs=0.02)
    # The outline still bends 30 degrees low on the back: the pelvis turned only about 30 of the
    # 60 degrees on the thigh (pelvis share 0.5), so the lower back flexes however far the hips
    # went; with the hips travelling back as well, the back rounds during the hinge: both flags.
    assert back.flags == ("rounded_back", "lumbar_compensation")
    assert any("the whole back rounds" in n for n in back.reps[0].notes)
    # Where the lower back's line is not traced (pelvis share unknown), the hips' travel decides.
    cfg = EXACT
    args = dict(knee_bend=0.0, thoracic=5.0, ratio=0.5, flexion=30.0, head=0.0, shin=0.0, from_floor=False,
                lean_back=0.0, config=cfg)
    flags, _, notes = form_flags(hips_back=0.44, pelvis_share=float("nan"), **args)
    assert flags == () and any("hips travel back (0.44" in n for n in notes)
    assert form_flags(hips_back=0.44, pelvis_share=0.5, **args)[0] == ("rounded_back", "lumbar_compensation")
    assert form_flags(hips_back=0.0, pelvis_share=float("nan"), **args)[0] == ("lumbar_compensation",)
    # The pelvis staying behind with the hips not travelling: the spine bends instead of the hips,
    # a lumbar compensation alone (the renders' fault); a spine that does not bend: no flag.
    assert form_flags(hips_back=0.05, pelvis_share=0.5, **args)[0] == ("lumbar_compensation",)
    assert form_flags(hips_back=0.44, pelvis_share=0.5, **{**args, "ratio": 0.1})[0] == ()
    assert form_flags(hips_back=0.44, pelvis_share=0.9, **args)[0] == ()  # the pelvis turns with the hips


def test_a_body_turned_from_the_side_at_the_bottom_makes_where_the_back_bends_uncertain():
    # The same rounded upper back (turning 17.5, the pelvis following the hips) seen side-on and
    # with the body turned 25 degrees: the flag stays, but from that angle a lower-back bend can
    # read as upper-back rounding (renders turned 15-32: 4 of 7 back faults read wrong), so both
    # back flags' confidence drops to at most 0.55 and the note says why.
    hip, _ = hinge_profile((60.0,))
    t = bc.SCAN_T
    hump = _bent_back(hip, 0.2 + 0.05 * (1 - ((t - 0.5) / 0.4) ** 2))
    side_on = analyze_hinge(figure(hip, back=hump, view_deg=5.0), config=EXACT).reps[0]
    turned_res = analyze_hinge(figure(hip, back=hump, view_deg=25.0), config=EXACT)
    turned = turned_res.reps[0]
    assert side_on.flags == turned.flags == ("rounded_back",)
    assert side_on.confidence["rounded_back"] > 0.7
    assert turned.confidence["rounded_back"] <= 0.55 and turned.confidence["lumbar_compensation"] <= 0.55
    assert any("turned about 25 degrees from a side view" in w for w in turned_res.quality.warnings)
    assert not any("from a side view at the bottom" in n for n in side_on.notes)
    # No back flag, no note: a knee or a flat back is not made uncertain by the camera's angle.
    flat = analyze_hinge(figure(hip, view_deg=25.0), config=EXACT)
    assert flat.reps[0].flags == () and not any("turned about" in w for w in flat.quality.warnings)


def test_a_standing_outline_that_is_no_back_is_replaced_and_said():
    # Standing, the outline bulges 0.15 chord lengths over the top of the back (a hood): its upper
    # turn reads far beyond any standing back, so the population's standing outline is used.
    hip, _ = hinge_profile((70.0,))
    t = bc.SCAN_T
    hood = 0.2 + 0.15 * np.clip((t - 0.7) / 0.3, 0, 1)
    feats = _bent_back(hip, np.full(bc.N_SCAN, 0.2))
    stand = hip < 10.0
    feats[stand, 1:] = hood
    thoracic = bc.bend_angles(hood[None])["thoracic"][0]
    assert thoracic < -10.0
    problem = hinge_form.standing_outline_problem(np.full(5, thoracic), np.full(5, -20.0))
    assert "does not look like a back" in problem
    res = analyze_hinge(figure(hip, back=feats), config=EXACT)
    assert any("compared with a typical standing back" in w for w in res.quality.warnings)
    # The flat outline at the bottom now reads against the population's standing back.
    assert res.reps[0].back_rounding == pytest.approx(-hinge_form.FormConfig().standing_thoracic_deg, abs=1.0)


def test_leaning_back_at_lockout_is_hyperextension():
    hip, truth = hinge_profile((80.0,))
    end = truth[0][2]
    trunk = hip.copy()
    trunk[end - 10:] = -40.0 * ease(np.arange(len(hip) - end + 10) / 10.0)  # 40 degrees behind the vertical
    res = analyze_hinge(figure(trunk, thigh_deg=np.maximum(hip - trunk, 0.0)), config=EXACT)
    rep = res.reps[0]
    assert rep.lockout_lean_back_deg == pytest.approx(40.0, abs=1.0)
    assert "lockout_hyperextension" in rep.flags
    assert analyze_hinge(figure(hip), config=EXACT).reps[0].flags == ()
    # 20 degrees back is within what MediaPipe reads at the lockout of good real deadlifts: reported only.
    trunk[end - 10:] = -20.0 * ease(np.arange(len(hip) - end + 10) / 10.0)
    rep = analyze_hinge(figure(trunk, thigh_deg=np.maximum(hip - trunk, 0.0)), config=EXACT).reps[0]
    assert rep.lockout_lean_back_deg == pytest.approx(20.0, abs=1.0) and rep.flags == ()


def test_new_keys_reach_the_json():
    hip, _ = hinge_profile((80.0,))
    d = analyze_hinge(figure(hip), config=EXACT).to_dict()["reps"][0]
    assert d["from_floor"] is False and d["hips_back"] == 0.0 and d["head_turn_deg"] == 0.0
    assert d["lockout_lean_back_deg"] <= 0.0


# ---------------------------------------------------------------- --test auto

class _Backend:
    """Returns the given (first, behind) estimates in turn (static mode): the first of each
    sampled frame, then, when detect_test blanks a body standing on its feet out, the body found
    behind it (None: nobody)."""

    def __init__(self, poses):
        self.poses, self.behind = list(poses), None

    def process(self, rgb):
        if self.behind is not None:
            behind, self.behind = self.behind, None
            return behind[0]
        if not self.poses:
            return None
        first, again = self.poses.pop(0) if isinstance(self.poses[0], tuple) else (self.poses.pop(0), None)
        if hinge_form.on_feet(first.xy_px):
            self.behind = (again,)
        return first

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _estimate(xy):
    return PoseEstimate(xy_px=xy, z=np.zeros(N_LANDMARKS), visibility=np.ones(N_LANDMARKS),
                        world_m=np.zeros((N_LANDMARKS, 3)))


def test_auto_takes_a_lifter_bent_over_a_bar_with_the_far_leg_misplaced_for_a_hinge(tmp_path):
    path = tmp_path / "lift.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (64, 48))
    for _ in range(30):
        w.write(np.full((48, 64, 3), 90, np.uint8))
    w.release()
    bent = figure(np.full(1, 80.0), thigh_deg=30.0, knee_deg=60.0).xy_px[0].copy()
    # The far leg behind the plates: put flat along the floor, as the pose model does.
    bent[INDEX["right_knee"]] = bent[INDEX["right_hip"]] + [80.0, 5.0]
    bent[INDEX["right_ankle"]] = bent[INDEX["right_hip"]] + [170.0, 10.0]
    upright = figure(np.zeros(1)).xy_px[0]
    assert not hinge_form.on_feet(bent[None, :, :] * [1.0, 0.0] + [0.0, 240.0])  # flat: not on its feet
    assert hinge_form.on_feet(bent) and hinge_form.on_feet(upright)
    # The clip starts bent over (4 of 7 samples), then stands.
    poses = [_estimate(bent)] * 4 + [_estimate(upright)] * 3
    info = probe(path)
    assert analysis.detect_test(info, backend_factory=lambda **kw: _Backend(poses)) == "hinge"
    # The same lifter seen standing throughout: the same answer.
    assert analysis.detect_test(info, backend_factory=lambda **kw: _Backend([_estimate(upright)] * 7)) == "hinge"
    # A gym neighbour lying on a bench a body length behind the lifter is not a patient...
    hip = upright[INDEX["left_hip"]]

    def lying_at(x):  # the upright figure turned to lie on its back, feet to the right, hips at (x, 380)
        d = upright - hip
        return np.stack([x + d[:, 1], 380.0 - d[:, 0]], axis=1)

    bench = lying_at(hip[0] + 400.0)  # a body length (305 px) and more away, hands far from its legs
    assert posture.is_lying(bench) and not hinge_form.examined(bench, upright)
    poses = [(_estimate(upright), _estimate(bench))] * 7
    assert analysis.detect_test(info, backend_factory=lambda **kw: _Backend(poses)) == "hinge"
    # ...a patient whose leg the standing examiner holds is: a passive SLR.
    patient = lying_at(hip[0] + 150.0)  # the examiner beside the table
    assert hinge_form.examined(patient, upright)
    poses = [(_estimate(upright), _estimate(patient))] * 7
    assert analysis.detect_test(info, backend_factory=lambda **kw: _Backend(poses)) == "slr"


# ---------------------------------------------------------------- live cues

def _live_cues(series):
    from rom.protocols.hinge.live import HingeLive

    live = HingeLive("left", FPS)
    cues = []
    for i in range(len(series)):
        est = PoseEstimate(xy_px=series.xy_px[i], z=series.z[i], visibility=series.visibility[i],
                           world_m=series.world_m[i])
        cues += live.update(est, i / FPS).cues
    return cues


@pytest.mark.slow
def test_live_knee_cue_only_when_the_shins_travel():
    hip, _ = hinge_profile((60.0,), still_s=1.5)
    # Hips back over upright shins: the knees bend 26 degrees, the shins stay vertical.
    hx = 40.0 * hip / 60.0
    thigh = np.degrees(np.arcsin(hx / 90.0))
    rdl = _live_cues(figure(hip - thigh, thigh_deg=thigh, knee_deg=thigh, hips_x=hx))
    assert not any("knees bending" in c for c in rdl)
    # The same knee bend with the shins tilting forward 26 degrees (the knees travel): a squat.
    squat = _live_cues(figure(hip - thigh, thigh_deg=thigh, knee_deg=2 * thigh))
    assert any("knees bending" in c for c in squat)


def test_a_flat_leg_counts_for_lying_only_where_it_is_seen():
    upright = figure(np.zeros(1)).xy_px[0]
    hip = upright[INDEX["left_hip"]]
    d = upright - hip
    lying = np.stack([hip[0] + d[:, 1], 380.0 - d[:, 0]], axis=1)  # on the back, feet to the right
    seen = _estimate(lying)
    assert posture.is_lying(lying) and hinge_form.flat_leg_seen(seen)
    vis = np.ones(N_LANDMARKS)
    vis[[INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("knee", "ankle")]] = 0.2  # behind the plates
    hidden = PoseEstimate(xy_px=lying, z=np.zeros(N_LANDMARKS), visibility=vis, world_m=np.zeros((N_LANDMARKS, 3)))
    assert not hinge_form.flat_leg_seen(hidden)
