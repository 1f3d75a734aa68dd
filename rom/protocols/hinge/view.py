"""Which frames of a hinge clip show what the angles need: the body side-on, in one shot, legs seen.

The pose model always returns 33 landmarks, also where it cannot see them: legs hidden behind
barbell plates are put on the plate (a knee bent 113-145 degrees under an upright trunk, a shank
half its length), a camera turned 40-45 degrees from the side reads the hip and knee 15-25
degrees low, and in an edited clip the landmarks of two shots are joined as if one body had
moved. `check_frames` marks, per frame, what can be trusted; `rom.protocols.hinge.measure` measures only there and
refuses a clip with too little left, saying why and what to do.

Reasons (each an (N,) boolean array, True = that frame fails):
* `hidden`: the shoulder and the hip of the side facing the camera both have visibility below
  `min_visibility` (nothing of the hinge can be measured there).
* `legs`: the knee and the ankle are not seen (low visibility), the thigh has a length no body
  has against the trunk (outside what the renders and anthropometry allow), or the knee is bent
  far while thigh and trunk stand upright (no standing body does that: the legs were put on
  something else). Hip and knee flexion need the knee: not measured.
* `ankle`: the shank has a length no body has against the thigh while the knee is in place: the
  ankle is put on the plate as the bar passes the shins (real deadlifts filmed from the side:
  shank/thigh 0.14-0.45 for a few tenths of a second, the knee seen at visibility 0.9 and the
  thigh in proportion). Knee flexion needs the ankle: not measured there; hip flexion (shoulder,
  hip, knee) is.
* `oblique`: the shoulder and hip axes turn more than `max_view_deg` away from the camera's line
  of sight (BlazePose's 3D world landmarks; renders read 6-10 degrees at a true side view, 18
  at a camera turned 10 degrees towards the front, 28-33 at 19 degrees). A camera turned towards
  the lifter's back reads far less (a real 45-degree rear view: 6), so it is not caught.
* `cut`: frames around a scene cut (the whole skeleton jumps, or its size changes, between two
  consecutive frames by more than a body moves in 1/30 s, and stays there), and the shorter of
  two shots. A clip of three shots or more (a montage) is refused by `rom.protocols.hinge.measure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from rom.core import geometry
from rom.core.landmarks import INDEX, LandmarkSeries


@dataclass(frozen=True)
class ViewConfig:
    min_visibility: float = 0.5
    # Leg segment lengths in the image, as ratios. Renders (six bodies, side view): thigh/trunk
    # 0.73-0.98, shank/thigh 0.90-1.21 (Winter's anthropometry: 0.85 and 1.0). Far outside,
    # a landmark sits on something else.
    thigh_trunk_range: tuple[float, float] = (0.5, 1.4)
    shank_thigh_range: tuple[float, float] = (0.6, 1.6)
    # A knee bent more than this while the thigh and the trunk stand upright (hip flexion and
    # trunk inclination below upright_deg) is not a standing body's knee.
    upright_knee_max_deg: float = 60.0
    upright_deg: float = 25.0
    # Estimated turn of the body from a side view, degrees (3D world landmarks). Renders read
    # 6-10 at a true side view, about 10 + the yaw for a camera turned towards the front (at
    # most 33 at 19.4 degrees) and less for one turned towards the back; real 45-degree front
    # obliques read 42-43. 38 keeps the validation set's yaw (up to 20) and refuses the 40-45
    # degree front views that read hip and knee 15-25 degrees low.
    max_view_deg: float = 38.0
    view_window_s: float = 0.5  # median filter of the per-frame view angle
    # Scene cut: the median landmark moves more than this many trunk lengths between two
    # consecutive frames (renders: at most 0.08), or the trunk's length changes by this factor.
    cut_jump_trunks: float = 0.6
    cut_scale_ratio: float = 1.5
    cut_margin_frames: int = 2  # frames on each side of a cut that are not measured


@dataclass(frozen=True)
class ViewCheck:
    """What each frame can carry. measurable: trunk angles; legs_ok: hip and knee flexion too."""

    measurable: np.ndarray  # (N,) bool
    legs_ok: np.ndarray  # (N,) bool, a subset of measurable: hip flexion (the knee is in place)
    reasons: dict  # name -> (N,) bool, the frames failing for that reason
    cuts: tuple[int, ...]  # first frame of each new shot
    view_deg: np.ndarray  # (N,) estimated turn from the side view, degrees (NaN: unknown)
    knee_ok: np.ndarray | None = None  # (N,) bool, a subset of legs_ok: knee flexion (the ankle too)
    ankle_seen: np.ndarray | None = None  # (N,) bool, a subset of knee_ok: the ankle's visibility high too

    def __post_init__(self):
        if self.knee_ok is None:
            object.__setattr__(self, "knee_ok", self.legs_ok)
        if self.ankle_seen is None:
            object.__setattr__(self, "ankle_seen", self.knee_ok)

    def shot_of(self, n: int) -> np.ndarray:
        """(n,) shot number of each frame (0 before the first cut)."""
        shot = np.zeros(n, dtype=int)
        for c in self.cuts:
            shot[c:] += 1
        return shot


def check_frames(series: LandmarkSeries, side: str, config: ViewConfig = ViewConfig()) -> ViewCheck:
    """Per-frame trust of the landmarks a hinge needs, on the body side facing the camera."""
    n = len(series)
    det = series.detected
    vis = {p: series.vis(f"{side}_{p}") for p in ("shoulder", "hip", "knee", "ankle")}
    # One landmark of a pair unseen is estimated from the rest (a warning, `rom.protocols.hinge.measure`); both unseen
    # means that part of the body is not in view.
    hidden = det & (vis["shoulder"] < config.min_visibility) & (vis["hip"] < config.min_visibility)
    legs = det & (vis["knee"] < config.min_visibility) & (vis["ankle"] < config.min_visibility)
    thigh_bad, shank_bad = implausible_segments(series, side, config)
    legs |= det & thigh_bad
    ankle = det & shank_bad & ~legs
    view = view_angle_deg(series, config.view_window_s)
    oblique = det & np.isfinite(view) & (view > config.max_view_deg)
    cuts = scene_cuts(series, config)
    near_cut = np.zeros(n, dtype=bool)
    for c in cuts:
        near_cut[max(0, c - config.cut_margin_frames):c + config.cut_margin_frames] = True
    if len(cuts) == 1:
        # Two shots: the standing reference, the side and the outline must come from one
        # recording, so only the longer shot is measured.
        shorter = np.arange(n) < cuts[0] if cuts[0] < n - cuts[0] else np.arange(n) >= cuts[0]
        near_cut |= shorter
    reasons = {"hidden": hidden, "legs": legs, "ankle": ankle, "oblique": oblique, "cut": near_cut & det}
    measurable = det & ~hidden & ~oblique & ~near_cut
    legs_ok = measurable & ~legs
    knee_ok = legs_ok & ~ankle
    return ViewCheck(measurable=measurable, legs_ok=legs_ok, reasons=reasons, cuts=tuple(cuts),
                     view_deg=view, knee_ok=knee_ok, ankle_seen=knee_ok & (vis["ankle"] >= config.min_visibility))


def implausible_legs(series: LandmarkSeries, side: str, config: ViewConfig = ViewConfig()) -> np.ndarray:
    """(N,) True where the leg's landmarks cannot belong to a standing body seen from the side."""
    thigh_bad, shank_bad = implausible_segments(series, side, config)
    return thigh_bad | shank_bad


