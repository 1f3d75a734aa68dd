"""The seated slump test (side view): its steps with their times, the trunk, neck, knee and ankle
angles per frame, the knee's end range in full slump and after the neck is released.

Conventions (DESIGN.md 3): knee flexion = 180 - interior angle hip-knee-ankle (0 = straight); trunk
inclination = hip -> shoulder line against the vertical, forward positive; spine flexion = how much
the spine has bent forward from sitting upright (0 = as at the start); neck flexion = the head bent
forward against the trunk (0 = as at the start); ankle dorsiflexion = the foot pulled up against the
shank (0 = foot at a right angle to the shank, negative = pointed). Degrees, in the image plane.

How the numbers are made (samples/validation fit half; `SlumpConfig` names each constant's source):
* The tested leg is the knee that straightens, found per frame by geometry (the straighter of the two
  knees), not by the pose model's left/right labels, which swap in a seated side view. Whether it
  is the camera's near or far leg comes from its shank's length in the picture against the hanging
  one's (the nearer leg looks longer); the body side facing the camera from the way the thighs point.
* The spine's flexion is the trunk line's (mid-hip -> mid-shoulder) forward turn from sitting upright
  times a ratio fitted on the fit half: the pelvis stays still on the table, so the trunk line turns
  by a share of the spine's flexion.
* The head's pitch (the ear -> nose line) turns with the whole spine and the neck: its forward turn
  from sitting upright, corrected where the pose model reads it short (the chin near the chest), less
  the spine's flexion is the neck's flexion (the head against the trunk). Over the person's own slump
  the head's turn per degree of the trunk line's is recorded (`head_per_trunk`) as a check.
* The back's outline (the segmentation mask, `rom.core.back_contour`) is traced as for the hinge, and
  the upper back's outline turn from sitting upright is kept per frame (`spine_flexion_outline_deg`),
  but it is not the reported spine flexion: with the hands clasped behind the back the arms cut into
  the dorsal outline, and on the validation clips its turn missed the spine's by tens of degrees
  (`rom validate` prints it), where the trunk line's misses by a few.
* The knee's end range is read over the hold after the knee extension (in full slump); the gain on
  release is the hold before the release minus the hold after it (both with the foot as it is then),
  and the knee after the release is the end range minus the gain. A far tested
  leg reads straighter (the near leg hangs in front of it): a correction fitted on the fit half is
  added, and its interval is wider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rom.core import back_contour, geometry, posture, quality, signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries, other_side
from rom.core.results import FrameTable, Quality
from rom.core.signal import finite_median as _median
from rom.protocols.base import NO_MARKS, Marks
from rom.protocols.slump.phases import Move, PhaseConfig, find_move, find_phases
from rom.protocols.slump.result import SlumpEvents, SlumpMark, SlumpResult

FLAGS = ("neck_release_gain",)


@dataclass(frozen=True)
class SlumpConfig:
    """Thresholds and constants; each from the fit half of samples/validation (never the test half)."""

    cutoff_hz: float = 4.0  # zero-phase low-pass of the angle series (as for the SLR and the hinge)
    # the knee straightened by more than this on the neck's release is flagged neck_release_gain:
    # above the gain read on the fit half's clips without one (see calibration in the README)
    release_gain_threshold_deg: float = 3.0
    # A far tested leg (the near leg hangs in front of it) is refused when refuse_far_leg (fit half:
    # its knee's error at end range spread over far_knee_spread_deg, its gain on release off by up to
    # far_gain_error_deg); else its knee flexion is corrected by far_knee_bias_deg (the fit half's mean
    # error) and its interval widened to far_knee_sd_deg
    refuse_far_leg: bool = True
    far_knee_spread_deg: float = 7.0
    far_gain_error_deg: float = 7.0
    far_knee_bias_deg: float = 0.0
    near_knee_bias_deg: float = 1.6
    # Uncertainty (SD, degrees) of the knee flexion at end range and of the gain on release: the
    # fit half's rms errors, near and far leg (45 fit clips, 30 of them added on fresh seeds: 22 near-leg
    # clips measured, rms 3.2 at end range and 2.6 for the gain; the first 15 had said 2.3 and 1.8 and left
    # 3 of the fresh clips confidently wrong). The reading after the release is the end range less the gain,
    # so its SD joins both (rms 4.0 on the fit half).
    near_knee_sd_deg: float = 3.2
    far_knee_sd_deg: float = 5.0
    gain_sd_deg: float = 2.6
    # true gain on release per degree of the measured one: the pose model reads the knee's last
    # degrees towards straight short (fit half: least squares over the near-leg clips)
    gain_scale: float = 1.17
    # A knee read more bent after the release than before by more than this (about 3 SD of the gain's
    # error) is a misreading, not a finding: no gain is given
    min_plausible_gain_deg: float = -6.0
    # Spine flexion per degree of the trunk line's turn from sitting upright (fit half: least squares
    # of the true spine flexion on the measured turn in the slumped hold)
    spine_per_trunk: float = 1.75
    # The head's turn per degree of the trunk line's turn during the slump when it cannot be read from
    # the person's own slump (none found): the fit half's median
    default_head_per_trunk: float = 1.77
    # The pose model reads the head's pitch short once the chin nears the chest: beyond
    # head_true_from_deg of turn from upright, each degree read is head_true_slope degrees (fit half:
    # the best of a grid over the neck's hold); the neck is that turn less the spine's flexion
    head_true_from_deg: float = 30.0
    head_true_slope: float = 1.2
    # The ankle's dorsiflexion from the foot angle (the shank against heel -> toe, minus 90): true =
    # ankle_scale * reading + ankle_offset_deg (fit half: least squares over the holds before and
    # after the foot is pulled up; the pose model's foot turns less than the foot)
    ankle_scale: float = 1.02
    ankle_offset_deg: float = 2.8
    # the shank of the straightening leg over the hanging one in the picture at end range: above it
    # the near leg
    near_shank_ratio: float = 1.0
    # frames with a pose in which the person must be seen sitting (`posture.is_sitting`; fit half:
    # 0.55-1.0 of a slump clip's frames, 0 of an SLR's or a hinge's)
    min_sitting_fraction: float = 0.3
    upright_s: float = 0.3  # the start's still sitting posture (the reference of every change)
    hold_trim_s: float = 0.1  # the edges of a hold left out of its reading
    hold_percentile: float = 25.0  # the knee's reading over a hold (`_hold_value`)
    phases: PhaseConfig = field(default_factory=PhaseConfig)


def _finite(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def image_facing(xy: np.ndarray) -> float:
    """+1 when a seated person faces +x in the picture (the knees in front of the hips), -1 for -x,
    0 when unknown; xy (N, 33, 2)."""
    from rom.core.landmarks import INDEX

    xy = np.asarray(xy, dtype=float)
    knees = xy[:, [INDEX["left_knee"], INDEX["right_knee"]], 0].mean(axis=1)
    hips = xy[:, [INDEX["left_hip"], INDEX["right_hip"]], 0].mean(axis=1)
    d = knees - hips
    d = d[np.isfinite(d)]
    return float(np.sign(np.median(d))) if len(d) else 0.0


def forward_deg(direction: np.ndarray, facing: float) -> np.ndarray:
    """A screen direction (`geometry.direction_deg`) turned into a forward angle from the upward
    vertical: 0 = straight up, positive = tipped towards the way the person faces."""
    return facing * geometry.wrap_deg(90.0 - np.asarray(direction, dtype=float))


def frame_angles(xy: np.ndarray, facing: float) -> dict[str, np.ndarray]:
    """The slump's raw angles of frames of landmark pixels (N, 33, 2) for a person facing `facing`:
    trunk (forward inclination of mid-hip -> mid-shoulder), head (forward pitch of the ear -> nose
    line from the horizontal, chin down positive), each leg's knee flexion, hip flexion (180 - the
    shoulder-hip-knee angle), shank length (pixels) and foot angle (the shank against the foot,
    heel -> toe, minus 90: positive = pulled up)."""
    from rom.core.landmarks import INDEX

    xy = np.asarray(xy, dtype=float)

    def p(name):
        return xy[:, INDEX[name]]

    hip, sh = 0.5 * (p("left_hip") + p("right_hip")), 0.5 * (p("left_shoulder") + p("right_shoulder"))
    ear = 0.5 * (p("left_ear") + p("right_ear"))
    out = {"trunk": forward_deg(geometry.direction_deg(sh - hip), facing),
           "head": geometry.wrap_deg(forward_deg(geometry.direction_deg(p("nose") - ear), facing) - 90.0)}
    for s in ("left", "right"):
        out[f"knee_{s}"] = geometry.flexion_deg(p(f"{s}_hip"), p(f"{s}_knee"), p(f"{s}_ankle"))
        out[f"hip_{s}"] = geometry.flexion_deg(p(f"{s}_shoulder"), p(f"{s}_hip"), p(f"{s}_knee"))
        shank = p(f"{s}_knee") - p(f"{s}_ankle")
        foot = p(f"{s}_foot_index") - p(f"{s}_heel")
        out[f"foot_{s}"] = 90.0 - geometry.interior_angle_deg(shank, np.zeros_like(shank), foot)
        out[f"shank_{s}"] = np.linalg.norm(shank, axis=1)
    return out


def tested_leg_per_frame(angles: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per frame, the straighter knee's readings (the tested leg, whatever its label) and the other's."""
    kl, kr = angles["knee_left"], angles["knee_right"]
    left = np.where(np.isfinite(kl) & np.isfinite(kr), kl <= kr, np.isfinite(kl))
    pick = {k: np.where(left, angles[f"{k}_left"], angles[f"{k}_right"]) for k in ("knee", "foot", "shank", "hip")}
    other = {f"other_{k}": np.where(left, angles[f"{k}_right"], angles[f"{k}_left"]) for k in ("knee", "shank")}
    return pick | other | {"label_left": left}


