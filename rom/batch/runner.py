"""`rom batch`: measure many videos in parallel worker processes, resumably.

What lands in the batch folder DIR::

    DIR/summary.csv, DIR/summary.json, DIR/index.html      one row / card per video
    DIR/videos/<stem>-<hash>/                               one folder per video: what
        summary.json frames.csv annotated.mp4 plot.png      `rom analyze --out` writes, plus
        key_frame.jpg row.json                              the report's picture and the row;
                                                            annotated.mp4 only for the videos that
                                                            need a look unless --videos all
    DIR/logs/worker-PID.log                                 what local workers' native code printed

The folder name is the video's file stem (made safe) and a hash of its absolute path, so equal
file names in different folders never share a folder, and the name stays the same from run to run.

Workers are Dask distributed workers: on one machine a `LocalCluster` of --jobs single-threaded
worker processes, with --scheduler an existing cluster, and nothing else differs. A worker keeps
each pose backend it needs (one per configuration: tracking, tracking with segmentation, the
static probe of --test auto) for its whole life and resets it between videos.

Resume: a video whose row.json is newer than the video (and than its *.truth.json), and that was
measured with the same test and model, is not measured again unless --force. A row.json is
written last and atomically, and removed before a video is redone, so a killed batch leaves
nothing a later run would trust. Videos that failed for an unexpected reason (a crash, not a bad
file) are always retried.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import queue
import re
import stat
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from rom.batch.worker import ANNOTATED_VIDEOS, ROW_FILE, Job, ProgressEvents, run_job, write_row
from rom.core.errors import BadInput
from rom.outputs import batch_report
from rom.outputs.batch_report import VideoRow

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv",
                              ".mts", ".m2ts", ".3gp"})
VIDEOS_DIR = "videos"
# Statuses that redoing would not change (the file is what it is); 'failed' is retried.
_SETTLED = ("measured", "unreadable", "not_measurable")


# ---------------------------------------------------------------------------- discovery

@dataclass(frozen=True)
class Discovery:
    videos: tuple[Path, ...]  # absolute, unique, sorted
    unmatched: tuple[str, ...]  # PATH arguments (folders, globs) that gave no video
    skipped: tuple[tuple[Path, str], ...] = ()  # (path, why) of files found but not read (a named pipe...)


def discover(paths: Sequence[str], exclude: str | os.PathLike | None = None) -> Discovery:
    """The videos named by PATH arguments: files (kept whatever their extension, so that a bad
    file becomes a row with its error, a missing one too), folders (searched recursively for
    files with a video extension, hidden files and folders skipped) and globs (``**`` allowed;
    matching files must have a video extension). Anything inside `exclude` (the batch's own
    output folder) is skipped."""
    skip = Path(exclude).resolve() if exclude is not None else None
    found: dict[Path, None] = {}
    unmatched = []
    skipped: list[tuple[Path, str]] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            hits = list(_walk(p, skip, skipped))
        elif p.exists() or not glob.has_magic(arg):
            hits = [p]
        else:
            hits = []
            for m in sorted(glob.glob(arg, recursive=True)):
                mp = Path(m)
                if mp.is_dir():
                    hits.extend(_walk(mp, skip, skipped))
                elif _is_video_name(mp) and _regular(mp, skipped):
                    hits.append(mp)
        hits = [h for h in (Path(os.path.abspath(h)) for h in hits) if not _inside(h, skip)]
        if not hits:
            unmatched.append(arg)
        for h in hits:
            found.setdefault(h.resolve() if h.exists() else h, None)
    return Discovery(tuple(sorted(found)), tuple(unmatched), tuple(skipped))


def _is_video_name(p: Path) -> bool:
    return p.suffix.lower() in VIDEO_EXTENSIONS and not p.name.startswith(".")


def _inside(p: Path, folder: Path | None) -> bool:
    return folder is not None and (p.resolve() == folder or folder in p.resolve().parents)


def _regular(p: Path, skipped: list[tuple[Path, str]]) -> bool:
    """Whether p is a regular file; a named pipe, socket or device is noted in skipped (opening a
    named pipe would wait for a writer for ever)."""
    try:
        mode = p.stat().st_mode
    except OSError:
        return True  # (a dangling link: its row says it is missing)
    if stat.S_ISREG(mode):
        return True
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    skipped.append((Path(os.path.abspath(p)), f"{kind}, not a video file"))
    return False


def _walk(folder: Path, skip: Path | None, skipped: list[tuple[Path, str]]) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside(Path(root, d), skip))
        yield from (Path(root, f) for f in sorted(files)
                    if _is_video_name(Path(f)) and _regular(Path(root, f), skipped))


def folder_name(video: str | os.PathLike) -> str:
    """The per-video folder's name: safe stem plus a hash of the absolute path (unique, stable)."""
    p = Path(os.path.abspath(video))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", p.stem).strip("._-")[:60] or "video"
    return f"{stem}-{hashlib.sha1(str(p).encode('utf-8')).hexdigest()[:8]}"


