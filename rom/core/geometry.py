"""Plane geometry on image points, vectorised over frames.

Points are arrays whose last axis is (x, y) in pixels, x to the right and y *down* (image
convention); a single point has shape (2,), a series (N, 2). Angles are in degrees. Directions
are measured as a person looking at the image sees them: counter-clockwise on the screen is
positive, so "up" from "right" is +90.
"""

from __future__ import annotations

import numpy as np


def direction_deg(vec: np.ndarray) -> np.ndarray:
    """Screen direction of image vectors: 0 = right, +90 = up, +-180 = left. Shape (..., 2) -> (...)."""
    vec = np.asarray(vec, dtype=float)
    return np.degrees(np.arctan2(-vec[..., 1], vec[..., 0]))


def wrap_deg(angle: np.ndarray) -> np.ndarray:
    """Wrap angles to (-180, 180]."""
    a = np.mod(np.asarray(angle, dtype=float) + 180.0, 360.0) - 180.0
    return np.where(a == -180.0, 180.0, a)


def unit_vector(direction: np.ndarray) -> np.ndarray:
    """Image unit vector of a screen direction in degrees (inverse of `direction_deg`)."""
    r = np.radians(np.asarray(direction, dtype=float))
    return np.stack([np.cos(r), -np.sin(r)], axis=-1)


def interior_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle a-b-c at vertex b, 0..180. Points (..., 2) or (..., 3)."""
    u = np.asarray(a, dtype=float) - b
    v = np.asarray(c, dtype=float) - b
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def flexion_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Joint flexion at b by the clinical convention: 180 - interior angle; 0 = segments in line.

    Knee flexion is flexion_deg(hip, knee, ankle); hip flexion in the hinge is
    flexion_deg(shoulder, hip, knee).
    """
    return 180.0 - interior_angle_deg(a, b, c)


def elevation_deg(start: np.ndarray, end: np.ndarray, reference_deg: np.ndarray | float,
                  up_sign: float = 1.0) -> np.ndarray:
    """Angle of the segment start->end above a reference line, in degrees.

    reference_deg is the screen direction (see `direction_deg`) of the reference line, pointing
    the way along which 0 is read (for the SLR: along the table towards the feet). up_sign=+1
    counts angles counter-clockwise on the screen as positive, -1 clockwise. The result lies in
    (-180, 180]; 90 = perpendicular to the reference, more than 90 = past it.
    """
    d = direction_deg(np.asarray(end, dtype=float) - start)
    return up_sign * wrap_deg(d - reference_deg)


def inclination_from_vertical_deg(lower: np.ndarray, upper: np.ndarray,
                                  vertical_deg: np.ndarray | float = 90.0) -> np.ndarray:
    """Unsigned angle between the segment lower->upper and the upward vertical, 0..180.

    vertical_deg is the screen direction of 'up' (90 for a level camera; 90 + roll when the
    camera is turned about its axis).
    """
    return np.abs(elevation_deg(lower, upper, vertical_deg))


def rotate(points: np.ndarray, angle_deg: float, centre: np.ndarray) -> np.ndarray:
    """Rotate image points counter-clockwise on the screen by angle_deg about centre."""
    r = np.radians(angle_deg)
    c, s = np.cos(r), np.sin(r)
    p = np.asarray(points, dtype=float) - centre
    # Screen counter-clockwise with y down: x' = c x + s y, y' = -s x + c y.
    out = np.stack([c * p[..., 0] + s * p[..., 1], -s * p[..., 0] + c * p[..., 1]], axis=-1)
    return out + centre


def line_direction_deg(points: np.ndarray) -> float:
    """Screen direction (-90, 90] of the total-least-squares line through (M, 2) points."""
    p = np.asarray(points, dtype=float)
    p = p[np.all(np.isfinite(p), axis=-1)]
    if len(p) < 2:
        return float("nan")
    centred = p - p.mean(axis=0)
    # First right-singular vector = direction of largest spread (orthogonal regression).
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    d = float(direction_deg(vt[0]))
    return float(wrap_deg(d + 180.0)) if d <= -90.0 or d > 90.0 else d