def analyze_slump(series: LandmarkSeries, video: str = "", side: str | None = None,
                  config: SlumpConfig = SlumpConfig(), marks: Marks = NO_MARKS) -> SlumpResult:
    """Measure a seated slump test clip. Raises NotMeasurable with a reason when it cannot be trusted.

    side: the tested leg declared ('left'/'right'), checked against the one found; None or 'auto'
    finds it.
    """
    fps, c = series.fps, config
    quality.require_detections(series)
    warnings = quality.require_side_view(series)
    det = series.detected
    sitting = posture.is_sitting(series.xy_px[det]) if det.any() else np.zeros(0, bool)
    frac = float(np.mean(sitting)) if len(sitting) else 0.0
    if frac < c.min_sitting_fraction:
        raise NotMeasurable(f"not a seated slump test: the person is seen sitting (thighs level, a shank hanging, "
                            f"the trunk upright) in only {frac:.0%} of the frames; the slump test is done sitting on "
                            "the edge of the table, filmed from the side")
    facing = image_facing(series.xy_px[det])
    if facing == 0.0:
        raise NotMeasurable("the way the person faces cannot be told (no knees in the picture)")
    raw = frame_angles(series.xy_px, facing)
    leg = tested_leg_per_frame(raw)

    def clean(x):
        return signal.clean(x, fps, c.cutoff_hz)

    n0 = max(3, int(round(c.upright_s * fps)))
    trunk = clean(raw["trunk"])
    head = clean(raw["head"])
    knee = np.clip(clean(leg["knee"]), 0.0, 180.0)
    other_knee = np.clip(clean(leg["other_knee"]), 0.0, 180.0)
    foot = clean(leg["foot"])
    trunk0, head0 = _median(trunk[:n0]), _median(head[:n0])
    if not (np.isfinite(trunk0) and np.isfinite(head0)):
        raise NotMeasurable("the start of the clip shows no trunk and head to measure from; start the recording "
                            "with the person sitting upright")
    trunk_turn = trunk - trunk0
    head_turn = head - head0

    # The head's turn per degree of the trunk line's turn over the person's own slump (the neck still):
    # the head's turn beyond it is the neck's flexion.
    slump = find_move(trunk_turn, fps, 0, +1, c.phases.min_slump_deg)
    ratio, ratio_note = head_per_trunk(trunk_turn, head_turn, slump, fps, c)
    if ratio_note:
        warnings.append(ratio_note)
    spine = c.spine_per_trunk * trunk_turn
    neck = head_true(head_turn, c) - spine
    ankle = c.ankle_scale * foot + c.ankle_offset_deg
    phases = find_phases(trunk_turn, neck, knee, ankle, fps, c.phases)
    if "knee_extension" not in phases:
        rise = float(np.nanmax(knee) - np.nanmin(knee)) if np.isfinite(knee).any() else 0.0
        raise NotMeasurable(f"no knee extension found: the straighter knee moved by only {rise:.0f} degrees (the slump "
                            f"test straightens one knee by at least {c.phases.min_knee_deg:.0f}); this is not a slump "
                            "test")
    ext = phases["knee_extension"]
    if not ext.settled:
        raise NotMeasurable("the clip ends while the knee is still straightening: film the test to its end (the neck "
                            "released, the person sitting up)")

    outline = _outline_spine(series, facing, n0, fps, c)
    near_far, shank_ratio = _near_or_far(leg, ext, fps, c)
    facing_side = "right" if facing > 0 else "left"
    tested = facing_side if near_far == "near" else other_side(facing_side)
    if near_far == "far" and c.refuse_far_leg:
        raise NotMeasurable(
            f"the tested leg ({tested}) is the camera's far leg: the near leg hangs in front of it, and on rendered "
            f"clips the pose model's reading of the far knee at end range was off by up to {c.far_knee_spread_deg:.0f} "
            f"degrees and its gain on the neck release by up to {c.far_gain_error_deg:.0f}; film from the "
            f"{tested} side, with the tested leg nearest the camera")
    if side in ("left", "right") and side != tested:
        warnings.append(f"the {side} leg was declared, but the knee that straightened is the {tested} leg (the "
                        f"camera's {near_far} leg): it is measured as the {tested} leg")
    bias = c.far_knee_bias_deg if near_far == "far" else c.near_knee_bias_deg
    knee_sd = c.far_knee_sd_deg if near_far == "far" else c.near_knee_sd_deg
    if near_far == "far":
        warnings.append("the tested leg is the camera's far leg: the near leg hangs in front of it and the pose model "
                        f"reads it straighter; {bias:+.0f} degrees were added to its knee flexion (fitted on rendered "
                        "clips) and its interval is wider. Film from the tested leg's side for a better reading")
    knee_c = knee + bias
    knee_raw = leg["knee"] + bias

    # The holds: in full slump right after the knee extension (before the foot is pulled up, which
    # moves the ankle landmark), just before the release (the foot as after the release), after it.
    release, ankle_move, ret = phases.get("neck_release"), phases.get("ankle_dorsiflexion"), phases.get("return")
    after_ext = int(np.ceil(ext.end))
    pre_release = int(np.floor(release.start)) if release else _next_move_start(phases, ext, len(series))
    end_deg, end_noise = _hold_value(knee_raw, after_ext, int(np.floor(ankle_move.start)) if ankle_move
                                     else pre_release, fps, c)
    rel_deg, rel_noise, gain_deg = float("nan"), float("nan"), float("nan")
    if release is not None and release.settled:
        before_deg, before_noise = _hold_value(knee_raw, int(np.ceil(ankle_move.end)) if ankle_move else after_ext,
                                               pre_release, fps, c)
        after_deg, rel_noise = _hold_value(knee_raw, int(np.ceil(release.end)),
                                           int(np.floor(ret.start)) if ret else len(series) - 1, fps, c)
        gain_deg = c.gain_scale * (before_deg - after_deg)
        rel_deg = end_deg - gain_deg
        rel_noise = float(np.hypot(rel_noise, before_noise))
        if gain_deg < c.min_plausible_gain_deg:
            warnings.append(f"the knee read {-gain_deg:.0f} degrees more bent after the neck release than before it, "
                            "which releasing the neck does not do: the reading after the release is not trusted, and "
                            "no gain is given")
            gain_deg = rel_deg = rel_noise = float("nan")
    elif release is None:
        warnings.append("the neck was not seen released after the knee extension: no knee reading after the release, "
                        "and no structural differentiation")
    sd_end = float(np.hypot(knee_sd, end_noise))
    sd_rel = float(np.sqrt(knee_sd ** 2 + c.gain_sd_deg ** 2 + rel_noise ** 2)) if np.isfinite(rel_noise) \
        else float("nan")
    # the gain is the hold before the release minus the one after it (rel_noise: both holds' noise)
    sd_gain = float(np.hypot(c.gain_sd_deg, c.gain_scale * rel_noise)) if np.isfinite(gain_deg) else float("nan")

    flags = []
    if np.isfinite(gain_deg) and gain_deg > c.release_gain_threshold_deg:
        flags.append("neck_release_gain")
    slump_on = slice(int(phases["slump"].start), None) if "slump" in phases else slice(None)
    done = _components(phases, spine, neck, knee_c, ankle, c)
    frames_table = FrameTable({
        "t_s": series.t_s,
        "knee_flexion_deg": knee_c,
        "knee_flexion_raw_deg": knee_raw,
        "other_knee_flexion_deg": other_knee,
        "spine_flexion_deg": spine,
        "spine_flexion_outline_deg": outline,
        "trunk_inclination_deg": trunk,
        "hip_flexion_deg": clean(leg["hip"]),
        "neck_flexion_deg": neck,
        "head_pitch_deg": head,
        "ankle_dorsiflexion_deg": ankle,
        "tested_label_left": leg["label_left"].astype(float),
    })
    t = series.t_s

    def time_of(frame: float) -> float:
        return float(np.interp(frame, np.arange(len(t)), t))

    phase_times = {"upright": (float(t[0]), time_of(phases["slump"].start) if "slump" in phases else float(t[0]))}
    phase_times |= {k: (time_of(m.start), time_of(m.end)) for k, m in phases.items()}
    mark_list = tuple(_mark(at, frames_table, phase_times) for at in sorted(marks.pain))
    q = Quality(frames=len(series), detected_fraction=float(det.mean()), warnings=tuple(warnings),
                view=quality.view_kind(series))
    ankle_max = float(np.nanmax(ankle[slump_on])) if "ankle_dorsiflexion" in phases else float("nan")
    return SlumpResult(
        video=video, side=tested, facing=facing_side, tested_leg=near_far,
        phases=phase_times, end_range_s=time_of(ext.end),
        knee_flexion_end_deg=end_deg, knee_flexion_end_ci95_deg=_ci(end_deg, sd_end),
        knee_flexion_release_deg=rel_deg, knee_flexion_release_ci95_deg=_ci(rel_deg, sd_rel),
        release_gain_deg=gain_deg, release_gain_ci95_deg=_ci(gain_deg, sd_gain),
        max_spine_flexion_deg=float(np.nanmax(spine)), max_trunk_inclination_deg=float(np.nanmax(trunk)),
        max_neck_flexion_deg=float(np.nanmax(neck)), max_ankle_dorsiflexion_deg=ankle_max,
        max_spine_flexion_outline_deg=float(np.nanmax(outline)) if np.isfinite(outline).any() else float("nan"),
        head_per_trunk=ratio, shank_ratio=shank_ratio, components=done,
        flags=tuple(flags), quality=q, frames=frames_table, marks=mark_list,
        events=SlumpEvents(phases={k: (float(m.start), float(m.end)) for k, m in phases.items()},
                           end_range=float(ext.end), release_threshold_deg=c.release_gain_threshold_deg))


