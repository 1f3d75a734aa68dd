"""Live feedback for the straight-leg raise: the offline rules run causally, one frame at a time.

Rest baselines once both legs lie still on the table (`rom.core.rest`), taken again when the raised
leg later sinks below them; then hip and knee angles, a knee bend confirmed as offline (10 degrees
above rest, sustained) and its onset fitted on the frames seen so far.
"""

from __future__ import annotations

import numpy as np

from rom.core import geometry, kinematics, posture, signal
from rom.core.landmarks import INDEX, PoseEstimate, other_side
from rom.core.rest import RestGate
from rom.protocols.base import LiveFrame, LiveRules
from rom.protocols.slr import onset
from rom.protocols.slr.measure import SLRConfig, thigh_flexion

LEGS_APART_DEG = 10.0  # at rest both legs lie on the table: farther apart, one is held up
RETAKE_DEG = 6.0  # the raised leg this far below its resting reading: the rest was taken too high
RETAKE_S = 0.3  # ... for this long (the bend's confirmation time)
SIDE_RISE_DEG = 15.0  # the undeclared leg risen this much more than the declared one: it is the raised one


class SLRLive(LiveRules):
    """Causal SLR feedback: rest baselines once both legs lie still on the table
    (`rom.core.rest`), taken again when the raised leg later sinks below them; then hip and knee
    angles, a knee bend confirmed as offline (10 degrees above rest, sustained) and its onset
    fitted on the frames seen so far. A declared side whose leg stays down while the other rises
    gives way to the other (the result is stored as measured, `web.services.recording`)."""

    def __init__(self, side: str | None, fps: float, config: SLRConfig):
        self.side, self.fps, self.config = side, fps, config
        self.t: list[float] = []
        self.thigh: dict[str, list[float]] = {"left": [], "right": []}
        self.leg: dict[str, list[float]] = {"left": [], "right": []}
        self.knee: dict[str, list[float]] = {"left": [], "right": []}
        self.base: dict[str, float] | None = None
        self.rest = RestGate(fps)
        self._sustain_n = max(2, int(round(RETAKE_S * fps)))  # frames in a row that make RETAKE_S
        self.filters = {k: signal.LiveLowpass(fps) for k in ("hip", "knee", "other")}
        self.bend_at: float | None = None  # session time of the confirmed bend
        self.slr_deg: float | None = None
        self.found_side: str | None = None  # the leg seen rising where another was declared
        self._above_since: float | None = None
        self._other_rising = 0  # frames in a row with the undeclared leg rising instead
        self._hip_hist: list[float] = []

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None) -> LiveFrame:
        xy = None if est is None else est.xy_px
        frame = LiveFrame(t_s=t, detected=xy is not None, side=self.side)
        self.t.append(t)
        body = None if xy is None else _supine_frame(xy)
        for s in ("left", "right"):
            if body is None:
                th = lg = kn = float("nan")
            else:
                hip, knee, ankle = xy[INDEX[f"{s}_hip"]], xy[INDEX[f"{s}_knee"]], xy[INDEX[f"{s}_ankle"]]
                th = float(geometry.elevation_deg(hip, knee, body.feet_deg, body.up_sign))
                lg = float(geometry.elevation_deg(hip, ankle, body.feet_deg, body.up_sign))
                kn = float(geometry.wrap_deg(th - geometry.elevation_deg(knee, ankle, body.feet_deg, body.up_sign)))
            self.thigh[s].append(th)
            self.leg[s].append(lg)
            self.knee[s].append(kn)
        self.rest.add({s: self.leg[s][-1] for s in ("left", "right")}, _not_at_rest(xy, body, self.leg))
        if self.base is None:
            window = self.rest.window()
            if window is None:
                frame.cues += self.rest.cues()
                self._hip_hist.append(float("nan"))
                return frame
            self.base = {f"{k}_{s}": float(np.nanmedian(np.array(getattr(self, k)[s])[window]))
                         for k in ("thigh", "leg", "knee") for s in ("left", "right")}
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
        if self.bend_at is None and np.isfinite(shown_knee):
            self._confirm_bend(shown_knee, t, side, frame)
        if self.found_side is not None:
            frame.cues.append(f"the {self.found_side} leg is being raised, not the {self.side} one: "
                              f"it is measured as the {self.found_side} leg")
        if self.bend_at is not None:
            frame.cues.append(f"knee bent at {self.slr_deg:.0f} degrees")
        elif np.isfinite(shown_knee) and shown_knee > 5.0:
            frame.cues.append("keep the knee straight")
        elif np.isfinite(hip) and hip > 10.0:
            frame.cues.append("keep raising slowly, knee straight")
        else:
            frame.cues.append("raise the leg slowly with the knee straight")
        # (only while the raised leg is the higher one: the other rising alone is the raised leg)
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
        """The raised leg: the declared one until the other has risen SIDE_RISE_DEG more than it
        for RETAKE_S (then the other, for good); undeclared, the one risen most."""
        rise = self._rises()
        if self.side is None:
            return max(("left", "right"), key=lambda s: rise[s])
        if self.found_side is None and self.bend_at is None:
            other = other_side(self.side)
            rising = rise[other] - rise[self.side] > SIDE_RISE_DEG
            self._other_rising = self._other_rising + 1 if rising else 0
            if self._other_rising >= self._sustain_n:
                self.found_side = other
                self._restart_filters()
        return self.found_side or self.side

    def _rest_was_wrong(self, side: str) -> bool:
        """The raised leg has stayed more than RETAKE_DEG below its resting reading for RETAKE_S."""
        m = self._sustain_n
        below = np.array(self.leg[side][-m:]) - self.base[f"leg_{side}"]
        return len(below) == m and bool(np.all(np.isfinite(below)) and np.all(below < -RETAKE_DEG))

    def _confirm_bend(self, knee: float, t: float, side: str, frame: LiveFrame) -> None:
        """Confirm a bend once the knee has stayed 10 degrees above rest for 0.3 s, then fit its
        start on the recent raw knee angles (as offline) and read the hip flexion there."""
        if knee < self.config.knee_bend_threshold_deg:
            self._above_since = None
            return
        self._above_since = t if self._above_since is None else self._above_since
        if t - self._above_since < 0.3:
            return
        k = np.array(self.knee[side]) - self.base[f"knee_{side}"]
        n = len(k)
        confirmed = n - 1 - int(round(0.3 * self.fps))
        first = max(0, confirmed - int(round(1.0 * self.fps)))
        t0, *_ = onset.fit_bend(k, confirmed, first, n, self.fps)
        hips = signal.fill_gaps(np.array(self._hip_hist), max_gap=int(0.25 * self.fps))
        i = int(np.clip(round(t0), 0, n - 1))
        self.slr_deg = float(hips[i]) if np.isfinite(hips[i]) else float(np.nanmax(hips))
        self.bend_at = t
        frame.events.append("knee_bend")

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


def _not_at_rest(xy: np.ndarray | None, body, legs: dict[str, list[float]]) -> str | None:
    """Why this frame cannot be part of the SLR's resting position (None: it can)."""
    if xy is None:
        return "no one found lying in view: lie down on your back, the whole body in the picture"
    if body is None or not posture.is_lying(xy):
        return "lie down on your back on the table, legs straight"
    apart = abs(legs["left"][-1] - legs["right"][-1])
    if np.isfinite(apart) and apart > LEGS_APART_DEG:
        return "lower the leg onto the table: both legs must rest before the raise"
    return None


def _supine_frame(xy: np.ndarray) -> kinematics.SupineFrame | None:
    d = 0.5 * (xy[INDEX["left_ankle"], 0] + xy[INDEX["right_ankle"], 0]) - \
        0.5 * (xy[INDEX["left_shoulder"], 0] + xy[INDEX["right_shoulder"], 0])
    if not np.isfinite(d) or d == 0:
        return None
    return kinematics.SupineFrame(feet_deg=0.0 if d > 0 else 180.0, up_sign=1.0 if d > 0 else -1.0)
