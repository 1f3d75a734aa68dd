"""Pose backends: frames in, `PoseEstimate`s out.

A backend is a context manager with `process(rgb) -> PoseEstimate | None` and `reset()` (forget
the tracked person so that the next frame starts a new detection). MediaPipe's BlazePose is the
one backend today; a newer one implements the same three methods.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from rom.core.landmarks import PoseEstimate


class PoseBackend(Protocol):
    def process(self, rgb: np.ndarray) -> PoseEstimate | None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseBackend: ...

    def __exit__(self, *exc) -> None: ...


def create_backend(model: str = "full", segmentation: bool = False, static: bool = False) -> PoseBackend:
    """The pose backend for a model name ('lite', 'full', 'heavy')."""
    from rom.capture.pose.mediapipe_backend import MediaPipePose

    return MediaPipePose(model=model, segmentation=segmentation, static=static)
