"""The hip hinge (standing, side view): repetitions, their angles and the form faults.

Conventions (DESIGN.md 3): hip flexion = 180 - interior angle shoulder-hip-knee (0 = upright);
trunk inclination = hip -> shoulder line against the vertical; knee flexion = 180 - interior
angle hip-knee-ankle. All in degrees, in the image plane of a side view.

How the numbers are made (calibration/hinge.md has the measurements behind every constant):
* The hip joint. MediaPipe puts the hip landmark in front of the hip joint, by 1-11 px depending
  on the body, which reads the hinge up to 11 degrees low. The offset is fixed in the pelvis, so
  it shows in the standing posture: the landmarks then read a signed hip flexion below the
  population's standing value (`standing_hip_flexion_deg`). The hip landmark is moved back by the
  offset that explains that difference, in every frame.
* The shoulder joint. When the back rounds, MediaPipe's shoulder landmark drifts towards the
  chest (the angle reads high), while the back's outline over the shoulder blades moves away
  from the joint (an estimate anchored there, at its standing depth, reads low). The two errors
  have opposite signs; the shoulder is taken halfway between the two estimates.
* Hip flexion and trunk inclination use these two joint points. Knee flexion reads best from the
  landmarks as they are.
* The back's shape comes from the segmentation mask (`rom.core.back_contour`): how much the dorsal
  outline turns along the back, compared with the same person standing (bodies differ in shape,
  so an absolute curvature threshold does not transfer between them).
* Flags per repetition: `knee_bend` when the knee bends well beyond standing (the hinge turned
  into a squat); `rounded_back` when the upper back rounds; `lumbar_compensation` when the back
  bends by a large share of the hip angle while the upper back does not round, i.e. the forward
  bend comes from the lower back rather than the hips. The clip's flags are their union.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr  # the normal CDF (scipy.stats costs 0.9-1.2 s of import for it)

from rom.core import back_contour, geometry, kinematics, quality, signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.core.results import FrameTable, Quality
from rom.core.signal import finite_median as _median
from rom.protocols.hinge import form as hinge_form
from rom.protocols.hinge import view as hinge_view
from rom.protocols.hinge.form import FormConfig, HingeRepForm
from rom.protocols.hinge.reps import find_reps, starts_at_bottom
from rom.protocols.hinge.result import HingeEvents, HingeResult
from rom.protocols.hinge.view import ViewConfig

FLAGS = ("rounded_back", "lumbar_compensation", "knee_bend", "lockout_hyperextension")
BACK_FLAGS = ("rounded_back", "lumbar_compensation")  # the two read from the back's outline
__all__ = ["FLAGS", "HingeConfig", "analyze_hinge", "find_reps", "rep_flags"]


@dataclass(frozen=True)
class HingeConfig:
    """Thresholds and constants; each number comes from the calibration clips
    (calibration/hinge.md: 26 clips, 32 repetitions, six body shapes, never the samples)."""

    # Knee flexion above the standing knee that turns a hinge into a squat. Good-form reps (true
    # knee 5 deg) read at most 8.8 above standing, knee-bend reps (true 30-40) at least 25.6:
    # the threshold sits halfway.
    knee_bend_threshold_deg: float = 17.0
    # Thoracic rounding (the upper back's outline turning beyond standing) that counts as a
    # rounded back. Good form read -9.1..9.3, lumbar compensation 3.4..15.2, rounded backs (true
    # spine flexion 35-50) 20.7..35.9: halfway between 15.2 and 20.7.
    rounded_back_threshold_deg: float = 18.0
    # Back flexion (the whole back's outline turning beyond standing) per degree of hip flexion
    # that counts as lumbar compensation. Good form and knee bends read at most 0.15, lumbar
    # compensation at least 0.32: halfway.
    lumbar_ratio_threshold: float = 0.23
    min_rep_depth_deg: float = 20.0  # hip flexion rise that makes a repetition (shallowest rep: 52)
    upright_max_deg: float = 15.0  # frames below this hip flexion are the standing reference
    # Mean true standing hip flexion (shoulder-hip-knee) of the six calibration bodies (0.8-9.3).
    standing_hip_flexion_deg: float = 5.5
    # Where on the back (chord fraction) the outline anchors the second shoulder estimate: the
    # upper back over the shoulder blades. Leave-one-clip-out error is flat over 0.85-0.95.
    shoulder_outline_t: float = 0.9
    cutoff_hz: float = 4.0  # zero-phase low-pass of the angle series (as for the SLR)
    bottom_window_deg: float = 5.0  # frames within this of a rep's peak hip flexion are its bottom
    # Uncertainty model: rms error of a rep's maximum hip flexion (2.4) and knee flexion (2.7),
    # and SD of the flag features on good-form reps (thoracic rounding 4.8, lumbar ratio 0.07).
    hip_sd_deg: float = 2.4
    knee_sd_deg: float = 3.0
    thoracic_sd_deg: float = 5.0
    lumbar_ratio_sd: float = 0.07
    min_standing_fraction: float = 0.5  # of the frames with a pose, the legs must point down this often
    # A repetition is withheld when its hip and knee were measured in less than this share of its
    # frames, or a stretch longer than max_unseen_s of it was not measured (hidden legs, a turned
    # view, a scene cut); a clip is refused when less than min_measurable of its frames with a pose
    # can be measured.
    min_rep_measured: float = 0.7
    max_unseen_s: float = 0.25
    # A repetition whose near ankle was seen (visibility at least the view's minimum, the shank in
    # proportion) in less than this share of its frames is withheld: the shin is behind the plate
    # for the whole lift, so the knee's place is the model's guess too. Real side-view deadlifts
    # whose legs the labels call visible: the ankle seen in 49-100 % of the frames (the bar passes
    # the shins at the bottom); the close camera with the plate over the legs (yfgd_bad_01): 3 %.
    min_ankle_seen: float = 0.25
    min_measurable: float = 0.5
    # Live only (rom.protocols.hinge.live), where the standing reference must be taken before the
    # first repetition instead of read afterwards from every upright frame: standing still this
    # long (rendered clips stand 0.4 s before the first repetition; offline any upright frames do) ...
    live_reference_s: float = 0.3
    # ... with the trunk within this of the vertical: about a repetition's least depth
    # (min_rep_depth_deg), so that a person already bending is not taken for standing.
    live_upright_trunk_deg: float = 20.0
    view: ViewConfig = field(default_factory=ViewConfig)
    form: FormConfig = field(default_factory=FormConfig)


def analyze_hinge(series: LandmarkSeries, video: str = "", side: str | None = None,
                  config: HingeConfig = HingeConfig()) -> HingeResult:
    """Measure a hip-hinge clip. Raises NotMeasurable with a reason when it cannot be trusted.

    side: the body side facing the camera ('left'/'right'); None or 'auto' finds it.
    """
    fps = series.fps
    quality.require_detections(series)
    warnings = quality.require_side_view(series)
    if side is None or side == "auto":
        side = quality.facing_side(series)
    _require_standing(series, side, config)
    facing = clip_facing(series)
    view = hinge_view.check_frames(series, side, config.view)
    warnings += _require_view(series, view, config)

    raw = _raw_angles(series, side, facing)
    for key in ("hip", "hip_signed"):  # they need the knee: only where it is in place
        raw[key] = np.where(view.legs_ok, raw[key], np.nan)
    raw["knee"] = np.where(view.knee_ok, raw["knee"], np.nan)  # the ankle too
    upright, note = _upright_frames(signal.clean(raw["hip"], fps, config.cutoff_hz), config.upright_max_deg)
    warnings += [note] if note else []
    offset_px = _hip_offset_px(series, side, raw["hip_signed"], upright, config)
    if not np.isfinite(offset_px):
        warnings.append("no standing posture to read the pose model's hip-landmark offset from; the hip angle "
                        "is not corrected for it and may read up to 10 degrees low")
        offset_px = 0.0
    back = _back_features(series, facing, upright, fps, config, view.measurable)
    warnings += back["notes"]
    hip_pt = _hip_joint(series, side, facing, offset_px)
    shoulder_pt, anchored = _shoulder_joint(series, side, facing, back["offsets"], upright, config)
    if np.isfinite(back["thoracic"]).any() and anchored < 0.5:
        warnings.append(f"the back's outline over the shoulders was traced in only {anchored:.0%} of the frames; "
                        "the shoulder is MediaPipe's landmark there and may drift towards the chest if the back rounds")
    hip_raw = geometry.flexion_deg(shoulder_pt, hip_pt, series.point(f"{side}_knee"))
    trunk_raw = geometry.inclination_from_vertical_deg(hip_pt, shoulder_pt)
    angles = {"hip_raw": np.where(view.legs_ok, hip_raw, np.nan),
              "trunk_raw": np.where(view.measurable, trunk_raw, np.nan), "knee_raw": raw["knee"]}
    for key in ("hip", "trunk", "knee"):
        # each angle lies in 0..180 by definition; the zero-phase filter can overshoot an end
        angles[key] = np.clip(signal.clean(angles[f"{key}_raw"], fps, config.cutoff_hz), 0.0, 180.0)
    form = hinge_form.signals(series, side, facing, shoulder_pt, hip_pt)
    form["pelvis"] = pelvis_deg(series, side, facing, back["offsets"])
    for key in form:
        # the hip's travel, the reach, the stride and the shin are read against the ankle
        ok = view.knee_ok if key in ("hips_back", "reach", "stride", "shin") else \
            view.legs_ok if key == "pelvis" else view.measurable
        form[key] = np.where(ok, form[key], np.nan)

    found = find_reps(angles["hip"], fps, config.min_rep_depth_deg)
    if not found:
        hip = angles["hip"]
        rise = np.nanmax(hip) - np.nanmin(hip) if np.isfinite(hip).any() else 0.0
        raise NotMeasurable(f"no repetition found: the hip flexion varied by only {rise:.0f} degrees "
                            f"(a hinge needs at least {config.min_rep_depth_deg:.0f})")
    from_bottom = starts_at_bottom(angles["hip"], fps, config.min_rep_depth_deg)
    if from_bottom:
        warnings.append("the clip starts at the bottom of a lift: each repetition runs from a bottom through the "
                        "lockout to the next bottom")
    if view.cuts:
        warnings.append(f"the clip is cut between camera shots at {view.cuts[0] / fps:.1f} s; only the longer "
                        "shot is measured, and no repetition across the cut")
    knee = angles["knee"]
    knee_standing = _median(knee[upright])
    if not np.isfinite(knee_standing):  # no standing frames with a knee: the straightest knee
        knee_standing = float(np.nanmin(knee)) if np.isfinite(knee).any() else float("nan")
    reference = {k: _median(form[k][upright]) for k in ("head_turn", "hips_back", "shin", "pelvis")}
    hip_sd = float(np.hypot(config.hip_sd_deg, _local_noise(angles["hip_raw"], angles["hip"], fps)))

    reps, contours, bottoms, kept, dropped = [], {}, [], [], []
    shots = view.shot_of(len(series))
    for k, (start, bottom, end) in enumerate(found):
        # A repetition is measured within one shot: where a cut falls in it, its part in the other
        # (shorter, unmeasured) shot is left out; whether enough of it is left is checked below.
        start, end = _within_shot(view, shots, start, bottom, end)
        # The lockout: the rep's own frames and up to a second of standing after it.
        after = found[k + 1][0] if k + 1 < len(found) else len(series)
        lockout_end = int(min(after - 1, end + fps))
        # A lift filmed from its set-up is judged from its bottom to its lockout: the lowering to
        # the floor that ends it is the next lift's set-up, often behind the plates.
        core_end = start + int(np.nanargmin(angles["hip"][start:end + 1])) if from_bottom and \
            np.isfinite(angles["hip"][start:end + 1]).any() else end
        unseen = _unmeasured(view, shots, start, max(core_end, bottom), fps, config) or \
            _still_descending(angles["hip"], start, end, fps, config)
        if unseen:
            dropped.append(("view", start, end, unseen))
            continue
        rep, near, notes, pattern = _measure_rep(angles, back, form, reference, (start, bottom, end, lockout_end),
                                                 knee_standing, hip_sd, fps, config,
                                                 _min(angles["trunk"][start:end + 1]) if from_bottom else np.nan,
                                                 view.view_deg)
        if pattern:
            dropped.append(("pattern", start, end, pattern))
            continue
        reps.append(rep)
        kept.append((start, bottom, end))
        bottoms.append((int(near[0]), int(near[-1])))
        if from_bottom and start == 0 and end < len(series) - 1:  # a lift from its set-up is whole
            notes = [n for n in notes if not n.startswith("cut off by the start")]
        warnings += [f"repetition {len(reps)}: {n}" for n in notes]
        outline = _outline_near(series, back, facing, bottom, near)
        if outline is not None:
            contours[outline[0]] = outline[1]
    if not reps:
        raise NotMeasurable(_refusal(dropped))
    warnings += [f"the movement at {s / fps:.1f}-{e / fps:.1f} s was not measured: "
                 f"{'not a hinge: ' if kind == 'pattern' else ''}{why}" for kind, s, e, why in dropped]

    rep_frames = np.zeros(len(series), dtype=bool)
    for start, _, end in kept:
        rep_frames[start:end + 1] = True
    warnings += _view_warnings(series, side, rep_frames)
    if series.back is None or not np.isfinite(back["thoracic"]).any():
        why = "no segmentation" if series.back is None else "no mask, or no standing outline to compare with"
        warnings.append(f"the back's outline was not measured ({why}); rounded_back and lumbar_compensation "
                        "were not assessed")
    q = Quality(frames=len(series), detected_fraction=float(series.detected.mean()),
                warnings=tuple(warnings), view=quality.view_kind(series))
    frames = FrameTable({
        "t_s": series.t_s,
        "hip_flexion_deg": angles["hip"],
        "hip_flexion_raw_deg": angles["hip_raw"],
        "trunk_inclination_deg": angles["trunk"],
        "trunk_inclination_raw_deg": angles["trunk_raw"],
        "knee_flexion_deg": knee,
        "knee_flexion_raw_deg": angles["knee_raw"],
        "back_rounding": back["thoracic_clean"],
        "back_flexion_deg": back["back_flexion_clean"],
        "head_turn_deg": form["head_turn"] - reference["head_turn"],
        "measured": view.legs_ok.astype(float),
        **{f"{side}_{p}_visibility": series.vis(f"{side}_{p}") for p in ("shoulder", "hip", "knee", "ankle")},
    })
    events = HingeEvents(
        reps=tuple((int(s), int(b), int(e)) for s, b, e in kept), bottoms=tuple(bottoms),
        knee_bend_threshold_deg=config.knee_bend_threshold_deg, knee_standing_deg=knee_standing,
        rounded_back_threshold_deg=config.rounded_back_threshold_deg, back_contour=contours,
        scene_cuts=tuple(int(c) for c in view.cuts))
    clip_flags = tuple(f for f in FLAGS if any(f in r.flags for r in reps))
    return HingeResult(video=video, side=side, reps=tuple(reps), flags=clip_flags, quality=q,
                       frames=frames, events=events)


def _measure_rep(angles: dict[str, np.ndarray], back: dict[str, np.ndarray], form: dict[str, np.ndarray],
                 reference: dict[str, float], frames: tuple[int, int, int, int], knee_standing: float,
                 hip_sd: float, fps: float, config: HingeConfig,
                 lockout_deg: float = float("nan"),
                 view_deg: np.ndarray | None = None) -> tuple[HingeRepForm, np.ndarray, list[str], str]:
    """One repetition's numbers and flags, its bottom frames, notes for the warnings, and why it
    is not a hinge ('' when it is). frames: start, bottom, end and the end of its lockout;
    view_deg: the body's estimated turn from a side view per frame (`hinge_view.view_angle_deg`)."""
    start, bottom, end, lockout_end = frames
    seg = slice(start, end + 1)
    hip = angles["hip"]
    peak = _max(hip[seg])
    near = np.flatnonzero(hip[seg] >= peak - config.bottom_window_deg) + start
    knee_bend = _max(angles["knee"][seg]) - knee_standing
    thoracic = _median(back["thoracic"][near])
    flexion = _median(back["back_flexion"][near])
    ratio = flexion / peak if peak > 0 else float("nan")
    head = _median(form["head_turn"][near]) - reference["head_turn"]
    hips_back = _median(form["hips_back"][near]) - reference["hips_back"]
    shin = _median(form["shin"][near]) - reference["shin"]
    pelvis_share = (_median(form["pelvis"][near]) - reference["pelvis"]) / peak if peak > 0 else float("nan")
    reach = _median(form["reach"][near])
    from_floor = bool(reach > config.form.floor_reach)
    lean_back = -_min(form["lean"][start:max(end, lockout_end) + 1])
    stride = _finite(form["stride"][seg])
    stride_range = float(np.percentile(stride, 95) - np.percentile(stride, 5)) if len(stride) >= 3 else float("nan")
    deep = np.where(hip[seg] >= peak - config.min_rep_depth_deg, 1.0, np.nan)  # at the bottom, within a rep's depth
    hold_s = max((b - a for a, b in signal.finite_runs(deep)), default=0) / fps
    pattern = hinge_form.not_a_hinge(_max(angles["trunk"][seg]), _median(angles["knee"][near]) - knee_standing,
                                     _median(angles["trunk"][near]), stride_range, lockout_deg, config.form, hold_s)
    flags, conf, notes = form_flags(knee_bend, thoracic, ratio, flexion, head, hips_back, shin, from_floor,
                                     lean_back, config, pelvis_share, reach)
    turned = _median(view_deg[near]) if view_deg is not None else float("nan")
    if any(f in flags for f in BACK_FLAGS) and np.isfinite(turned) and turned >= config.form.turned_view_deg:
        for f in BACK_FLAGS:  # the one raised and the one it may be
            if conf.get(f) is not None:
                conf[f] = min(conf[f], config.form.turned_view_confidence)
        notes.append(f"the body is turned about {turned:.0f} degrees from a side view at the bottom: the back bends, "
                     "but from this angle a bend of the lower back can read as a rounded upper back; whether it is "
                     "the upper or the lower back is uncertain (film square to the side)")
    traced = float(np.isfinite(back["thoracic"][near]).mean())
    if traced < 0.5 and np.isfinite(back["thoracic"]).any():  # (none at all: one warning for the clip)
        notes.append(f"the back's outline was traced in only {traced:.0%} of its bottom frames; "
                     "rounded_back and lumbar_compensation were not assessed")
    if start == 0 or end == len(hip) - 1:
        notes.append("cut off by the start or end of the clip; its values may be incomplete")
    for key, what in (("trunk", "trunk inclination"), ("knee", "knee flexion")):
        if not np.isfinite(angles[key][seg]).any():
            notes.append(f"the {what} was not measured (its landmarks were lost)")
    rep = HingeRepForm(
        start_s=start / fps, bottom_s=bottom / fps, end_s=end / fps, max_hip_flexion_deg=peak,
        max_trunk_inclination_deg=_max(angles["trunk"][seg]),
        max_knee_flexion_deg=_max(angles["knee"][seg]),
        back_rounding=thoracic, lumbar_ratio=ratio, flags=flags,
        confidence={"max_hip_flexion_sd_deg": round(hip_sd, 1), **conf, "back_outline_traced": round(traced, 2)},
        back_flexion_deg=flexion, knee_bend_deg=knee_bend,
        max_hip_flexion_ci95_deg=(peak - 1.96 * hip_sd, peak + 1.96 * hip_sd),
        head_turn_deg=head, hips_back=hips_back, pelvis_share=pelvis_share, from_floor=from_floor,
        lockout_lean_back_deg=lean_back,
        notes=tuple(notes))
    return rep, near, notes, pattern


