"""Lying or standing, and the examiner guard's blanking."""

import numpy as np
from synthetic import slr_profile, supine_series

from rom.capture.extraction import blank_out
from rom.core import posture
from rom.core.landmarks import INDEX, N_LANDMARKS


def standing_body(lean_deg=0.0):
    xy = np.full((N_LANDMARKS, 2), np.nan)  # only the landmarks the posture needs
    hip = np.array([320.0, 250.0])
    r = np.radians(lean_deg)
    shoulder = hip + 160 * np.array([np.sin(r), -np.cos(r)])
    for s, dx in (("left", -5), ("right", 5)):
        xy[INDEX[f"{s}_hip"]] = hip + [dx, 0]
        xy[INDEX[f"{s}_knee"]] = hip + [dx + 5, 110]
        xy[INDEX[f"{s}_ankle"]] = hip + [dx, 215]
        xy[INDEX[f"{s}_shoulder"]] = shoulder + [dx, 0]
    return xy


def test_a_lying_body_lies_and_does_not_stand():
    p, _ = slr_profile()
    xy = supine_series(p).xy_px
    assert posture.is_lying(xy).all()  # the resting leg stays flat even at the peak of the raise
    assert not posture.is_standing(xy).any()


def test_a_standing_body_and_a_leaning_examiner_stand():
    for lean in (0.0, 30.0, 55.0):
        xy = standing_body(lean)
        assert posture.is_standing(xy)
        assert not posture.is_lying(xy)


def test_torso_angle():
    assert posture.torso_from_horizontal_deg(standing_body()) == np.float64(90.0)


def test_blank_out_covers_the_body_with_a_margin_and_nothing_else():
    rgb = np.full((480, 640, 3), 200, np.uint8)
    xy = standing_body()
    out = blank_out(rgb, xy, margin=0.1)
    assert (out[300, 320] == 128).all()  # inside the body
    assert (out[10, 10] == 200).all()  # far away
    assert (rgb == 200).all()  # the input is untouched


def test_on_the_back_with_both_legs_up_is_lying_and_a_deep_hinge_is_not():
    p, _ = slr_profile()
    xy = supine_series(p).xy_px[0].copy()
    hip = xy[INDEX["left_hip"]]
    # 90/90: thighs vertical, shanks level, feet above the hips; thigh and shank about as long as
    # the hip-shoulder line (170 px here), as in an adult body seen from the side
    for s in ("left", "right"):
        xy[INDEX[f"{s}_knee"]] = hip + [0, -150]
        xy[INDEX[f"{s}_ankle"]] = hip + [140, -150]
    assert posture.is_lying(xy)
    hinge = standing_body()
    hinge[INDEX["left_shoulder"]] = hinge[INDEX["right_shoulder"]] = hinge[INDEX["left_hip"]] + [150, -20]
    assert posture.torso_from_horizontal_deg(hinge) < 45
    assert not posture.is_lying(hinge)


def sitting_body(slump_deg=0.0, extend_deg=0.0):
    """Side view of a body sitting on a table's edge: thighs level, shanks hanging (the tested,
    left, knee straightened by extend_deg), the trunk leaning forward by slump_deg."""
    xy = np.full((N_LANDMARKS, 2), np.nan)
    hip = np.array([300.0, 250.0])
    r = np.radians(slump_deg)
    for s, dx in (("left", -4), ("right", 4)):
        knee = hip + [dx + 120, 0]
        a = np.radians(extend_deg if s == "left" else 0.0)  # shank from the vertical, forward
        xy[INDEX[f"{s}_hip"]] = hip + [dx, 0]
        xy[INDEX[f"{s}_knee"]] = knee
        xy[INDEX[f"{s}_ankle"]] = knee + 115 * np.array([np.sin(a), np.cos(a)])
        xy[INDEX[f"{s}_shoulder"]] = hip + [dx, 0] + 170 * np.array([np.sin(r), -np.cos(r)])
    return xy


def test_a_sitting_body_sits_slumped_or_with_a_knee_straightened_and_nothing_else_does():
    for slump, extend in ((0, 0), (35, 0), (35, 60), (20, 75)):
        xy = sitting_body(slump, extend)
        assert posture.is_sitting(xy), (slump, extend)
        assert not posture.is_lying(xy)
        assert not posture.is_standing(xy)
    # both knees straight out: nothing hangs (not a seated test posture)
    both = sitting_body(0, 80)
    both[INDEX["right_ankle"]] = both[INDEX["right_knee"]] + [115, -10]
    assert not posture.is_sitting(both)
    for lean in (0.0, 30.0):
        assert not posture.is_sitting(standing_body(lean))
    p, _ = slr_profile()
    assert not posture.is_sitting(supine_series(p).xy_px).any()  # the whole raise, lying
    assert posture.is_sitting(np.stack([sitting_body(), standing_body()])).tolist() == [True, False]


def test_a_squat_at_its_bottom_does_not_sit():
    """Thighs level, shanks leaning forward over feet that stand behind the knees (real squats:
    0.19-0.52 of the shank's length behind)."""
    xy = sitting_body(35, 0)
    for s in ("left", "right"):
        knee = xy[INDEX[f"{s}_knee"]]
        xy[INDEX[f"{s}_ankle"]] = knee + 115 * np.array([-np.sin(np.radians(20)), np.cos(np.radians(20))])
    assert not posture.is_sitting(xy)
    assert posture.is_sitting(sitting_body(35, 0))
