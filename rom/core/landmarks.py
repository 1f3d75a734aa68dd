"""BlazePose's 33 landmarks and the per-frame series the pose backend produces.

Everything downstream (kinematics, protocols) reads landmarks from a `LandmarkSeries`; it never
sees the pose backend. Image coordinates are pixels, x to the right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

# The order of BlazePose's landmark model (MediaPipe `PoseLandmark`).
NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
SIDES = ("left", "right")

# Bones drawn on overlays, as pairs of landmark names.
SKELETON: tuple[tuple[str, str], ...] = tuple(
    (f"{s}_{a}", f"{s}_{b}")
    for s in SIDES
    for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"),
                 ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"), ("ankle", "foot_index"))
) + (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))


def other_side(side: str) -> str:
    """'left' <-> 'right'."""
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class PoseEstimate:
    """One frame's output of a pose backend.

    xy_px: (33, 2) image position in pixels; z: (33,) depth relative to the hips in the scale of
    the image width (smaller = nearer the camera); visibility: (33,) in 0..1; world_m: (33, 3)
    metric coordinates centred between the hips; mask: (H, W) person probability or None.
    """

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    mask: np.ndarray | None = None


@dataclass(frozen=True)
class LandmarkSeries:
    """Landmarks of one tracked person over a clip.

    Frames without a pose hold NaN positions and zero visibility. `back` holds per-frame
    features of the back's outline (see `rom.core.back_contour`), or None when none were measured.
    """

    t_s: np.ndarray  # (N,) seconds from the first frame
    xy_px: np.ndarray  # (N, 33, 2)
    z: np.ndarray  # (N, 33)
    visibility: np.ndarray  # (N, 33)
    world_m: np.ndarray  # (N, 33, 3)
    image_size: tuple[int, int]  # (width, height) in pixels
    fps: float
    back: np.ndarray | None = None  # (N, K)
    relocks: tuple[int, ...] = ()  # frames where tracking was restarted on the measured person
    upright_frames: int = 0  # frames where only an upright body (not the lying person) was found

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def detected(self) -> np.ndarray:
        """(N,) True where the backend found a pose."""
        return np.isfinite(self.xy_px[:, 0, 0])

    def point(self, name: str) -> np.ndarray:
        """(N, 2) pixel track of one landmark."""
        return self.xy_px[:, INDEX[name]]

    def vis(self, name: str) -> np.ndarray:
        """(N,) visibility of one landmark."""
        return self.visibility[:, INDEX[name]]

    def depth(self, name: str) -> np.ndarray:
        """(N,) MediaPipe's relative depth of one landmark (smaller = nearer the camera)."""
        return self.z[:, INDEX[name]]

    def mid(self, part: str) -> np.ndarray:
        """(N, 2) midpoint of the left and right landmark of a part ('hip', 'shoulder', ...)."""
        return 0.5 * (self.point(f"left_{part}") + self.point(f"right_{part}"))

    def swap_sides(self, frames: np.ndarray) -> LandmarkSeries:
        """A copy with the left and right landmarks exchanged in the given frames (bool (N,))."""
        perm = np.array([INDEX[_mirror(n)] for n in NAMES])
        arrays = {}
        for field in ("xy_px", "z", "visibility", "world_m"):
            a = getattr(self, field).copy()
            a[frames] = a[frames][:, perm]
            arrays[field] = a
        return replace(self, **arrays)

    def frames(self, start: int, stop: int) -> LandmarkSeries:
        """Frames start..stop-1 as a series of their own, its times from 0 (relocks moved with
        them, those outside dropped)."""
        start, stop = max(0, start), min(len(self), stop)
        part = slice(start, stop)
        return replace(self, t_s=self.t_s[part] - (self.t_s[start] if stop > start else 0.0), xy_px=self.xy_px[part],
                       z=self.z[part], visibility=self.visibility[part], world_m=self.world_m[part],
                       back=None if self.back is None else self.back[part],
                       relocks=tuple(r - start for r in self.relocks if start <= r < stop))

    def save(self, path) -> None:
        """Write to a compressed .npz (a landmark cache for re-analysis without the model)."""
        extra = {} if self.back is None else {"back": self.back}
        np.savez_compressed(path, t_s=self.t_s, xy_px=self.xy_px, z=self.z,
                            visibility=self.visibility, world_m=self.world_m,
                            image_size=np.array(self.image_size), fps=np.array(self.fps),
                            relocks=np.array(self.relocks, dtype=int),
                            upright_frames=np.array(self.upright_frames), **extra)

    @classmethod
    def load(cls, path) -> LandmarkSeries:
        with np.load(path) as d:
            return cls(t_s=d["t_s"], xy_px=d["xy_px"], z=d["z"], visibility=d["visibility"],
                       world_m=d["world_m"], image_size=tuple(int(v) for v in d["image_size"]),
                       fps=float(d["fps"]), back=d["back"] if "back" in d else None,
                       relocks=tuple(int(v) for v in d["relocks"]),
                       upright_frames=int(d["upright_frames"]) if "upright_frames" in d else 0)


def _mirror(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name