def form_flags(knee_bend: float, thoracic: float, ratio: float, flexion: float, head: float, hips_back: float,
                shin: float, from_floor: bool, lean_back: float, config: HingeConfig,
                pelvis_share: float = float("nan"),
                reach: float = float("nan")) -> tuple[tuple[str, ...], dict, list[str]]:
    """`rep_flags` on the outline and the knee, then checked against what clothing cannot fake
    (rom.protocols.hinge.form): the head's turn, the hips' travel, the shins, the reach to the floor, the
    lean at lockout; and where the back bends: a pelvis that turns with the hips (pelvis_share,
    the lower back's turn against the thigh per degree of hip flexion) puts the bend in the
    upper back, one that stays behind puts it in the lower back."""
    f = config.form
    flags, conf = rep_flags(knee_bend, thoracic, ratio, config)
    flags, notes = list(flags), []
    pelvis_side = _side(pelvis_share, f.pelvis_share, f.pelvis_share_sd)
    spine_bends = np.isfinite(ratio) and ratio > config.lumbar_ratio_threshold
    if pelvis_side is not None and pelvis_side[0] and spine_bends:
        if "rounded_back" not in flags and np.isfinite(thoracic) and thoracic > f.rounded_band_deg:
            flags = ["rounded_back"] + [x for x in flags if x != "lumbar_compensation"]
            conf["rounded_back"] = min(pelvis_side[1], _side(thoracic, f.rounded_band_deg, config.thoracic_sd_deg)[1])
            notes.append(f"the upper back turns {thoracic:.1f} degrees (under {config.rounded_back_threshold_deg:.0f}) "
                         f"but the pelvis turns with the hips ({pelvis_share:.2f} of the hip flexion): the bend is in "
                         "the upper back, a rounded back")
        elif "lumbar_compensation" in flags:
            flags.remove("lumbar_compensation")
            conf["lumbar_compensation"] = pelvis_side[1]
            notes.append(f"the back bends but the pelvis turns with the hips ({pelvis_share:.2f} of the hip flexion): "
                         "not a lumbar compensation")
    rounded, note = hinge_form.rounded_back(thoracic, head, config.rounded_back_threshold_deg, f)
    notes += [note] if note else []
    if rounded and "rounded_back" not in flags:  # the head alone
        flags = ["rounded_back"] + [x for x in flags if x != "lumbar_compensation"]
        conf["rounded_back"] = _side(head, f.head_rounded_deg, config.thoracic_sd_deg)[1]
    elif not rounded and "rounded_back" in flags and thoracic > config.rounded_back_threshold_deg:
        # the outline alone, against the head
        flags.remove("rounded_back")
        conf["rounded_back"] = _side(head, f.head_veto_deg, config.thoracic_sd_deg)[1]
    # The hips' travel shows that the hips move, the lower back's line against the thigh where the
    # bend is: a pelvis seen staying behind the thigh is a lumbar bend however far the hips travel.
    pelvis_stays = pelvis_side is not None and not pelvis_side[0]
    hips_travel = _side(hips_back, f.hips_back_hinge, 0.1)
    hips_go_back = hips_travel is not None and hips_travel[0]
    if "lumbar_compensation" in flags:
        if hips_go_back and not pelvis_stays:
            flags.remove("lumbar_compensation")
            notes.append(f"the back bends ({flexion:.0f} degrees) but the hips travel back ({hips_back:.2f} thigh "
                         "lengths): a hip hinge, not a lumbar compensation")
            conf["lumbar_compensation"] = hips_travel[1]
        elif flexion < f.min_lumbar_flexion_deg:
            flags.remove("lumbar_compensation")
            conf["lumbar_compensation"] = _side(flexion, f.min_lumbar_flexion_deg, config.thoracic_sd_deg)[1]
    # The whole back rounds during a hinge: the hips travel back, yet the pelvis stays behind the
    # thigh, so the lower back flexes as the hips bend, and the spine is bent (FormConfig).
    if pelvis_stays and spine_bends and hips_go_back and flexion >= f.min_lumbar_flexion_deg:
        sure = min(pelvis_side[1], hips_travel[1])
        if "rounded_back" not in flags:
            flags.insert(0, "rounded_back")
            conf["rounded_back"] = sure
        if "lumbar_compensation" not in flags:
            flags.append("lumbar_compensation")
            conf["lumbar_compensation"] = sure
        notes.append(f"the hips travel back ({hips_back:.2f} thigh lengths) but the pelvis stays behind the thigh "
                     f"({pelvis_share:.2f} of the hip flexion) while the back bends {flexion:.0f} degrees: the whole "
                     "back rounds, the lower back with it")
    low = from_floor or (np.isfinite(reach) and reach > f.low_reach)
    if "knee_bend" in flags and low:
        flags.remove("knee_bend")
        what = "a lift from the floor" if from_floor else "the hands go below the knees (a load taken from low down)"
        notes.append(f"{what}: the knees bend {knee_bend:.0f} degrees to reach it, as they should "
                     "(knee_bend is for a hinge that turns into a squat)")
        conf["knee_bend"] = None
    elif "knee_bend" in flags and np.isfinite(shin) and abs(shin) <= f.min_shin_forward_deg:
        flags.remove("knee_bend")
        notes.append(f"the knees bend {knee_bend:.0f} degrees but the shins stay upright ({shin:.0f} degrees "
                     "forward): the hips travel back, a hinge, not a squat")
        conf["knee_bend"] = _side(abs(shin), f.min_shin_forward_deg, config.knee_sd_deg)[1]
    side = _side(lean_back, f.lean_back_deg, 3.0)
    conf["lockout_hyperextension"] = None if side is None else side[1]
    if side is not None and side[0]:
        flags.append("lockout_hyperextension")
        notes.append(f"leans back {lean_back:.0f} degrees behind the vertical at lockout")
    return tuple(x for x in FLAGS if x in flags), conf, notes


