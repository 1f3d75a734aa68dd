"""MediaPipe BlazePose through the legacy `mediapipe.solutions.pose` API (mediapipe 0.10.21).

A thin wrapper in the manner of MediaPipe's own `Pose` class: it converts MediaPipe's
normalised landmarks into pixel arrays and nothing more.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading

import numpy as np

from rom.capture.models import require_installed
from rom.core.landmarks import N_LANDMARKS, PoseEstimate

COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}

# What the native graph prints on stderr when it starts, whatever log level is set.
_NOISE = ("W0000 ", "I0000 ", "INFO: Created TensorFlow Lite", "WARNING: All log messages before absl")
_QUIET_FRAMES = 3  # the graph's start-up messages come with its first frames


class _StderrFilter:
    """Process-wide capture of file descriptor 2 (where mediapipe's C++ code logs) that passes
    on all but the graph's start-up noise, so that a failing command prints one line of reason.

    Reference-counted under a lock: several pose backends (threads of the web app, worker
    processes' backends) may start at once; the first redirects, the last restores and re-emits
    what was kept. Works on raw file descriptors only, so that it still restores stderr when a
    backend is closed during interpreter shutdown, after Python's file objects are gone.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._fd = self._saved = self._tmp = -1

    def acquire(self) -> bool:
        with self._lock:
            if self._users == 0:
                try:
                    fd = sys.stderr.fileno()
                except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured)
                    return False
                sys.stderr.flush()
                tmp_fd, name = tempfile.mkstemp(prefix="rom-stderr-")
                os.unlink(name)
                self._fd, self._tmp, self._saved = fd, tmp_fd, os.dup(fd)
                os.dup2(tmp_fd, fd)
            self._users += 1
            return True

    def release(self) -> None:
        with self._lock:
            if self._users <= 0:
                return
            self._users -= 1
            if self._users > 0:
                return
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(self._saved, self._fd)
            os.close(self._saved)
            os.lseek(self._tmp, 0, os.SEEK_SET)
            chunks = []
            while chunk := os.read(self._tmp, 1 << 16):
                chunks.append(chunk)
            os.close(self._tmp)
            kept = [ln for ln in b"".join(chunks).decode("utf-8", "replace").splitlines(keepends=True)
                    if not ln.startswith(_NOISE)]
            if kept:
                os.write(self._fd, "".join(kept).encode("utf-8", "replace"))


_FILTER = _StderrFilter()


@contextlib.contextmanager
def _native_stderr_filtered():
    acquired = _FILTER.acquire()
    try:
        yield
    finally:
        if acquired:
            _FILTER.release()


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
        self.model = model
        self.segmentation = segmentation
        # The graph logs from its own threads while it starts, also after process() returns:
        # keep stderr filtered from here until a few frames have gone through.
        self._quiet = contextlib.ExitStack()
        self._quiet.enter_context(_native_stderr_filtered())
        self._frames = 0
        try:
            require_installed(model)
            from rom.core.partial_import import import_skipping

            # not through `import mediapipe`, which imports matplotlib and all solutions (0.6 s)
            mp_pose = import_skipping("mediapipe.python.solutions.pose",
                                      skip={"mediapipe", "mediapipe.python.solutions"})

            self._pose = mp_pose.Pose(
                static_image_mode=static,
                model_complexity=COMPLEXITY[model],
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=segmentation,
                smooth_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        except BaseException:
            self._quiet.close()
            raise

    def process(self, rgb: np.ndarray) -> PoseEstimate | None:
        """Landmarks of the person in one RGB frame (H, W, 3 uint8), or None."""
        h, w = rgb.shape[:2]
        res = self._pose.process(rgb)
        self._frames += 1
        if self._frames == _QUIET_FRAMES:
            self._quiet.close()
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
        self._quiet.close()
        self._quiet = contextlib.ExitStack()
        self._quiet.enter_context(_native_stderr_filtered())
        self._pose.reset()
        self._frames = 0

    def close(self) -> None:
        self._quiet.close()
        with _native_stderr_filtered():  # the graph logs again as it shuts down
            self._pose.close()

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
