"""Live feedback for the straight-leg raise: the offline rules run causally, one frame at a time.

Rest baselines once both legs lie still on the table (`rom.core.rest`), taken again when the raised
leg later sinks below them; then hip and knee angles from the offline kinematics
(`rom.core.kinematics`), and the knee bend by the offline rule (`rom.protocols.slr.onset`: 10
degrees above a running-median baseline, 80 % of the next 0.5 s above half of that) on the offline
smoothing of the frames so far, its onset fitted on them (again once the second after the
confirmation that the offline fit reads has been seen), and the hip flexion read there as offline.
"""

from __future__ import annotations

import numpy as np

from rom.core import kinematics, posture, signal
from rom.core.errors import NotMeasurable
from rom.core.landmarks import PoseEstimate, other_side
from rom.core.rest import RestGate
from rom.protocols.base import LiveFrame, LiveRules
from rom.protocols.slr import onset
from rom.protocols.slr.measure import SLRConfig, _angle_at, thigh_flexion

# Cues only (they decide no finding): the knee shown this bent asks to keep it straight; the hip
# this far up says the raise is under way.
STRAIGHT_KNEE_CUE_DEG = 5.0
RAISING_CUE_DEG = 10.0
LEAD_IN_S = 1.5  # the offline smoothing of the frames so far starts this long before what it reads