def pelvis_deg(series: LandmarkSeries, side: str, facing: float, offsets: np.ndarray) -> np.ndarray:
    """(N,) the lower back's outline against the thigh line (knee -> hip), degrees, positive when it
    tips forward: how far the pelvis turns on the thigh, which the landmarks alone cannot show."""
    hip, shoulder = back_contour.chord(series.xy_px)
    lower = back_contour.lower_line_deg(offsets, hip, shoulder, facing)
    thigh = geometry.direction_deg(series.point(f"{side}_hip") - series.point(f"{side}_knee"))
    return -facing * geometry.wrap_deg(lower - thigh)


def _unmeasured(view: hinge_view.ViewCheck, shots: np.ndarray, start: int, end: int, fps: float,
                config: HingeConfig) -> str:
    """Why a repetition cannot be measured ('' if it can): it spans a scene cut, or its hip and
    knee were not seen in too much of it."""
    if shots[start] != shots[end]:
        return "it spans a scene cut; send one uncut take filmed from the side"
    seen = float(view.ankle_seen[start:end + 1].mean())
    if seen < config.min_ankle_seen:
        what, todo = hinge_view.REMEDIES["legs"]
        return f"{what}: the ankle was seen in only {seen:.0%} of its frames: {todo}"
    bad = ~view.legs_ok[start:end + 1]
    longest = max((b - a for a, b in signal.finite_runs(np.where(bad, 1.0, np.nan))), default=0)
    if bad.mean() <= 1.0 - config.min_rep_measured and longest <= config.max_unseen_s * fps:
        return ""
    frames = np.zeros(len(view.legs_ok), dtype=bool)
    frames[start:end + 1] = bad
    return hinge_view.describe(view, frames) or "no pose was found in part of it"


