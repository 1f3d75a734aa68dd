"""The worker side of `rom batch`: measure one video, write its folder and its row.

Runs in a Dask worker process (local or on a cluster). A worker keeps each pose backend it needs
(one per configuration: tracking, tracking with segmentation, the static probe of --test auto)
for its whole life, lends it to one video at a time and resets it between videos.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rom.core.errors import BadInput, NotMeasurable
from rom.outputs import batch_report
from rom.outputs.atomic import atomic_write_bytes, atomic_write_text
from rom.outputs.batch_report import VideoRow

ROW_FILE = "row.json"
# Files a worker may have left in a video's folder; removed before the video is redone so that
# outputs of an earlier run never sit beside a newer result.
OUTPUT_FILES = (ROW_FILE, "summary.json", "frames.csv", "annotated.mp4", "plot.png", "key_frame.jpg")
# Which measured videos get annotated.mp4 (`rom batch --videos`). Drawing the measurement on every
# frame reads the video a second time and costs about half of the pose inference itself, so by
# default only the videos a clinician should watch get one (`needs_a_look`).
ANNOTATED_VIDEOS = ("flagged", "all", "none")
_PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class Job:
    """One video's work, as sent to a worker (plain data: it travels by pickle)."""

    video: str  # absolute path
    folder: str  # absolute path of its output folder
    rel_folder: str  # the same, relative to the batch folder (for links in the report)
    test: str  # slr, hinge or auto
    model: str
    truth: str | None  # *.truth.json beside the video
    frames_hint: int  # declared frame count (0 if unknown); orders the work and sizes the progress bar
    videos: str = "flagged"  # which measured videos get annotated.mp4 (ANNOTATED_VIDEOS)


class _Lent:
    """A cached backend lent to one video: leaving the `with` block resets it (so no tracking
    carries over to the next video) instead of closing it."""

    def __init__(self, cache: BackendCache, key: tuple, backend):
        self._cache, self._key, self._backend = cache, key, backend

    def __enter__(self):
        return self._backend

    def __exit__(self, *exc) -> None:
        try:
            self._backend.reset()
        except Exception:  # a backend that cannot reset is not lent again
            self._cache.discard(self._key)


class BackendCache:
    """A `backend_factory` for `rom.analysis.analyze_video` that creates each configuration
    (model, segmentation, static) once per thread and lends it out again for every video.

    Per thread, because a Dask worker may run several tasks at once and a pose graph is not
    safe to share. `close()` closes them all (at worker exit: registered with atexit).
    """

    def __init__(self, create: Callable[..., object] | None = None):
        self._create = create
        self._local = threading.local()
        self._all: list = []
        self._lock = threading.Lock()
        self.created = 0  # for tests and benchmarks: how many backends were made

    def __call__(self, model: str = "full", segmentation: bool = False, static: bool = False) -> _Lent:
        cache = self._local.__dict__.setdefault("backends", {})
        key = (model, segmentation, static)
        if key not in cache:
            create = self._create
            if create is None:
                from rom.capture.pose import create_backend as create
            cache[key] = create(model=model, segmentation=segmentation, static=static)
            with self._lock:
                self._all.append(cache[key])
                self.created += 1
        return _Lent(self, key, cache[key])

    def discard(self, key: tuple) -> None:
        """Close this thread's backend of that configuration; the next call makes a new one."""
        backend = self._local.__dict__.get("backends", {}).pop(key, None)
        if backend is not None:
            with self._lock:
                self._all.remove(backend)
            with contextlib.suppress(Exception):
                backend.close()

    def close(self) -> None:
        with self._lock:
            backends, self._all = self._all, []
        for b in backends:
            with contextlib.suppress(Exception):
                b.close()
        self._local = threading.local()


_WORKER_BACKENDS: BackendCache | None = None


def _worker_backends() -> BackendCache:
    """This process's backend cache, made on first use; closed when the process ends."""
    global _WORKER_BACKENDS
    if _WORKER_BACKENDS is None:
        import atexit

        import cv2

        # Parallelism comes from the worker processes; OpenCV's own thread pool (colour
        # conversion, resizing, decoding) would only make two workers on two cores fight.
        cv2.setNumThreads(1)
        _WORKER_BACKENDS = BackendCache()
        atexit.register(_WORKER_BACKENDS.close)
    return _WORKER_BACKENDS


