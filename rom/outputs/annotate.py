"""annotated.mp4: the clip with the measurement drawn on every frame (`rom.outputs.overlay`).

Streams the video a second time, one frame in memory at a time, and takes the landmarks from the
analysis (no second pose inference), so memory stays bounded whatever the video's length.
"""

from __future__ import annotations

import os

from rom.capture.video import VideoWriter, iter_bgr
from rom.outputs.overlay import Overlay


def write_annotated_video(analysis, path: str | os.PathLike) -> int:
    """Write the annotated clip to path (mp4, atomically: a temporary name renamed on success).

    Every decoded frame is written, at the file's resolution and frame rate; frames beyond the
    landmark series (a container that decodes more frames than were analysed) carry only the
    footer. Returns the number of frames written.
    """
    info, xy = analysis.info, analysis.series.xy_px
    overlay = Overlay(analysis.result)
    n = 0
    with VideoWriter(path, info.fps, (info.width, info.height)) as out:
        for i, bgr in enumerate(iter_bgr(info.path)):
            out.write(overlay.draw(bgr, i, xy[min(i, len(xy) - 1)]))
            n += 1
    return n