def head_true(head_turn: np.ndarray, c: SlumpConfig) -> np.ndarray:
    """The head's true forward turn from upright (the spine's and the neck's flexion together) from
    the pose model's head pitch turn, which reads short once the chin nears the chest."""
    x = np.asarray(head_turn, dtype=float)
    return np.where(x > c.head_true_from_deg, c.head_true_from_deg + c.head_true_slope * (x - c.head_true_from_deg), x)


def head_per_trunk(trunk_turn, head_turn, slump: Move | None, fps, c: SlumpConfig) -> tuple[float, str]:
    """The head's turn per degree of the trunk line's turn over the slump (the neck is still while the
    trunk slumps, so the head turns with the whole spine), or the fit half's when the slump cannot be
    read."""
    if slump is None or not slump.settled:
        return c.default_head_per_trunk, ("no slump of the trunk was found; the neck's flexion is read against the "
                                          "trunk line with a typical ratio")
    lo, hi = int(slump.start), int(np.ceil(slump.end))
    dt = _median(trunk_turn[hi:hi + int(0.2 * fps) + 1]) - _median(trunk_turn[max(0, lo - int(0.2 * fps)):lo + 1])
    dh = _median(head_turn[hi:hi + int(0.2 * fps) + 1]) - _median(head_turn[max(0, lo - int(0.2 * fps)):lo + 1])
    r = dh / dt if dt > 1.0 else float("nan")
    if not np.isfinite(r) or not 1.0 <= r <= 3.0:
        return c.default_head_per_trunk, (f"the head turned {dh:.0f} degrees while the trunk line turned {dt:.0f} "
                                          "during the slump (the neck moved too?); the neck's flexion is read against "
                                          "the trunk line with a typical ratio")
    return float(r), ""