def implausible_segments(series: LandmarkSeries, side: str,
                         config: ViewConfig = ViewConfig()) -> tuple[np.ndarray, np.ndarray]:
    """((N,), (N,)): where the knee cannot be in place (the thigh's length against the trunk no
    body has, or a knee bent far under an upright thigh and trunk), and where the ankle alone
    cannot (the shank's length against the thigh no body has, the thigh in proportion)."""
    sh, hp, kn, an = (series.point(f"{side}_{p}") for p in ("shoulder", "hip", "knee", "ankle"))
    trunk = np.linalg.norm(sh - hp, axis=1)
    thigh = np.linalg.norm(kn - hp, axis=1)
    shank = np.linalg.norm(an - kn, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r1, r2 = thigh / trunk, shank / thigh
    lo1, hi1 = config.thigh_trunk_range
    lo2, hi2 = config.shank_thigh_range
    knee = geometry.flexion_deg(hp, kn, an)
    hip = geometry.flexion_deg(sh, hp, kn)
    trunk_incl = geometry.inclination_from_vertical_deg(hp, sh)
    # A folded knee under an upright body says the leg was put on something else, but not which
    # landmark: the knee is not trusted there either.
    kneeling = (knee > config.upright_knee_max_deg) & (hip < config.upright_deg) & (trunk_incl < config.upright_deg)
    ok = np.isfinite(r1) & np.isfinite(r2)
    thigh_bad = ok & ((r1 < lo1) | (r1 > hi1) | kneeling)
    shank_bad = ok & ((r2 < lo2) | (r2 > hi2)) & ~thigh_bad
    return thigh_bad, shank_bad


def view_angle_deg(series: LandmarkSeries, window_s: float = 0.5) -> np.ndarray:
    """(N,) how far the body is turned from a side view, degrees (0 = side-on, 90 = facing the camera).

    From BlazePose's 3D world landmarks: the angle of the left-right shoulder and hip axes
    against the camera's depth axis, averaged, then median-filtered over window_s. NaN where the
    world landmarks are missing (or all zero, as in stick figures without them).
    """
    w = np.asarray(series.world_m, dtype=float)
    angles = []
    for part in ("shoulder", "hip"):
        v = w[:, INDEX[f"left_{part}"]] - w[:, INDEX[f"right_{part}"]]
        dx, dz = np.abs(v[:, 0]), np.abs(v[:, 2])
        a = np.degrees(np.arctan2(dx, dz))
        angles.append(np.where((dx + dz) > 1e-6, a, np.nan))
    both = np.stack(angles)
    seen = np.isfinite(both)
    a = np.where(seen.any(axis=0), np.where(seen, both, 0.0).sum(axis=0) / np.maximum(seen.sum(axis=0), 1), np.nan)
    ok = np.isfinite(a)
    if ok.sum() < 3:
        return a
    idx = np.arange(len(a))
    dense = np.interp(idx, idx[ok], a[ok])
    size = max(1, int(round(window_s * series.fps)) | 1)
    return np.where(ok, ndimage.median_filter(dense, size=size, mode="nearest"), np.nan)


def scene_cuts(series: LandmarkSeries, config: ViewConfig = ViewConfig(), settle: int = 3) -> list[int]:
    """Frames that start a new shot: between two detected frames (at most 2 frames apart) the
    skeleton jumps by more than `cut_jump_trunks` trunk lengths (median over landmarks), or its
    trunk length changes by more than `cut_scale_ratio`, and the jump stays: the median skeleton
    of the `settle` detected frames after it is as far from that of the `settle` frames before.
    A landmark glitch for a frame or two (the pose model's shoulder jumping and coming back) is
    not a cut."""
    idx = np.flatnonzero(series.detected)
    if len(idx) < 2:
        return []
    seen = np.isfinite(series.xy_px[idx]).all(axis=(0, 2))  # landmarks the model gives in every frame
    xy = series.xy_px[idx][:, seen] if seen.any() else series.xy_px[idx]
    trunk = _trunk_px(series.xy_px[idx])
    step = np.nanmedian(np.linalg.norm(np.diff(xy, axis=0), axis=2), axis=1)
    size = np.maximum(trunk[1:], trunk[:-1])
    scale = np.maximum(trunk[1:] / trunk[:-1], trunk[:-1] / trunk[1:])
    close = np.diff(idx) <= 2
    jump = close & ((step / size > config.cut_jump_trunks) | (scale > config.cut_scale_ratio))
    cuts = []
    for k in np.flatnonzero(jump):
        before = np.nanmedian(xy[max(0, k + 1 - settle):k + 1], axis=0)
        after = np.nanmedian(xy[k + 1:k + 1 + settle], axis=0)
        t0, t1 = trunk[max(0, k + 1 - settle):k + 1].mean(), trunk[k + 1:k + 1 + settle].mean()
        moved = np.nanmedian(np.linalg.norm(after - before, axis=1)) / max(t0, t1)
        if moved > config.cut_jump_trunks or max(t0 / t1, t1 / t0) > config.cut_scale_ratio:
            cuts.append(int(idx[k + 1]))
    return cuts


def _trunk_px(xy: np.ndarray) -> np.ndarray:
    """(N,) mid-hip to mid-shoulder length in pixels (at least 1) of (N, 33, 2) landmarks."""
    mid = lambda a, b: 0.5 * (xy[:, INDEX[a]] + xy[:, INDEX[b]])  # noqa: E731
    trunk = mid("left_shoulder", "right_shoulder") - mid("left_hip", "right_hip")
    return np.maximum(np.linalg.norm(trunk, axis=1), 1.0)


REMEDIES = {
    "hidden": ("the shoulder and hip facing the camera are hidden", "film from the side with the whole body in view"),
    "legs": ("the legs are hidden (behind the plates or other equipment) or their landmarks are not on the legs",
             "film from the side with the legs in view"),
    "ankle": ("the ankle is hidden (behind the plates or other equipment) or its landmark is not on the leg",
              "film from the side with the legs in view"),
    "oblique": ("the camera is turned away from the side", "film from the side, square to the lifter"),
    "cut": ("the clip is cut between camera shots (only the longest shot is measured)",
            "send one uncut take filmed from the side"),
}


def describe(check: ViewCheck, frames: np.ndarray) -> str:
    """The main reason the given frames (bool) could not be measured, with what to do."""
    counts = {k: int((v & frames).sum()) for k, v in check.reasons.items()}
    if any(n for k, n in counts.items() if k != "ankle"):
        counts["ankle"] = 0  # an ankle off the leg leaves the hip measured: the others are why
    if not any(counts.values()):
        return ""
    worst = max(counts, key=counts.get)
    what, todo = REMEDIES[worst]
    share = counts[worst] / max(1, int(frames.sum()))
    extra = ""
    if worst == "oblique":
        extra = f" (about {np.nanmedian(check.view_deg[frames]):.0f} degrees from a side view)"
    return f"{what}{extra} in {share:.0%} of those frames: {todo}"