# ---------------------------------------------------------------------------- planning and resume

def truth_of(video: Path) -> Path | None:
    """`NAME.truth.json` beside `NAME.EXT`, if there is one."""
    t = video.with_name(video.stem + ".truth.json")
    return t if t.is_file() else None


def plan(videos: Sequence[Path], out_dir: str | os.PathLike, test: str, model: str,
         force: bool = False, annotated: str = "flagged") -> tuple[list[Job], list[VideoRow]]:
    """Split the videos into jobs to run and rows reused from an earlier run (see resume above)."""
    out = Path(out_dir).resolve()
    todo, reused = [], []
    for v in videos:
        rel = f"{VIDEOS_DIR}/{folder_name(v)}"
        truth = truth_of(v)
        job = Job(str(v), str(out / rel), rel, test, model, None if truth is None else str(truth), 0, annotated)
        row = None if force else reusable_row(job)
        if row is not None:
            reused.append(row)
        else:
            todo.append(job)
    return todo, reused


def reusable_row(job: Job) -> VideoRow | None:
    """The row of an earlier run of this job, if it can stand (module docstring); else None."""
    path = Path(job.folder) / ROW_FILE
    try:
        row_mtime = path.stat().st_mtime
        row = VideoRow.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    sources = [Path(job.video)] + ([Path(job.truth)] if job.truth else [])
    try:
        if any(s.stat().st_mtime >= row_mtime for s in sources):
            return None
    except OSError:  # the video vanished since discovery: measure it again (it will say why)
        return None
    if (row.status not in _SETTLED or row.requested_test != job.test or row.model != job.model
            or row.video != job.video or (job.truth is not None and row.truth_file is None)):
        return None
    if job.videos == "all" and row.status == "measured" and "annotated.mp4" not in row.outputs:
        return None  # measured without its annotated video, which is now asked for
    return replace(row, folder=job.rel_folder)


def frame_count_hint(video: str) -> int:
    """The frame count the container declares (0 if it cannot be read or is not a regular file,
    such as a named pipe); no frame is decoded."""
    from rom.capture.video import frame_count_hint as hint

    return hint(video)


# ---------------------------------------------------------------------------- client side

class ProgressView:
    """What the user sees while the batch runs; this one shows nothing (tests, library use)."""

    def start(self, total_frames: int, total_videos: int, reused: int) -> None: ...

    def frames(self, delta: int) -> None: ...

    def resize(self, delta: int) -> None: ...

    def video_done(self, row: VideoRow, done: int, total: int) -> None: ...

    def close(self) -> None: ...


class TerminalProgress(ProgressView):
    """A tqdm bar on a terminal (videos done, frames per second, time left); on anything else
    (a log file, CI) one line per finished video."""

    def __init__(self, stream=None):
        self._stream = stream or sys.stderr
        self._bar = None
        self._failed = 0

    def start(self, total_frames: int, total_videos: int, reused: int) -> None:
        if reused:
            print(f"rom batch: {reused} video{'s' if reused != 1 else ''} already measured (kept; --force redoes "
                  "them)", file=self._stream)
        if self._stream.isatty() and total_videos > reused:
            from tqdm import tqdm

            self._bar = tqdm(total=max(total_frames, 1), unit=" frames", unit_scale=False, file=self._stream,
                             desc=f"0/{total_videos} videos", dynamic_ncols=True, smoothing=0.1,
                             bar_format="{desc} |{bar}| {percentage:3.0f}% {rate_noinv_fmt}, {remaining} left{postfix}")

    def frames(self, delta: int) -> None:
        if self._bar is not None and delta:
            self._bar.update(delta)

    def resize(self, delta: int) -> None:
        if self._bar is not None and delta:
            self._bar.total = max(self._bar.total + delta, self._bar.n, 1)
            self._bar.refresh()

    def video_done(self, row: VideoRow, done: int, total: int) -> None:
        line = f"[{done}/{total}] {row.name}: {_one_line(row)}"
        if self._bar is None:
            print(line, file=self._stream, flush=True)
            return
        self._failed += not row.measured
        self._bar.set_description_str(f"{done}/{total} videos", refresh=False)
        if self._failed:
            self._bar.set_postfix_str(f"{self._failed} not measured", refresh=False)
        if not row.measured:
            self._bar.write(line, file=self._stream)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _one_line(row: VideoRow) -> str:
    if not row.measured:
        return f"{row.status.replace('_', ' ')}: {row.error}"
    from rom import protocols

    line = protocols.get(row.test).batch_line(row.to_dict())
    return line + (f" [{', '.join(row.flags)}]" if row.flags else "")


