"""The active knee extension (AKE, 90/90 hamstring test): from a lying body's landmarks to the AKE
angle, the hip at end range and the flags.

Conventions (DESIGN.md 3): lying on the back, the tested hip held at 90 degrees of flexion (the
thigh, hip -> knee, against the table line), the person straightens the knee as far as it goes.
The AKE angle is the knee flexion left at end range (180 - the hip-knee-ankle angle; 0 = straight),
read over the knee's most extended hold.

Which leg: by geometry (`rom.core.legs`), the leg whose knee is held up; the pose model's left/right
label is wrong for the raised leg in most near-leg clips (tools/synth/FINDINGS.md).

The table line: the other leg lies on the table; before the extension its thigh line, turned by the
angle at which a resting thigh lies above the table (`rest_thigh_deg`, as the SLR's), is the table
line. The other leg's rise is read on its hip -> ankle line (a straight leg), which the raised leg's
knee does not pull about as it does the resting knee's landmark (FINDINGS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.core import kinematics, legs, quality, signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries, other_side
from rom.core.results import FrameTable, Quality
from rom.core.signal import finite_median as _median
from rom.protocols.ake.result import AKEEvents, AKEResult
from rom.protocols.ake.words import DRIFT_TOLERANCE_DEG


@dataclass(frozen=True)
class AKEConfig:
    # The hip_drift flag: the thigh further than this from its starting angle during the extension.
    hip_drift_tolerance_deg: float = DRIFT_TOLERANCE_DEG
    contralateral_limit_deg: float = 8.0  # the other leg's rise that counts as lifting (the SLR's limit)
    rest_thigh_deg: float = 4.0  # a resting leg's line above the table (the SLR's calibration)
    rest_trunk_deg: float = 0.0  # the trunk line (mid-hip -> mid-shoulder) above the table
    cutoff_hz: float = 4.0  # zero-phase low-pass of the thigh lines
    knee_cutoff_hz: float = 5.0
    min_run_s: float = 0.2
    # Fitted by calibration/fit_ake.py on the fit half of samples/validation (90 fit clips: the first 30 and 60
    # added on fresh seeds; the 30 test clips never looked at).
    # The camera's view: from a camera turned towards the head or the feet (renders: up to 20 degrees) the pose
    # model reads the knee off by several degrees, and by about the same share of it all through the extension:
    # the raw end-range error follows the raw reading at the 90/90 start, err = 0.73 x (start reading - 90) - 0.8
    # (fit half, 74 clips within the start limit; SD 3.2 about the line against 4.7 without it; the slope is the
    # same at every knee angle, 0.71 + 0.001 x the angle over the frames). The test sets the knee at 90 before the
    # extension, so the knee is corrected by start_knee_correct x (start reading - 90) and by knee_bias_deg (the
    # line's intercept): the view correction. It rests on the knee having been set at 90: a real examiner sets
    # it by eye, within start_set_sd_deg (an assumption, not a fit: every render starts at exactly 90), which
    # the interval carries as start_knee_correct x start_set_sd_deg.
    knee_bias_deg: float = 0.8
    knee_bias_far_deg: float = 0.8
    start_knee_correct: float = 0.73
    start_set_sd_deg: float = 5.0
    # SD about the line, per leg (fit half: near 3.45 over 39 clips, far 2.75 over 35; an unknown leg takes the
    # near's).
    knee_sd_deg: float = 3.5
    knee_sd_far_deg: float = 2.8
    # Beyond this departure of the raw start reading from 90 the clip is refused: a correction over about 7
    # degrees would rest on a start that an examiner setting 90 by eye would see is not at 90 (fit half: the
    # line holds to 15, residuals -4 to +5 past 10; 10 of the 84 clips with a start reading read more than 10
    # from 90).
    max_start_knee_off_deg: float = 10.0
    # The hip, likewise: the upright thigh against the table lines reads off with the camera's view (FINDINGS.md:
    # 0-5 low at the start; SD 5.4 at the start and 5.8 at end range on the fit half), and its error at end range
    # follows its reading at the start: err = 0.73 x (start reading - 90) - 1.9 (fit half, 81 clips with the
    # knee's start refusal off, r 0.77; SD 3.7 about the line, near legs 4.3, far 3.0). The test holds the
    # thigh at 90, so the hip is corrected by hip_start_correct x (start reading - 90) and by hip_bias_deg.
    # The renders set the hip at 85-93 (SD 2.8), as an examiner by eye, so the SD about the line already
    # carries a start not at exactly 90. A start read more than max_hip_start_off_deg from 90 (fit half: at
    # most 13) is not corrected (only the bias) and keeps the uncorrected SD, hip_sd_uncorrected_deg.
    hip_bias_deg: float = 1.9
    hip_start_correct: float = 0.73
    hip_sd_deg: float = 4.3
    hip_sd_far_deg: float = 3.0
    max_hip_start_off_deg: float = 15.0
    hip_sd_uncorrected_deg: float = 5.8
    # End range must be held: the knee within hold_deg of its straightest reading for at least min_hold_s
    # (the renders hold 0.5 s; a 1- to 3-frame 'hold' is a passing landmark glitch: fit-ake-058's frame is 27
    # degrees off the truth there).
    min_hold_s: float = 0.2
    # A knee read nearly straight at end range was more bent than read: after the view correction, readings
    # under 5 degrees read 4.4 low on average, 5-10 degrees 3.4 low, 10-15 0.0 (fit half). Below low_reading_deg
    # the upper end of the interval is widened by low_reading_widen per degree (fit half: 74/74 measured
    # covered, median half-width 9.9, none confidently wrong).
    low_reading_deg: float = 12.0
    low_reading_widen: float = 1.0
    # What makes an AKE clip: the tested thigh held up (its median elevation above the body line over
    # the clip), the knee bent at the start (the 90/90 position) and straightening by at least
    # min_extension_deg; an SLR lifts a straight leg from the table, a hinge stands.
    min_held_thigh_deg: float = 55.0
    min_start_knee_deg: float = 45.0
    min_extension_deg: float = 15.0
    min_flat_deg: float = 25.0  # the other thigh higher than this over most of the clip does not lie on the table
    # The tested leg's length in the picture over the resting leg's: a near leg reads longer, a far one
    # shorter (the near leg hides part of it); within near_ratio_margin of near_ratio it is unknown.
    near_ratio: float = 0.93
    near_ratio_margin: float = 0.02
    start_s: float = 0.4  # the still start read for the baselines (the renders hold 0.7 s)
    # A knee first found later than this into the recording is said to be (fit half: the pose model first found
    # the knee 0.1-0.9 s late in 15 of 88 clips, in the still start or the extension's slow first 0.2 s).
    knee_found_late_s: float = 1.0
    hold_deg: float = 2.0  # end range: the frames within this of the knee's most extended reading
    min_knee_deg: float = -5.0  # knee readings below this are the model flipping a straight knee (see _angles)
    end_median_s: float = 0.3  # the running median the end range is found on (see analyze_ake)
    # Guards: a knee does not extend beyond about 15 degrees of hyperextension, a hip does not flex
    # beyond 150 degrees; a far knee whose landmarks scatter more than far_noisy_deg around end range
    # widens the interval by that much, and beyond refuse_noisy_deg is refused.
    max_hyperextension_deg: float = 15.0
    max_possible_hip_deg: float = 150.0
    far_noisy_deg: float = 3.0
    refuse_noisy_deg: float = 10.0


def analyze_ake(series: LandmarkSeries, video: str = "", side: str | None = None,
                config: AKEConfig = AKEConfig()) -> AKEResult:
    """Measure an AKE clip. Raises NotMeasurable with the reason when the result cannot be trusted."""
    fps = series.fps
    if len(series) and series.upright_frames > 0.5 * len(series):
        raise NotMeasurable("only a person standing (or sitting) upright was found, nobody lying on their back: this "
                            "is not an active knee extension (for a hip hinge use --test hinge)")
    quality.require_detections(series)
    quality.require_lying(series)
    body = kinematics.supine_frame(series)
    if body is None:
        raise NotMeasurable("cannot tell which way the lying person points (head and feet not found)")
    warnings: list[str] = quality.require_side_view(series)

    raised = legs.assign_raised_leg(series, body)
    series, label = raised.series, raised.label
    if raised.knee_swaps or raised.foot_swaps:
        warnings.append(f"the pose model exchanged the legs' knees in {raised.knee_swaps} and feet in "
                        f"{raised.foot_swaps} frames; corrected (the tested leg is the one held up)")
    a = _angles(series, body, label, fps, config)
    _require_ake(a, config)

    n_start = max(3, int(round(config.start_s * fps)))
    start = slice(0, n_start)
    base_other_leg = _median(a["other_leg_raw"][start])
    if not (np.isfinite(base_other_leg) or np.isfinite(_median(a["trunk_raw"][start]))):
        raise NotMeasurable("neither the resting leg nor the trunk was found at the start: the table line cannot be "
                            "found. Start the recording with the other leg flat on the table, the whole body in view")
    base_trunk = _median(a["trunk_raw"][start])
    # The table line's elevation above the body's feet direction: the mean of two lines that lie on it,
    # the resting leg (hip -> ankle, rest_thigh_deg above it) and the trunk (hip -> shoulder); the
    # resting thigh alone is not used, since the pose model puts its knee on the raised leg in some
    # frames (fit half: SD 15.8 degrees of the hip at the start against 7.0 for this mean). Where one of
    # them is missing, the other.
    # (the trunk's elevation is measured towards the head: a tilt of the table turns it the other way)
    lines = [v for v in (base_other_leg - config.rest_thigh_deg, -(base_trunk - config.rest_trunk_deg))
             if np.isfinite(v)]
    table = float(np.mean(lines))
    hip_read = a["thigh"] - table  # (corrected for the view below, once its start is known)
    other_rise = a["other_leg"] - base_other_leg
    other_thigh = a["other_leg"] - table  # (the resting leg's line: its knee landmark wanders, see above)

    # End range: the knee's most extended hold (smoothed), its first frame the reading's moment.
    knee = a["knee"]
    if not np.isfinite(knee).any():
        raise NotMeasurable("the tested leg's knee was not found")
    held_range = end_range(knee, hip_read, fps, config)
    if held_range is None:
        raise NotMeasurable("the tested leg's knee and thigh were never tracked together: the end range cannot be read")
    h0, h1, i_min = held_range
    # The 90/90 start: the first n_start frames with the knee tracked (the pose model may take the first
    # frames to find the legs: fit half, 7 of 87 clips refused for a thigh "jumping at the start" that were
    # only untracked there; a knee first found mid-extension reads far from 90 and is refused below).
    tracked = np.flatnonzero(np.isfinite(knee[:i_min + 1]))
    if not len(tracked):
        raise NotMeasurable("the tested knee was not found before end range: neither the 90/90 start nor the "
                            "extension was seen. Start the recording with the knee in view, set at 90 degrees")
    k0 = int(tracked[0])
    kstart = slice(k0, k0 + n_start)
    knee_start = _median(knee[kstart])
    found_s = float(series.t_s[k0])
    # The extension began where the knee last sat near its starting bend before end range.
    bent = np.flatnonzero(np.isfinite(knee[:h0 + 1]) & (knee[:h0 + 1] >= knee_start - 3.0))
    ext0 = int(bent[-1]) if len(bent) else 0
    window = slice(ext0, h1 + 1)

    hip_start_read = _median(hip_read[:max(ext0, k0 + n_start)])
    hip_offset, hip_start_off = hip_view_correction(hip_start_read, config)
    hip, hip_raw = hip_read + hip_offset, a["thigh_raw"] - table + hip_offset
    hip_start = hip_start_read + hip_offset
    hip_end = _median(hip[h0:h1 + 1])
    if not (np.isfinite(hip_start) and np.isfinite(hip_end)):
        raise NotMeasurable("the tested thigh's landmarks jumped about at the start or at end range (the frames there "
                            "were rejected): the pose model does not hold the leg. Film in good light from the side "
                            "of the tested leg, the whole body in view")
    n_hold = h1 - h0 + 1
    if n_hold / fps < config.min_hold_s:
        raise NotMeasurable(f"the knee's straightest reading lasted only {n_hold / fps:.2f} s ({n_hold} "
                            f"frame{'s' if n_hold > 1 else ''}), not a held end range: a passing landmark glitch "
                            "cannot be told from the end range. Straighten the knee as far as it goes and hold it "
                            "there for a second")
    # The thigh's departure from its start at end range (the renders' drift grows through the extension;
    # its largest departure over the extension also took landmark jumps for drift: fit half, one false flag).
    drift = hip_end - hip_start
    rise_window = other_rise[window]
    rise_window = rise_window[np.isfinite(rise_window)]
    other_max = float(np.max(rise_window)) if len(rise_window) else float("nan")
    other_end = _median(other_rise[h0:h1 + 1])  # the lift is whole over the hold

    near_far = _near_or_far(raised, np.isfinite(knee), config)
    far = near_far.leg != "near"
    # The knee's raw reading at the 90/90 start (the first start_s with it tracked) sets the correction for the
    # camera's view (see AKEConfig). Where the knee was first found late, that reading is taken there: from the
    # knee alone a knee found already straightening cannot be told from one the pose model only settles on
    # (fit half: first readings that fall 8-14 degrees in 0.3 s during the still start), so it is said.
    offset, start_off = view_correction(knee_start, near_far.leg, config)
    late = found_s > config.knee_found_late_s
    if abs(start_off) > config.max_start_knee_off_deg:
        where = (f"was first found {found_s:.1f} s into the recording and read {knee_start:.1f} degrees there, "
                 f"{abs(start_off):.1f} from 90: either it was already straightening (its start hidden), or it was"
                 if late else f"read {knee_start:.1f} degrees at the 90/90 start, {abs(start_off):.1f} from 90: "
                 "either it was")
        raise NotMeasurable(f"the knee {where} not set at 90, or the pose model misreads this knee from this view "
                            "(the reading is corrected for the view by about three quarters of the start's departure, "
                            f"which is trusted up to {config.max_start_knee_off_deg:g} degrees). Set the hip and the "
                            "knee at 90 degrees before extending, the knee in view from the start, and film square "
                            "to the side of the tested leg")
    if late:
        warnings.append(f"the tested knee was first found {found_s:.1f} s into the recording: its 90/90 start "
                        f"reading ({knee_start:.0f} degrees), which sets the correction for the camera's view, is "
                        "taken there; if the knee had begun to straighten by then, the correction is off by about "
                        "three quarters of what it had straightened")
    knee_c, knee_raw_c = knee + offset, a["knee_raw"] + offset
    ake = _median(knee_c[h0:h1 + 1])
    knee_set = knee_start + offset
    # Landmark noise at end range: the raw knee's scatter about the smoothed one over the hold and 0.3 s round it.
    lo_n, hi_n = max(0, h0 - int(0.3 * fps)), min(len(knee), h1 + int(0.3 * fps) + 1)
    resid = (knee_raw_c - knee_c)[lo_n:hi_n]
    resid = resid[np.isfinite(resid)]
    # (robust: one frame with the knee put elsewhere is not the knee's scatter)
    scatter = float(1.4826 * np.median(np.abs(resid - np.median(resid)))) if len(resid) >= 3 else float("inf")
    if scatter > config.refuse_noisy_deg:
        raise NotMeasurable(f"the tested knee's landmarks scatter by {scatter:.0f} degrees around end range: the pose "
                            "model does not hold the knee (a far leg behind the near one?). Film from the side of "
                            "the tested leg")
    sd = config.knee_sd_far_deg if far else config.knee_sd_deg
    extra = 0.0
    if far and scatter > config.far_noisy_deg:
        extra = scatter
        warnings.append(f"the tested leg is the camera's far leg and its knee's landmarks scatter by {scatter:.0f} "
                        "degrees around end range: the interval is widened by as much")
    noise = scatter / np.sqrt(max(1.0, (h1 - h0 + 1) / 3.0))
    view = config.start_knee_correct * config.start_set_sd_deg
    if abs(offset) > 3.0:
        warnings.append(f"the knee read {knee_start:.0f} degrees at the 90/90 start: the pose model misreads this "
                        f"knee from this view, and its readings are corrected by {offset:+.0f} degrees on the "
                        "assumption that it was set at 90 (the interval allows for a start set by eye)")
    half = 1.96 * float(np.sqrt(sd ** 2 + noise ** 2 + view ** 2)) + extra
    # A knee read nearly straight (or hyperextended) was often more bent than read: the truth lies above,
    # so the upper end is widened the further the reading is below low_reading_deg (see AKEConfig).
    upper = half + config.low_reading_widen * max(0.0, config.low_reading_deg - ake)
    if upper - half > 3.0:
        warnings.append(f"the knee read nearly straight at end range ({ake:.0f} degrees): the pose model reads such "
                        f"a knee straighter than it is more often than not, so the interval reaches "
                        f"{upper - half:.0f} degrees further up")

    if np.isfinite(hip_end) and hip_end > config.max_possible_hip_deg:
        raise NotMeasurable(f"the tested thigh read {hip_end:.0f} degrees from the table, beyond what a hip can do: "
                            "the landmarks are in the wrong place")

    flags: list[str] = []
    if abs(drift) > config.hip_drift_tolerance_deg:
        flags.append("hip_drift")
    if np.isfinite(other_end) and max(other_end, 0.0) > config.contralateral_limit_deg:
        flags.append("contralateral_leg_lift")
    hip_set = hip_start_read + config.hip_bias_deg  # (as read, before the view correction)
    if abs(hip_set - 90.0) > 10.0:
        warnings.append(f"the hip read {hip_set:.0f} degrees at the start, not 90: the AKE angle depends on the hip's "
                        "angle; set the thigh upright before the knee extends")
    if ake < -config.max_hyperextension_deg:
        raise NotMeasurable(f"the knee read {-ake:.0f} degrees hyperextended at end range, which a knee does not do: "
                            "the landmarks are in the wrong place")

    if abs(hip_start_off) > config.max_hip_start_off_deg:
        hip_sd = config.hip_sd_uncorrected_deg
        warnings.append(f"the thigh read {hip_set:.0f} degrees at the start, too far from 90 to correct the hip for "
                        "the camera's view: the hip's interval is the wider one of an uncorrected reading")
    else:
        hip_sd = config.hip_sd_far_deg if near_far.leg == "far" else config.hip_sd_deg
    hip_half = 1.96 * hip_sd
    facing = legs.facing_side(body)
    side, side_note = legs.decide_side(side, body, near_far, label, moved="leg held up", tested="tested leg")
    if side_note:
        warnings.append(side_note)
    q = Quality(frames=len(series), detected_fraction=float(series.detected.mean()),
                warnings=tuple(warnings), view=quality.view_kind(series))
    frames = FrameTable({
        "t_s": series.t_s,
        "hip_flexion_deg": hip,
        "hip_flexion_raw_deg": hip_raw,
        "knee_flexion_deg": knee_c,
        "knee_flexion_raw_deg": knee_raw_c,
        "other_hip_flexion_deg": other_thigh,
        "other_leg_rise_deg": other_rise,
        f"{side}_hip_visibility": series.vis(f"{label}_hip"),
        f"{side}_knee_visibility": series.vis(f"{label}_knee"),
        f"{side}_ankle_visibility": series.vis(f"{label}_ankle"),
    })
    events = AKEEvents(start=ext0, end=h0, hold=(h0, h1), label=label,
                       knee_swapped=frozenset(int(i) for i in np.flatnonzero(raised.knee_swapped)),
                       foot_swapped=frozenset(int(i) for i in np.flatnonzero(raised.foot_swapped)),
                       feet_deg=body.feet_deg, up_sign=body.up_sign,
                       drift_tolerance_deg=config.hip_drift_tolerance_deg)
    t = series.t_s
    return AKEResult(
        video=video, side=side, facing=facing, tested_leg=near_far.leg, ake_angle_deg=ake,
        ake_angle_ci95_deg=(ake - half, ake + upper), end_range_s=float(t[h0]), extension_start_s=float(t[ext0]),
        hip_flexion_start_deg=hip_start, hip_flexion_at_end_deg=hip_end,
        hip_flexion_at_end_ci95_deg=(hip_end - hip_half, hip_end + hip_half), hip_drift_deg=drift,
        max_other_hip_flexion_deg=config.rest_thigh_deg + max(other_max, 0.0) if np.isfinite(other_max)
        else float("nan"),
        other_leg_rise_deg=other_end, knee_flexion_start_deg=knee_set, knee_view_correction_deg=offset,
        hip_view_correction_deg=hip_offset,
        table_tilt_deg=float(body.up_sign * table), flags=tuple(flags), quality=q, frames=frames, events=events)


def view_correction(knee_start_raw: float, leg: str, config: AKEConfig) -> tuple[float, float]:
    """The offset added to the tested knee's raw readings for the camera's view, and the raw start reading's
    departure from 90 (nan where the knee was not found at the start: then only the bias). Offline and live
    alike (see AKEConfig: the test sets the knee at 90, and a camera turned towards the head or the feet reads
    the whole extension off by about three quarters of what it reads off there)."""
    bias = config.knee_bias_far_deg if leg == "far" else config.knee_bias_deg
    if not np.isfinite(knee_start_raw):
        return bias, float("nan")
    start_off = float(knee_start_raw) - 90.0
    return bias - config.start_knee_correct * start_off, start_off


def hip_view_correction(hip_start_read: float, config: AKEConfig) -> tuple[float, float]:
    """The offset added to the tested thigh's angle against the table for the camera's view, and the start
    reading's departure from 90 (see AKEConfig: the thigh is held at 90, and its error at end range follows its
    reading there). Beyond max_hip_start_off_deg, or without a start reading, only the bias. Offline and live
    alike."""
    if not np.isfinite(hip_start_read):
        return config.hip_bias_deg, float("nan")
    off = float(hip_start_read) - 90.0
    if abs(off) > config.max_hip_start_off_deg:
        return config.hip_bias_deg, off
    return config.hip_bias_deg - config.hip_start_correct * off, off


def _angles(series: LandmarkSeries, body: kinematics.SupineFrame, label: str, fps: float,
            config: AKEConfig) -> dict[str, np.ndarray]:
    """Raw and cleaned per-frame angles of the tested leg (label) and the other one."""
    other = other_side(label)
    raw = {
        "thigh": kinematics.segment_elevation(series, f"{label}_hip", f"{label}_knee", body),
        "knee": kinematics.signed_knee_flexion(series, label, body),
        "other_thigh": kinematics.segment_elevation(series, f"{other}_hip", f"{other}_knee", body),
        "other_leg": kinematics.segment_elevation(series, f"{other}_hip", f"{other}_ankle", body),
        "trunk": kinematics.trunk_elevation(series, body),
    }
    knee = raw["knee"]
    raw["knee"] = without_flips(knee, fps, config)
    out = {f"{k}_raw": v for k, v in raw.items()}
    out["knee_raw"] = knee  # (the raw trace as read, flips and all, for the CSV and the plot)
    for k, v in raw.items():
        out[k] = signal.clean(v, fps, config.knee_cutoff_hz if k == "knee" else config.cutoff_hz,
                              min_run_s=config.min_run_s)
    return out


def without_flips(knee: np.ndarray, fps: float, config: AKEConfig) -> np.ndarray:
    """The tested knee's raw flexion (degrees, before the bias) with the model's flips left out.

    A knee that reads hyperextended beyond min_knee_deg is the pose model flipping a nearly straight knee
    to the other side of the hip-ankle line (it alternates frame by frame between, say, +6 and -15 where
    the truth is 6; fit half of samples/validation): with the hip held at 90 the hamstrings do not let a
    knee hyperextend, so such frames are left out, and gaps of up to 0.1 s they leave are bridged (else
    the runs between flips are too short for the cleaning to keep). Offline and live alike."""
    knee = np.asarray(knee, float)
    flipped = np.isfinite(knee) & (knee < config.min_knee_deg)
    return signal.fill_gaps(np.where(flipped, np.nan, knee), max(1, int(round(0.1 * fps))))


def end_range(knee: np.ndarray, hip: np.ndarray, fps: float, config: AKEConfig) -> tuple[int, int, int] | None:
    """The end range's hold on the cleaned knee and thigh traces: (first, last, straightest) frame indices of
    the frames within hold_deg of the knee's most extended reading, or None if the knee and the thigh are
    never tracked together. Offline and live alike.

    Found on the knee's running median: a flip the cleaning kept lasts a frame or three, which the
    smoothed trace would take for the end range (fit half: 7 of 87 clips refused for a 1- to 3-frame
    'hold'; the true hold lasts 0.5 s). And only where the thigh is tracked too: a knee read off the other
    leg for a few frames comes with the thigh line rejected as a jump (fit half: fit-ake-050's 'end range'
    read 14 at a true 61 on the way back)."""
    steady = signal.running_median(np.where(np.isfinite(hip), knee, np.nan),
                                   max(3, int(round(config.end_median_s * fps))))
    if not np.isfinite(steady).any():
        return None
    i_min = int(np.nanargmin(steady))
    held = np.isfinite(steady) & (steady <= steady[i_min] + config.hold_deg)
    h0, h1 = i_min, i_min
    while h0 > 0 and held[h0 - 1]:
        h0 -= 1
    while h1 < len(knee) - 1 and held[h1 + 1]:
        h1 += 1
    return h0, h1, i_min


def _require_ake(a: dict[str, np.ndarray], config: AKEConfig) -> None:
    """Refuse a clip that is not an active knee extension: the tested thigh must be held up, its
    knee bent at the start and straightening."""
    thigh = _median(a["thigh"])
    lower = _median(a["other_thigh"])
    if np.isfinite(thigh) and thigh < config.min_held_thigh_deg and np.isfinite(lower) and lower > config.min_flat_deg:
        raise NotMeasurable(f"neither thigh is held upright nor lies flat through most of the clip (they stood "
                            f"{lower:.0f} and {thigh:.0f} degrees up): the pose model does not find the legs. Film in "
                            "good light from the side of the tested leg, the whole body in view")
    if not np.isfinite(thigh) or thigh < config.min_held_thigh_deg:
        shown = "no thigh found" if not np.isfinite(thigh) else f"the higher thigh stood {thigh:.0f} degrees up"
        raise NotMeasurable(f"no thigh was held up near 90 degrees through the clip ({shown} over most of it): this "
                            "is not an active knee extension (an SLR lifts a straight leg from the table; for that "
                            "use --test slr). Hold the tested thigh upright, then straighten the knee")
    knee = a["knee"][np.isfinite(a["knee"])]
    if not len(knee):
        raise NotMeasurable("the tested leg's knee was not found")
    top, low = float(np.percentile(knee, 95)), float(np.percentile(knee, 2))
    if top < config.min_start_knee_deg:
        raise NotMeasurable(f"the knee of the leg held up was never bent more than {top:.0f} degrees: the AKE starts "
                            "from 90/90 (hip and knee at 90 degrees) and straightens the knee")
    if top - low < config.min_extension_deg:
        raise NotMeasurable(f"the knee straightened by only {top - low:.0f} degrees: no knee extension was found. "
                            "Straighten the knee slowly as far as it goes")


def _near_or_far(raised: legs.RaisedLeg, frames: np.ndarray, config: AKEConfig) -> legs.NearFar:
    """Near or far from the tested leg's length in the picture against the resting leg's alone: the
    pose model's depth follows its left/right label, which it gets wrong for the leg held up in most
    near-leg clips (FINDINGS.md), so it cannot vouch for the side here."""
    r = legs.near_or_far(raised, frames).length_ratio
    if not np.isfinite(r) or abs(r - config.near_ratio) < config.near_ratio_margin:
        return legs.NearFar("unknown", r, float("nan"), False)
    return legs.NearFar("near" if r > config.near_ratio else "far", r, float("nan"), True)
