"""MediaPipe BlazePose through the legacy `mediapipe.solutions.pose` API (mediapipe 0.10.21).

A thin wrapper in the manner of MediaPipe's own `Pose` class: it converts MediaPipe's
normalised landmarks into pixel arrays and nothing more.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

import numpy as np

from rom.landmarks import N_LANDMARKS, PoseEstimate
from rom.models import require_installed

COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}

# mediapipe logs through absl/glog to stderr at import and on the first frame; those lines are
# noise to a user of the command line. Only set when the user has not chosen a level.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# What the native graph prints regardless of those levels when it starts.
_NOISE = ("W0000 ", "I0000 ", "INFO: Created TensorFlow Lite", "WARNING: All log messages before absl")
_QUIET_FRAMES = 3  # the graph's start-up messages come with its first frames


@contextlib.contextmanager
def _native_stderr_filtered():
    """Capture file descriptor 2 (where mediapipe's C++ code logs) and pass on all but its
    start-up noise, so that a failing command prints one line of reason and nothing else."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. under pytest capture)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            kept = [ln for ln in tmp.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not ln.startswith(_NOISE)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class MediaPipePose:
    """BlazePose in video (tracking) mode, or static mode (every frame detected afresh).

    smooth_landmarks stays off: MediaPipe's smoothing is a causal filter that lags the motion
    and blunts peaks, and rom smooths the angle series itself (measured in the closing note of
    the engine issue).
    """

    def __init__(self, model: str = "full", segmentation: bool = False, static: bool = False,
                 smooth_landmarks: bool = False, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        if model not in COMPLEXITY:
            raise ValueError(f"unknown pose model {model!r}; choose from {', '.join(COMPLEXITY)}")
        require_installed(model)
        self.model = model
        self.segmentation = segmentation
        self._frames = 0
        with _native_stderr_filtered():
            from mediapipe.python.solutions import pose as mp_pose

            self._pose = mp_pose.Pose(
                static_image_mode=static,
                model_complexity=COMPLEXITY[model],
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=segmentation,
                smooth_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )

    def process(self, rgb: np.ndarray) -> PoseEstimate | None:
        """Landmarks of the person in one RGB frame (H, W, 3 uint8), or None."""
        h, w = rgb.shape[:2]
        if self._frames < _QUIET_FRAMES:
            self._frames += 1
            with _native_stderr_filtered():
                res = self._pose.process(rgb)
        else:
            res = self._pose.process(rgb)
        if res.pose_landmarks is None:
            return None
        lm = res.pose_landmarks.landmark
        a = np.array([(p.x, p.y, p.z, p.visibility) for p in lm], dtype=float)
        wl = res.pose_world_landmarks.landmark
        world = np.array([(p.x, p.y, p.z) for p in wl], dtype=float)
        assert a.shape[0] == N_LANDMARKS
        mask = None
        if self.segmentation and res.segmentation_mask is not None:
            mask = np.asarray(res.segmentation_mask)
        return PoseEstimate(xy_px=a[:, :2] * (w, h), z=a[:, 2], visibility=a[:, 3],
                            world_m=world, mask=mask)

    def reset(self) -> None:
        with _native_stderr_filtered():
            self._pose.reset()
        self._frames = 0

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
