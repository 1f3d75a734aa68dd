"""The outline of the back from the segmentation mask: per-frame features and bend angles.

The 33 landmarks cannot see the spine; the silhouette can. Each frame, the back's (dorsal)
outline is sampled on scan lines perpendicular to the trunk chord (mid-hip -> mid-shoulder):
scan line k starts on the chord at the fraction `SCAN_T[k]` of its length and runs away from the
front of the body until the person-probability drops below 0.5. The outline's distance from the
chord, in chord lengths, is the feature; being a ratio it does not depend on image size or scale.

From these offsets, `bend_angles` measures how the outline turns along the back: the slope of the
outline (against the chord) in a lower, a middle, an upper and a top window. A straight back has
the same slope everywhere; a rounded back turns away from the chord at the bottom and towards it
at the top. Bodies differ in shape (buttocks, chest, shoulder blades), so the hinge compares the
turn with the same person's standing outline (`rom.protocols.hinge.measure`) rather than with an absolute value.

Coordinates are image pixels, x to the right, y down. `frame_features` runs on every frame of a
hinge clip; it samples about 3000 mask pixels with one `cv2.remap` call (well under 1 ms).
"""

from __future__ import annotations

import cv2
import numpy as np

from rom.core.landmarks import INDEX, PoseEstimate

# Scan lines from just below the hip to just beyond the shoulder (chord fractions); the spacing
# of 0.025 gives 12-13 outline points per bend window.
SCAN_T = np.round(np.linspace(-0.05, 1.05, 45), 4)
N_SCAN = len(SCAN_T)
# How far from the chord to look for the outline (chord lengths) and in how many steps; the
# back's outline lies 0.1-0.5 chord lengths from the chord (calibration/hinge.md).
SCAN_REACH = 0.8
SCAN_STEPS = 64
MASK_LEVEL = 0.5  # person probability at the outline

# Feature vector: [facing (+1 = the person faces +x, -1 = faces -x), offsets of the N_SCAN lines].
N_FEATURES = 1 + N_SCAN

# Bend windows (chord fractions), each 0.3 long: lower back and sacrum, middle back, upper back,
# top of the back (shoulder blades to the base of the neck). Chosen on the calibration clips
# (calibration/hinge.md): the turn lower -> upper separates a flexed spine from a straight one,
# the turn middle -> top separates thoracic rounding from lumbar flexion.
WINDOWS = {"lower": (-0.05, 0.25), "middle": (0.25, 0.55), "upper": (0.60, 0.90), "top": (0.75, 1.05)}

_FEET = [INDEX[n] for n in ("left_foot_index", "right_foot_index")]
_HEELS = [INDEX[n] for n in ("left_heel", "right_heel")]
_HIPS = [INDEX["left_hip"], INDEX["right_hip"]]
_SHOULDERS = [INDEX["left_shoulder"], INDEX["right_shoulder"]]


def facing_sign(xy: np.ndarray) -> np.ndarray:
    """Which way a standing person faces in the image: +1 towards +x, -1 towards -x, 0 unknown.

    From the feet (heel -> toe), which point forward in any side view; xy is (..., 33, 2).
    """
    xy = np.asarray(xy, dtype=float)
    dx = xy[..., _FEET, 0] - xy[..., _HEELS, 0]
    seen = np.isfinite(dx)
    # The mean of the feet that were found; no foot found: 0 (unknown), without a NaN in between.
    toe_dx = np.where(seen, dx, 0.0).sum(axis=-1) / np.maximum(seen.sum(axis=-1), 1)
    return np.sign(toe_dx)


