"""Per-frame kinematics (rom.core.kinematics) on hand-computed triangles; one frame, a series and
the LandmarkSeries wrappers give the same numbers, so live (a frame at a time) and offline (a
clip) read the same angles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from synthetic import slr_profile, supine_series
from test_hinge import standing_series

from rom.core import kinematics as K
from rom.core.landmarks import INDEX, N_LANDMARKS

FEET_RIGHT = K.SupineFrame(feet_deg=0.0, up_sign=1.0)
FEET_LEFT = K.SupineFrame(feet_deg=180.0, up_sign=-1.0)


def _frame(**points) -> np.ndarray:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    for name, p in points.items():
        xy[INDEX[name]] = p
    return xy


def test_knee_flexion_is_180_minus_the_interior_angle():
    assert K.knee_flexion_deg([0, 0], [10, 0], [20, 0]) == pytest.approx(0.0)
    assert K.knee_flexion_deg([0, 0], [10, 0], [10, 10]) == pytest.approx(90.0)
    assert K.knee_flexion_deg([0, 0], [10, 0], [10 + 10 * np.cos(np.radians(30)), 5]) == pytest.approx(30.0)


def test_a_series_of_points_gives_the_angles_of_its_frames():
    hip = np.array([[0, 0], [0, 0], [0, 0]], float)
    knee = np.array([[10, 0], [10, 0], [10, 0]], float)
    ankle = np.array([[20, 0], [10, 10], [20, 10]], float)
    np.testing.assert_allclose(K.knee_flexion_deg(hip, knee, ankle), [0.0, 90.0, 45.0])
    for i in range(3):
        assert K.knee_flexion_deg(hip[i], knee[i], ankle[i]) == pytest.approx(K.knee_flexion_deg(hip, knee, ankle)[i])


def test_elevation_of_a_lying_leg_above_the_feet_direction_either_way_round():
    # image y points down: (10, -10) from the hip is up and towards the feet on the right
    assert K.segment_elevation_deg([0, 0], [10, -10], FEET_RIGHT) == pytest.approx(45.0)
    assert K.segment_elevation_deg([0, 0], [-10, -10], FEET_LEFT) == pytest.approx(45.0)
    assert K.segment_elevation_deg([0, 0], [0, -10], FEET_RIGHT) == pytest.approx(90.0)
    assert K.segment_elevation_deg([0, 0], [10, 0], FEET_RIGHT) == pytest.approx(0.0)


def test_signed_knee_flexion_tells_a_bend_from_hyperextension():
    t = np.degrees(np.arctan2(5, 10))  # 26.57
    assert K.signed_knee_flexion_deg([0, 0], [10, 0], [20, 5], FEET_RIGHT) == pytest.approx(t)  # shank drops
    assert K.signed_knee_flexion_deg([0, 0], [10, 0], [20, -5], FEET_RIGHT) == pytest.approx(-t)  # rises
    assert K.signed_knee_flexion_deg([0, 0], [-10, 0], [-20, 5], FEET_LEFT) == pytest.approx(t)


def test_trunk_elevation_rises_as_the_shoulders_leave_the_table():
    # feet to the right, head to the left: shoulders up-left of the hips by 30 degrees
    up = 10 * np.tan(np.radians(30))
    assert K.trunk_elevation_deg([0, 0], [-10, 0], FEET_RIGHT) == pytest.approx(0.0)
    assert K.trunk_elevation_deg([0, 0], [-10, -up], FEET_RIGHT) == pytest.approx(30.0)
    assert K.trunk_elevation_deg([0, 0], [10, -up], FEET_LEFT) == pytest.approx(30.0)


def test_standing_angles_hip_trunk_and_shin():
    assert K.hinge_hip_flexion_deg([0, -50], [0, 0], [0, 50]) == pytest.approx(0.0)  # upright
    assert K.hinge_hip_flexion_deg([50, 0], [0, 0], [0, 50]) == pytest.approx(90.0)  # trunk horizontal
    assert K.trunk_inclination_deg([0, 0], [10, -10]) == pytest.approx(45.0)
    assert K.trunk_inclination_deg([0, 0], [-10, -10]) == pytest.approx(45.0)  # unsigned
    assert K.trunk_inclination_deg([0, 0], [0, -10], vertical_deg=80.0) == pytest.approx(10.0)  # a rolled camera
    assert K.shin_angle_deg([5, 0], [0, 10]) == pytest.approx(np.degrees(np.arctan2(5, 10)))
    assert K.shin_angle_deg([-5, 0], [0, 10]) == pytest.approx(-np.degrees(np.arctan2(5, 10)))


def test_which_way_a_lying_body_points_from_one_frame_or_a_clip():
    right = _frame(left_shoulder=[100, 200], right_shoulder=[102, 201], left_ankle=[500, 210], right_ankle=[498, 212])
    left = right.copy()
    left[..., 0] = 600 - left[..., 0]
    assert K.supine_frame_of(right) == FEET_RIGHT
    assert K.supine_frame_of(left) == FEET_LEFT
    assert K.supine_frame_of(np.stack([right, right, left])) == FEET_RIGHT  # the clip's median
    assert K.supine_frame_of(_frame()) is None  # nothing found
    assert FEET_RIGHT.head_deg == 180.0


def test_side_view_ratio_per_frame():
    side = _frame(left_shoulder=[100, 100], right_shoulder=[110, 100], left_hip=[110, 200], right_hip=[100, 200])
    front = _frame(left_shoulder=[60, 100], right_shoulder=[140, 100], left_hip=[70, 200], right_hip=[130, 200])
    assert K.side_view_ratio_of(side) == pytest.approx(10 / 100)
    assert K.side_view_ratio_of(front) == pytest.approx(70 / 100)
    np.testing.assert_allclose(K.side_view_ratio_of(np.stack([side, front])), [0.1, 0.7])


def test_one_frame_at_a_time_equals_the_clip_and_the_series_wrappers():
    """What live mode reads from each frame is what the offline analysis reads from the clip."""
    s = supine_series(slr_profile(onset_deg=55.0)[0], noise_px=0.5, seed=3)
    body = K.supine_frame(s)
    clip = K.slr_leg_angles_of(s.xy_px, "left", body)
    np.testing.assert_array_equal(clip["thigh"], K.segment_elevation(s, "left_hip", "left_knee", body))
    np.testing.assert_array_equal(clip["leg"], K.segment_elevation(s, "left_hip", "left_ankle", body))
    np.testing.assert_array_equal(clip["knee"], K.signed_knee_flexion(s, "left", body))
    for i in (0, len(s) // 2, len(s) - 1):
        assert K.supine_frame_of(s.xy_px[i]) == body
        one = K.slr_leg_angles_of(s.xy_px[i], "left", body)
        assert {k: float(v) for k, v in one.items()} == {k: float(v[i]) for k, v in clip.items()}

    h = standing_series(np.linspace(0.0, 70.0, 30), noise_px=0.3, seed=2)
    clip = K.hinge_angles_of(h.xy_px, "left")
    np.testing.assert_array_equal(clip["hip"], K.hinge_hip_flexion(h, "left"))
    np.testing.assert_array_equal(clip["knee"], K.knee_flexion(h, "left"))
    np.testing.assert_array_equal(clip["trunk"], K.trunk_inclination(h, "left"))
    for i in (0, 29):
        one = K.hinge_angles_of(h.xy_px[i], "left")
        assert {k: float(v) for k, v in one.items()} == {k: float(v[i]) for k, v in clip.items()}
    assert clip["hip"][-1] == pytest.approx(70.0, abs=3.0)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # coincident points: NaN in both forms
@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, (4, N_LANDMARKS, 2), elements=st.floats(0.0, 640.0)), st.booleans())
def test_every_angle_of_a_clip_is_the_angle_of_its_frame(xy, feet_right):
    """Vectorised over frames: the clip's angles are its frames' angles, whatever the points."""
    body = FEET_RIGHT if feet_right else FEET_LEFT
    clip = {**K.slr_leg_angles_of(xy, "right", body), **{f"h_{k}": v for k, v in K.hinge_angles_of(xy, "left").items()},
            "ratio": K.side_view_ratio_of(xy),
            "trunk": K.trunk_elevation_deg(K.midpoint(xy, "hip"), K.midpoint(xy, "shoulder"), body)}
    for i in range(len(xy)):
        one = {**K.slr_leg_angles_of(xy[i], "right", body),
               **{f"h_{k}": v for k, v in K.hinge_angles_of(xy[i], "left").items()},
               "ratio": K.side_view_ratio_of(xy[i]),
               "trunk": K.trunk_elevation_deg(K.midpoint(xy[i], "hip"), K.midpoint(xy[i], "shoulder"), body)}
        for k, v in clip.items():
            np.testing.assert_allclose(one[k], v[i], rtol=0, atol=1e-9, err_msg=k)
