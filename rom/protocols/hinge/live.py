"""Live feedback for the hip hinge: angles, repetitions and form cues from the frames so far.

The first still stretch of standing upright (`rom.core.rest`) is the reference, as offline in
`rom.protocols.hinge.measure` (until then the page asks the person to stand tall and still): the side facing the
camera, the standing hip and knee readings (the hip reading sets the offset of the pose model's
hip landmark), the back's standing outline and the standing form signals. The angles are the
offline kinematics (`rom.core.kinematics`). Cues are the offline flags
(`rom.protocols.hinge.measure.form_flags` and its thresholds in `HingeConfig`) of the repetition
so far, read as offline reads a finished one
(`_rep_flags`): the knees from the largest knee bend above standing of the offline smoothing
(`rom.core.signal.clean`); the back from the median outline over the bottom frames (hip flexion
within `bottom_window_deg` of the deepest so far), judged while the frame is among them, and
with the checks of the offline `form_flags` that the frames so far can judge: the hips' travel
behind the ankles, the pelvis turning with them or staying behind, the head's turn and the reach
of the hands below the knees (a lift from low down bends the knees). Each finished repetition gets
a card (`RepCard`): within a live session, the offline analysis of the last `CARD_WINDOW_S` of
the recording (`rom.protocols.hinge.measure.analyze_hinge`, every check, the lockout's lean
included), so that the card and the stored result agree; without one, or where the offline
analysis finds no repetition there, the same live reading of all its frames. The causal filter
behind the running display lags and flattens a peak by several degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.core import back_contour, kinematics, posture, signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries, PoseEstimate
from rom.core.rest import RestGate
from rom.core.signal import finite_median as _median
from rom.protocols.base import LiveFrame, LiveRules
from rom.protocols.hinge import form as hinge_form
from rom.protocols.hinge.measure import HingeConfig, analyze_hinge, clip_facing, form_flags, pelvis_deg

# A repetition's bottom counts as reached live once its deepest frame lies this far back (the
# cues about the back and the knees wait for it: DESIGN.md's flags are read at the bottom).
BOTTOM_REACHED_S = 0.2
# How much of the recording the offline reading of a finished repetition sees: the repetition and
# the standing before it (offline, the standing frames are the reference), bounded so that the
# analysis costs the same at every repetition of a long session (about 0.05 s for 30 s on one
# core). The recording's series is still built whole each time (`LiveSession.series`): about
# 0.12 s per repetition after 10 minutes.
CARD_WINDOW_S = 30.0

WAITING = "stand tall and still, side-on to the camera: measuring your standing posture"
CUES = {"knee_bend": "knees bending: keep them soft and push the hips back instead",
        "rounded_back": "back rounding: keep the back long",
        "lumbar_compensation": "push the hips back: the bend is coming from the lower back"}
CARD_WORDS = {"knee_bend": "knees bent", "rounded_back": "back rounded",
              "lumbar_compensation": "bend from the lower back", "lockout_hyperextension": "leaning back at the top"}


@dataclass(frozen=True)
class RepCard:
    """One finished repetition as the live page shows it. Degrees; flags as `rom.protocols.hinge.measure.FLAGS`
    (offline: the stored result's reading of the same frames; else the live reading)."""

    n: int  # 1, 2, ...
    max_hip_flexion_deg: float
    max_trunk_inclination_deg: float
    max_knee_flexion_deg: float
    flags: tuple[str, ...]

    def to_dict(self) -> dict:
        def r(v):
            return None if not np.isfinite(v) else round(float(v), 1)
        return {"n": self.n, "max_hip_flexion_deg": r(self.max_hip_flexion_deg),
                "max_trunk_inclination_deg": r(self.max_trunk_inclination_deg),
                "max_knee_flexion_deg": r(self.max_knee_flexion_deg), "flags": list(self.flags),
                "cues": [CARD_WORDS[f] for f in self.flags]}


class HingeLive(LiveRules):
    """Causal hinge feedback. `update(estimate, t, features)` -> LiveFrame."""

    def __init__(self, side: str | None, fps: float, config: HingeConfig = HingeConfig()):
        self.side, self.fps, self.config = side, fps, config
        self.t: list[float] = []
        self.depth_left: list[float] = []  # left minus right depth of hips and shoulders
        self.standing: dict[str, list] = {"xy": [], "offsets": []}  # frames before the reference
        self.ref: dict | None = None
        self.filters = {k: signal.LiveLowpass(fps) for k in ("hip", "trunk", "knee", "thoracic")}
        self.cards: list[RepCard] = []  # the finished repetitions
        # raw per-frame values from the reference on (NaN where not measured), for the cards
        self.raw: dict[str, list[float]] = {k: [] for k in ("hip", "trunk", "knee", "thoracic", "back_flexion",
                                                             "shin", "shown_hip")}
        # and their landmarks and back outlines, for the form signals (`rom.protocols.hinge.form.signals`)
        self.raw_xy: list[np.ndarray] = []
        self.raw_offsets: list[np.ndarray] = []
        self._rep_start: int | None = None  # index in `raw` where the current repetition began
        # A shorter stillness than the SLR's: offline every upright frame is the reference, however
        # few (rendered clips stand for 0.4 s before the first repetition).
        self.rest = RestGate(fps, rest_s=config.live_reference_s, waiting=WAITING)
        self._standing_hips: list[float] = []  # landmark hip readings of the standing reference
        self.facing = 1.0  # which way the person faces in the image (`clip_facing` of the reference)
        self._raw0 = 0  # the session frame of `raw`'s first entry

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None):
        frame = LiveFrame(t_s=t, detected=est is not None, side=self.side)
        self.t.append(t)
        offs = np.full(back_contour.N_SCAN, np.nan) if features is None else back_contour.offsets(features)[1][0]
        if self.ref is None:
            self._collect_reference(est, offs)
            window = self.rest.window()
            if window is None:
                frame.cues += self.rest.cues()
                return frame
            self.ref = self._reference(window)
            frame.events.append("rest")
        side = frame.side = self.ref["side"]
        frame.reps = [c.to_dict() for c in self.cards]
        if est is None:
            self._keep(nan=True)
            self.raw_xy.append(np.full((N_LANDMARKS, 2), np.nan))
            self.raw_offsets.append(np.full(back_contour.N_SCAN, np.nan))
            return frame
        a = kinematics.hinge_angles_of(est.xy_px, side)
        hip, knee, trunk, shin = (float(a[k]) for k in ("hip", "knee", "trunk", "shin"))
        # The standing reading sets the offset of the pose model's hip landmark (see rom.protocols.hinge.measure).
        self._refine_standing(hip)
        hip_landmarks = hip
        hip += self.config.standing_hip_flexion_deg - self.ref["hip"]
        thoracic = back_flexion = float("nan")
        if self.ref["bends"] is not None:
            bends = back_contour.bend_angles(offs[None])
            thoracic = float(bends["thoracic"][0] - self.ref["bends"]["thoracic"][0])
            back_flexion = float(bends["back_flexion"][0] - self.ref["bends"]["back_flexion"][0])
        frame.raw = {"hip_flexion_deg": hip, "trunk_inclination_deg": trunk, "knee_flexion_deg": knee,
                     "back_rounding_deg": thoracic}
        frame.angles = {"hip_flexion_deg": self.filters["hip"](hip),
                        "trunk_inclination_deg": self.filters["trunk"](trunk),
                        "knee_flexion_deg": self.filters["knee"](knee),
                        "back_rounding_deg": self.filters["thoracic"](thoracic)}
        self._keep(hip=hip_landmarks, trunk=trunk, knee=knee, thoracic=thoracic, back_flexion=back_flexion, shin=shin,
                   shown_hip=frame.angles["hip_flexion_deg"])
        self.raw_xy.append(np.asarray(est.xy_px, dtype=float))
        self.raw_offsets.append(offs)
        self._count_reps(frame.angles["hip_flexion_deg"], frame)
        frame.cues[:0] = self._cues(frame.angles["hip_flexion_deg"])
        return frame

    def _refine_standing(self, hip_landmarks: float) -> None:
        """Outside the repetitions, every upright frame joins the standing hip reading, as offline
        every frame under upright_max_deg does (`rom.protocols.hinge.measure._upright_frames`)."""
        if self._rep_start is not None or not np.isfinite(hip_landmarks):
            return
        corrected = hip_landmarks + self.config.standing_hip_flexion_deg - self.ref["hip"]
        if corrected < self.config.upright_max_deg:
            self._standing_hips.append(hip_landmarks)
            self.ref["hip"] = float(np.median(self._standing_hips))

    def _keep(self, nan: bool = False, **values: float) -> None:
        for k, series in self.raw.items():
            series.append(float("nan") if nan else values[k])

    def _cues(self, hip: float) -> list[str]:
        """The offline flags of the repetition so far (`_rep_flags` up to this frame), in words;
        the back judged only while this frame is among its bottom frames."""
        if not np.isfinite(hip) or hip <= self.config.min_rep_depth_deg:
            return ["hinge forward: push the hips back, back long, knees soft"]
        now = len(self.raw["hip"])
        start = self._rep_start if self._rep_start is not None else now - 1
        _, _, flags = self._rep_flags(start, now, back_now=True)
        return [CUES[f] for f in flags] or ["good: hips back, back straight"]

    def _form(self, xy: np.ndarray, offsets: np.ndarray, side: str) -> dict[str, np.ndarray]:
        """The offline form signals (`rom.protocols.hinge.form.signals`, the pelvis's turn of
        `rom.protocols.hinge.measure.pelvis_deg`) of frames (F, 33, 2) with their back outlines
        (F, N_SCAN), on the pose model's hip and shoulder landmarks (offline: the joints)."""
        series = _xy_series(xy, self.fps)
        sh, hp = series.point(f"{side}_shoulder"), series.point(f"{side}_hip")
        form = hinge_form.signals(series, side, self.facing, sh, hp)
        form["pelvis"] = pelvis_deg(series, side, self.facing, offsets)
        return form

    def _collect_reference(self, est: PoseEstimate | None, offs: np.ndarray) -> None:
        """One frame towards the standing reference: its landmarks, and whether it stands."""
        if est is None:
            self.depth_left.append(float("nan"))
            self.standing["xy"].append(np.full((N_LANDMARKS, 2), np.nan))
            self.standing["offsets"].append(np.full(back_contour.N_SCAN, np.nan))
            self.rest.add({"hip": float("nan"), "trunk": float("nan")},
                          "no one in view: step into the picture, side-on to the camera")
            return
        i = {k: INDEX[k] for k in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")}
        self.depth_left.append(est.z[i["left_hip"]] + est.z[i["left_shoulder"]]
                               - est.z[i["right_hip"]] - est.z[i["right_shoulder"]])
        self.standing["xy"].append(est.xy_px)
        self.standing["offsets"].append(offs)
        side = self.side or ("left" if np.nanmedian(self.depth_left) < 0 else "right")
        a = kinematics.hinge_angles_of(est.xy_px, side)
        hip, trunk = float(a["hip"]), float(a["trunk"])
        reason = None
        if not posture.is_standing(est.xy_px, threshold=0.7) or posture.is_lying(est.xy_px):
            reason = "stand up straight, side-on to the camera: the hinge starts standing"
        elif not trunk <= self.config.live_upright_trunk_deg:
            reason = "stand up straight: the hinge starts from standing tall"
        self.rest.add({"hip": hip, "trunk": trunk}, reason)

    def _reference(self, window: np.ndarray) -> dict:
        """The standing reference from the frames of the rest window, read for the side found there."""
        depth = np.array(self.depth_left, dtype=float)[window]
        side = self.side or ("left" if np.isfinite(depth).any() and np.nanmedian(depth) < 0 else "right")
        a = kinematics.hinge_angles_of(np.array([self.standing["xy"][j] for j in window]), side)
        hips, knees, shins = a["hip"], a["knee"], a["shin"]
        offs = np.array(self.standing["offsets"]).reshape(-1, back_contour.N_SCAN)[window]
        bends = None
        if np.isfinite(offs).any():
            bends = back_contour.bend_angles(np.nanmedian(offs, axis=0)[None])
            if not np.isfinite(bends["thoracic"][0]):
                bends = None
        xy = np.array([self.standing["xy"][j] for j in window])
        self.facing = clip_facing(_xy_series(xy, self.fps))
        form = {k: _median(v) for k, v in self._form(xy, offs, side).items()}
        self.standing = {"xy": [], "offsets": []}  # (only needed until the reference is taken)
        self._standing_hips = [float(h) for h in hips if np.isfinite(h)]
        self._raw0 = len(self.t) - 1  # the session frame of `raw`'s first entry
        return {"side": side, "form": form,
                "hip": float(np.nanmedian(hips)) if np.isfinite(hips).any() else self.config.standing_hip_flexion_deg,
                "knee": float(np.nanmedian(knees)) if np.isfinite(knees).any() else 0.0,
                "shin": float(np.nanmedian(shins)) if np.isfinite(shins).any() else 0.0,
                "bends": bends}

    def _count_reps(self, hip: float, frame) -> None:
        """A repetition starts above the rep depth and ends back near upright; then its card."""
        if not np.isfinite(hip):
            return
        if self._rep_start is None and hip > self.config.min_rep_depth_deg:
            self._rep_start = len(self.raw["hip"]) - 1
        elif self._rep_start is not None and hip < self.config.upright_max_deg:
            card = self._card(self._rep_start, len(self.raw["hip"]))
            self._rep_start = None
            self.cards.append(card)
            frame.reps = [c.to_dict() for c in self.cards]
            frame.events.append("rep")
            shown = card.to_dict()["max_hip_flexion_deg"]  # the card's number, as the card shows it
            frame.cues.append(f"repetition {card.n}: hip flexion {shown:.0f} degrees" if shown is not None
                              else f"repetition {card.n}")

    def _rep_flags(self, start: int, end: int, back_now: bool = False,
                   keys: tuple[str, ...] = ("hip", "knee")) -> tuple[float, dict, tuple[str, ...]]:
        """Raw frames start..end-1 of a repetition read as offline (`rom.protocols.hinge.measure._measure_rep`):
        the offline smoothing of the hip, trunk and knee (from a second before, for its lead-in),
        the bottom frames within bottom_window_deg of the deepest smoothed hip flexion, the back,
        the shin and the form signals there (medians), the knee bend from its largest, judged by
        `form_flags` (the lean at lockout aside: a repetition so far has none). Returns (the
        deepest hip flexion, the smoothed angles of `keys`, the flags). back_now: the back and the
        knees only once the bottom is reached (live, the deepest so far may not be the bottom yet)."""
        c = self.config
        lead = max(0, start - int(round(self.fps)))
        shift = {"hip": c.standing_hip_flexion_deg - self.ref["hip"], "trunk": 0.0, "knee": 0.0}
        clean = {k: np.clip(signal.clean(np.array(self.raw[k][lead:end]) + shift[k], self.fps, c.cutoff_hz),
                            0.0, 180.0)[start - lead:] for k in keys}
        hip = clean["hip"]
        peak = _max(hip)
        bottom = hip >= peak - c.bottom_window_deg
        near = np.flatnonzero(bottom) + start
        at = {k: _median(np.array(self.raw[k])[near]) for k in ("thoracic", "back_flexion", "shin")}
        knee_bend = _max(clean["knee"]) - self.ref["knee"]
        # Live, the bottom is reached once the hips stop going down: the deepest frame so far lies
        # BOTTOM_REACHED_S back, or the hip flexion rose less than a degree over that time (a hold).
        # Before, every frame of the descent is the deepest so far, and the reach, the back and the
        # knees there are those of a part-way descent; from then on the repetition is judged on its
        # bottom frames, as offline, for the rest of it.
        k = int(round(BOTTOM_REACHED_S * self.fps))
        reached = len(hip) > k and np.isfinite(hip).any() and (
            len(hip) - 1 - int(np.nanargmax(hip)) >= k or bool(hip[-1] - hip[-1 - k] < 1.0))
        if back_now and not reached:
            # The back, and the knees too: whether bent knees are a fault depends on the reach at
            # the bottom (a load taken from low down), which is only known there.
            at["thoracic"] = at["back_flexion"] = knee_bend = float("nan")
        form = {k: _median(v) for k, v in self._form(np.array([self.raw_xy[j] for j in near]),
                                                      np.array([self.raw_offsets[j] for j in near]),
                                                      self.ref["side"]).items()}
        ref = self.ref["form"]
        reach = form["reach"]
        ratio = at["back_flexion"] / peak if peak > 0 else float("nan")
        pelvis_share = (form["pelvis"] - ref["pelvis"]) / peak if peak > 0 else float("nan")
        flags, _, _ = form_flags(knee_bend, at["thoracic"], ratio, at["back_flexion"],
                                 form["head_turn"] - ref["head_turn"], form["hips_back"] - ref["hips_back"],
                                 at["shin"] - self.ref["shin"], bool(reach > c.form.floor_reach), float("nan"),
                                 c, pelvis_share, reach)
        return peak, clean, flags

    def _card(self, start: int, end: int) -> RepCard:
        """The finished repetition over raw frames start..end-1: as the offline analysis of the
        recording reads it (`_offline_rep`), else by `_rep_flags`."""
        n = len(self.cards) + 1
        rep = self._offline_rep(start, end)
        if rep is not None:
            return RepCard(n=n, max_hip_flexion_deg=rep.max_hip_flexion_deg,
                           max_trunk_inclination_deg=rep.max_trunk_inclination_deg,
                           max_knee_flexion_deg=rep.max_knee_flexion_deg, flags=tuple(rep.flags))
        peak, clean, flags = self._rep_flags(start, end, keys=("hip", "trunk", "knee"))
        return RepCard(n=n, max_hip_flexion_deg=peak, max_trunk_inclination_deg=_max(clean["trunk"]),
                       max_knee_flexion_deg=_max(clean["knee"]), flags=flags)

    def _offline_rep(self, start: int, end: int):
        """The offline analysis's repetition (`HingeRepForm`) whose bottom lies within raw frames
        start..end-1, read on the last CARD_WINDOW_S of the recording up to now; None without a
        recording, when the analysis refuses those frames or finds no such repetition."""
        if self.recording is None:
            return None
        t0, t1 = self.t[self._raw0 + start], self.t[self._raw0 + end - 1]
        rec = self.recording()
        stop = min(len(rec), int(round(t1 * rec.fps)) + 1)
        first = max(0, stop - int(round(CARD_WINDOW_S * rec.fps)))
        try:
            result = analyze_hinge(rec.frames(first, stop), side=self.ref["side"], config=self.config)
        except NotMeasurable:
            return None
        offset = first / rec.fps
        # (a frame's step on the steady clock may fall half a step either side of its capture time)
        inside = [r for r in result.reps if t0 - 1.0 / rec.fps <= offset + r.bottom_s <= t1 + 1.0 / rec.fps]
        return max(inside, key=lambda r: r.max_hip_flexion_deg) if inside else None


def _xy_series(xy: np.ndarray, fps: float) -> LandmarkSeries:
    """Landmark pixels (F, 33, 2) as a series for the functions that read only positions."""
    xy = np.asarray(xy, dtype=float).reshape(-1, N_LANDMARKS, 2)
    n = len(xy)
    return LandmarkSeries(t_s=np.arange(n) / fps, xy_px=xy, z=np.zeros((n, N_LANDMARKS)),
                          visibility=np.zeros((n, N_LANDMARKS)), world_m=np.zeros((n, N_LANDMARKS, 3)),
                          image_size=(0, 0), fps=fps)


def _max(x: np.ndarray) -> float:
    return float(np.nanmax(x)) if np.isfinite(x).any() else float("nan")
