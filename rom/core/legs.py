"""Which leg is which, for a body lying on its back seen from the side: by geometry, not labels.

The pose model's left/right labels cannot be trusted from the side: it labels the raised leg as
the other side in whole clips, and exchanges knees or feet between the legs for a few frames
(most often for the camera's far leg, which the near leg hides at rest). What the picture does
show: which knee and which foot are higher above the table (the raised leg's), and which leg is
nearer the camera (it looks longer, by perspective and because the far leg is partly hidden,
and the model's depth puts it in front). From those and the direction of the head follows the
anatomical side: lying on the back with the head to the left of the picture, the right side
faces the camera.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from rom.core import geometry
from rom.core.errors import NotMeasurable
from rom.core.kinematics import SupineFrame
from rom.core.landmarks import INDEX, SIDES, LandmarkSeries, other_side

KNEE = ("knee",)
FOOT = ("ankle", "heel", "foot_index")


@dataclass(frozen=True)
class RaisedLeg:
    """The series with knees and feet relabelled so that `label` always holds the raised leg.

    label: the pose-model label that now holds the raised leg in every frame; knee_swaps,
    foot_swaps: frames in which the model had put the raised leg's knee or foot on the other
    label (moved back here).
    """

    series: LandmarkSeries
    label: str
    knee_swapped: np.ndarray  # bool (N,)
    foot_swapped: np.ndarray  # bool (N,)

    @property
    def knee_swaps(self) -> int:
        return int(self.knee_swapped.sum())

    @property
    def foot_swaps(self) -> int:
        return int(self.foot_swapped.sum())


def point_elevation(series: LandmarkSeries, part: str, body: SupineFrame) -> dict[str, np.ndarray]:
    """(N,) elevation (deg) of each label's `part` seen from the mid-hip, above the feet direction."""
    hip = series.mid("hip")
    return {s: geometry.elevation_deg(hip, series.point(f"{s}_{part}"), body.feet_deg, body.up_sign)
            for s in SIDES}


def _raised_label_per_frame(series: LandmarkSeries, part: str, body: SupineFrame,
                            margin_deg: float) -> np.ndarray:
    """(N,) +1 where the left label's `part` is the higher one, -1 where the right's, 0 undecided.

    Frames where the two lie within margin_deg of each other keep the last decision (hysteresis:
    legs side by side on the table are not a reason to exchange them)."""
    el = point_elevation(series, part, body)
    d = el["left"] - el["right"]
    out = np.zeros(len(d))
    last = 0.0
    for i, v in enumerate(d):
        if np.isfinite(v) and abs(v) > margin_deg:
            last = 1.0 if v > 0 else -1.0
        out[i] = last if np.isfinite(v) else 0.0
    return out


def _swap(series: LandmarkSeries, parts: tuple[str, ...], frames: np.ndarray) -> LandmarkSeries:
    """Exchange the left and right landmarks of the given parts in the given frames."""
    if not frames.any():
        return series
    arrays = {}
    for field in ("xy_px", "z", "visibility", "world_m"):
        a = getattr(series, field).copy()
        for part in parts:
            li, ri = INDEX[f"left_{part}"], INDEX[f"right_{part}"]
            a[frames, li], a[frames, ri] = a[frames, ri].copy(), a[frames, li].copy()
        arrays[field] = a
    return replace(series, **arrays)


def assign_raised_leg(series: LandmarkSeries, body: SupineFrame, label: str | None = None,
                      margin_deg: float = 4.0) -> RaisedLeg:
    """Relabel knees and feet frame by frame so that one label always holds the raised leg.

    label: the label to give the raised leg; by default the one the model gave it most often.
    Knee and foot are decided separately (the model exchanges them separately), each by which of
    the two is higher above the table than the other by more than margin_deg; the hip goes with
    the knee (the thigh is one segment).
    """
    knee = _raised_label_per_frame(series, "knee", body, margin_deg)
    foot = _raised_label_per_frame(series, "ankle", body, margin_deg)
    if label is None:
        votes = float(np.sum(foot) + np.sum(knee))
        label = "left" if votes >= 0 else "right"
    want = 1.0 if label == "left" else -1.0
    knee_swap = knee == -want
    foot_swap = foot == -want
    out = _swap(series, ("hip",) + KNEE, knee_swap)
    out = _swap(out, FOOT, foot_swap)
    return RaisedLeg(series=out, label=label, knee_swapped=knee_swap, foot_swapped=foot_swap)


