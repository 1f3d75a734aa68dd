"""Whole-body posture from landmarks: lying, sitting or standing, and which way the body points.

Used to tell the tests apart by posture (`--test auto`: lying, the SLR and the AKE; standing, the
hinge; sitting, the slump) and, in an SLR, the person lying on the table from an examiner
standing beside it. Functions take landmark pixels of one frame
(33, 2) or of many (N, 33, 2).
"""

from __future__ import annotations

import numpy as np

from rom.core.landmarks import INDEX

_L = {k: INDEX[k] for k in ("left_hip", "right_hip", "left_ankle", "right_ankle",
                            "left_shoulder", "right_shoulder", "left_knee", "right_knee")}


def _legs(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hip->ankle vectors of both legs, (..., 2, 2)."""
    hips = xy[..., [_L["left_hip"], _L["right_hip"]], :]
    ankles = xy[..., [_L["left_ankle"], _L["right_ankle"]], :]
    return hips, ankles - hips


def standing_score(xy: np.ndarray) -> np.ndarray:
    """How much a body stands (1) rather than lies (0), from its legs, for (..., 33, 2) pixels.

    A standing body has both ankles well below its hips: the score is the smaller of the two
    legs' downward components as a fraction of leg length. A lying body has at least one leg
    flat (score near 0); a raised leg points up (negative, clipped to 0).
    """
    _, legs = _legs(xy)
    length = np.linalg.norm(legs, axis=-1)
    down = legs[..., 1] / np.maximum(length, 1e-9)  # image y points down
    return np.clip(np.min(down, axis=-1), 0.0, 1.0)


def is_standing(xy: np.ndarray, threshold: float = 0.8) -> np.ndarray:
    """True where both legs point down within about 37 degrees of vertical (cos 37 = 0.8)."""
    return standing_score(xy) >= threshold


def is_upright(xy: np.ndarray, torso_min_deg: float = 60.0) -> np.ndarray:
    """True for a standing body (both legs down) or an upright trunk: an examiner, never a person
    lying on their back, whatever their legs do (raised, bent, bridging)."""
    return is_standing(xy) | (torso_from_horizontal_deg(xy) > torso_min_deg)


def torso_from_horizontal_deg(xy: np.ndarray) -> np.ndarray:
    """Angle of the mid-hip -> mid-shoulder line from the image horizontal, 0..90."""
    hip = 0.5 * (xy[..., _L["left_hip"], :] + xy[..., _L["right_hip"], :])
    sh = 0.5 * (xy[..., _L["left_shoulder"], :] + xy[..., _L["right_shoulder"], :])
    v = sh - hip
    return np.degrees(np.arctan2(np.abs(v[..., 1]), np.abs(v[..., 0])))


def is_lying(xy: np.ndarray, leg_threshold: float = 0.5, torso_max_deg: float = 45.0) -> np.ndarray:
    """True where the trunk lies within torso_max_deg of horizontal and the legs are those of a
    body on its back: at least one leg within 30 degrees of horizontal (sin 30 = 0.5), or both
    legs pointing up (a person on their back with both legs raised, e.g. the 90/90 position).
    A deep hip hinge also has a trunk near horizontal, but its legs point down."""
    _, legs = _legs(xy)
    length = np.linalg.norm(legs, axis=-1)
    rise = -legs[..., 1] / np.maximum(length, 1e-9)  # image y points down
    flat = np.abs(rise) <= leg_threshold
    # Legs up seen from the side keep their length; a camera at the foot end foreshortens them.
    hip = 0.5 * (xy[..., _L["left_hip"], :] + xy[..., _L["right_hip"], :])
    sh = 0.5 * (xy[..., _L["left_shoulder"], :] + xy[..., _L["right_shoulder"], :])
    trunk = np.linalg.norm(sh - hip, axis=-1)
    both_up = np.all(rise > 0.3, axis=-1) & (np.min(length, axis=-1) > 1.0 * trunk)
    return (np.any(flat, axis=-1) | both_up) & (torso_from_horizontal_deg(xy) <= torso_max_deg)


def _unit_rows(v: np.ndarray) -> np.ndarray:
    """Vectors (..., 2) scaled to unit length (NaN where zero or missing)."""
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, v / length, np.nan)


def is_sitting(xy: np.ndarray, thigh_max_deg: float = 25.0, shank_min_down: float = 0.7,
               shank_max_back: float = 0.1, torso_min_deg: float = 45.0) -> np.ndarray:
    """True where a body sits on a table's edge seen from the side: both thighs (hip -> knee)
    within thigh_max_deg of the horizontal; at least one shank (knee -> ankle) hanging down
    (within about 45 degrees of the vertical, cos 45 = 0.7) with the ankle not behind the knee
    (its lean back against the thigh's forward direction at most shank_max_back, sin 6 deg); and
    the trunk above the hips, at least torso_min_deg from the horizontal (a slumped trunk stays
    well above that). One hanging shank is enough: in the slump test the other knee is
    straightened.

    Standing (thighs vertical) and lying (trunk flat) fail it, and so does a squat at its bottom:
    its feet stand behind its knees (real squats: shanks leaning back 0.19-0.52 of their length,
    thighs up to 31 degrees from level, samples/real).
    """
    xy = np.asarray(xy, dtype=float)
    hips = xy[..., [_L["left_hip"], _L["right_hip"]], :]
    knees = xy[..., [_L["left_knee"], _L["right_knee"]], :]
    ankles = xy[..., [_L["left_ankle"], _L["right_ankle"]], :]
    thighs, shanks = _unit_rows(knees - hips), _unit_rows(ankles - knees)
    with np.errstate(invalid="ignore"):
        level = np.all(np.abs(thighs[..., 1]) <= np.sin(np.radians(thigh_max_deg)), axis=-1)
        forward = np.sign(thighs[..., 0])  # which way the thighs point in the image
        hanging = np.any((shanks[..., 1] >= shank_min_down)  # image y points down
                         & (shanks[..., 0] * forward >= -shank_max_back), axis=-1)
    hip = hips.mean(axis=-2)
    sh = 0.5 * (xy[..., _L["left_shoulder"], :] + xy[..., _L["right_shoulder"], :])
    above = sh[..., 1] < hip[..., 1]
    return level & hanging & above & (torso_from_horizontal_deg(xy) >= torso_min_deg)