def _within_shot(view: hinge_view.ViewCheck, shots: np.ndarray, start: int, bottom: int,
                 end: int) -> tuple[int, int]:
    """(start, end) of a repetition trimmed to the shot of its bottom, when that shot is measured
    (the other one, shorter, is not: `hinge_view.check_frames`)."""
    if shots[start] == shots[end] or not view.measurable[bottom]:
        return start, end
    frames = np.flatnonzero(shots == shots[bottom])
    return max(start, int(frames[0])), min(end, int(frames[-1]))


def _still_descending(hip: np.ndarray, start: int, end: int, fps: float, config: HingeConfig) -> str:
    """Why a repetition the clip ends in has no bottom ('' if it has one): its hip flexion is
    highest in the clip's last frame and climbed more than `bottom_window_deg` over the last
    quarter of a second, so the clip ends during the descent (a rep that reached its bottom and
    is cut off during the hold, or on the way up, is kept)."""
    if end < len(hip) - 1:
        return ""
    seg = hip[start:end + 1]
    if not np.isfinite(seg).any() or int(np.nanargmax(seg)) < len(seg) - 1:
        return ""
    tail = _finite(hip[max(start, end - int(round(0.25 * fps))):end + 1])
    if len(tail) < 2 or tail[-1] - tail.min() <= config.bottom_window_deg:
        return ""
    return ("the clip ends during the descent, before the bottom (still bending at the last frame); "
            "film each lift to its lockout")