def relabel_frame(xy: np.ndarray, knee_swapped: bool, foot_swapped: bool) -> np.ndarray:
    """One frame's (33, 2) landmarks with the same exchanges as `assign_raised_leg` made (for
    drawing the measured leg on the original landmarks)."""
    out = np.array(xy, copy=True)
    parts = (("hip",) + KNEE if knee_swapped else ()) + (FOOT if foot_swapped else ())
    for part in parts:
        li, ri = INDEX[f"left_{part}"], INDEX[f"right_{part}"]
        out[[li, ri]] = out[[ri, li]]
    return out


@dataclass(frozen=True)
class NearFar:
    """Is the raised leg the camera's near or far leg, and how sure is that.

    length_ratio: the raised leg's length in the picture over the resting leg's while raised
    (about 1.1 for a near leg, 0.8-0.9 for a far one); depth_m: the model's depth of the raised
    knee and foot minus the resting ones' (negative = in front); agree: both say the same.
    """

    leg: str  # "near" | "far" | "unknown"
    length_ratio: float
    depth: float
    agree: bool


def near_or_far(raised: RaisedLeg, frames: np.ndarray, ratio_margin: float = 0.03,
                depth_margin: float = 0.1) -> NearFar:
    """Near or far, from the raised leg's length in the picture and the model's depth.

    frames: bool (N,), frames with the leg well raised (the legs apart, both in view).
    """
    s, lab = raised.series, raised.label
    oth = other_side(lab)

    def length(side: str) -> np.ndarray:
        hip, knee, ankle = (s.point(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
        return np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1)

    ratio = length(lab)[frames] / np.maximum(length(oth)[frames], 1e-6)
    dz = (s.depth(f"{lab}_knee") + s.depth(f"{lab}_ankle") - s.depth(f"{oth}_knee") - s.depth(f"{oth}_ankle"))[frames]
    r = float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else float("nan")
    z = float(np.nanmedian(dz)) if np.isfinite(dz).any() else float("nan")
    by_ratio = None if not np.isfinite(r) or abs(r - 1.0) < ratio_margin else ("near" if r > 1.0 else "far")
    by_depth = None if not np.isfinite(z) or abs(z) < depth_margin else ("near" if z < 0 else "far")
    votes = [v for v in (by_ratio, by_depth) if v is not None]
    if not votes or len(set(votes)) > 1:
        return NearFar("unknown", r, z, False)
    return NearFar(votes[0], r, z, len(votes) == 2)


def facing_side(body: SupineFrame) -> str:
    """The side of a body lying on its back that faces the camera: the right side when the feet
    point to the right of the picture (head to the left), else the left."""
    return "right" if body.feet_deg == 0.0 else "left"


def raised_side(body: SupineFrame, leg: str) -> str | None:
    """Anatomical side of the raised leg: the facing side if it is the near leg; None if unknown."""
    if leg not in ("near", "far"):
        return None
    facing = facing_side(body)
    return facing if leg == "near" else other_side(facing)


def decide_side(declared: str | None, body: SupineFrame, near_far: NearFar, label: str,
                moved: str = "raised leg", tested: str = "raised leg") -> tuple[str, str]:
    """The measured leg's side from the picture (near or far, and the head's direction); a declared
    side is checked against it. Returns (side, a warning or ''). moved: what the leg does in the
    test's words ("raised leg", "leg held up"); tested: what the leg is ("raised leg", "tested leg").

    Raises NotMeasurable when a declared side contradicts what the picture clearly shows: a
    number stored under the wrong leg would feed the left/right comparison."""
    seen = raised_side(body, near_far.leg)
    if declared in SIDES:
        if seen is not None and seen != declared and near_far.agree:
            raise NotMeasurable(
                f"the {declared} leg was given, but the {moved} is the camera's {near_far.leg} leg, which is the "
                f"{seen} leg of a person lying with the head to the {'left' if body.feet_deg == 0.0 else 'right'}: "
                f"check the side (or film from the side of the {tested})")
        return declared, "" if seen == declared else "the side was given; the picture could not confirm it"
    if seen is not None:
        return seen, ""
    return label, (f"could not tell from the picture whether the {tested} is the camera's near or far leg; the side "
                   "is the pose model's label, which is often wrong from the side: check it or give --side")


def _lengths(raised: RaisedLeg, raised_frames: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The raised leg's thigh and shank lengths in the picture, each over its median while raised;
    None when the thigh is never seen raised."""
    s, lab = raised.series, raised.label
    hip, knee, ankle = (s.point(f"{lab}_{p}") for p in ("hip", "knee", "ankle"))
    thigh = np.linalg.norm(knee - hip, axis=1)
    shank = np.linalg.norm(ankle - knee, axis=1)
    if not np.isfinite(thigh[raised_frames]).any():
        return None
    return thigh / np.nanmedian(thigh[raised_frames]), shank / np.nanmedian(shank[raised_frames])


def lost_frames(raised: RaisedLeg, raised_frames: np.ndarray, length_tol: float = 0.2,
                apart: float = 0.3) -> np.ndarray:
    """bool (N,): frames in which the knee and foot landmarks of the raised leg cannot be its own.

    A leg swinging in the plane of the picture keeps its length there (a camera turned 20 degrees
    changes it by 6 %). When the pose model loses a raised leg, it puts the knee or the foot on
    the resting leg or on the examiner's arm: the thigh shrinks or grows, the shank grows, or the
    two knees meet although the leg is up. raised_frames: bool (N,), where the leg is up. (A shank
    that only shrinks is a foot guessed at the picture's edge: `foot_off_frames`.)
    """
    s, lab = raised.series, raised.label
    oth = other_side(lab)
    lost = np.zeros(len(s), bool)
    lengths = _lengths(raised, raised_frames)
    if lengths is None:
        return lost
    thigh, shank = lengths
    hip, knee, ankle = (s.point(f"{lab}_{p}") for p in ("hip", "knee", "ankle"))
    t0 = np.nanmedian(np.linalg.norm(knee - hip, axis=1)[raised_frames])
    s0 = np.nanmedian(np.linalg.norm(ankle - knee, axis=1)[raised_frames])

    # Legs more than 25 degrees apart have knees at least 0.43 thigh lengths apart, and feet
    # further still: the spread is read on the hip -> foot lines for the knees and on the thighs
    # for the feet, so that a misplaced landmark does not vouch for itself.
    def spread(a: np.ndarray, b: np.ndarray, a2: np.ndarray, b2: np.ndarray) -> np.ndarray:
        return np.abs(geometry.wrap_deg(geometry.direction_deg(b - a) - geometry.direction_deg(b2 - a2)))

    o_hip, o_knee, o_ankle = (s.point(f"{oth}_{p}") for p in ("hip", "knee", "ankle"))
    with np.errstate(invalid="ignore"):
        knees_met = (spread(hip, ankle, o_hip, o_ankle) > 25.0) & (np.linalg.norm(knee - o_knee, axis=1) < apart * t0)
        feet_met = (spread(hip, knee, o_hip, o_knee) > 25.0) & (np.linalg.norm(ankle - o_ankle, axis=1) < apart * s0)
        moved = (np.abs(thigh - 1.0) > length_tol) | (shank - 1.0 > length_tol) | knees_met | feet_met
    lost[raised_frames] = moved[raised_frames]
    # A few frames between lost ones are the model's passage to and from the wrong place.
    return ndimage.binary_closing(lost, structure=np.ones(5, bool)) | lost


def foot_off_frames(raised: RaisedLeg, raised_frames: np.ndarray, length_tol: float = 0.2) -> np.ndarray:
    """bool (N,): frames in which the raised leg's shank is much shorter than while raised, its
    thigh not: the foot has left the picture (a tall person's leg near the vertical) and the model
    guesses it afresh in every frame, at the edge. Only the foot is lost there, frame by frame:
    the thigh, and the knee angle of the frames between, still hold."""
    out = np.zeros(len(raised.series), bool)
    lengths = _lengths(raised, raised_frames)
    if lengths is None:
        return out
    with np.errstate(invalid="ignore"):
        out[raised_frames] = (1.0 - lengths[1] > length_tol)[raised_frames]
    return out


def drop_raised_leg(raised: RaisedLeg, frames: np.ndarray, parts: tuple[str, ...] = KNEE + FOOT) -> RaisedLeg:
    """The same, with the raised leg's landmarks of `parts` (by default knee and foot) removed (NaN)
    in the given frames."""
    if not frames.any():
        return raised
    xy = raised.series.xy_px.copy()
    for part in parts:
        xy[frames, INDEX[f"{raised.label}_{part}"]] = np.nan
    return replace(raised, series=replace(raised.series, xy_px=xy))