def chord(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mid-hip, mid-shoulder) pixel points of landmarks xy (..., 33, 2)."""
    xy = np.asarray(xy, dtype=float)
    return xy[..., _HIPS, :].mean(axis=-2), xy[..., _SHOULDERS, :].mean(axis=-2)


def dorsal_normal(hip: np.ndarray, shoulder: np.ndarray, facing: np.ndarray | float) -> np.ndarray:
    """Unit vector perpendicular to the chord hip -> shoulder, pointing to the back of the body.

    For a person facing +x (facing = +1) standing upright the chord points up (0, -1) and the
    back is towards -x. Shapes (..., 2) and (...) -> (..., 2).
    """
    c = np.asarray(shoulder, dtype=float) - hip
    u = c / np.linalg.norm(c, axis=-1, keepdims=True)
    f = np.asarray(facing, dtype=float)[..., None]
    return np.stack([u[..., 1], -u[..., 0]], axis=-1) * f


def frame_features(est: PoseEstimate) -> np.ndarray:
    """Dorsal outline of one frame: (N_FEATURES,) = [facing, offset of each scan line].

    Offsets are distances from the chord to the outline in chord lengths (dimensionless), NaN
    where a scan line found no outline (mask missing, line leaving the image, body not reached).
    """
    out = np.full(N_FEATURES, np.nan)
    mask = est.mask
    if mask is None:
        return out
    facing = float(facing_sign(est.xy_px))
    hip, shoulder = chord(est.xy_px)
    length = float(np.linalg.norm(shoulder - hip))
    if facing == 0.0 or not np.isfinite(length) or length < 8.0:
        return out
    out[0] = facing
    normal = dorsal_normal(hip, shoulder, facing)
    steps = np.linspace(0.0, SCAN_REACH, SCAN_STEPS)
    starts = hip + SCAN_T[:, None] * (shoulder - hip)
    pts = starts[:, None, :] + (steps * length)[None, :, None] * normal  # (N_SCAN, SCAN_STEPS, 2)
    # Bilinear sampling of the probability mask at all points in one call; outside = background.
    prob = cv2.remap(np.asarray(mask, dtype=np.float32), pts[..., 0].astype(np.float32),
                     pts[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    out[1:] = outline_crossings(prob, steps)
    return out


def outline_crossings(prob: np.ndarray, steps: np.ndarray, level: float = MASK_LEVEL) -> np.ndarray:
    """Where each scan line leaves the body: (L, S) probabilities along L lines at S steps -> (L,).

    The crossing is the first fall below `level` after the line has been inside the body,
    interpolated linearly between the two samples around it; NaN if the line never enters or
    never leaves the body. A hand-written search because NumPy and OpenCV offer no "first
    crossing per row"; it is two argmax calls on boolean arrays.
    """
    inside = prob >= level
    first_in = np.argmax(inside, axis=1)
    leaving = ~inside & (np.arange(prob.shape[1])[None, :] > first_in[:, None])
    j = np.argmax(leaving, axis=1)
    ok = inside.any(axis=1) & leaving.any(axis=1)
    rows = np.arange(prob.shape[0])
    j = np.maximum(j, 1)
    before, after = prob[rows, j - 1], prob[rows, j]
    frac = np.clip((before - level) / np.maximum(before - after, 1e-6), 0.0, 1.0)
    d = steps[j - 1] + frac * (steps[1] - steps[0])
    return np.where(ok, d, np.nan)


def offsets(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split (N, N_FEATURES) features into facing (N,) and outline offsets (N, N_SCAN)."""
    f = np.asarray(features, dtype=float).reshape(-1, N_FEATURES)
    return f[:, 0], f[:, 1:]


def window_slopes_deg(offs: np.ndarray, min_points: int = 8) -> dict[str, np.ndarray]:
    """Slope angle of the outline against the chord in each bend window, degrees, per frame.

    offs: (N, N_SCAN) offsets. Positive = the outline moves away from the chord going from hip to
    shoulder. A least-squares line per window (vectorised over frames and tolerant of missing
    scan lines); NaN where fewer than min_points lines of the window found the outline.
    """
    offs = np.atleast_2d(np.asarray(offs, dtype=float))
    out = {}
    for name, (lo, hi) in WINDOWS.items():
        sel = (SCAN_T >= lo - 1e-9) & (SCAN_T <= hi + 1e-9)
        t = np.broadcast_to(SCAN_T[sel], offs[:, sel].shape)
        d = offs[:, sel]
        ok = np.isfinite(d)
        n = ok.sum(axis=1)
        tm = np.where(ok, t, 0.0).sum(axis=1) / np.maximum(n, 1)
        dm = np.where(ok, d, 0.0).sum(axis=1) / np.maximum(n, 1)
        tc = np.where(ok, t - tm[:, None], 0.0)
        slope = (tc * np.where(ok, d - dm[:, None], 0.0)).sum(axis=1) / np.maximum((tc ** 2).sum(axis=1), 1e-12)
        out[name] = np.where(n >= min_points, np.degrees(np.arctan(slope)), np.nan)
    return out