def _refusal(dropped: list[tuple[str, int, int, str]]) -> str:
    """The reason for refusing a clip none of whose repetitions could be measured."""
    patterns = [why for kind, _, _, why in dropped if kind == "pattern"]
    if len(patterns) >= len(dropped) - len(patterns):
        knee = [w for w in patterns if w.startswith("knee-dominant")]
        why = knee[0] if len(knee) > len(patterns) / 2 else patterns[0]
        return f"not a hinge: {why}; measure a hip hinge (bend forward at the hips, knees soft) filmed from the side"
    return f"no repetition could be measured: {[why for kind, _, _, why in dropped if kind == 'view'][0]}"


def _require_view(series: LandmarkSeries, view: hinge_view.ViewCheck, config: HingeConfig) -> list[str]:
    """Refuse a clip whose hinge landmarks can be trusted in too few frames; else warn about the rest."""
    if len(view.cuts) >= 2:
        times = ", ".join(f"{c / series.fps:.1f}" for c in view.cuts[:5])
        raise NotMeasurable(f"an edited clip: the picture cuts to another shot {len(view.cuts)} times (at {times} s), "
                            "so there is no single recording to measure; send one uncut take filmed from the side")
    det = series.detected
    share = float(view.legs_ok[det].mean()) if det.any() else 0.0
    if share < config.min_measurable:
        raise NotMeasurable(f"only {share:.0%} of the frames can be measured: {hinge_view.describe(view, det)}")
    if share < 0.95:
        return [f"{1 - share:.0%} of the frames were not measured: {hinge_view.describe(view, det)}"]
    return []


