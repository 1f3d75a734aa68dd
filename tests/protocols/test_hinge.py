"""Hip hinge: repetition splitting and flag logic on synthetic series; the back's outline on
hand-drawn masks with hand-computed answers."""

import warnings

import cv2
import numpy as np
import pytest

from rom.core import back_contour as bc
from rom.core import signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries, PoseEstimate
from rom.protocols.hinge.measure import HingeConfig, analyze_hinge, find_reps, rep_flags

FPS = 30.0


# ---------------------------------------------------------------- synthetic hinge series

def ease(x):
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def hinge_profile(depths=(80.0,), fps=FPS, still_s=0.33, down_s=1.5, hold_s=0.5, pause_s=0.5):
    """Hip flexion like the renderer's: still, per rep eased descent, hold, ascent; pauses.

    Returns (angle per frame, list of true (start, bottom, end) frame indices)."""
    n = lambda s: int(round(s * fps))  # noqa: E731
    out, reps = [np.zeros(n(still_s))], []
    for k, depth in enumerate(depths):
        if k:
            out.append(np.zeros(n(pause_s)))
        start = sum(len(a) for a in out)
        down = depth * ease(np.arange(n(down_s)) / (n(down_s) - 1))
        hold = np.full(n(hold_s), depth)
        out += [down, hold, depth - down]
        reps.append((start, start + n(down_s) + n(hold_s) // 2, start + 2 * n(down_s) + n(hold_s) - 1))
    out.append(np.zeros(n(still_s)))
    return np.concatenate(out), reps


def standing_series(hip_deg, knee_deg=None, facing=1.0, noise_px=0.0, gaps=(), back=None, seed=0,
                    trunk_px=100.0, thigh_px=90.0, shank_px=90.0):
    """A side-view stick figure whose trunk tilts forward by hip_deg from a vertical thigh.

    facing=+1: the person faces +x (toes to the right). The near side (smaller depth z) is the
    left. The knee bends by knee_deg with the shank tilted forward (thigh kept vertical).
    """
    rng = np.random.default_rng(seed)
    hip_deg = np.asarray(hip_deg, dtype=float)
    n = len(hip_deg)
    knee_deg = np.zeros(n) if knee_deg is None else np.asarray(knee_deg, dtype=float)
    ankle = np.array([320.0, 420.0])
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    k = np.radians(knee_deg)
    knee = ankle + np.stack([-facing * shank_px * np.sin(k), -shank_px * np.cos(k)], axis=1)
    hip = knee + [0.0, -thigh_px]
    a = np.radians(hip_deg)
    shoulder = hip + trunk_px * np.stack([facing * np.sin(a), -np.cos(a)], axis=1)
    head = shoulder + 25.0 * np.stack([facing * np.sin(a), -np.cos(a)], axis=1)
    parts = {"ankle": ankle, "knee": knee, "hip": hip, "shoulder": shoulder,
             "heel": ankle + [-facing * 6.0, 6.0], "foot_index": ankle + [facing * 20.0, 8.0],
             "elbow": shoulder + [0.0, 40.0], "wrist": shoulder + [0.0, 80.0], "ear": head}
    for name, p in parts.items():
        for side in ("left", "right"):
            xy[:, INDEX[f"{side}_{name}"]] = p
    xy[:, INDEX["nose"]] = head + [facing * 12.0, 0.0]
    xy = xy + rng.normal(0.0, noise_px, xy.shape) if noise_px else xy
    z = np.zeros((n, N_LANDMARKS))
    z[:, [INDEX[f"left_{p}"] for p in ("hip", "shoulder", "knee")]] = -0.1
    z[:, [INDEX[f"right_{p}"] for p in ("hip", "shoulder", "knee")]] = 0.1
    vis = np.ones((n, N_LANDMARKS))
    for g in gaps:
        xy[g], z[g], vis[g] = np.nan, np.nan, 0.0
    return LandmarkSeries(t_s=np.arange(n) / FPS, xy_px=xy, z=z, visibility=vis,
                          world_m=np.zeros((n, N_LANDMARKS, 3)), image_size=(640, 480), fps=FPS, back=back)


# Landmarks read exactly here, so the standing prior (the pose model's hip offset) is switched off.
EXACT = HingeConfig(standing_hip_flexion_deg=0.0)


# ---------------------------------------------------------------- repetitions

def test_three_noisy_reps_with_gaps_are_found_with_their_bottoms():
    hip, truth = hinge_profile((80.0, 60.0, 75.0))
    rng = np.random.default_rng(1)
    noisy = hip + rng.normal(0.0, 2.0, len(hip))
    noisy[truth[1][0] + 10:truth[1][0] + 16] = np.nan  # a gap in the second descent
    noisy[[50, 200]] += 35.0  # two outliers
    reps = find_reps(signal.clean(noisy, FPS), FPS)
    assert len(reps) == 3
    for (s, b, e), (ts, tb, te) in zip(reps, truth):
        assert abs(b - tb) <= 4
        assert ts - 3 <= s < tb and tb < e <= te + 3


def test_a_wobble_is_not_a_rep_and_standing_still_gives_none():
    rng = np.random.default_rng(2)
    still = 3.0 + rng.normal(0.0, 1.5, 150)
    assert find_reps(signal.clean(still, FPS), FPS) == []
    wobble = 10.0 * ease(np.r_[np.linspace(0, 1, 30), np.linspace(1, 0, 30)]) + 2.0
    assert find_reps(wobble, FPS, min_depth_deg=20.0) == []


def test_a_rep_cut_off_by_the_end_of_the_clip_is_kept():
    hip, truth = hinge_profile((70.0,))
    cut = hip[:truth[0][1] + 5]  # the clip ends during the bottom hold
    reps = find_reps(cut, FPS)
    assert len(reps) == 1
    assert reps[0][2] == len(cut) - 1


def test_a_clip_ending_during_a_descent_does_not_count_it():
    # Two whole reps, then the clip ends 1 s into the third descent (still bending, at 42 degrees
    # of 80): two repetitions, and the warning says why the third is not one.
    hip, truth = hinge_profile((80.0, 80.0, 80.0))
    cut = hip[:truth[2][0] + 30]
    assert cut[-1] - cut[-8] > 5.0 and cut[-1] == cut[truth[2][0]:].max()
    res = analyze_hinge(standing_series(cut), config=EXACT)
    assert len(res.reps) == 2
    assert any("ends during the descent" in w for w in res.quality.warnings)
    # Ending during the bottom hold: the third rep reached its bottom and is kept.
    held = hip[:truth[2][1] + 5]
    assert len(analyze_hinge(standing_series(held), config=EXACT).reps) == 3


def test_only_nans_give_no_reps():
    assert find_reps(np.full(50, np.nan), FPS) == []


# ---------------------------------------------------------------- flag logic

def test_knee_bend_flag_follows_its_threshold():
    cfg = HingeConfig()
    flags, conf = rep_flags(cfg.knee_bend_threshold_deg + 12.0, 0.0, 0.05, cfg)
    assert flags == ("knee_bend",)
    assert conf["knee_bend"] > 0.99
    flags, conf = rep_flags(cfg.knee_bend_threshold_deg - 12.0, 0.0, 0.05, cfg)
    assert flags == ()
    assert conf["knee_bend"] > 0.99


def test_rounded_upper_back_is_rounded_back_not_lumbar_compensation():
    cfg = HingeConfig()
    flags, conf = rep_flags(3.0, cfg.rounded_back_threshold_deg + 10.0, 0.5, cfg)
    assert flags == ("rounded_back",)
    assert conf["lumbar_compensation"] > 0.9  # sure it is not lumbar compensation


def test_back_bending_without_upper_rounding_is_lumbar_compensation():
    cfg = HingeConfig()
    flags, _ = rep_flags(3.0, 5.0, cfg.lumbar_ratio_threshold + 0.2, cfg)
    assert flags == ("lumbar_compensation",)
    flags, _ = rep_flags(3.0, 5.0, cfg.lumbar_ratio_threshold - 0.15, cfg)
    assert flags == ()


def test_confidence_is_a_coin_toss_at_the_threshold_and_none_when_unmeasured():
    cfg = HingeConfig()
    _, conf = rep_flags(cfg.knee_bend_threshold_deg, 0.0, 0.0, cfg)
    assert conf["knee_bend"] == pytest.approx(0.5, abs=0.01)
    flags, conf = rep_flags(30.0, float("nan"), float("nan"), cfg)
    assert flags == ("knee_bend",)
    assert conf["rounded_back"] is None and conf["lumbar_compensation"] is None


# ---------------------------------------------------------------- whole analysis on stick figures

def test_stick_figure_hinge_reads_its_true_angles():
    hip, truth = hinge_profile((80.0, 60.0))
    res = analyze_hinge(standing_series(hip, noise_px=0.3), "synthetic", config=EXACT)
    assert res.side == "left"  # the near side (smaller depth)
    assert [r.max_hip_flexion_deg for r in res.reps] == pytest.approx([80.0, 60.0], abs=1.0)
    assert [r.max_trunk_inclination_deg for r in res.reps] == pytest.approx([80.0, 60.0], abs=1.0)
    assert [r.bottom_s for r in res.reps] == pytest.approx([b / FPS for _, b, _ in truth], abs=0.15)
    assert res.flags == ()
    cols = res.frames.columns
    for name in ("t_s", "hip_flexion_deg", "hip_flexion_raw_deg", "trunk_inclination_deg",
                 "trunk_inclination_raw_deg", "knee_flexion_deg", "knee_flexion_raw_deg", "back_rounding",
                 "left_hip_visibility"):
        assert len(cols[name]) == len(hip)
    assert len(res.events.reps) == len(res.reps) and all(len(r) == 3 for r in res.events.reps)
    assert res.events.knee_bend_threshold_deg is not None and res.events.rounded_back_threshold_deg is not None
    assert any("outline was not measured" in w for w in res.quality.warnings)


def test_facing_left_and_a_gap_change_nothing():
    hip, _ = hinge_profile((75.0,))
    gaps = list(range(50, 55))
    res = analyze_hinge(standing_series(hip, facing=-1.0, gaps=gaps), config=EXACT)
    assert len(res.reps) == 1
    assert res.reps[0].max_hip_flexion_deg == pytest.approx(75.0, abs=1.0)


def test_hinge_turning_into_a_squat_is_flagged():
    hip, _ = hinge_profile((80.0,))
    knee = 40.0 * hip / 80.0
    res = analyze_hinge(standing_series(hip, knee_deg=knee), config=EXACT)
    assert res.flags == ("knee_bend",)
    assert res.reps[0].max_knee_flexion_deg == pytest.approx(40.0, abs=1.0)
    assert res.reps[0].knee_bend_deg == pytest.approx(40.0, abs=1.0)


def test_standing_offset_of_the_hip_landmark_is_taken_out():
    # Standing at 0 degrees where the population stands at 5.5: the landmark is taken to sit in
    # front of the joint, and the hinge reads higher once corrected.
    hip, _ = hinge_profile((80.0,))
    s = standing_series(hip)
    corrected = analyze_hinge(s).reps[0].max_hip_flexion_deg
    exact = analyze_hinge(s, config=EXACT).reps[0].max_hip_flexion_deg
    assert exact == pytest.approx(80.0, abs=0.5)
    assert 0.5 < corrected - exact < 6.0


def _back_features(offsets_of_frame, n, facing=1.0):
    feats = np.empty((n, bc.N_FEATURES))
    feats[:, 0] = facing
    feats[:, 1:] = offsets_of_frame
    return feats


def _bent_back(hip, bent):
    """Back features: a straight outline 0.2 chord lengths off the chord while standing, blended
    towards `bent` (offsets of the N_SCAN lines) with the depth of the bend."""
    w = (hip / hip.max())[:, None]
    return _back_features((1 - w) * 0.2 + w * bent, len(hip))


def test_back_bending_low_is_lumbar_compensation():
    # Below 0.25 of the back the outline turns by 30 degrees (slope tan 30 towards the hip); above
    # it stays where it was standing: all bend is in the lower window, none in the upper ones, and
    # the outline over the shoulders (which anchors the shoulder estimate) does not move.
    hip, _ = hinge_profile((60.0,))
    t = bc.SCAN_T
    bent = 0.2 + np.tan(np.radians(30.0)) * (np.minimum(t, 0.25) - 0.25)
    res = analyze_hinge(standing_series(hip, back=_bent_back(hip, bent)), config=EXACT)
    rep = res.reps[0]
    assert rep.max_hip_flexion_deg == pytest.approx(60.0, abs=1.0)
    assert rep.back_flexion_deg == pytest.approx(30.0, abs=1.0)
    assert rep.back_rounding == pytest.approx(0.0, abs=1.0)
    assert rep.lumbar_ratio == pytest.approx(0.5, abs=0.03)
    assert res.flags == ("lumbar_compensation",)
    assert len(res.events.back_contour) == 1  # the outline at the bottom, for the overlay


def test_rounded_hump_is_rounded_back():
    # A parabolic hump h (1 - ((t - 0.5) / 0.4)^2), zero over the shoulders (t = 0.9). A window's
    # least-squares slope equals the derivative at its centre, -2 h (t - 0.5) / 0.16. With
    # h = 0.08 the middle (0.4) and top (0.9) windows give atan(0.1) - atan(-0.4) = 5.71 + 21.80
    # = 27.5 degrees of thoracic rounding.
    hip, _ = hinge_profile((80.0,))
    t = bc.SCAN_T
    bent = 0.2 + 0.08 * (1 - ((t - 0.5) / 0.4) ** 2)
    res = analyze_hinge(standing_series(hip, back=_bent_back(hip, bent)), config=EXACT)
    rep = res.reps[0]
    assert rep.back_rounding == pytest.approx(27.5, abs=0.5)
    assert rep.max_hip_flexion_deg == pytest.approx(80.0, abs=1.0)
    assert rep.flags == ("rounded_back",)
    frame, pts = next(iter(res.events.back_contour.items()))
    assert pts.shape == (bc.N_SCAN, 2)


def test_shoulder_is_halfway_to_the_outline_anchored_estimate():
    # Over the shoulders the outline rises 0.1 chord lengths (10 px) away from the chord at the
    # bottom: the outline-anchored shoulder moves 10 px dorsally, the estimate used half of it.
    hip, _ = hinge_profile((80.0,))
    bent = np.where(bc.SCAN_T > 0.7, 0.3, 0.2)
    res = analyze_hinge(standing_series(hip, back=_bent_back(hip, bent)), config=EXACT)
    # 5 px dorsal at 100 px from the hip: the trunk turns back by atan(5 / 100).
    assert res.reps[0].max_hip_flexion_deg == pytest.approx(80.0 - np.degrees(np.arctan(0.05)), abs=0.3)


def test_missing_masks_leave_the_back_flags_unassessed():
    hip, _ = hinge_profile((70.0,))
    res = analyze_hinge(standing_series(hip, back=np.full((len(hip), bc.N_FEATURES), np.nan)), config=EXACT)
    assert res.reps[0].confidence["rounded_back"] is None
    assert res.reps[0].confidence["lumbar_compensation"] is None
    assert res.flags == ()
    assert any("outline was not measured" in w for w in res.quality.warnings)


def test_person_lying_is_refused():
    hip, _ = hinge_profile((60.0,))
    s = standing_series(hip)
    xy = s.xy_px.copy()
    xy[..., 1], xy[..., 0] = s.xy_px[..., 0] * 0.5, s.xy_px[..., 1]  # turn the figure on its side
    lying = LandmarkSeries(t_s=s.t_s, xy_px=xy, z=s.z, visibility=s.visibility, world_m=s.world_m,
                           image_size=s.image_size, fps=s.fps)
    with pytest.raises(NotMeasurable, match="does not stand"):
        analyze_hinge(lying)


def test_no_bend_is_refused():
    with pytest.raises(NotMeasurable, match="no repetition"):
        analyze_hinge(standing_series(np.full(120, 3.0), noise_px=0.3), config=EXACT)


def test_frontal_view_is_refused():
    hip, _ = hinge_profile((60.0,))
    s = standing_series(hip)
    xy = s.xy_px.copy()
    for part in ("shoulder", "hip"):  # shoulders and hips a trunk length apart left-right
        xy[:, INDEX[f"left_{part}"], 0] -= 50.0
        xy[:, INDEX[f"right_{part}"], 0] += 50.0
    frontal = LandmarkSeries(t_s=s.t_s, xy_px=xy, z=s.z, visibility=s.visibility, world_m=s.world_m,
                             image_size=s.image_size, fps=s.fps)
    with pytest.raises(NotMeasurable, match="side view"):
        analyze_hinge(frontal)


def test_hidden_landmarks_are_warned_about():
    hip, _ = hinge_profile((70.0,))
    s = standing_series(hip)
    vis = s.visibility.copy()
    vis[:, INDEX["left_knee"]] = 0.2
    hidden = LandmarkSeries(t_s=s.t_s, xy_px=s.xy_px, z=s.z, visibility=vis, world_m=s.world_m,
                            image_size=s.image_size, fps=s.fps)
    res = analyze_hinge(hidden, config=EXACT)
    assert any("hidden" in w for w in res.quality.warnings)


def test_body_cut_off_by_the_frame_edge_is_warned_about():
    hip, _ = hinge_profile((70.0,))
    s = standing_series(hip)
    xy = s.xy_px.copy()
    xy[..., 1] += 62.0  # ankles at y = 482, below the 480-pixel frame
    low = LandmarkSeries(t_s=s.t_s, xy_px=xy, z=s.z, visibility=s.visibility, world_m=s.world_m,
                         image_size=s.image_size, fps=s.fps)
    res = analyze_hinge(low, config=EXACT)
    assert any("cut off by the frame edge" in w for w in res.quality.warnings)


def test_clip_starting_bent_over_is_measured_with_warnings():
    hip, truth = hinge_profile((80.0,))
    start = int(np.argmax(hip >= 40.0))  # the clip starts halfway down and ends at the bottom
    res = analyze_hinge(standing_series(hip[start:truth[0][1] + 5]), config=EXACT)
    assert len(res.reps) == 1
    assert res.reps[0].max_hip_flexion_deg == pytest.approx(80.0, abs=1.0)
    text = " ".join(res.quality.warnings)
    assert "not seen standing upright" in text and "cut off by the start or end of the clip" in text


# ---------------------------------------------------------------- the back's outline on drawn masks

def _landmarks(hip, shoulder, facing=1.0):
    xy = np.full((N_LANDMARKS, 2), np.nan)
    ankle = np.array([hip[0], hip[1] + 150.0])
    for side in ("left", "right"):
        xy[INDEX[f"{side}_hip"]] = hip
        xy[INDEX[f"{side}_shoulder"]] = shoulder
        xy[INDEX[f"{side}_ankle"]] = ankle
        xy[INDEX[f"{side}_heel"]] = ankle + [-facing * 5.0, 5.0]
        xy[INDEX[f"{side}_foot_index"]] = ankle + [facing * 20.0, 5.0]
    return xy


def _estimate(mask, xy):
    return PoseEstimate(xy_px=xy, z=np.zeros(N_LANDMARKS), visibility=np.ones(N_LANDMARKS),
                        world_m=np.zeros((N_LANDMARKS, 3)), mask=mask)


def _trunk_mask(hump=False):
    """Upright trunk facing +x: chord from (320, 300) to (320, 200), 100 px; body x 300..340
    (back edge 20 px behind the chord), y 180..320. Optional hump: an ellipse on the back centred
    at y 250 (t = 0.5) with semi-axes 15 px (across) and 40 px (along)."""
    mask = np.zeros((480, 640), np.float32)
    cv2.rectangle(mask, (300, 180), (340, 320), 1.0, thickness=-1)
    if hump:
        cv2.ellipse(mask, (300, 250), (15, 40), 0, 0, 360, 1.0, thickness=-1)
    return mask


def test_straight_back_is_a_constant_offset():
    f = bc.frame_features(_estimate(_trunk_mask(), _landmarks((320.0, 300.0), (320.0, 200.0))))
    assert f.shape == (bc.N_FEATURES,)
    assert f[0] == 1.0
    # Pixel column 300 is the last inside; its edge (probability 0.5) lies at x = 299.5: 20.5 px.
    np.testing.assert_allclose(f[1:], 0.205, atol=0.01)
    bends = bc.bend_angles(f[1:][None])
    assert abs(bends["back_flexion"][0]) < 1.0 and abs(bends["thoracic"][0]) < 1.0


def test_hump_on_the_back_is_measured_where_drawn():
    f = bc.frame_features(_estimate(_trunk_mask(hump=True), _landmarks((320.0, 300.0), (320.0, 200.0))))
    offs = f[1:]
    y = 300.0 - 100.0 * bc.SCAN_T
    inside = np.abs(y - 250.0) < 40.0
    expected = np.where(inside, 20.0 + 15.0 * np.sqrt(np.clip(1 - ((y - 250.0) / 40.0) ** 2, 0, 1)), 20.0)
    # Away from the ellipse's ends (where its edge runs along the scan line) it is sub-pixel exact.
    core = np.abs(y - 250.0) < 32.0
    np.testing.assert_allclose(offs[core] * 100.0, expected[core] + 0.5, atol=1.0)
    assert offs[bc.SCAN_T == 0.5][0] == pytest.approx(0.355, abs=0.01)
    bends = bc.bend_angles(offs[None])
    assert bends["back_flexion"][0] > 10.0 and bends["thoracic"][0] > 10.0


def test_mirrored_person_gives_the_same_outline():
    mask = _trunk_mask(hump=True)
    right = bc.frame_features(_estimate(mask, _landmarks((320.0, 300.0), (320.0, 200.0))))
    mirrored = np.ascontiguousarray(mask[:, ::-1])  # x -> 639 - x: the chord moves to x = 319
    left = bc.frame_features(_estimate(mirrored, _landmarks((319.0, 300.0), (319.0, 200.0), facing=-1.0)))
    assert left[0] == -1.0
    np.testing.assert_allclose(left[1:], right[1:], atol=0.006)


def test_tilted_trunk_outline_and_points():
    # The same straight trunk tilted 60 degrees forward (facing +x): rotate the mask about the hip.
    rot = cv2.getRotationMatrix2D((320.0, 300.0), -60.0, 1.0)  # clockwise on screen
    mask = cv2.warpAffine(_trunk_mask(), rot, (640, 480), flags=cv2.INTER_LINEAR)
    shoulder = np.array([320.0 + 100.0 * np.sin(np.radians(60)), 300.0 - 100.0 * np.cos(np.radians(60))])
    xy = _landmarks((320.0, 300.0), shoulder)
    f = bc.frame_features(_estimate(mask, xy))
    np.testing.assert_allclose(f[1:], 0.205, atol=0.012)
    hip, sh = bc.chord(xy)
    pts = bc.outline_points(f[1:], hip, sh, 1.0)
    # The back's edge is the line 20.5 px from the chord on the upper (dorsal) side.
    normal = bc.dorsal_normal(hip, sh, 1.0)
    assert normal[1] < 0  # up in the image
    np.testing.assert_allclose((pts - hip) @ normal, 20.5, atol=1.2)


def test_no_mask_or_no_chord_gives_nans():
    xy = _landmarks((320.0, 300.0), (320.0, 200.0))
    assert np.isnan(bc.frame_features(_estimate(None, xy))).all()
    assert np.isnan(bc.frame_features(_estimate(_trunk_mask(), _landmarks((320.0, 300.0), (320.0, 297.0))))).all()


def test_outline_crossing_is_interpolated_between_samples():
    steps = np.arange(6, dtype=float)
    prob = np.array([[0.2, 0.9, 1.0, 0.8, 0.3, 0.0],   # enters at 1, leaves between 3 (0.8) and 4 (0.3)
                     [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],   # never leaves
                     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])  # never enters
    d = bc.outline_crossings(prob, steps)
    assert d[0] == pytest.approx(3.0 + (0.8 - 0.5) / (0.8 - 0.3))
    assert np.isnan(d[1]) and np.isnan(d[2])


def test_window_slopes_of_a_straight_line():
    offs = 0.2 + np.tan(np.radians(12.0)) * bc.SCAN_T
    s = bc.window_slopes_deg(offs[None])
    for v in s.values():
        assert v[0] == pytest.approx(12.0, abs=1e-6)
    holes = offs.copy()
    holes[::3] = np.nan
    assert bc.window_slopes_deg(holes[None])["middle"][0] == pytest.approx(12.0, abs=1e-6)


def test_facing_comes_from_the_feet_that_were_found():
    xy = np.full((3, N_LANDMARKS, 2), np.nan)
    # frame 0: both feet, toes to +x; frame 1: only the right foot, toes to -x; frame 2: no foot
    for side, toe_dx in (("left", 30.0), ("right", 20.0)):
        xy[0, INDEX[f"{side}_heel"]] = (100.0, 400.0)
        xy[0, INDEX[f"{side}_foot_index"]] = (100.0 + toe_dx, 405.0)
    xy[1, INDEX["right_heel"]] = (200.0, 400.0)
    xy[1, INDEX["right_foot_index"]] = (180.0, 405.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" on the frame without feet
        assert bc.facing_sign(xy).tolist() == [1.0, -1.0, 0.0]


def test_a_knee_never_measured_is_said_and_left_empty_without_a_warning():
    hip, _ = hinge_profile((70.0,), still_s=3.0)  # standing long enough with the ankles seen
    s = standing_series(hip)
    bent = hip > 1.0  # ankles lost while bending: the thigh (hip flexion) is there, the knee angle is not
    for side in ("left", "right"):
        s.xy_px[bent, INDEX[f"{side}_ankle"]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analyze_hinge(s, config=EXACT)
    (rep,) = res.reps
    assert rep.max_hip_flexion_deg == pytest.approx(70.0, abs=1.0)
    assert np.isnan(rep.max_knee_flexion_deg) and np.isnan(rep.knee_bend_deg)
    assert "knee_bend" not in rep.flags
    assert any("knee flexion was not measured" in w for w in res.quality.warnings)
