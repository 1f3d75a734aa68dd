"""Live feedback for the active knee extension: the offline rules run causally, one frame at a time.

The start reference is taken once the person lies with one thigh held up and its knee bent (the 90/90
start) and holds still (`rom.core.rest`): the leg held up (by geometry: the higher thigh, as offline),
the table line from the resting thigh (`measure`'s `rest_thigh_deg`), the hip's starting angle and the
other leg's starting line. Then per frame the offline kinematics: hip flexion (thigh vs table), knee
flexion with the offline knee correction (for the camera's view, from the knee's reading at this
start: `measure.view_correction`), the other leg's rise; the cues say to hold the thigh at 90
(beyond the offline hip_drift tolerance from the start), to extend slowly (the knee straightening faster
than SLOW_DEG_S), to keep the other leg flat (the offline contralateral limit), and the end range once the
knee has held its most extended reading and begun to bend again (the AKE angle then shown is the median of
the offline smoothing over that hold, as offline).
"""

from __future__ import annotations

import numpy as np

from rom.core import kinematics, legs, posture, signal
from rom.core.landmarks import SIDES, PoseEstimate, other_side
from rom.core.rest import RestGate
from rom.protocols.ake.measure import AKEConfig, end_range, hip_view_correction, view_correction, without_flips
from rom.protocols.base import LiveFrame, LiveRules

WAITING = "lie on your back, hold the tested thigh upright with the knee bent, and keep still"
# Cues only (they decide no finding): the knee straightening faster than this (degrees per second,
# over SPEED_WINDOW_S) is asked to go slowly; end range is said once the knee has bent again by
# END_RANGE_BACK_DEG from its most extended reading.
SLOW_DEG_S = 45.0
SPEED_WINDOW_S = 0.3
END_RANGE_BACK_DEG = 5.0
DRIFT_SUSTAIN_S = 0.3
LEAD_IN_S = 1.5  # the offline cleaning of the thigh's last frames reads this long a stretch


