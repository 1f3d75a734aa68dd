"""Reading and writing video files (OpenCV), with the checks that turn bad files into reasons.

Frames are streamed one at a time, never held all at once, so memory does not grow with the
length of the video.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rom.errors import BadInput

DEFAULT_FPS = 30.0
# Frames larger than this (longest side, px) are scaled down before pose estimation: BlazePose
# works on a 256 px crop anyway, and decoding 8K frames for it only costs time.
MAX_SIDE_PX = 1920


@dataclass(frozen=True)
class VideoInfo:
    path: str
    fps: float
    n_frames: int  # as declared by the container; may be wrong for damaged files
    width: int
    height: int
    fps_assumed: bool = False  # the file declared no usable frame rate


def probe(path: str | os.PathLike) -> VideoInfo:
    """Check that path is a readable video with at least one frame; raise BadInput otherwise."""
    p = Path(path)
    if not p.exists():
        raise BadInput(f"{p}: no such file")
    if p.is_dir():
        raise BadInput(f"{p}: is a folder, not a video file")
    if p.stat().st_size == 0:
        raise BadInput(f"{p}: the file is empty (0 bytes)")
    cap = cv2.VideoCapture(str(p))
    try:
        if not cap.isOpened():
            raise BadInput(f"{p}: not a readable video ({_guess_kind(p)})")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise BadInput(f"{p}: no video frames could be decoded ({_guess_kind(p)})")
        fps = cap.get(cv2.CAP_PROP_FPS)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    if n <= 1 and cv2.imread(str(p)) is not None:
        raise BadInput(f"{p}: is a still image, not a video")
    assumed = not (np.isfinite(fps) and 1.0 <= fps <= 1000.0)
    h, w = frame.shape[:2]
    return VideoInfo(str(p), DEFAULT_FPS if assumed else float(fps), n, w, h, assumed)


def _guess_kind(p: Path) -> str:
    """A short guess at what a non-video file is, from its first bytes."""
    with open(p, "rb") as f:
        head = f.read(512)
    if head[4:8] == b"ftyp":
        return "an MP4/MOV container that is damaged or holds no video track"
    if head.startswith((b"ID3", b"RIFF")) or head[:2] == b"\xff\xfb":
        return "looks like audio or another non-video file"
    try:
        head.decode("utf-8")
        return "looks like a text file"
    except UnicodeDecodeError:
        return "unknown or damaged format"


def iter_frames(info: VideoInfo, max_side: int = MAX_SIDE_PX) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame index, RGB frame) until the video ends or can no longer be decoded.

    Frames whose longest side exceeds max_side are scaled down (keep `scale_of(info)` in mind
    when mapping positions back to the file's pixels).
    """
    scale = scale_of(info, max_side)
    cap = cv2.VideoCapture(info.path)
    try:
        i = 0
        while True:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                return
            if scale != 1.0:
                bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            yield i, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            i += 1
    finally:
        cap.release()


def iter_bgr(path: str) -> Iterator[np.ndarray]:
    """Yield the file's frames as decoded (BGR), for overlays drawn at full resolution."""
    cap = cv2.VideoCapture(path)
    try:
        while True:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                return
            yield bgr
    finally:
        cap.release()


def scale_of(info: VideoInfo, max_side: int = MAX_SIDE_PX) -> float:
    """Factor applied to frames before pose estimation (1.0 for ordinary sizes)."""
    longest = max(info.width, info.height)
    return 1.0 if longest <= max_side else max_side / longest


class VideoWriter:
    """MP4 writer (OpenCV's mp4v codec; its wheel carries no H.264 encoder). Writes to a
    temporary name and renames on close, so a killed run never leaves a half-written file."""

    def __init__(self, path: str | os.PathLike, fps: float, size: tuple[int, int]):
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial.mp4")
        self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise OSError(f"cannot write video {self.path}")

    def write(self, bgr: np.ndarray) -> None:
        self._writer.write(bgr)

    def close(self) -> None:
        self._writer.release()
        os.replace(self._tmp, self.path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self._writer.release()
            self._tmp.unlink(missing_ok=True)