def _require_standing(series: LandmarkSeries, side: str, config: HingeConfig) -> None:
    """Refuse a body that does not stand: the leg facing the camera must point down (hip -> ankle
    within about 45 degrees of the vertical) in most frames with a pose. One leg, because the far
    leg is often hidden behind the near one or the equipment."""
    det = series.detected
    leg = (series.point(f"{side}_ankle") - series.point(f"{side}_hip"))[det]
    length = np.linalg.norm(leg, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        down = np.where(length > 0, leg[:, 1] / length, np.nan)
    frac = float(np.mean(down >= 0.7)) if len(down) else 0.0
    if frac < config.min_standing_fraction:
        raise NotMeasurable(f"the person does not stand (legs upright in only {frac:.0%} of the frames); "
                            "the hip hinge is measured standing, seen from the side")


def rep_flags(knee_bend_deg: float, thoracic_deg: float, lumbar_ratio: float,
              config: HingeConfig = HingeConfig()) -> tuple[tuple[str, ...], dict]:
    """Form flags of one repetition and how sure each decision is.

    knee_bend_deg: knee flexion above standing; thoracic_deg: rounding of the upper back beyond
    standing; lumbar_ratio: back flexion per degree of hip flexion. NaN means not measured: the
    flags that need it are not raised and their confidence is None.

    Rules: knee_bend if knee_bend_deg > its threshold; rounded_back if thoracic_deg > its
    threshold; lumbar_compensation if lumbar_ratio > its threshold and the upper back does not
    round (a rounded back also bends the whole back by a large share of the hip angle).
    Confidence: the probability that the measured feature lies on the same side of its threshold
    as the true one, under a normal error with the SDs in `config` (measured on good-form reps);
    for lumbar_compensation, the weaker of its two conditions when raised, the stronger of the
    failing ones when not. Always 0.5-1.
    """
    sides = {
        "knee": _side(knee_bend_deg, config.knee_bend_threshold_deg, config.knee_sd_deg),
        "thoracic": _side(thoracic_deg, config.rounded_back_threshold_deg, config.thoracic_sd_deg),
        "ratio": _side(lumbar_ratio, config.lumbar_ratio_threshold, config.lumbar_ratio_sd),
    }
    flags, conf = [], {}

    def one_sided(flag: str, side: tuple[bool, float] | None) -> None:
        """A flag raised above its threshold, with how sure that is (None: not assessed)."""
        conf[flag] = None if side is None else side[1]
        if side is not None and side[0]:
            flags.append(flag)

    one_sided("rounded_back", sides["thoracic"])
    if sides["thoracic"] is None or sides["ratio"] is None:
        conf["lumbar_compensation"] = None
    else:
        conditions = [sides["ratio"], (not sides["thoracic"][0], sides["thoracic"][1])]
        if all(ok for ok, _ in conditions):
            flags.append("lumbar_compensation")
            conf["lumbar_compensation"] = min(p for _, p in conditions)
        else:
            conf["lumbar_compensation"] = max(p for ok, p in conditions if not ok)
    one_sided("knee_bend", sides["knee"])
    return tuple(flags), conf


def _side(value: float, threshold: float, sd: float) -> tuple[bool, float] | None:
    """(value above threshold, probability that the true value is on that side), or None."""
    if value is None or not np.isfinite(value):
        return None
    p = float(ndtr((value - threshold) / sd))
    return value > threshold, round(max(p, 1.0 - p), 3)


def clip_facing(series: LandmarkSeries) -> float:
    """Which way the person faces in the image over the clip: +1 (+x) or -1 (-x)."""
    f = back_contour.facing_sign(series.xy_px[series.detected])
    s = float(np.sign(np.sum(f)))
    if s == 0.0:
        # No feet: the nose lies in front of the ears.
        d = series.point("nose")[:, 0] - series.mid("ear")[:, 0]
        s = float(np.sign(np.nanmedian(d))) if np.isfinite(d).any() else 1.0
    return s or 1.0


def _raw_angles(series: LandmarkSeries, side: str, facing: float) -> dict[str, np.ndarray]:
    sh, hp, kn = (series.point(f"{side}_{p}") for p in ("shoulder", "hip", "knee"))
    # Signed hip flexion: positive when the trunk leans forward of the thigh's line, negative
    # when it leans back (extension); used to read the landmark offset in the standing posture.
    turn = geometry.wrap_deg(geometry.direction_deg(sh - hp) - geometry.direction_deg(hp - kn))
    return {"hip": kinematics.hinge_hip_flexion(series, side), "hip_signed": -facing * turn,
            "knee": kinematics.knee_flexion(series, side)}


def _upright_frames(hip: np.ndarray, upright_max_deg: float) -> tuple[np.ndarray, str]:
    """Frames of standing upright (the reference posture), and a warning if there were none."""
    ok = np.isfinite(hip)
    upright = ok & (hip < upright_max_deg)
    if upright.sum() >= 3:
        return upright, ""
    if not ok.any():
        return upright, ""
    low = ok & (hip <= np.nanpercentile(hip, 10))
    return low, (f"the person was not seen standing upright (least hip flexion {np.nanmin(hip):.0f} degrees); "
                 "the back's shape is compared with the least-bent posture and is less certain")


def _hip_offset_px(series: LandmarkSeries, side: str, hip_signed: np.ndarray, upright: np.ndarray,
                   config: HingeConfig) -> float:
    """How far (pixels) MediaPipe's hip landmark sits in front of the hip joint, from standing.

    Standing, an offset d in front of the joint opens the shoulder-hip-knee line by about
    d / trunk + d / thigh radians; the reading below the population's standing hip flexion gives
    d. NaN when there is no upright posture to read it from.
    """
    vals = hip_signed[upright]
    if not np.isfinite(vals).any() or np.nanmedian(np.abs(vals)) > config.upright_max_deg:
        return float("nan")
    sh, hp, kn = (series.point(f"{side}_{p}")[upright] for p in ("shoulder", "hip", "knee"))
    trunk = np.nanmedian(np.linalg.norm(sh - hp, axis=1))
    thigh = np.nanmedian(np.linalg.norm(kn - hp, axis=1))
    # The calibration bodies needed 2-13 degrees; a larger gap is a posture, not the landmark.
    gap = np.radians(np.clip(config.standing_hip_flexion_deg - np.nanmedian(vals), -5.0, 15.0))
    return float(gap / (1.0 / trunk + 1.0 / thigh))


def _hip_joint(series: LandmarkSeries, side: str, facing: float, offset_px: float) -> np.ndarray:
    """(N, 2) hip joint: the landmark moved offset_px back, perpendicular to the trunk line (the
    offset is fixed in the pelvis, which turns with the trunk)."""
    sh, hp = series.point(f"{side}_shoulder"), series.point(f"{side}_hip")
    u = sh - hp
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    front = np.stack([-u[:, 1], u[:, 0]], axis=1) * facing  # perpendicular to the trunk, forward
    return hp - offset_px * front


def _shoulder_joint(series: LandmarkSeries, side: str, facing: float, offsets: np.ndarray,
                    upright: np.ndarray, config: HingeConfig) -> tuple[np.ndarray, float]:
    """(N, 2) shoulder joint and the fraction of frames where the back's outline anchored it.

    Halfway between MediaPipe's shoulder landmark and the point at its standing depth below the
    upper back's outline (see the module docstring); the landmark alone where the outline is
    missing.
    """
    landmark = series.point(f"{side}_shoulder")
    hip, shoulder = back_contour.chord(series.xy_px)
    top = back_contour.outline_point(offsets, hip, shoulder, facing, config.shoulder_outline_t)
    normal = back_contour.dorsal_normal(hip, shoulder, facing)
    depth = np.sum((top - landmark) * normal, axis=1)  # outline above the landmark, pixels
    standing = depth[upright]
    if not np.isfinite(standing).any():
        return landmark, 0.0
    anchored = top - np.nanmedian(standing) * normal
    ok = np.all(np.isfinite(anchored), axis=1)
    out = landmark.copy()
    out[ok] = 0.5 * (landmark[ok] + anchored[ok])
    detected = series.detected
    return out, float(ok[detected].mean()) if detected.any() else 0.0


def _back_features(series: LandmarkSeries, facing: float, upright: np.ndarray, fps: float,
                   config: HingeConfig, measurable: np.ndarray | None = None) -> dict:
    """Per-frame back bend beyond the standing outline (degrees), raw and cleaned; NaN if unmeasured.

    The standing outline is checked first (`hinge_form.standing_outline_problem`): one that does
    not look like a standing back (a hood or bag on it, clothing moving) is replaced by the
    population's standing outline, with a note.
    """
    n = len(series)
    nan = np.full(n, np.nan)
    out = {"thoracic": nan, "back_flexion": nan, "thoracic_clean": nan, "back_flexion_clean": nan,
           "offsets": np.full((n, back_contour.N_SCAN), np.nan), "notes": []}
    if series.back is None or series.back.shape[1] != back_contour.N_FEATURES:
        return out
    face, offs = back_contour.offsets(series.back)
    keep = face == facing  # frames that scanned the wrong side are dropped
    if measurable is not None:
        keep &= measurable
    offs = np.where(keep[:, None], offs, np.nan)
    ref = offs[upright]
    if not np.isfinite(ref).any():
        return out
    reference = back_contour.bend_angles(np.nanmedian(ref, axis=0)[None])
    standing = back_contour.bend_angles(ref)
    problem = hinge_form.standing_outline_problem(standing["thoracic"], standing["back_flexion"], config.form)
    if problem:
        reference = {"thoracic": np.array([config.form.standing_thoracic_deg]),
                     "back_flexion": np.array([config.form.standing_flexion_deg])}
        out["notes"] = [f"{problem}: the back is compared with a typical standing back instead, which is less "
                        "certain (rounded_back and lumbar_compensation near their thresholds may be wrong)"]
    bends = back_contour.bend_angles(offs)
    out["offsets"] = offs
    for key in ("thoracic", "back_flexion"):
        rel = bends[key] - reference[key][0]
        out[key] = rel
        out[f"{key}_clean"] = signal.clean(rel, fps, config.cutoff_hz, min_deviation=5.0)
    return out


def _outline_near(series: LandmarkSeries, back: dict, facing: float, bottom: int,
                  near: np.ndarray) -> tuple[int, np.ndarray] | None:
    """(frame, (K, 2) pixel points) of the dorsal outline at a rep's bottom, for overlays."""
    offs = back["offsets"]
    traced = near[np.isfinite(offs[near]).sum(axis=1) >= back_contour.N_SCAN // 2]
    if not len(traced):
        return None
    i = int(traced[np.argmin(np.abs(traced - bottom))])
    hip, shoulder = back_contour.chord(series.xy_px[i])
    return i, back_contour.outline_points(offs[i], hip, shoulder, facing)


def _view_warnings(series: LandmarkSeries, side: str, frames: np.ndarray) -> list[str]:
    out = []
    names = [f"{side}_{p}" for p in ("shoulder", "hip", "knee", "ankle")]
    cut = quality.cut_off_fraction(series, names, frames)
    if cut > 0.05:
        out.append(f"the body is cut off by the frame edge in {cut:.0%} of the repetitions; step the camera back")
    hidden = quality.hidden_fraction(series, names, frames)
    if hidden > 0.2:
        out.append(f"the {side} shoulder, hip, knee or ankle is hidden in {hidden:.0%} of the repetitions; "
                   "angles there are estimated")
    missing = 1.0 - float(series.detected[frames].mean()) if frames.any() else 0.0
    if missing > 0.1:
        out.append(f"no pose in {missing:.0%} of the frames of the repetitions; gaps were bridged")
    return out


def _local_noise(raw: np.ndarray, smooth: np.ndarray, fps: float) -> float:
    """SD of the landmark noise left in the smoothed angle (raw minus smooth, divided by the
    square root of the frames the filter averages)."""
    r = (raw - smooth)[np.isfinite(raw - smooth)]
    if len(r) < 3:
        return 5.0
    return float(np.std(r) / np.sqrt(max(1.0, fps / 8.0)))


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def _max(x: np.ndarray) -> float:
    """The largest finite value; NaN (not a warning) where none was measured."""
    x = _finite(x)
    return float(x.max()) if len(x) else float("nan")


def _min(x: np.ndarray) -> float:
    """The smallest finite value; NaN where none was measured."""
    x = _finite(x)
    return float(x.min()) if len(x) else float("nan")