@dataclass(frozen=True)
class BatchOutcome:
    rows: tuple[VideoRow, ...]  # every video, sorted by path
    reused: int  # rows kept from an earlier run
    unmatched: tuple[str, ...]
    files: dict  # summary.csv, summary.json, index.html paths
    skipped: tuple[tuple[Path, str], ...] = ()  # files found but not read, with why

    @property
    def counts(self) -> dict[str, int]:
        return batch_report.counts(self.rows)

    @property
    def all_measured(self) -> bool:
        return all(r.measured for r in self.rows)


def default_jobs() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def run_batch(paths: Sequence[str], out_dir: str | os.PathLike, test: str = "auto", model: str = "full",
              jobs: int | None = None, scheduler: str | None = None, force: bool = False,
              view: ProgressView | None = None, videos: str = "flagged") -> BatchOutcome:
    """Discover, plan, measure what is left (in parallel), then write the summaries.

    videos: which measured videos get annotated.mp4: 'flagged' (those that need a look: a flag
    or a quality warning), 'all' or 'none'. Raises BadInput when no video is found, the
    scheduler cannot be reached or `videos` is none of these.
    """
    if videos not in ANNOTATED_VIDEOS:
        raise BadInput(f"unknown videos option {videos!r}; choose from {', '.join(ANNOTATED_VIDEOS)}")
    view = view or ProgressView()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out}: exists and is not a folder")
    found = discover(paths, exclude=out)
    if not found.videos:
        why = "".join(f"; skipped {p} ({reason})" for p, reason in found.skipped)
        raise BadInput("no video files found in " + ", ".join(paths) + why)
    _writable(out)
    todo, reused = plan(found.videos, out, test, model, force, videos)
    rows = list(reused)
    if todo:
        # FFmpeg's complaints about damaged files would scatter over the progress bar; the rows
        # give the reasons. Read once per process, so set before the first file is opened here
        # (and inherited by local workers).
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        todo = [replace(j, frames_hint=frame_count_hint(j.video)) for j in todo]
    try:
        if todo:
            with _client(jobs or default_jobs(), len(todo), scheduler, out / "logs") as client:
                view.start(sum(j.frames_hint for j in todo), len(found.videos), len(reused))
                for row in run_on(client, todo, view, done_before=len(reused), total=len(found.videos)):
                    rows.append(row)
        else:
            view.start(0, len(found.videos), len(reused))
    except KeyboardInterrupt:
        # What is done stays done (each row.json is final); the summaries say what there is.
        _summarize(out, rows, test, model, paths, interrupted=True)
        raise
    finally:
        view.close()
    files = _summarize(out, rows, test, model, paths)
    return BatchOutcome(tuple(sorted(rows, key=lambda r: r.video)), len(reused), found.unmatched, files,
                        found.skipped)


