"""Files of assessments in the instance folder (they never leave this machine):

  frames/<id>-<token>/<n>.jpg  the JPEGs of a live recording while it runs (the key frame is
                               drawn on one of them; with "keep the video" they become
                               videos/<id>-<token>.mp4). The token is the assessment's random
                               one, so a folder is only ever its own recording's, even when a
                               deleted assessment's ID is used again.
  uploads/<id>-<token>-upload.<ext>  an uploaded video while it is analysed
  uploads/incoming-<uuid>.<ext>      an upload being received and checked
  videos/<id>-<token>.<ext>    kept videos (off by default)

Everything here is private to the server's user: folders 0700, files 0600.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
from flask import current_app

from rom.capture.video import VideoWriter

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


class RecordGone(Exception):
    """The recording's folder (and so its record) was deleted while frames were still coming."""


def instance() -> Path:
    return Path(current_app.instance_path)


def private_dir(path: Path) -> Path:
    """The folder (and its missing parents up to the instance folder), readable only by us."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def make_private(path: Path) -> None:
    if path.exists():
        path.chmod(PRIVATE_FILE)


def _name(a) -> str:
    return f"{a.id}-{a.token}" if a.token else str(a.id)


def spool_dir(a) -> Path:
    return instance() / "frames" / _name(a)


def start_spool(a) -> Path:
    """A new, empty folder for the recording's frames."""
    private_dir(instance() / "frames")
    spool = spool_dir(a)
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(mode=PRIVATE_DIR)
    return spool


def spool_frame(spool: Path, index: int, jpeg: bytes) -> None:
    """Store a frame's JPEG; raises RecordGone when the folder was deleted meanwhile (its record
    with it): the folder is never made again here."""
    try:
        fd = os.open(spool / f"{int(index)}.jpg", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    except FileNotFoundError:
        raise RecordGone("the recording's folder was deleted") from None
    with os.fdopen(fd, "wb") as f:
        f.write(jpeg)


def read_spooled(spool: Path, index: int) -> np.ndarray | None:
    """The BGR image of a spooled frame, or None when it is not there."""
    path = spool / f"{index}.jpg"
    if not path.exists():
        return None
    return cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)


def _spooled_indices(spool: Path) -> list[int]:
    """The frames this recording wrote (<n>.jpg), in order; nothing else in the folder counts."""
    return sorted(int(p.stem) for p in spool.glob("*.jpg") if p.stem.isdigit() and p.is_file())


def finish_spool(a, fps: float) -> None:
    """After a recording is analysed: keep its frames as a video if asked, then drop them."""
    spool = spool_dir(a)
    if not spool.exists():
        return
    if a.keep_video:
        indices = _spooled_indices(spool)
        first = read_spooled(spool, indices[0]) if indices else None
        if first is not None:
            rel = Path("videos") / f"{_name(a)}.mp4"
            private_dir(instance() / rel.parent)
            with VideoWriter(instance() / rel, fps, (first.shape[1], first.shape[0])) as w:
                for i in indices:
                    img = read_spooled(spool, i)
                    if img is not None and img.shape == first.shape:
                        w.write(img)
            make_private(instance() / rel)
            a.video_path = str(rel)
    shutil.rmtree(spool, ignore_errors=True)


def upload_dir() -> Path:
    return private_dir(instance() / "uploads")


def upload_path(a, suffix: str) -> Path:
    return upload_dir() / f"{_name(a)}-upload{suffix}"


def uploads_of(a) -> list[Path]:
    return sorted(upload_dir().glob(f"{_name(a)}-upload*"))


def keep_upload(a, path: Path) -> None:
    """Move an analysed upload to videos/ (kept) or delete it."""
    if a.keep_video and path.exists():
        rel = Path("videos") / f"{_name(a)}{path.suffix.lower()}"
        private_dir(instance() / rel.parent)
        path.replace(instance() / rel)
        make_private(instance() / rel)
        a.video_path = str(rel)
    else:
        path.unlink(missing_ok=True)


def delete_files(a) -> None:
    """Everything stored on disk for an assessment."""
    shutil.rmtree(spool_dir(a), ignore_errors=True)
    if a.video_path:
        (instance() / a.video_path).unlink(missing_ok=True)
    for p in uploads_of(a):
        p.unlink(missing_ok=True)


def clean_orphans(known: set[str]) -> int:
    """On server start: remove upload files left by a crash while they were received
    (incoming-*), and frame folders and uploads of assessments that no longer exist. known: the
    `<id>-<token>` (or `<id>`) names of the assessments there are. Returns how many were removed."""
    removed = 0
    up = instance() / "uploads"
    if up.is_dir():
        for p in up.iterdir():
            owner = p.name.split("-upload", 1)[0] if "-upload" in p.name else None
            if p.name.startswith("incoming-") or (owner is not None and owner not in known):
                p.unlink(missing_ok=True)
                removed += 1
    frames = instance() / "frames"
    if frames.is_dir():
        for d in frames.iterdir():
            if d.name not in known:
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
    return removed


def secure_instance() -> None:
    """The instance folder and what is in it readable only by the server's user."""
    root = instance()
    private_dir(root)
    for p in root.rglob("*"):
        try:
            p.chmod(PRIVATE_DIR if p.is_dir() else PRIVATE_FILE)
        except OSError:
            pass
