"""Can the measurement be trusted? Detection rate, view, hidden or cut-off landmarks.

Functions here return plain-language warnings, or raise NotMeasurable when a result would be a
number nobody should believe.
"""

from __future__ import annotations

import numpy as np

from rom.core import posture
from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries

MIN_DETECTED = 0.5  # below this fraction of frames with a pose, no result
EDGE_MARGIN = 0.01  # landmarks within 1 % of the frame edge count as cut off


def require_lying(series: LandmarkSeries, min_fraction: float = 0.7) -> None:
    """Refuse an SLR clip in which the body is not seen lying from the side in most frames (a
    camera at the head or foot end sees a foreshortened body the pose model cannot read)."""
    det = series.detected
    frac = float(posture.is_lying(series.xy_px[det]).mean()) if det.any() else 0.0
    if frac < min_fraction:
        raise NotMeasurable("not a side view of a person lying on their back (seen lying in only "
                            f"{frac:.0%} of the frames with a pose); film from the side of the table")


def require_detections(series: LandmarkSeries) -> None:
    """Refuse clips where the pose model found a person in too few frames."""
    if len(series) == 0:
        raise NotMeasurable("the video has no frames")
    frac = float(series.detected.mean())
    if series.upright_frames > 0.5 * len(series):
        raise NotMeasurable("only a person standing (or sitting) upright was found, nobody lying on their back: "
                            "this is not a straight-leg raise clip (for a hip hinge use --test hinge)")
    if frac == 0.0:
        raise NotMeasurable("no person found in the video")
    if frac < MIN_DETECTED:
        raise NotMeasurable(f"a person was found in only {frac:.0%} of the frames (at least "
                            f"{MIN_DETECTED:.0%} needed)")


def side_view_ratio(series: LandmarkSeries) -> float:
    """Median distance between the left and right shoulders and hips, over the trunk length.

    About 0-0.3 in a side view; 0.5 and more when the camera looks at the front or back.
    """
    sh = np.linalg.norm(series.point("left_shoulder") - series.point("right_shoulder"), axis=1)
    hp = np.linalg.norm(series.point("left_hip") - series.point("right_hip"), axis=1)
    trunk = np.linalg.norm(series.mid("shoulder") - series.mid("hip"), axis=1)
    r = 0.5 * (sh + hp) / np.maximum(trunk, 1e-6)
    r = r[np.isfinite(r)]
    return float(np.median(r)) if len(r) else float("nan")


def view_kind(series: LandmarkSeries) -> str:
    r = side_view_ratio(series)
    return "side" if r < 0.3 else "oblique"


def require_side_view(series: LandmarkSeries, refuse_above: float = 0.45, warn_above: float = 0.3) -> list[str]:
    """Refuse a frontal view; warn about an oblique one.

    Side views of the samples read 0.04-0.2 (cameras turned up to 15 degrees); a frontal view
    of a standing person 0.65.
    """
    r = side_view_ratio(series)
    if np.isfinite(r) and r > refuse_above:
        raise NotMeasurable("not a side view: the camera faces the front or back of the person "
                            f"(left and right shoulders/hips {r:.1f} trunk lengths apart); film from the side")
    if np.isfinite(r) and r > warn_above:
        return [f"the view is turned away from the side (shoulders/hips {r:.1f} trunk lengths apart); "
                "angles may be off by several degrees"]
    return []


def cut_off_fraction(series: LandmarkSeries, names: list[str], frames: slice | np.ndarray) -> float:
    """Fraction of the given frames in which any of the landmarks lies outside or at the frame edge."""
    w, h = series.image_size
    mx, my = EDGE_MARGIN * w, EDGE_MARGIN * h
    pts = np.stack([series.point(n)[frames] for n in names], axis=1)  # (F, K, 2)
    ok = np.all(np.isfinite(pts), axis=(1, 2))
    if not ok.any():
        return 0.0
    p = pts[ok]
    out = (p[..., 0] < mx) | (p[..., 0] > w - mx) | (p[..., 1] < my) | (p[..., 1] > h - my)
    return float(np.any(out, axis=1).mean())


def hidden_fraction(series: LandmarkSeries, names: list[str], frames: slice | np.ndarray,
                    min_visibility: float = 0.5) -> float:
    """Fraction of the given frames in which any of the landmarks has low visibility."""
    vis = np.stack([series.vis(n)[frames] for n in names], axis=1)
    return float(np.any(vis < min_visibility, axis=1).mean()) if len(vis) else 0.0


def slr_warnings(series: LandmarkSeries, label: str, raised_leg: str, window: slice, fps: float) -> list[str]:
    """Warnings about an SLR clip: view, hidden or cut-off leg, examiner, missing frames.

    label: the landmark label holding the raised leg; raised_leg: "near", "far" or "unknown"."""
    out = []
    leg = [f"{label}_hip", f"{label}_knee", f"{label}_ankle"]
    cut = cut_off_fraction(series, leg, window)
    if cut > 0.05:
        out.append(f"the raised leg is cut off by the frame edge in {cut:.0%} of the raise; step the camera back")
    hid = hidden_fraction(series, leg, window)
    if hid > 0.2:
        out.append(f"the raised leg is hidden in {hid:.0%} of the raise; angles there are estimated")
    if raised_leg == "far":
        out.append("the raised leg is the camera's far leg; the near leg may hide it. Film from the side of the "
                   "raised leg for the best accuracy")
    missing = 1.0 - float(series.detected[window].mean()) if series.detected[window].size else 0.0
    if missing > 0.1:
        out.append(f"no pose in {missing:.0%} of the frames of the raise; gaps were bridged")
    if series.relocks:
        out.append("a standing person (an examiner) was in the picture; tracking was kept on the person lying down "
                   f"(restarted {len(series.relocks)} time{'s' if len(series.relocks) > 1 else ''})")
    return out


def facing_side(series: LandmarkSeries) -> str:
    """Side of a standing body facing the camera, from MediaPipe's relative depth of hips and
    shoulders (the nearer side has the smaller z)."""
    d = 0.0
    for part in ("hip", "shoulder", "knee"):
        d += np.nanmedian(series.depth(f"left_{part}") - series.depth(f"right_{part}"))
    return "left" if d < 0 else "right"