def bend_angles(offs: np.ndarray) -> dict[str, np.ndarray]:
    """How much the outline turns along the back, degrees, per frame (positive = convex back).

    'back_flexion': turn from the lower to the upper window (the whole back's bend);
    'thoracic': turn from the middle to the top window (rounding of the upper back).
    Absolute values depend on the body's shape; compare them with the person's own upright
    posture.
    """
    s = window_slopes_deg(offs)
    return {"back_flexion": s["lower"] - s["upper"], "thoracic": s["middle"] - s["top"]}


def outline_point(offs: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, facing: np.ndarray | float,
                  t: float, half_width: float = 0.05) -> np.ndarray:
    """Pixel point of the dorsal outline at chord fraction t, per frame: (N, N_SCAN) offsets and
    (N, 2) chord ends -> (N, 2), NaN where unmeasured. The offset is the median of the scan lines
    within half_width of t, so one stray line does not move it."""
    offs = np.atleast_2d(np.asarray(offs, dtype=float))
    sel = np.abs(SCAN_T - t) <= half_width + 1e-9
    near = offs[:, sel]
    ok = np.isfinite(near).any(axis=1)
    d = np.full(len(offs), np.nan)
    d[ok] = np.nanmedian(near[ok], axis=1)
    hip, shoulder = np.asarray(hip, dtype=float), np.asarray(shoulder, dtype=float)
    length = np.linalg.norm(shoulder - hip, axis=-1)
    normal = dorsal_normal(hip, shoulder, facing)
    return hip + t * (shoulder - hip) + (d * length)[:, None] * normal


def outline_points(offs: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, facing: float) -> np.ndarray:
    """Pixel points (K, 2) of one frame's dorsal outline (scan lines without an outline left out)."""
    offs = np.asarray(offs, dtype=float)
    hip, shoulder = np.asarray(hip, dtype=float), np.asarray(shoulder, dtype=float)
    length = float(np.linalg.norm(shoulder - hip))
    normal = dorsal_normal(hip, shoulder, facing)
    pts = hip + SCAN_T[:, None] * (shoulder - hip) + (offs * length)[:, None] * normal
    return pts[np.isfinite(offs)]


def lower_line_deg(offs: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, facing: float,
                   window: tuple[float, float] = WINDOWS["lower"], min_points: int = 6) -> np.ndarray:
    """Screen direction (degrees, `geometry.direction_deg`) of the lower back's outline per frame:
    the total-least-squares line through the outline points of the scan lines in `window`
    (sacrum and lumbar spine), pointing from the hip end towards the shoulder end. It turns with
    the pelvis, which the landmarks do not show. (N, N_SCAN) offsets and (N, 2) chord ends ->
    (N,), NaN where fewer than min_points lines found the outline."""
    offs = np.atleast_2d(np.asarray(offs, dtype=float))
    hip, shoulder = np.atleast_2d(hip).astype(float), np.atleast_2d(shoulder).astype(float)
    sel = (SCAN_T >= window[0] - 1e-9) & (SCAN_T <= window[1] + 1e-9)
    chord_vec = shoulder - hip
    length = np.linalg.norm(chord_vec, axis=1)
    normal = dorsal_normal(hip, shoulder, facing)
    out = np.full(len(offs), np.nan)
    for i in range(len(offs)):
        d = offs[i, sel]
        ok = np.isfinite(d)
        if ok.sum() < min_points or not np.isfinite(length[i]):
            continue
        pts = hip[i] + SCAN_T[sel][ok, None] * chord_vec[i] + (d[ok] * length[i])[:, None] * normal[i]
        _, _, vt = np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)
        u = vt[0] if np.dot(vt[0], chord_vec[i]) >= 0 else -vt[0]
        out[i] = np.degrees(np.arctan2(-u[1], u[0]))
    return out
