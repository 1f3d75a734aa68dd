"""Frames -> landmarks: run a pose backend over frames and collect a `LandmarkSeries`.

`PersonTracker` handles one frame at a time (the same for a video file and for live webcam
frames); `extract` streams a whole video through it, one frame in memory at a time. For the
straight-leg raise the tracker keeps the pose model on the person lying down: when the tracked
body is upright (an examiner standing at the table), tracking is restarted on a frame in which
that body is blanked out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rom.capture.pose import PoseBackend
from rom.capture.video import VideoInfo, iter_frames, scale_of
from rom.core import posture
from rom.core.landmarks import N_LANDMARKS, LandmarkSeries, PoseEstimate

FrameFeatures = Callable[[PoseEstimate], np.ndarray]


def blank_out(rgb: np.ndarray, xy: np.ndarray, margin: float = 0.12) -> np.ndarray:
    """A copy of the frame with the bounding box of a body (landmarks xy) filled with grey.

    margin is a fraction of the box's larger side added on every side, so that hair, hands and
    feet beyond the landmarks are covered too.
    """
    ok = np.all(np.isfinite(xy), axis=1)
    out = rgb.copy()
    if not ok.any():
        return out
    lo, hi = xy[ok].min(axis=0), xy[ok].max(axis=0)
    pad = margin * float(np.max(hi - lo))
    h, w = rgb.shape[:2]
    x0, y0 = (max(0, int(v)) for v in lo - pad)
    x1, y1 = int(min(w, hi[0] + pad)), int(min(h, hi[1] + pad))
    out[y0:y1, x0:x1] = 128
    return out


class PersonTracker:
    """The pose backend, one frame at a time, kept on the measured person.

    keep_lying: the measured person lies down (SLR); an upright body found instead is taken for
    an examiner, and tracking restarts on the frame with that body blanked out (one extra
    inference on such frames; frames where that fails give no pose).
    """

    # After this many frames in a row where only an upright body was found, look for a lying
    # one only every RETRY_EVERY frames: a clip of a standing person (a wrong --test) must not
    # cost two inferences and a tracker restart on every frame.
    PATIENCE, RETRY_EVERY = 10, 15

    def __init__(self, backend: PoseBackend, keep_lying: bool = False):
        self.backend = backend
        self.keep_lying = keep_lying
        self.relocks: list[int] = []  # frames where tracking was moved onto the lying person
        self.upright_frames = 0  # frames where only an upright body was found
        self.frames = 0
        self.upright: PoseEstimate | None = None  # this frame's upright body, where none lay down
        self._misses = 0

    def process(self, rgb: np.ndarray) -> PoseEstimate | None:
        est = self.backend.process(rgb)
        self.upright = None
        if self.keep_lying and est is not None and posture.is_upright(est.xy_px):
            upright = est
            est = self._relock_on_lying(rgb, est)
            self.upright = upright if est is None else None
        self.frames += 1
        return est

    def _relock_on_lying(self, rgb: np.ndarray, wrong: PoseEstimate) -> PoseEstimate | None:
        if self._misses >= self.PATIENCE and self._misses % self.RETRY_EVERY:
            self._misses += 1
            self.upright_frames += 1
            return None
        self.backend.reset()
        est = self.backend.process(blank_out(rgb, wrong.xy_px))
        if est is None or posture.is_upright(est.xy_px) or not posture.is_lying(est.xy_px):
            self.backend.reset()  # try again on the next frame rather than follow the wrong person
            self._misses += 1
            self.upright_frames += 1
            return None
        self._misses = 0
        self.relocks.append(self.frames)
        return est


class SeriesBuilder:
    """Collects per-frame pose estimates (and per-frame features) into a LandmarkSeries.

    scale: factor the frames were resized by before pose estimation; positions are divided by
    it so that they are in the pixels of the original frames.
    """

    def __init__(self, features: FrameFeatures | None = None, n_features: int = 0, scale: float = 1.0):
        self.features, self.n_features, self.scale = features, n_features, scale
        self.xy: list[np.ndarray] = []
        self.z: list[np.ndarray] = []
        self.vis: list[np.ndarray] = []
        self.world: list[np.ndarray] = []
        self.feats: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.xy)

    def add(self, est: PoseEstimate | None) -> None:
        if est is None:
            self.xy.append(np.full((N_LANDMARKS, 2), np.nan))
            self.z.append(np.full(N_LANDMARKS, np.nan))
            self.vis.append(np.zeros(N_LANDMARKS))
            self.world.append(np.full((N_LANDMARKS, 3), np.nan))
        else:
            self.xy.append(est.xy_px / self.scale)
            self.z.append(est.z)
            self.vis.append(est.visibility)
            self.world.append(est.world_m)
        if self.features is not None:
            f = self.features(est) if est is not None else None
            self.feats.append(np.full(self.n_features, np.nan) if f is None else np.asarray(f, float))

    def build(self, t_s: np.ndarray, image_size: tuple[int, int], fps: float,
              relocks: tuple[int, ...] = (), upright_frames: int = 0) -> LandmarkSeries:
        n = len(self.xy)
        back = None
        if self.features is not None:
            back = np.array(self.feats, dtype=float).reshape(n, self.n_features)
        return LandmarkSeries(
            t_s=np.asarray(t_s, dtype=float),
            xy_px=np.array(self.xy).reshape(n, N_LANDMARKS, 2),
            z=np.array(self.z).reshape(n, N_LANDMARKS),
            visibility=np.array(self.vis).reshape(n, N_LANDMARKS),
            world_m=np.array(self.world).reshape(n, N_LANDMARKS, 3),
            image_size=image_size, fps=fps, back=back, relocks=tuple(relocks), upright_frames=upright_frames,
        )


def extract(info: VideoInfo, backend: PoseBackend, *, keep_lying: bool = False,
            features: FrameFeatures | None = None, n_features: int = 0,
            progress: Callable[[int], None] | None = None) -> LandmarkSeries:
    """Run the backend over every frame of the video (see PersonTracker and SeriesBuilder)."""
    tracker = PersonTracker(backend, keep_lying)
    builder = SeriesBuilder(features, n_features, scale_of(info))
    for _, rgb in iter_frames(info):
        builder.add(tracker.process(rgb))
        if progress is not None:
            progress(len(builder))
    n = len(builder)
    return builder.build(np.arange(n) / info.fps, (info.width, info.height), info.fps, tuple(tracker.relocks),
                         tracker.upright_frames)