def _outline_spine(series: LandmarkSeries, facing: float, n0: int, fps: float, c: SlumpConfig) -> np.ndarray:
    """The upper back's outline turn from sitting upright (degrees per frame, NaN where unmeasured):
    the outline's direction over the upper back (`back_contour.WINDOWS['upper']`) in the picture."""
    n = len(series)
    if series.back is None or series.back.shape[1] != back_contour.N_FEATURES:
        return np.full(n, np.nan)
    face, offs = back_contour.offsets(series.back)
    offs = np.where((face == facing)[:, None], offs, np.nan)
    slopes = back_contour.window_slopes_deg(offs)
    hip, sh = back_contour.chord(series.xy_px)
    chord_fwd = forward_deg(geometry.direction_deg(sh - hip), facing)
    upper = chord_fwd - slopes["upper"]
    upper = signal.clean(upper, fps, c.cutoff_hz, min_deviation=5.0)
    ref = _median(upper[:n0])
    return upper - ref if np.isfinite(ref) else np.full(n, np.nan)


def _near_or_far(leg: dict, ext: Move, fps: float, c: SlumpConfig) -> tuple[str, float]:
    """Near or far leg from the shanks' lengths in the picture over the second after the knee
    extension (the straightened shank over the hanging one)."""
    lo = int(np.ceil(ext.end))
    hi = min(len(leg["shank"]), lo + int(round(fps)))
    r = leg["shank"][lo:hi] / np.maximum(leg["other_shank"][lo:hi], 1e-6)
    ratio = _median(r)
    if not np.isfinite(ratio):
        raise NotMeasurable("the shanks were not seen after the knee extension: the tested leg cannot be told")
    return ("near" if ratio >= c.near_shank_ratio else "far"), ratio


