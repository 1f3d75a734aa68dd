"""Geometry on hand-computed triangles and lines."""

import numpy as np
import pytest

from rom.core import geometry as g


def test_direction_counter_clockwise_with_y_down():
    assert g.direction_deg(np.array([1.0, 0.0])) == pytest.approx(0.0)
    assert g.direction_deg(np.array([0.0, -1.0])) == pytest.approx(90.0)  # up on screen
    assert abs(g.direction_deg(np.array([-1.0, 0.0]))) == pytest.approx(180.0)
    assert g.direction_deg(np.array([1.0, 1.0])) == pytest.approx(-45.0)


def test_interior_angle_of_a_3_4_5_triangle():
    a, b, c = np.array([0.0, 0.0]), np.array([4.0, 0.0]), np.array([4.0, 3.0])
    assert g.interior_angle_deg(a, b, c) == pytest.approx(90.0)
    # angle at a: atan(3/4) = 36.87 degrees
    assert g.interior_angle_deg(b, a, c) == pytest.approx(np.degrees(np.arctan2(3, 4)))


def test_flexion_is_zero_for_a_straight_limb_and_vectorised():
    hip = np.array([[0.0, 0.0], [0.0, 0.0]])
    knee = np.array([[0.0, 10.0], [0.0, 10.0]])
    ankle = np.array([[0.0, 20.0], [10.0, 20.0]])  # straight; bent by 45
    assert g.flexion_deg(hip, knee, ankle) == pytest.approx([0.0, 45.0])


def test_elevation_above_reference_both_ways():
    hip = np.array([100.0, 100.0])
    # 30 degrees up towards the right (feet to the right, counter-clockwise positive)
    knee = hip + 50 * np.array([np.cos(np.radians(30)), -np.sin(np.radians(30))])
    assert g.elevation_deg(hip, knee, 0.0, +1.0) == pytest.approx(30.0)
    # the mirror image: feet to the left, angles clockwise positive
    knee_m = hip + 50 * np.array([-np.cos(np.radians(30)), -np.sin(np.radians(30))])
    assert g.elevation_deg(hip, knee_m, 180.0, -1.0) == pytest.approx(30.0)
    # past the vertical reads more than 90
    knee_p = hip + 50 * np.array([-np.cos(np.radians(80)), -np.sin(np.radians(80))])
    assert g.elevation_deg(hip, knee_p, 0.0, +1.0) == pytest.approx(100.0)


def test_inclination_from_vertical():
    hip, shoulder = np.array([0.0, 100.0]), np.array([100.0, 0.0])
    assert g.inclination_from_vertical_deg(hip, shoulder) == pytest.approx(45.0)
    assert g.inclination_from_vertical_deg(hip, np.array([0.0, 0.0])) == pytest.approx(0.0)


def test_rotate_and_unit_vector_round_trip():
    p = np.array([[10.0, 0.0]])
    r = g.rotate(p, 90.0, np.array([0.0, 0.0]))
    assert r[0] == pytest.approx([0.0, -10.0])  # up on screen
    assert g.direction_deg(g.unit_vector(37.0)) == pytest.approx(37.0)


def test_wrap():
    assert g.wrap_deg(190.0) == pytest.approx(-170.0)
    assert g.wrap_deg(-180.0) == pytest.approx(180.0)


def test_line_direction_of_noisy_points():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 400, 50)
    y = 200 - np.tan(np.radians(5)) * x + rng.normal(0, 0.5, 50)  # rising 5 degrees on screen
    assert g.line_direction_deg(np.stack([x, y], 1)) == pytest.approx(5.0, abs=0.3)
    assert np.isnan(g.line_direction_deg(np.array([[1.0, 1.0]])))
