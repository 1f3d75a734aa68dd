"""Live feedback for the slump test: the offline rules run causally, one frame at a time.

Each frame's raw angles are the offline ones (`measure.frame_angles`, the tested leg by geometry:
the straighter knee); the steps are the offline rules (`phases.find_phases`) asked of the offline
smoothing of the frames so far (every STEP_EVERY-th frame; the smoothing redone on the newest frames
only, see CONTEXT_S). The cue asks for the next step in the
test's order ("slump", "chin to chest", "straighten the knee", "pull the foot up", "release the
neck", then "sit up").
"""

from __future__ import annotations

import numpy as np

from rom.core import posture, signal
from rom.core.landmarks import PoseEstimate
from rom.core.signal import finite_median as _median
from rom.protocols.base import LiveFrame, LiveRules
from rom.protocols.slump import measure
from rom.protocols.slump.measure import SlumpConfig
from rom.protocols.slump.phases import find_phases
from rom.protocols.slump.words import CUES

# After the knee extension, the foot is asked to pull up this long; then the neck's release is asked
# for (the ankle step is optional).
ANKLE_WAIT_S = 1.0
KEYS = ("trunk", "head", "knee", "foot", "hip")
FACING_FRAMES = 15
# The steps are looked for on every STEP_EVERY-th frame (the offline smoothing of all frames so far
# costs a few milliseconds): a step is said at most STEP_EVERY frames after it could be.
STEP_EVERY = 5
# The offline smoothing of the frames so far is redone only on the newest frames, with CONTEXT_S of the
# frames before them: every step of it (plateaus up to 0.8 s, outliers and gaps of 0.25 s, the zero-phase
# low-pass, whose reach dies out within about 0.5 s at 4 Hz) looks no further, so a frame's smoothed value
# is final once CONTEXT_S lies after it. The cost per frame then stays the same however long the recording.
CONTEXT_S = 3.0


