"""Files of assessments in the instance folder (they never leave this machine):

  frames/<id>/<n>.jpg  the JPEGs of a live recording while it runs (the key frame is drawn on
                       one of them; with "keep the video" they become videos/<id>.mp4)
  uploads/<name>       an uploaded video while it is analysed
  videos/<id>.<ext>    kept videos (off by default)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
from flask import current_app

from rom.video import VideoWriter


def instance() -> Path:
    return Path(current_app.instance_path)


def spool_dir(assessment_id: int) -> Path:
    return instance() / "frames" / str(assessment_id)


def spool_frame(spool: Path, index: int, jpeg: bytes) -> None:
    spool.mkdir(parents=True, exist_ok=True)
    (spool / f"{index}.jpg").write_bytes(jpeg)


def read_spooled(spool: Path, index: int) -> np.ndarray | None:
    """The BGR image of a spooled frame, or None when it is not there."""
    path = spool / f"{index}.jpg"
    if not path.exists():
        return None
    return cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)


def finish_spool(a, fps: float) -> None:
    """After a recording is analysed: keep its frames as a video if asked, then drop them."""
    spool = spool_dir(a.id)
    if not spool.exists():
        return
    if a.keep_video:
        names = sorted(spool.glob("*.jpg"), key=lambda p: int(p.stem))
        first = read_spooled(spool, int(names[0].stem)) if names else None
        if first is not None:
            rel = Path("videos") / f"{a.id}.mp4"
            (instance() / rel).parent.mkdir(parents=True, exist_ok=True)
            with VideoWriter(instance() / rel, fps, (first.shape[1], first.shape[0])) as w:
                for p in names:
                    img = read_spooled(spool, int(p.stem))
                    if img is not None and img.shape == first.shape:
                        w.write(img)
            a.video_path = str(rel)
    shutil.rmtree(spool, ignore_errors=True)


def upload_dir() -> Path:
    d = instance() / "uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def keep_upload(a, path: Path) -> None:
    """Move an analysed upload to videos/ (kept) or delete it."""
    if a.keep_video and path.exists():
        rel = Path("videos") / f"{a.id}{path.suffix.lower()}"
        (instance() / rel).parent.mkdir(parents=True, exist_ok=True)
        path.replace(instance() / rel)
        a.video_path = str(rel)
    else:
        path.unlink(missing_ok=True)


def delete_files(a) -> None:
    """Everything stored on disk for an assessment."""
    shutil.rmtree(spool_dir(a.id), ignore_errors=True)
    if a.video_path:
        (instance() / a.video_path).unlink(missing_ok=True)
    for p in upload_dir().glob(f"{a.id}-*"):
        p.unlink(missing_ok=True)
