"""Per-frame joint and segment angles from landmarks (DESIGN.md 3), in degrees.

Array functions, as in scipy.signal and scikit-image: points in, angles out, no state, no I/O.
A point argument is an array whose last axis is (x, y) in image pixels (`rom.core.geometry`):
one frame (2,) or a series (N, 2) alike, and the result has the leading shape. The functions
named `..._of` take whole landmark arrays, (33, 2) for one frame or (N, 33, 2) for a clip. Live
feedback (one frame at a time) and the offline analysis (a whole clip) call the same functions;
the functions that take a `LandmarkSeries` at the end are thin wrappers for the offline callers.

Segment angles are measured against a reference direction in the image (the table line for the
SLR, the vertical for the hinge), which the protocols estimate and pass in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.core import geometry
from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries


@dataclass(frozen=True)
class SupineFrame:
    """Directions of a supine body in the image.

    feet_deg: screen direction along the body towards the feet (about 0 or 180, see
    `geometry.direction_deg`); up_sign: +1 if raising a leg turns it counter-clockwise on the
    screen (feet to the right), -1 otherwise.
    """

    feet_deg: float
    up_sign: float

    @property
    def head_deg(self) -> float:
        return float(geometry.wrap_deg(self.feet_deg + 180.0))


# -- landmarks out of a (..., 33, 2) array ---------------------------------------------------


def joint(xy_px: np.ndarray, name: str) -> np.ndarray:
    """(..., 2) one landmark ('left_knee', ...) of landmark pixels (..., 33, 2)."""
    return np.asarray(xy_px, dtype=float)[..., INDEX[name], :]


def midpoint(xy_px: np.ndarray, part: str) -> np.ndarray:
    """(..., 2) midpoint of the left and right landmark of a part ('hip', 'shoulder', ...)."""
    return 0.5 * (joint(xy_px, f"left_{part}") + joint(xy_px, f"right_{part}"))


# -- joint and segment angles of points (..., 2) ---------------------------------------------


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee flexion: 180 - interior angle hip-knee-ankle, 0..180; 0 = straight."""
    return geometry.flexion_deg(hip, knee, ankle)


def segment_elevation_deg(start: np.ndarray, end: np.ndarray, body: SupineFrame) -> np.ndarray:
    """Elevation of the segment start->end of a lying body above its feet direction: 0 = along
    the body towards the feet, 90 = pointing up from the table; (-180, 180]."""
    return geometry.elevation_deg(start, end, body.feet_deg, body.up_sign)


def trunk_elevation_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray, body: SupineFrame) -> np.ndarray:
    """Elevation of the mid-hip -> mid-shoulder line of a lying body above its head direction:
    0 = lying flat, positive when the shoulders rise off the table."""
    return geometry.elevation_deg(mid_hip, mid_shoulder, body.head_deg, -body.up_sign)


def signed_knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray,
                            body: SupineFrame) -> np.ndarray:
    """Knee flexion of a lying body's leg with its sign: positive when the shank drops below the
    thigh's line (a bend), negative when it rises above it (hyperextension); (-180, 180].

    MediaPipe often reads a straight leg as 5-12 degrees *hyperextended*; the unsigned angle
    then first falls towards 0 when the knee starts to bend and only later rises, which hides
    the start of the bend. The signed angle rises from the first moment.
    """
    thigh = segment_elevation_deg(hip, knee, body)
    shank = segment_elevation_deg(knee, ankle, body)
    return geometry.wrap_deg(thigh - shank)


