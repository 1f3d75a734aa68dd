"""Before recording: is the whole body in view, seen from the side, in the test's posture?

Plain advice for the person setting up the camera ("step back", "turn the camera to the side").
A pure function of one frame's landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rom import protocols
from rom.core import kinematics
from rom.core.landmarks import INDEX, PoseEstimate

_BODY = ("nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee",
         "left_ankle", "right_ankle")
_PART = {"nose": "head", "shoulder": "shoulders", "hip": "hips", "knee": "knees", "ankle": "feet"}


@dataclass(frozen=True)
class CameraCheck:
    ok: bool
    advice: tuple[str, ...] = ()
    checks: dict = field(default_factory=dict)  # name -> passed

    def to_dict(self) -> dict:
        return {"ok": self.ok, "advice": list(self.advice), "checks": self.checks}


def check_frame(est: PoseEstimate | None, image_size: tuple[int, int], test: str,
                edge: float = 0.02, min_height: float = 0.25, max_side_ratio: float = 0.5,
                side: str | None = None) -> CameraCheck:
    """Judge one frame for recording a test (a registered test's name, `rom.protocols`).

    side: the side the test names (`Protocol.side_meaning`); the test's own checks of posture
    and side come from its protocol (`Protocol.posture_advice`: the SLR fails a declared leg that
    is the camera's far leg, with the advice to film from that side)."""
    if est is None:
        return CameraCheck(False, ("no one in view: step into the picture",), {"person": False})
    w, h = image_size
    xy = est.xy_px[[INDEX[n] for n in _BODY]]
    vis = est.visibility[[INDEX[n] for n in _BODY]]
    checks, advice = {"person": True}, []

    outside = [n for n, (x, y) in zip(_BODY, xy)
               if not (edge * w <= x <= (1 - edge) * w and edge * h <= y <= (1 - edge) * h)]
    checks["whole_body"] = not outside
    if outside:
        parts = sorted({_PART[n.split("_")[-1]] for n in outside})
        advice.append(f"step back or move the camera back: the {' and '.join(parts)} "
                      f"{'is' if len(parts) == 1 and not parts[0].endswith('s') else 'are'} out of the picture")

    extent = np.nanmax(xy, axis=0) - np.nanmin(xy, axis=0)
    size = float(np.max(extent / np.array([w, h])))
    checks["big_enough"] = size >= min_height
    if size < min_height:
        advice.append("come closer to the camera (or move it closer): the body is small in the picture")

    ratio = float(kinematics.side_view_ratio_of(est.xy_px))  # the offline view check's measure, one frame
    checks["side_view"] = ratio <= max_side_ratio
    if ratio > max_side_ratio:
        advice.append("turn the camera to the side: it should look at the body from the left or right")

    for name, why in protocols.get(test).posture_advice(est.xy_px, side).items():
        checks[name] = why is None
        if why is not None:
            advice.append(why)

    checks["visible"] = bool(np.mean(vis) >= 0.5)
    if not checks["visible"]:
        advice.append("make sure the whole body is well lit and not hidden")
    return CameraCheck(all(checks.values()), tuple(advice), checks)

