"""Live feedback for the hip hinge: angles, repetitions and form cues from the frames so far.

The first second (standing) is the reference, as offline in `rom.hinge`: the side facing the
camera, the standing hip and knee readings (the hip reading sets the offset of the pose model's
hip landmark) and the back's standing outline. Cues use the offline flags' thresholds
(`HingeConfig`) on this frame's causal-filtered values.
"""

from __future__ import annotations

import numpy as np

from rom import back_contour, geometry, signal
from rom.hinge import HingeConfig
from rom.landmarks import INDEX, PoseEstimate

REST_S = 1.0


class HingeLive:
    """Causal hinge feedback. `update(estimate, t, features)` -> LiveFrame."""

    def __init__(self, side: str | None, fps: float, config: HingeConfig = HingeConfig()):
        self.side, self.fps, self.config = side, fps, config
        self.t: list[float] = []
        self.depth_left: list[float] = []  # left minus right depth of hips and shoulders
        self.standing: dict[str, list] = {"hip": [], "knee": [], "shin": [], "offsets": []}
        self.ref: dict | None = None
        self.filters = {k: signal.LiveLowpass(fps) for k in ("hip", "trunk", "knee", "thoracic", "back")}
        self.reps: list[float] = []  # peak hip flexion of each finished repetition
        self._in_rep = False
        self._peak = 0.0

    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None):
        from rom.live import LiveFrame

        frame = LiveFrame(t_s=t, detected=est is not None, side=self.side)
        self.t.append(t)
        offs = np.full(back_contour.N_SCAN, np.nan) if features is None else back_contour.offsets(features)[1][0]
        if self.ref is None:
            self._collect_reference(est, offs)
            if t < REST_S or len(self.t) < 5:
                frame.cues.append("stand tall, side-on to the camera: measuring your standing posture")
                return frame
            self.ref = self._reference()
        side = frame.side = self.ref["side"]
        if est is None:
            return frame
        hip, knee, trunk = _angles(est.xy_px, side)
        # The standing reading sets the offset of the pose model's hip landmark (see rom.hinge).
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
        frame.cues += self._cues(frame.angles, self.filters["back"](back_flexion), _shin(est.xy_px, side))
        self._count_reps(frame.angles["hip_flexion_deg"], frame)
        return frame

    def _cues(self, a: dict, back_flexion: float, shin: float = float("nan")) -> list[str]:
        c = self.config
        hip = a["hip_flexion_deg"]
        if not np.isfinite(hip) or hip <= c.min_rep_depth_deg:
            return ["hinge forward: push the hips back, back long, knees soft"]
        cues = []
        knee_bend = a["knee_flexion_deg"] - self.ref["knee"]
        # As offline (rom.hinge): knees that bend over upright shins are the hips going back.
        shins_move = not np.isfinite(shin) or abs(shin - self.ref["shin"]) > c.form.min_shin_forward_deg
        if np.isfinite(knee_bend) and knee_bend > c.knee_bend_threshold_deg and shins_move:
            cues.append("knees bending: keep them soft and push the hips back instead")
        rounding = a["back_rounding_deg"]
        if np.isfinite(rounding) and rounding > c.rounded_back_threshold_deg:
            cues.append("back rounding: keep the back long")
        elif np.isfinite(back_flexion) and back_flexion / hip > c.lumbar_ratio_threshold:
            cues.append("push the hips back: the bend is coming from the lower back")
        return cues or ["good: hips back, back straight"]

    def _collect_reference(self, est: PoseEstimate | None, offs: np.ndarray) -> None:
        if est is None:
            return
        i = {k: INDEX[k] for k in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")}
        self.depth_left.append(est.z[i["left_hip"]] + est.z[i["left_shoulder"]]
                               - est.z[i["right_hip"]] - est.z[i["right_shoulder"]])
        side = self.side or ("left" if np.nanmedian(self.depth_left) < 0 else "right")
        hip, knee, _ = _angles(est.xy_px, side)
        self.standing["hip"].append(hip)
        self.standing["knee"].append(knee)
        self.standing["shin"].append(_shin(est.xy_px, side))
        self.standing["offsets"].append(offs)

    def _reference(self) -> dict:
        side = self.side or ("left" if self.depth_left and np.nanmedian(self.depth_left) < 0 else "right")
        hips, knees = np.array(self.standing["hip"]), np.array(self.standing["knee"])
        shins = np.array(self.standing["shin"], dtype=float)
        offs = np.array(self.standing["offsets"]).reshape(-1, back_contour.N_SCAN)
        bends = None
        if np.isfinite(offs).any():
            bends = back_contour.bend_angles(np.nanmedian(offs, axis=0)[None])
            if not np.isfinite(bends["thoracic"][0]):
                bends = None
        return {"side": side,
                "hip": float(np.nanmedian(hips)) if np.isfinite(hips).any() else self.config.standing_hip_flexion_deg,
                "knee": float(np.nanmedian(knees)) if np.isfinite(knees).any() else 0.0,
                "shin": float(np.nanmedian(shins)) if np.isfinite(shins).any() else 0.0,
                "bends": bends}

    def _count_reps(self, hip: float, frame) -> None:
        """A repetition starts above the rep depth and ends back near upright."""
        if not np.isfinite(hip):
            return
        if not self._in_rep and hip > self.config.min_rep_depth_deg:
            self._in_rep, self._peak = True, hip
        elif self._in_rep:
            self._peak = max(self._peak, hip)
            if hip < self.config.upright_max_deg:
                self._in_rep = False
                self.reps.append(self._peak)
                frame.events.append("rep")
                frame.cues.append(f"repetition {len(self.reps)}: hip flexion {self._peak:.0f} degrees")

    def pain_cue(self, pain_s: float) -> str:
        return f"pain marked at {pain_s:.1f} s"


def _angles(xy: np.ndarray, side: str) -> tuple[float, float, float]:
    """Hip flexion, knee flexion, trunk inclination of one frame (degrees)."""
    sh, hp, kn, an = (xy[INDEX[f"{side}_{p}"]] for p in ("shoulder", "hip", "knee", "ankle"))
    return (float(geometry.flexion_deg(sh, hp, kn)), float(geometry.flexion_deg(hp, kn, an)),
            float(geometry.inclination_from_vertical_deg(hp, sh)))


def _shin(xy: np.ndarray, side: str) -> float:
    """Ankle -> knee line of one frame against the vertical, degrees, unsigned by facing (its
    change from standing is what counts)."""
    kn, an = xy[INDEX[f"{side}_knee"]], xy[INDEX[f"{side}_ankle"]]
    return float(np.degrees(np.arctan2(kn[0] - an[0], an[1] - kn[1])))