def hinge_hip_flexion_deg(shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Hip flexion in standing: 180 - interior angle shoulder-hip-knee, 0..180; 0 = upright."""
    return geometry.flexion_deg(shoulder, hip, knee)


def trunk_inclination_deg(hip: np.ndarray, shoulder: np.ndarray, vertical_deg: float = 90.0) -> np.ndarray:
    """Angle of the hip -> shoulder line from the upward vertical, 0..180; 0 = upright.
    vertical_deg: the screen direction of 'up' (90 for a level camera)."""
    return geometry.inclination_from_vertical_deg(hip, shoulder, vertical_deg)


def shin_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Ankle -> knee line against the upward vertical, signed by the image's x axis (positive
    when the knee lies to the right of the ankle, whichever way the person faces): only its
    change from standing counts, the shins travelling forward over the feet."""
    knee, ankle = np.asarray(knee, dtype=float), np.asarray(ankle, dtype=float)
    return np.degrees(np.arctan2(knee[..., 0] - ankle[..., 0], ankle[..., 1] - knee[..., 1]))


# -- whole bodies of landmark arrays (..., 33, 2) --------------------------------------------


def supine_frame_of(xy_px: np.ndarray) -> SupineFrame | None:
    """Which way a lying body points, from its shoulders and ankles: landmark pixels of one
    frame (33, 2) (live) or of a clip (N, 33, 2) (the median over its frames). None when
    neither is found, or the feet are level with the shoulders."""
    xy = np.asarray(xy_px, dtype=float).reshape(-1, N_LANDMARKS, 2)
    d = midpoint(xy, "ankle")[:, 0] - midpoint(xy, "shoulder")[:, 0]
    d = d[np.isfinite(d)]
    if len(d) == 0 or np.median(d) == 0:
        return None
    feet_right = np.median(d) > 0
    return SupineFrame(feet_deg=0.0 if feet_right else 180.0, up_sign=1.0 if feet_right else -1.0)


def side_view_ratio_of(xy_px: np.ndarray) -> np.ndarray:
    """(...) distance between the left and right shoulders and hips (their mean) over the trunk
    length, per frame of landmark pixels (..., 33, 2). About 0-0.3 in a side view; 0.5 and more
    when the camera looks at the front or back."""
    sh = np.linalg.norm(joint(xy_px, "left_shoulder") - joint(xy_px, "right_shoulder"), axis=-1)
    hp = np.linalg.norm(joint(xy_px, "left_hip") - joint(xy_px, "right_hip"), axis=-1)
    trunk = np.linalg.norm(midpoint(xy_px, "shoulder") - midpoint(xy_px, "hip"), axis=-1)
    return 0.5 * (sh + hp) / np.maximum(trunk, 1e-6)


def slr_leg_angles_of(xy_px: np.ndarray, side: str, body: SupineFrame) -> dict[str, np.ndarray]:
    """One lying leg's angles, per frame of landmark pixels (..., 33, 2): 'thigh' (hip -> knee)
    and 'leg' (hip -> ankle) elevation above the feet direction, and 'knee', its signed flexion
    (`signed_knee_flexion_deg`)."""
    hip, knee, ankle = (joint(xy_px, f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    return {"thigh": segment_elevation_deg(hip, knee, body), "leg": segment_elevation_deg(hip, ankle, body),
            "knee": signed_knee_flexion_deg(hip, knee, ankle, body)}


def hinge_angles_of(xy_px: np.ndarray, side: str, vertical_deg: float = 90.0) -> dict[str, np.ndarray]:
    """A standing body's angles on one side, per frame of landmark pixels (..., 33, 2), from the
    landmarks as they are: 'hip' flexion (shoulder-hip-knee), 'knee' flexion, 'trunk' inclination
    and 'shin' (`shin_angle_deg`)."""
    shoulder, hip, knee, ankle = (joint(xy_px, f"{side}_{p}") for p in ("shoulder", "hip", "knee", "ankle"))
    return {"hip": hinge_hip_flexion_deg(shoulder, hip, knee), "knee": knee_flexion_deg(hip, knee, ankle),
            "trunk": trunk_inclination_deg(hip, shoulder, vertical_deg), "shin": shin_angle_deg(knee, ankle)}


# -- thin wrappers over a LandmarkSeries (offline callers) ------------------------------------


def supine_frame(series: LandmarkSeries) -> SupineFrame | None:
    """`supine_frame_of` over a whole clip."""
    return supine_frame_of(series.xy_px)


def segment_elevation(series: LandmarkSeries, start: str, end: str, body: SupineFrame) -> np.ndarray:
    """(N,) `segment_elevation_deg` of the landmarks named start and end."""
    return segment_elevation_deg(series.point(start), series.point(end), body)


def trunk_elevation(series: LandmarkSeries, body: SupineFrame) -> np.ndarray:
    """(N,) `trunk_elevation_deg` of a clip."""
    return trunk_elevation_deg(series.mid("hip"), series.mid("shoulder"), body)


def knee_flexion(series: LandmarkSeries, side: str) -> np.ndarray:
    """(N,) `knee_flexion_deg` of one leg."""
    return knee_flexion_deg(*(series.point(f"{side}_{p}") for p in ("hip", "knee", "ankle")))


def signed_knee_flexion(series: LandmarkSeries, side: str, body: SupineFrame) -> np.ndarray:
    """(N,) `signed_knee_flexion_deg` of one leg of a lying body."""
    return signed_knee_flexion_deg(*(series.point(f"{side}_{p}") for p in ("hip", "knee", "ankle")), body)


def hinge_hip_flexion(series: LandmarkSeries, side: str) -> np.ndarray:
    """(N,) `hinge_hip_flexion_deg` of one side."""
    return hinge_hip_flexion_deg(*(series.point(f"{side}_{p}") for p in ("shoulder", "hip", "knee")))


def trunk_inclination(series: LandmarkSeries, side: str, vertical_deg: float = 90.0) -> np.ndarray:
    """(N,) `trunk_inclination_deg` of one side."""
    return trunk_inclination_deg(series.point(f"{side}_hip"), series.point(f"{side}_shoulder"), vertical_deg)