def _next_move_start(phases: dict[str, Move], ext: Move, n: int) -> int:
    later = [m.start for m in phases.values() if m.start > ext.end]
    return int(np.floor(min(later))) if later else n - 1


def _hold_value(x: np.ndarray, lo: int, hi: int, fps: float, c: SlumpConfig) -> tuple[float, float]:
    """The knee's reading over a hold, frames lo..hi (the edges trimmed), and its SD: a low percentile
    (`hold_percentile`) of the unsmoothed frames, since the pose model's slips in a seated side view
    (the legs' landmarks mixed for a few frames) read the knee more bent, seldom straighter, than the
    straighter knee is."""
    trim = int(round(c.hold_trim_s * fps))
    a, b = lo, max(lo + 1, hi - trim)
    seg = _finite(x[a:b + 1])
    if len(seg) < 3:
        seg = _finite(x[max(0, lo - 2):lo + 3])
    if not len(seg):
        return float("nan"), float("nan")
    eff = max(1.0, len(seg) / max(1.0, fps / 8.0))
    q1, q3 = np.percentile(seg, [25, 75])
    return float(np.percentile(seg, c.hold_percentile)), float((q3 - q1) / 1.35 / np.sqrt(eff))


def _ci(v: float, sd: float) -> tuple[float, float]:
    if not (np.isfinite(v) and np.isfinite(sd)):
        return (float("nan"), float("nan"))
    return (v - 1.96 * sd, v + 1.96 * sd)


