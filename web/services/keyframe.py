"""The key frame of an assessment (the moment the knee began to bend; the deepest point of a
hinge) as a JPEG with the engine's overlay (`rom.outputs.overlay`) drawn on it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from rom.core.errors import BadInput
from rom.core.timing import SteadyClock
from rom.outputs import overlay
from web.services import storage

JPEG_QUALITY = 88


def encode(bgr: np.ndarray | None) -> bytes | None:
    if bgr is None:
        return None
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return buf.tobytes() if ok else None


def from_spool(spool: Path, result, series, clock: SteadyClock | None = None) -> bytes | None:
    """The key frame of a live recording, drawn on the JPEG received for that frame (the frame
    the clock's step took, `rom.core.timing`; the step itself without a clock)."""
    i = overlay.key_index(result)
    bgr = storage.read_spooled(spool, i if clock is None else int(clock.taken[i]))
    if bgr is None:  # e.g. the server stopped before the recording's frames were analysed
        return None
    return encode(overlay.draw_frame(bgr, i, result, series.xy_px[i]))


def from_analysis(analysis) -> bytes | None:
    """The key frame of an analysed video file (None when that frame cannot be decoded: the
    result stands without it)."""
    try:
        return encode(overlay.key_frame(analysis))
    except BadInput:
        return None