class SlumpLive(LiveRules):
    """Causal slump feedback. `steps`: the steps found so far (name -> `phases.Move`), `done`: the
    names of the steps that have ended, in order."""

    def __init__(self, side: str | None, fps: float, config: SlumpConfig):
        self.side, self.fps, self.config = side, fps, config
        self.t: list[float] = []
        self.raw: dict[str, list[float]] = {k: [] for k in KEYS}
        self.xy: list[np.ndarray] = []
        self.facing = 0.0
        self.steps: dict = {}
        self.done: list[str] = []
        shown = ("knee_flexion_deg", "spine_flexion_deg", "neck_flexion_deg", "ankle_dorsiflexion_deg",
                 "trunk_inclination_deg", "hip_flexion_deg")
        self.filters = {k: signal.LiveLowpass(fps) for k in shown}
        self.start: dict[str, float] | None = None  # the trunk and head at the start (sitting upright)
        self.steps_at = -1  # frames seen when the steps were last looked for
        self._clean: dict[str, np.ndarray] = {}  # the raw angles smoothed as offline, frames so far

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None) -> LiveFrame:
        frame = LiveFrame(t_s=t, detected=est is not None, side=self.side)
        self.t.append(t)
        xy = None if est is None else np.asarray(est.xy_px, float)
        if xy is not None and len(self.xy) < FACING_FRAMES:  # the way the person faces, from the first frames
            self.xy.append(xy)
            self.facing = measure.image_facing(np.array(self.xy))
        a = None
        if xy is not None and self.facing != 0.0:
            angles = measure.frame_angles(xy[None], self.facing)
            a = measure.tested_leg_per_frame(angles) | angles
        for k in KEYS:
            self.raw[k].append(float("nan") if a is None else float(a[k][0]))
        if a is not None:  # the leg drawn as measured: this frame's straighter knee, whatever its label
            frame.side = "left" if bool(a["label_left"][0]) else "right"
        if xy is None:
            frame.cues.append("no one in view: sit side-on to the camera, the whole body in the picture")
            return frame
        if not posture.is_sitting(xy):
            frame.cues.append("sit on the edge of the table, side-on to the camera, hands behind your back")
        shown = self._shown()
        frame.raw = dict(shown)
        frame.angles = {k: self.filters[k](v) for k, v in shown.items()}
        n = len(self.t)
        if n % STEP_EVERY == 0 or self.steps_at < 0:
            self._find_steps(self._angles(), frame)
            self.steps_at = n
        frame.cues.append(self._cue(t))
        return frame

    def _shown(self) -> dict[str, float]:
        """This frame's angles for display, from its raw landmarks: against the start's posture once
        that has been seen (the first `upright_s`)."""
        c = self.config
        n0 = max(3, int(round(c.upright_s * self.fps)))
        if self.start is None and len(self.t) >= n0:
            self.start = {k: _median(np.array(self.raw[k][:n0])) for k in ("trunk", "head")}
        now = {k: self.raw[k][-1] for k in KEYS}
        out = {"knee_flexion_deg": now["knee"], "trunk_inclination_deg": now["trunk"], "hip_flexion_deg": now["hip"],
               "ankle_dorsiflexion_deg": c.ankle_scale * now["foot"] + c.ankle_offset_deg}
        if self.start is not None:
            turn = now["trunk"] - self.start["trunk"]
            out["spine_flexion_deg"] = c.spine_per_trunk * turn
            out["neck_flexion_deg"] = float(measure.head_true(now["head"] - self.start["head"], c)) - \
                c.spine_per_trunk * turn
        return out

    def _angles(self) -> dict[str, np.ndarray]:
        """The angles of the frames so far, smoothed as offline (spine and neck against the start)."""
        c, fps = self.config, self.fps
        clean = self._cleaned()
        n0 = max(3, int(round(c.upright_s * fps)))
        trunk_turn = clean["trunk"] - _median(clean["trunk"][:n0])
        head_turn = clean["head"] - _median(clean["head"][:n0])
        spine = c.spine_per_trunk * trunk_turn
        return {"knee": np.clip(clean["knee"], 0.0, 180.0), "spine": spine,
                "neck": measure.head_true(head_turn, c) - spine,
                "ankle": c.ankle_scale * clean["foot"] + c.ankle_offset_deg,
                "trunk": clean["trunk"], "hip_flexion": clean["hip"], "trunk_turn": trunk_turn}

    def _cleaned(self) -> dict[str, np.ndarray]:
        """`signal.clean` of each raw angle over the frames so far: redone from CONTEXT_S before the last
        call's end (the frames before that are final, see CONTEXT_S), on a window reaching CONTEXT_S further
        back for its context."""
        n, ctx = len(self.t), int(round(CONTEXT_S * self.fps))
        done = len(next(iter(self._clean.values()))) if self._clean else 0
        keep = max(0, done - ctx)  # frames whose smoothed value is final
        lo = max(0, keep - ctx)
        for k, v in self.raw.items():
            window = signal.clean(np.array(v[lo:n], float), self.fps, self.config.cutoff_hz)
            old = self._clean.get(k, np.zeros(0))
            self._clean[k] = np.concatenate((old[:keep], window[keep - lo:]))
        return self._clean

    def _find_steps(self, angles: dict[str, np.ndarray], frame: LiveFrame) -> None:
        steps = find_phases(angles["trunk_turn"], angles["neck"], angles["knee"], angles["ankle"], self.fps,
                            self.config.phases)
        self.steps = steps
        for name, move in steps.items():
            if move.settled and name not in self.done and len(self.t) - 1 > move.end:
                self.done.append(name)
                frame.events.append(name)

    def _cue(self, t: float) -> str:
        done = self.done
        if "neck_release" in done:
            return "test done: sit up" if "return" not in done else "test done"
        if "knee_extension" in done:
            ext_end = float(np.interp(self.steps["knee_extension"].end, np.arange(len(self.t)), self.t))
            if "ankle_dorsiflexion" in done or "neck_release" in self.steps or t - ext_end > ANKLE_WAIT_S:
                return CUES["neck_release"]
            return CUES["ankle_dorsiflexion"]
        if "neck_flexion" in done:
            return CUES["knee_extension"]
        if "slump" in done:
            return CUES["neck_flexion"]
        return CUES["slump"]

    def angle_at(self, at_s: float) -> float | None:
        """The tested knee's flexion (raw) of the frame nearest session time at_s."""
        if not self.t:
            return None
        i = int(np.argmin(np.abs(np.array(self.t) - at_s)))
        v = self.raw["knee"][i]
        return float(v) if np.isfinite(v) else None

    def pain_cue(self, pain_s: float) -> str:
        v = self.angle_at(pain_s)
        return "symptoms marked" if v is None else f"symptoms marked at knee flexion {v:.0f} degrees"