@dataclass
class ProgressEvents:
    """Progress callback of a task: sends (job index, frames done) to the client as a Dask
    event, at most every `every_s` seconds. Does nothing outside a Dask worker."""

    topic: str
    index: int
    every_s: float = _PROGRESS_EVERY_S
    _last: float = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self._last = now
        try:
            from distributed import get_worker

            get_worker().log_event(self.topic, [self.index, int(done)])
        except ValueError:  # not running on a worker (a direct call)
            pass


def run_job(job: Job, progress: Callable[[int, int], None] | None = None,
            backend_factory: Callable[..., object] | None = None) -> VideoRow:
    """Measure one video and write its folder; never raises for a bad video (the row says why).

    This runs on a worker. The engine is imported here, not at the top, so that the client
    that only plans and reports never loads it.
    """
    from rom.analysis import Options, analyze_video

    t0 = time.perf_counter()
    folder = Path(job.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:  # the row first: from here on, nothing of an earlier run is trusted
        (folder / name).unlink(missing_ok=True)
    row = batch_report.base_row(job.video, job.rel_folder, job.test, job.model)
    try:
        analysis = analyze_video(job.video, Options(test=job.test, model=job.model), progress=progress,
                                 backend_factory=backend_factory or _worker_backends())
    except BadInput as e:
        row = replace(row, status="unreadable", error=str(e))
    except NotMeasurable as e:
        row = replace(row, status="not_measurable", error=str(e), test=e.test)
    except Exception as e:  # a bug or a broken environment: the batch goes on, the row says what
        row = replace(row, status="failed", error=f"{type(e).__name__}: {e}")
    else:
        info = analysis.info
        row = batch_report.measured_row(row, analysis.result, info.fps, (info.width, info.height))
        row = _compare_with_truth(row, analysis.result, job.truth)
        try:
            _write_video_outputs(analysis, folder, annotated=wants_annotated_video(job.videos, analysis.result))
        except Exception as e:
            row = replace(row, status="failed", error=f"writing the outputs failed: {type(e).__name__}: {e}")
    outputs = tuple(sorted(n for n in OUTPUT_FILES if n != ROW_FILE and (folder / n).exists()))
    row = replace(row, processing_s=round(time.perf_counter() - t0, 2), outputs=outputs)
    write_row(folder, row)
    return row


def write_row(folder: Path, row: VideoRow) -> None:
    atomic_write_text(folder / ROW_FILE, json.dumps(row.to_dict(), indent=1) + "\n")


def _compare_with_truth(row: VideoRow, result, truth_path: str | None) -> VideoRow:
    if truth_path is None:
        return row
    from rom.validation import truth
    from rom.validation.validate import compare

    name = Path(truth_path).name
    try:
        tr = truth.load(truth_path)
        if tr.test != result.test:
            return replace(row, truth_file=name, truth_error=f"the truth is for {tr.test}, measured {result.test}")
        return batch_report.with_truth(row, compare(result, tr), name)
    except Exception as e:  # a malformed truth file spoils the error columns, not the measurement
        return replace(row, truth_file=name, truth_error=f"{type(e).__name__}: {e}")


def needs_a_look(result) -> bool:
    """Whether a clinician should watch this measured video: a finding (a flag of the clip or of
    one of its repetitions) or a warning about the measurement's quality."""
    reps = getattr(result, "reps", ())
    return bool(result.flags) or any(r.flags for r in reps) or bool(result.quality.warnings)


def wants_annotated_video(videos: str, result) -> bool:
    """Whether `rom batch --videos VIDEOS` writes annotated.mp4 for this measured result."""
    if videos not in ANNOTATED_VIDEOS:
        raise ValueError(f"unknown --videos {videos!r}; choose from {', '.join(ANNOTATED_VIDEOS)}")
    return videos == "all" or (videos == "flagged" and needs_a_look(result))


def _write_video_outputs(analysis, folder: Path, annotated: bool = True) -> None:
    """What `rom analyze --out` writes (annotated.mp4 only if `annotated`), and the key frame for
    the report (one frame decoded, whatever the video's length)."""
    import cv2

    from rom.outputs.files import write_outputs
    from rom.outputs.overlay import key_frame

    ok, jpg = cv2.imencode(".jpg", key_frame(analysis), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if ok:
        atomic_write_bytes(folder / "key_frame.jpg", jpg.tobytes())
    write_outputs(analysis, folder, video=annotated)


