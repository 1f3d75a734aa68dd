"""Bare MediaPipe inference, the benchmarks' yardstick: decode every frame of a video and call
`Pose.process` in tracking mode with the model settings the analysis uses (the segmentation mask
where the test's analysis computes it), nothing else, with a fresh Pose per video."""

from __future__ import annotations

import time
from pathlib import Path

from rom import protocols
from rom.capture import video


def uses_segmentation(test: str | None) -> bool:
    """Whether the analysis of this test (a protocol's name; None or anything else: no test) computes the
    segmentation mask, so that bare inference must too."""
    return test in protocols.names() and protocols.get(test).segmentation


def bare_inference(path: str | Path, segmentation: bool) -> tuple[float, int]:
    """(seconds, frames) of bare inference over the whole video (one core: MediaPipe's graph runs
    one frame at a time)."""
    from mediapipe.python.solutions import pose as mp_pose

    info = video.probe(path)
    frames = 0
    t = time.perf_counter()
    with mp_pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=False,
                      enable_segmentation=segmentation, smooth_segmentation=False) as pose:
        for _, rgb in video.iter_frames(info):
            pose.process(rgb)
            frames += 1
    return time.perf_counter() - t, frames