def _writable(out: Path) -> None:
    """Create the output folder and check that files can be written in it; BadInput otherwise."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".rom-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise BadInput(f"{out}: cannot write the results there ({e.strerror or type(e).__name__})") from None


def _summarize(out: Path, rows: list[VideoRow], test: str, model: str, paths: Sequence[str],
               interrupted: bool = False) -> dict:
    from rom import __version__

    meta = {"rom_version": __version__, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "test": test, "model": model, "paths": list(paths), "interrupted": interrupted}
    return batch_report.write_summaries(out, sorted(rows, key=lambda r: r.video), meta)


@contextlib.contextmanager
def _client(jobs: int, n_tasks: int, scheduler: str | None, log_dir: Path | None = None):
    """A Dask client: of the cluster at `scheduler`, or of a local cluster of single-threaded
    worker processes (no more than there are videos to measure; their stderr in log_dir)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise BadInput(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
        with client:
            yield client
        return
    # A video that kills its worker (a crash in native code, out of memory) is retried once on
    # a fresh worker, then reported, rather than taking down two more workers. The workers'
    # statistical profiler (a stack sample every 10 ms) and GIL monitor (every 1 ms) cost a
    # sixth of a core each worker, taken from the pose model: off.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.worker.profile.enabled": False,
                          "distributed.admin.system-monitor.gil.enabled": False}), \
            LocalCluster(n_workers=max(1, min(jobs, n_tasks)), threads_per_worker=1, processes=True,
                         host="127.0.0.1", dashboard_address="127.0.0.1:0",  # any free port, this machine only
                         silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        if log_dir is not None:
            client.register_plugin(NativeLogToFile(str(log_dir)))
        yield client


class NativeLogToFile(WorkerPlugin):
    """Dask worker plugin: send the worker process's file descriptor 2 to a log file.

    MediaPipe's native code writes its start-up chatter straight to fd 2, from every worker at
    once, which would scatter over the progress bar. Local workers are ours, so their stderr
    goes to DIR/logs/worker-PID.log instead (nothing is lost; a crash's last words are there).
    Workers of a cluster given with --scheduler are left alone.
    """

    name = "rom-native-log-to-file"

    def __init__(self, folder: str):
        self.folder = folder

    def setup(self, worker) -> None:
        os.makedirs(self.folder, exist_ok=True)
        sys.stderr.flush()
        fd = os.open(os.path.join(self.folder, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)


def run_on(client, jobs: Sequence[Job], view: ProgressView, done_before: int = 0,
           total: int | None = None) -> Iterator[VideoRow]:
    """Run the jobs on a Dask client's workers; yields the rows as the videos finish.

    Longest videos are submitted first so that no long one starts last and runs alone. Progress
    events and finished futures come through one queue, read by this thread alone.
    """
    events: queue.SimpleQueue = queue.SimpleQueue()
    topic = f"rom-batch-{uuid.uuid4().hex}"
    client.subscribe_topic(topic, lambda event: events.put(("frames", event[1][0], event[1][1])))
    credited = [0] * len(jobs)
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].frames_hint)
    futures = []
    for i in order:
        fut = client.submit(run_job, jobs[i], ProgressEvents(topic, i), key=f"rom-video-{i}-{topic}", pure=False)
        fut.add_done_callback(lambda f, i=i: events.put(("done", i, f)))
        futures.append(fut)
    finished = 0
    total = total or len(jobs)
    try:
        while finished < len(jobs):
            try:
                kind, i, payload = events.get(timeout=1.0)
            except queue.Empty:  # wake up now and then, so that Ctrl-C is heard at once
                continue
            if kind == "frames":
                if payload > credited[i]:
                    view.frames(payload - credited[i])
                    credited[i] = payload
                continue
            row = _row_of(payload, jobs[i])
            actual = row.frames if row.frames else max(credited[i], jobs[i].frames_hint)
            view.resize(actual - jobs[i].frames_hint)
            view.frames(actual - credited[i])
            credited[i] = actual
            finished += 1
            view.video_done(row, done_before + finished, total)
            yield row
    finally:
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(topic)
        with contextlib.suppress(Exception):
            client.cancel([f for f in futures if not f.done()])


def _row_of(future, job: Job) -> VideoRow:
    """The row a task returned, or a 'failed' row when the task itself died."""
    try:
        return future.result()
    except Exception as e:
        from distributed import KilledWorker

        why = ("the worker process died while measuring this video (a crash or out of memory)"
               if isinstance(e, KilledWorker) else f"{type(e).__name__}: {e}")
        row = replace(batch_report.base_row(job.video, job.rel_folder, job.test, job.model), error=why)
        with contextlib.suppress(OSError):
            Path(job.folder).mkdir(parents=True, exist_ok=True)
            write_row(Path(job.folder), row)
        return row