def _components(phases: dict[str, Move], spine, neck, knee, ankle, c: SlumpConfig) -> dict[str, float | None]:
    """Each step of the test: how far it went (degrees of its angle) or None when it was not done."""
    def amp(name: str, x: np.ndarray) -> float | None:
        m = phases.get(name)
        if m is None:
            return None
        a, b = int(m.start), int(np.ceil(m.end))
        before, after = _median(x[max(0, a - 3):a + 1]), _median(x[b:b + 4])
        return abs(after - before) if np.isfinite(after - before) else None

    return {"slump": amp("slump", spine), "neck_flexion": amp("neck_flexion", neck),
            "knee_extension": amp("knee_extension", knee), "ankle_dorsiflexion": amp("ankle_dorsiflexion", ankle),
            "neck_release": amp("neck_release", neck), "return": amp("return", spine)}


def _mark(at_s: float, frames: FrameTable, phase_times: dict[str, tuple[float, float]]) -> SlumpMark:
    """The angles at a symptom mark (session seconds), and the step under way (or the last one done)."""
    col = frames.columns
    t = col["t_s"]

    def at(key: str) -> float:
        x = col[key]
        ok = np.isfinite(x)
        return float(np.interp(at_s, t[ok], x[ok])) if ok.sum() >= 2 else float("nan")

    step = "upright"
    for name, (start, _end) in sorted(phase_times.items(), key=lambda kv: kv[1][0]):
        if start <= at_s:
            step = name
    return SlumpMark(t_s=float(at_s), phase=step, knee_flexion_deg=at("knee_flexion_deg"),
                     neck_flexion_deg=at("neck_flexion_deg"), spine_flexion_deg=at("spine_flexion_deg"),
                     ankle_dorsiflexion_deg=at("ankle_dorsiflexion_deg"))
