"""Per-frame joint and segment angles from landmarks (DESIGN.md 3), in degrees.

Pure functions of landmark arrays; no state, no I/O. Segment angles are measured against a
reference direction in the image (the table line for the SLR, the vertical for the hinge), which
the protocols estimate and pass in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.core import geometry
from rom.core.landmarks import INDEX, LandmarkSeries


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


def supine_frame(series: LandmarkSeries) -> SupineFrame | None:
    """Which way a lying body points, from its shoulders and ankles over the whole clip."""
    return supine_frame_of(series.xy_px)


def supine_frame_of(xy_px: np.ndarray) -> SupineFrame | None:
    """`supine_frame` of landmark pixels (N, 33, 2): one frame (live) or a clip."""
    xy = np.asarray(xy_px, dtype=float)

    def mid_x(part: str) -> np.ndarray:
        return 0.5 * (xy[:, INDEX[f"left_{part}"], 0] + xy[:, INDEX[f"right_{part}"], 0])

    d = mid_x("ankle") - mid_x("shoulder")
    d = d[np.isfinite(d)]
    if len(d) == 0 or np.median(d) == 0:
        return None
    feet_right = np.median(d) > 0
    return SupineFrame(feet_deg=0.0 if feet_right else 180.0, up_sign=1.0 if feet_right else -1.0)


def segment_elevation(series: LandmarkSeries, start: str, end: str, body: SupineFrame) -> np.ndarray:
    """(N,) elevation of the segment start->end above the feet direction (deg): 0 = along the
    body towards the feet, 90 = pointing up from a lying body."""
    return geometry.elevation_deg(series.point(start), series.point(end), body.feet_deg, body.up_sign)


def trunk_elevation(series: LandmarkSeries, body: SupineFrame) -> np.ndarray:
    """(N,) elevation of the mid-hip -> mid-shoulder line above the head direction (deg)."""
    return geometry.elevation_deg(series.mid("hip"), series.mid("shoulder"), body.head_deg, -body.up_sign)


def knee_flexion(series: LandmarkSeries, side: str) -> np.ndarray:
    """(N,) knee flexion of one leg: 180 - interior angle hip-knee-ankle; 0 = straight."""
    return geometry.flexion_deg(series.point(f"{side}_hip"), series.point(f"{side}_knee"),
                                series.point(f"{side}_ankle"))


def signed_knee_flexion(series: LandmarkSeries, side: str, body: SupineFrame) -> np.ndarray:
    """(N,) knee flexion of a lying body's leg with its sign: positive when the shank drops below
    the thigh's line (a bend), negative when it rises above it (hyperextension).

    MediaPipe often reads a straight leg as 5-12 degrees *hyperextended*; the unsigned angle
    then first falls towards 0 when the knee starts to bend and only later rises, which hides
    the start of the bend. The signed angle rises from the first moment.
    """
    thigh = segment_elevation(series, f"{side}_hip", f"{side}_knee", body)
    shank = segment_elevation(series, f"{side}_knee", f"{side}_ankle", body)
    return geometry.wrap_deg(thigh - shank)


def hinge_hip_flexion(series: LandmarkSeries, side: str) -> np.ndarray:
    """(N,) hip flexion in standing: 180 - interior angle shoulder-hip-knee; 0 = upright."""
    return geometry.flexion_deg(series.point(f"{side}_shoulder"), series.point(f"{side}_hip"),
                                series.point(f"{side}_knee"))


def trunk_inclination(series: LandmarkSeries, side: str, vertical_deg: float = 90.0) -> np.ndarray:
    """(N,) angle of the hip -> shoulder line from the upward vertical (deg), 0 = upright."""
    return geometry.inclination_from_vertical_deg(series.point(f"{side}_hip"),
                                                  series.point(f"{side}_shoulder"), vertical_deg)