class AKELive(LiveRules):
    """Causal AKE feedback. After end range: `ake_deg` (the AKE angle as offline reads it on the frames
    so far) and `end_range_s`."""

    def __init__(self, side: str | None, fps: float, config: AKEConfig | None = None):
        self.side, self.fps, self.config = side, fps, config or AKEConfig()
        self.t: list[float] = []
        self.rest = RestGate(fps, rest_s=max(self.config.start_s, 0.4), waiting=WAITING)
        self.angles: dict[str, dict[str, list[float]]] = {s: {"thigh": [], "leg": [], "knee": []} for s in SIDES}
        self.ref: dict | None = None
        self.knee_hist: list[float] = []  # the tested knee (corrected) from the reference on
        self.hip_hist: list[float] = []
        self.filters = {k: signal.LiveLowpass(fps) for k in ("hip", "knee", "other")}
        self.ake_deg: float | None = None
        self._drifting = 0  # frames in a row with the thigh beyond the drift tolerance
        self.end_range_s: float | None = None

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None) -> LiveFrame:
        xy = None if est is None else est.xy_px
        frame = LiveFrame(t_s=t, detected=xy is not None, side=self.side)
        self.t.append(t)
        body = None if xy is None else kinematics.supine_frame_of(xy)
        for s in SIDES:
            a = None if body is None else kinematics.slr_leg_angles_of(xy, s, body)
            for k in ("thigh", "leg", "knee"):
                self.angles[s][k].append(float("nan") if a is None else float(a[k]))
        held = self._held_label()
        self.rest.add({} if held is None else {"thigh": self.angles[held]["thigh"][-1],
                                               "knee": self.angles[held]["knee"][-1]},
                      self._not_ready(xy, body, held))
        if self.ref is None:
            window = self.rest.window()
            if window is None:
                frame.cues += self.rest.cues()
                return frame
            self.ref = self._reference(window, held, xy, body)
            frame.events.append("rest")
        frame.side = self.ref["side"]
        label = held or self.ref["label"]
        other = other_side(label)
        c = self.config
        hip = self.angles[label]["thigh"][-1] - self.ref["table"] + self.ref["hip_offset"]
        knee = self.angles[label]["knee"][-1] + self.ref["bias"]
        rise = self.angles[other]["leg"][-1] - self.ref["other_leg"]
        self.knee_hist.append(knee)
        self.hip_hist.append(hip)
        frame.raw = {"knee_flexion_deg": knee, "hip_flexion_deg": hip, "other_hip_flexion_deg": rise + c.rest_thigh_deg}
        frame.angles = {"knee_flexion_deg": self.filters["knee"](knee), "hip_flexion_deg": self.filters["hip"](hip),
                        "other_hip_flexion_deg": self.filters["other"](rise + c.rest_thigh_deg)}
        frame.cues += self._cues(frame, t)
        return frame

    def _held_label(self) -> str | None:
        """The label whose thigh stands higher in the newest frame (None when neither is found)."""
        up = {s: self.angles[s]["thigh"][-1] for s in SIDES}
        if not all(np.isfinite(v) for v in up.values()):
            return None
        return max(SIDES, key=lambda s: up[s])

    def _not_ready(self, xy, body, held: str | None) -> str | None:
        """Why this frame cannot be the start (None: it can)."""
        if xy is None:
            return "no one found lying in view: lie down on your back, the whole body in the picture"
        if body is None or not posture.is_lying(xy):
            return "lie down on your back on the table"
        if held is None or self.angles[held]["thigh"][-1] < self.config.min_held_thigh_deg:
            return "hold the tested thigh upright (hip at 90 degrees), both hands behind it"
        if not self.angles[held]["knee"][-1] > self.config.min_start_knee_deg:
            return "bend the knee to about 90 degrees to start"
        return None

    def _reference(self, window: np.ndarray, label: str, xy: np.ndarray, body) -> dict:
        c = self.config
        other = other_side(label)

        def med(s: str, k: str) -> float:
            x = np.array(self.angles[s][k], float)[window]
            return float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")

        # Near or far by the legs' lengths in the picture, as offline (the model's depth follows its labels).
        def length(s: str) -> float:
            hip, knee, ankle = (kinematics.joint(xy, f"{s}_{p}") for p in ("hip", "knee", "ankle"))
            return float(np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee))

        ratio = length(label) / max(length(other), 1e-6)
        leg = ("unknown" if not np.isfinite(ratio) or abs(ratio - c.near_ratio) < c.near_ratio_margin
               else "near" if ratio > c.near_ratio else "far")
        side = self.side if self.side in SIDES else (legs.raised_side(body, leg) or label)
        table = med(other, "thigh") - c.rest_thigh_deg
        # the offline correction for the camera's view, from the knee's raw reading at this start
        knee_start = med(label, "knee")
        offset, start_off = view_correction(knee_start, leg, c)
        hip_start = med(label, "thigh") - table
        hip_offset, _ = hip_view_correction(hip_start, c)
        return {"label": label, "side": side, "table": table, "other_leg": med(other, "leg"),
                "hip_start": hip_start + hip_offset, "hip_offset": hip_offset, "hip_set": hip_start + c.hip_bias_deg,
                "bias": offset, "knee_start": knee_start, "start_off": start_off}

    def _cues(self, frame: LiveFrame, t: float) -> list[str]:
        c, cues = self.config, []
        # The thigh's drift as offline reads it: the offline cleaning (outlier frames out) of the last
        # LEAD_IN_S, its newest value; the display filter would follow a landmark's jump.
        n_in = max(5, int(round(LEAD_IN_S * self.fps)))
        recent = signal.clean(np.array(self.hip_hist[-n_in:], float), self.fps, c.cutoff_hz, min_run_s=c.min_run_s)
        drift = float(recent[-1]) - self.ref["hip_start"] if len(recent) >= 5 else float("nan")
        # said once it has lasted DRIFT_SUSTAIN_S: the newest frames' outliers cannot be told yet
        self._drifting = self._drifting + 1 if np.isfinite(drift) and abs(drift) > c.hip_drift_tolerance_deg else 0
        if self._drifting < max(2, int(round(DRIFT_SUSTAIN_S * self.fps))):
            drift = 0.0
        if self.end_range_s is None:
            self._find_end_range(frame)
        if abs(self.ref["start_off"]) > c.max_start_knee_off_deg and self.end_range_s is None:
            cues.append(f"the knee read {self.ref['knee_start']:.0f} degrees at the start, not 90, so the result will "
                        "be refused: set the knee at 90 degrees (or turn the camera square to the tested leg's side) "
                        "and start again")
        if self.end_range_s is not None:
            cues.append(f"end range: knee {self.ake_deg:.0f} degrees from straight")
        # (the offline flag reads the extension and its hold, not the return)
        if np.isfinite(drift) and abs(drift) > c.hip_drift_tolerance_deg and self.end_range_s is None:
            cues.append(f"keep the thigh at 90 degrees: it has {'sunk' if drift < 0 else 'come towards the chest'} "
                        f"{abs(drift):.0f} degrees")
        elif abs(self.ref["hip_set"] - 90.0) > 10.0 and self.end_range_s is None:
            cues.append(f"the thigh is at {self.ref['hip_set']:.0f} degrees: bring it upright, to 90")
        other = frame.angles["other_hip_flexion_deg"] - c.rest_thigh_deg
        if np.isfinite(other) and other > c.contralateral_limit_deg:
            cues.append("the other leg is lifting: keep it flat on the table")
        n = max(2, int(round(SPEED_WINDOW_S * self.fps)))
        if self.end_range_s is None:
            recent = np.array(self.knee_hist[-n:], float)
            if len(recent) == n and np.isfinite(recent[[0, -1]]).all():
                speed = (recent[0] - recent[-1]) / (n / self.fps)
                cues.append("slower: straighten the knee slowly" if speed > SLOW_DEG_S
                            else "straighten the knee slowly as far as it goes, thigh still")
            else:
                cues.append("straighten the knee slowly as far as it goes, thigh still")
        return cues

    def _find_end_range(self, frame: LiveFrame) -> None:
        """End range once the knee has bent again END_RANGE_BACK_DEG from its most extended reading: the
        offline reading (`measure.end_range` on the knee without the model's flips) on the frames so far."""
        c = self.config
        bias = self.ref["bias"]
        knee = signal.clean(without_flips(np.array(self.knee_hist, float) - bias, self.fps, c) + bias, self.fps,
                            c.knee_cutoff_hz, min_run_s=c.min_run_s)
        hip = signal.clean(np.array(self.hip_hist, float), self.fps, c.cutoff_hz, min_run_s=c.min_run_s)
        found = end_range(knee, hip, self.fps, c)
        if found is None:
            return
        h0, h1, i = found
        low = float(knee[i])
        if not (np.isfinite(knee[-1]) and knee[-1] > low + END_RANGE_BACK_DEG):
            return
        start = np.array(self.knee_hist[:max(3, int(round(c.start_s * self.fps)))], float)
        if not np.isfinite(start).any() or float(np.nanmedian(start)) - low < c.min_extension_deg:
            return
        self.ake_deg = float(np.nanmedian(knee[h0:h1 + 1]))
        offset = len(self.t) - len(self.knee_hist)
        self.end_range_s = float(self.t[offset + h0])
        frame.events.append("end_range")

    def angle_at(self, at_s: float) -> float | None:
        """The knee flexion of the frame nearest session time at_s (None: not measured)."""
        if not self.knee_hist:
            return None
        offset = len(self.t) - len(self.knee_hist)
        i = int(np.argmin(np.abs(np.array(self.t[offset:]) - at_s)))
        v = self.knee_hist[i]
        return float(v) if np.isfinite(v) else None