class SLRLive(LiveRules):
    """Causal SLR feedback: rest baselines once both legs lie still on the table
    (`rom.core.rest`), taken again when the raised leg later sinks below them; then hip and knee
    angles, a knee bend confirmed by the offline rule once its hold has been seen, and its onset
    fitted on the frames seen so far. A declared side whose leg stays down while the other rises
    gives way to the other (the result is stored as measured, `web.services.recording`).

    After the bend: `bend_confirmed_s` (session time of the frame that confirmed it, the offline
    `knee_bend_confirmed_s`), `bend_at` (when the live rule could say so, `onset.HOLD_S` later),
    `onset_s` (the fitted start, the offline `knee_bend_onset_s`), `slr_deg` (the hip flexion
    there, the offline `slr_angle_deg`) and `bend_side` (the leg measured from then on)."""

    def __init__(self, side: str | None, fps: float, config: SLRConfig):
        self.side, self.fps, self.config = side, fps, config
        self.t: list[float] = []
        self.thigh: dict[str, list[float]] = {"left": [], "right": []}
        self.leg: dict[str, list[float]] = {"left": [], "right": []}
        self.knee: dict[str, list[float]] = {"left": [], "right": []}
        self.base: dict[str, float] | None = None
        self.rest = RestGate(fps)
        self._sustain_n = max(2, int(round(config.rest_retake_s * fps)))  # frames in a row that make rest_retake_s
        self.filters = {k: signal.LiveLowpass(fps) for k in ("hip", "knee", "other")}
        self.bend_at: float | None = None  # session time at which the bend was confirmed live
        self.bend_confirmed_s: float | None = None
        self.onset_s: float | None = None
        self.slr_deg: float | None = None
        self.bend_side: str | None = None  # the leg whose knee bent
        self._confirmed_i = 0  # index of the frame that confirmed the bend
        self._fit_done = False  # the onset fitted on the whole window the offline fit reads
        self.found_side: str | None = None  # the leg seen rising where another was declared
        self._rise_start = 0  # index of the frame from which a bend is looked for (the rest's end)
        self._other_rising = 0  # frames in a row with the undeclared leg rising instead
        self._hip_hist: list[float] = []

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None) -> LiveFrame:
        xy = None if est is None else est.xy_px
        frame = LiveFrame(t_s=t, detected=xy is not None, side=self.side)
        self.t.append(t)
        body = None if xy is None else kinematics.supine_frame_of(xy)
        for s in ("left", "right"):
            a = None if body is None else kinematics.slr_leg_angles_of(xy, s, body)
            for k in ("thigh", "leg", "knee"):
                getattr(self, k)[s].append(float("nan") if a is None else float(a[k]))
        self.rest.add({s: self.leg[s][-1] for s in ("left", "right")},
                      _not_at_rest(xy, body, self.leg, self.config.rest_legs_apart_deg))
        if self.base is None:
            window = self.rest.window()
            if window is None:
                frame.cues += self.rest.cues()
                self._hip_hist.append(float("nan"))
                return frame
            self.base = {f"{k}_{s}": float(np.nanmedian(np.array(getattr(self, k)[s])[window]))
                         for k in ("thigh", "leg", "knee") for s in ("left", "right")}
            self._rise_start = len(self.t) - 1
            frame.events.append("rest")
        side = self._side()
        frame.side = side
        if self.bend_at is None and self._rest_was_wrong(side):
            self.base = None
            self.rest.restart()
            self._restart_filters()
            frame.events.append("rest_retaken")
            frame.cues += ["the leg was not resting when the resting position was taken: taking it again",
                           "lower the leg onto the table and hold still"]
            self._hip_hist.append(float("nan"))
            return frame
        other = other_side(side)
        hip = float(thigh_flexion(np.array(self.thigh[side][-1]), self.base[f"thigh_{side}"],
                                  self.config.rest_thigh_deg, self.config.thigh_bias_deg))
        knee = self.knee[side][-1] - self.base[f"knee_{side}"]
        other_rise = self.leg[other][-1] - self.base[f"leg_{other}"]
        self._hip_hist.append(hip)
        frame.raw = {"hip_flexion_deg": hip, "knee_flexion_deg": knee, "other_hip_flexion_deg": other_rise}
        frame.angles = {"hip_flexion_deg": self.filters["hip"](hip), "knee_flexion_deg": self.filters["knee"](knee),
                        "other_hip_flexion_deg": self.filters["other"](other_rise)}
        shown_knee = frame.angles["knee_flexion_deg"]
        if self.bend_at is None:
            self._confirm_bend(t, side, frame)
        elif not self._fit_done and len(self.t) == self._confirmed_i + int(round(onset.FIT_AFTER_S * self.fps)) + 1:
            self._fit_onset()
        if self.found_side is not None:
            frame.cues.append(f"the {self.found_side} leg is being raised, not the {self.side} one: "
                              f"it is measured as the {self.found_side} leg")
        if self.bend_at is not None:
            frame.cues.append(f"knee bent at {self.slr_deg:.0f} degrees")
        elif np.isfinite(shown_knee) and shown_knee > STRAIGHT_KNEE_CUE_DEG:
            frame.cues.append("keep the knee straight")
        elif np.isfinite(hip) and hip > RAISING_CUE_DEG:
            frame.cues.append("keep raising slowly, knee straight")
        else:
            frame.cues.append("raise the leg slowly with the knee straight")
        # The offline flag's quantity and threshold (the other leg's rise above its rest, past
        # contralateral_limit_deg), on the display filter; offline it is read around the top of the
        # raise only, which live is not known until the leg comes down. Only while the raised leg is
        # the higher one (the other rising alone is the raised leg).
        other_shown = frame.angles["other_hip_flexion_deg"]
        rise = self._rises()
        if np.isfinite(other_shown) and other_shown > self.config.contralateral_limit_deg and rise[side] > rise[other]:
            frame.cues.append("the other leg is lifting: keep it on the table")
        return frame

    def _restart_filters(self) -> None:
        """The display filters start afresh (a new rest, or another leg followed)."""
        self.filters = {k: signal.LiveLowpass(self.fps) for k in self.filters}

    def _rises(self) -> dict[str, float]:
        return {s: float(np.nan_to_num(self.leg[s][-1] - self.base[f"leg_{s}"], nan=-np.inf))
                for s in ("left", "right")}

    def _side(self) -> str:
        """The raised leg: the declared one until the other has risen side_switch_rise_deg more
        than it for rest_retake_s (then the other, for good); undeclared, the one risen most until
        its knee bends (then that one, as offline one leg is measured per clip)."""
        rise = self._rises()
        if self.side is None:
            if self.bend_side is not None:  # the leg whose knee bent stays the raised one, lowered or not
                return self.bend_side
            return max(("left", "right"), key=lambda s: rise[s])
        if self.found_side is None and self.bend_at is None:
            other = other_side(self.side)
            rising = rise[other] - rise[self.side] > self.config.side_switch_rise_deg
            self._other_rising = self._other_rising + 1 if rising else 0
            if self._other_rising >= self._sustain_n:
                self.found_side = other
                self._restart_filters()
        return self.found_side or self.side

    def _rest_was_wrong(self, side: str) -> bool:
        """The raised leg has stayed more than rest_retake_deg below its resting reading for
        rest_retake_s."""
        m = self._sustain_n
        below = np.array(self.leg[side][-m:]) - self.base[f"leg_{side}"]
        return len(below) == m and bool(np.all(np.isfinite(below)) and np.all(below < -self.config.rest_retake_deg))

    def _confirm_bend(self, t: float, side: str, frame: LiveFrame) -> None:
        """The offline rule (`onset.bend_at`) asked of the frame whose hold has just been seen,
        on the offline smoothing of the frames so far; once it confirms, the onset is fitted
        (`_fit_onset`) and the hip flexion read there."""
        c = self.config
        n = len(self.t)
        i = n - onset.hold_frames(self.fps)  # the newest frame whose whole hold has been seen
        if i < self._rise_start + 3:
            return
        w = max(3, int(round(onset.BASELINE_WINDOW_S * self.fps)))
        lo = max(0, i - w - int(round(LEAD_IN_S * self.fps)))
        smooth = signal.clean(np.array(self.knee[side][lo:], dtype=float), self.fps, c.knee_cutoff_hz,
                              min_run_s=c.min_run_s)
        base = onset.bend_at(smooth, i - lo, self._rise_start - lo, c.knee_bend_threshold_deg, self.fps,
                             floor_deg=self.base[f"knee_{side}"])
        if base is None:
            return
        self._confirmed_i = i
        self.bend_confirmed_s = self.t[i]
        self.bend_at, self.bend_side = t, side
        self._fit_onset()
        frame.events.append("knee_bend")

    def _fit_onset(self) -> None:
        """The onset as offline (`onset.fit_bend` on `onset.knee_for_fit`, from FIT_BEFORE_S before
        the confirming frame to FIT_AFTER_S after it), on the frames seen so far: at the
        confirmation half a second after it, then again once the whole second has been seen."""
        i, side, n = self._confirmed_i, self.bend_side, len(self.t)
        first = max(self._rise_start, i - int(round(onset.FIT_BEFORE_S * self.fps)))
        last = min(n, i + int(round(onset.FIT_AFTER_S * self.fps)) + 1)
        lo = max(0, first - int(round(LEAD_IN_S * self.fps)))
        knee = onset.knee_for_fit(np.array(self.knee[side][lo:], dtype=float), self.fps)
        t0, *_ = onset.fit_bend(knee, i - lo, first - lo, last - lo, self.fps)
        key = t0 + lo
        self.onset_s = float(np.interp(key, np.arange(n), self.t))
        self.slr_deg = self._hip_at(key, side, lo)
        self._fit_done = last == i + int(round(onset.FIT_AFTER_S * self.fps)) + 1

    def _hip_at(self, key: float, side: str, lo: int) -> float:
        """The hip flexion at (fractional) frame key as offline (`measure._angle_at`): the
        smoothed thigh line, or the hip -> ankle line where the two agree, from frame lo on."""
        c = self.config

        def smooth(x: list[float]) -> np.ndarray:
            return signal.clean(np.array(x[lo:], dtype=float), self.fps, c.cutoff_hz, min_run_s=c.min_run_s)

        hip = thigh_flexion(smooth(self.thigh[side]), self.base[f"thigh_{side}"], c.rest_thigh_deg, c.thigh_bias_deg)
        hip_leg = smooth(self.leg[side]) - self.base[f"leg_{side}"] + c.rest_thigh_deg
        try:
            slr, _, _ = _angle_at(hip, hip_leg, key - lo, c.consistency_deg, int(round(0.6 * self.fps)),
                                  c.max_line_disagreement_deg)
        except NotMeasurable:  # offline a refusal; live the definition's thigh line, to be checked at the end
            slr = float(np.interp(key - lo, np.arange(len(hip)), hip))
        if not np.isfinite(slr):
            hips = signal.fill_gaps(np.array(self._hip_hist), max_gap=int(0.25 * self.fps))
            slr = float(np.nanmax(hips)) if np.isfinite(hips).any() else float("nan")
        return float(slr)

    def angle_at(self, at_s: float) -> float | None:
        """The raw hip flexion of the frame nearest session time at_s (None: not measured)."""
        if not self.t:
            return None
        i = int(np.argmin(np.abs(np.array(self.t) - at_s)))
        v = self._hip_hist[i] if i < len(self._hip_hist) else float("nan")
        return float(v) if np.isfinite(v) else None

    def pain_cue(self, pain_s: float) -> str:
        v = self.angle_at(pain_s)
        return "pain marked" if v is None else f"pain marked at {v:.0f} degrees"


def _not_at_rest(xy: np.ndarray | None, body, legs: dict[str, list[float]], apart_deg: float) -> str | None:
    """Why this frame cannot be part of the SLR's resting position (None: it can)."""
    if xy is None:
        return "no one found lying in view: lie down on your back, the whole body in the picture"
    if body is None or not posture.is_lying(xy):
        return "lie down on your back on the table, legs straight"
    apart = abs(legs["left"][-1] - legs["right"][-1])
    if np.isfinite(apart) and apart > apart_deg:
        return "lower the leg onto the table: both legs must rest before the raise"
    return None

