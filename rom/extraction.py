"""Frames -> landmarks: run a pose backend over a video and collect a `LandmarkSeries`.

Streams the video (one frame in memory at a time). For the straight-leg raise it keeps the pose
model on the person lying down: when the tracked body is upright (an examiner standing at the
table), the tracker is restarted on a frame in which that body is blanked out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rom import posture
from rom.landmarks import N_LANDMARKS, LandmarkSeries, PoseEstimate
from rom.pose import PoseBackend
from rom.video import VideoInfo, iter_frames, scale_of

FrameFeatures = Callable[[PoseEstimate], np.ndarray]


@dataclass
class _Collector:
    xy: list = field(default_factory=list)
    z: list = field(default_factory=list)
    vis: list = field(default_factory=list)
    world: list = field(default_factory=list)
    feats: list = field(default_factory=list)

    def add(self, est: PoseEstimate | None, scale: float, features: FrameFeatures | None) -> None:
        if est is None:
            self.xy.append(np.full((N_LANDMARKS, 2), np.nan))
            self.z.append(np.full(N_LANDMARKS, np.nan))
            self.vis.append(np.zeros(N_LANDMARKS))
            self.world.append(np.full((N_LANDMARKS, 3), np.nan))
        else:
            self.xy.append(est.xy_px / scale)
            self.z.append(est.z)
            self.vis.append(est.visibility)
            self.world.append(est.world_m)
        if features is not None:
            self.feats.append(features(est) if est is not None else None)


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


def extract(info: VideoInfo, backend: PoseBackend, *, keep_lying: bool = False,
            features: FrameFeatures | None = None, n_features: int = 0,
            progress: Callable[[int], None] | None = None) -> LandmarkSeries:
    """Run the backend over every frame of the video.

    keep_lying: the measured person lies down (SLR); an upright body found instead is taken for
    an examiner and the tracker is restarted without it (frames where that fails hold no pose).
    features: per-frame function of the pose estimate (e.g. the back's outline from the
    segmentation mask), stored as `back` in the series; n_features is its length.
    """
    scale = scale_of(info)
    acc = _Collector()
    relocks: list[int] = []
    n = 0
    for i, rgb in iter_frames(info):
        est = backend.process(rgb)
        if keep_lying and est is not None and posture.is_upright(est.xy_px):
            est = _relock_on_lying(backend, rgb, est)
            relocks.append(i)
        acc.add(est, scale, features)
        n = i + 1
        if progress is not None:
            progress(n)
    back = None
    if features is not None:
        back = np.array([f if f is not None else np.full(n_features, np.nan) for f in acc.feats])
        back = back.reshape(n, n_features)
    return LandmarkSeries(
        t_s=np.arange(n) / info.fps,
        xy_px=np.array(acc.xy).reshape(n, N_LANDMARKS, 2),
        z=np.array(acc.z).reshape(n, N_LANDMARKS),
        visibility=np.array(acc.vis).reshape(n, N_LANDMARKS),
        world_m=np.array(acc.world).reshape(n, N_LANDMARKS, 3),
        image_size=(info.width, info.height),
        fps=info.fps,
        back=back,
        relocks=tuple(relocks),
    )


def _relock_on_lying(backend: PoseBackend, rgb: np.ndarray, wrong: PoseEstimate) -> PoseEstimate | None:
    """Restart tracking on a frame without the body found; the lying body's pose, or None.

    Costs one extra inference on the frames where it is needed (examiner clips only). Tracking
    then continues on the lying person in the following, unaltered frames.
    """
    backend.reset()
    est = backend.process(blank_out(rgb, wrong.xy_px))
    if est is None or posture.is_upright(est.xy_px) or not posture.is_lying(est.xy_px):
        backend.reset()  # try again on the next frame rather than follow the wrong person
        return None
    return est
