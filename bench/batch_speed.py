"""Batch speed: `rom batch --jobs 2` against `--jobs 1`, and throughput per core against bare inference.

  .venv/bin/python bench/batch_speed.py [PATH ...] [--test auto] [--videos flagged] [--all-too]

PATH: videos or folders (default: the sample clips, samples/*.mp4).

Runs `rom batch PATH... --force` once with --jobs 1 and once with --jobs 2 (each a fresh command,
as a user runs it: worker start-up, model loading, the posture probe of --test auto and every
output file of the default `--videos flagged` included), with --all-too also `--jobs 1 --videos
all` (an annotated video for every measured video), then bare MediaPipe inference (decode every
frame and call `Pose.process` in tracking mode, with the segmentation mask for the tests whose
analysis uses it, `Protocol.segmentation`: the hinge and the slump; nothing else) on the same
videos in this process, all in one run. Printed: wall time of each, the speed-up jobs 2 / jobs 1
(goal: at least 1.8 on 2 cores) and frames per second per core of each batch against bare
inference (1.0 = the batch costs no more than inference alone; goal at least 0.85), and the CPU
seconds each run used, which tell apart workers fighting each other (more CPU for the same work)
from other load on the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bare_inference import bare_inference, uses_segmentation  # noqa: E402

from rom.batch.runner import discover  # noqa: E402


def run_batch(paths: list[str], out: Path, jobs: int, test: str, videos: str) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the command and its workers, summary.json)."""
    cmd = [str(ROOT / ".venv" / "bin" / "rom"), "batch", *paths, "--out", str(out), "--jobs", str(jobs),
           "--test", test, "--videos", videos, "--force"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.exit(f"rom batch failed ({proc.returncode}):\n{proc.stderr}")
    doc = json.loads((out / "summary.json").read_text())
    annotated = sum("annotated.mp4" in r["outputs"] for r in doc["rows"])
    print(f"  jobs {jobs}, --videos {videos}: {proc.stdout.strip().splitlines()[-1]}; {annotated} annotated videos")
    return wall, cpu, doc


def bare_total(videos: list[Path], tests: dict[str, str]) -> tuple[float, int]:
    """Seconds and frames of bare inference over every frame of every readable video (one core)."""
    total_s, frames = 0.0, 0
    for v in videos:
        try:
            s, n = bare_inference(v, uses_segmentation(tests.get(str(v))))
        except Exception:  # unreadable: the batch did not run the model over it either
            continue
        total_s, frames = total_s + s, frames + n
    return total_s, frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # The sample clips themselves, not samples/ as a folder: that would also take in the rendered
    # validation set and the fetched real footage below it (190 videos on a set-up machine).
    ap.add_argument("paths", nargs="*", default=sorted(str(p) for p in (ROOT / "samples").glob("*.mp4")))
    ap.add_argument("--test", default="auto", choices=["auto", "slr", "hinge"])
    ap.add_argument("--videos", default="flagged", choices=["flagged", "all", "none"])
    ap.add_argument("--all-too", action="store_true", help="also time --jobs 1 --videos all")
    a = ap.parse_args()
    videos = list(discover(a.paths).videos)
    print(f"{len(videos)} videos; {os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        wall1, cpu1, doc1 = run_batch(a.paths, Path(tmp) / "j1", 1, a.test, a.videos)
        wall2, cpu2, _ = run_batch(a.paths, Path(tmp) / "j2", 2, a.test, a.videos)
        if a.all_too:
            wall_all, cpu_all, _ = run_batch(a.paths, Path(tmp) / "all", 1, a.test, "all")
    tests = {r["video"]: r["test"] for r in doc1["rows"]}
    bare_s, bare_frames = bare_total(videos, tests)
    # The batch runs the pose model over every frame of every readable video, also of those it
    # then refuses (their rows carry no frame count): the frames of the bare pass are its work.
    frames = bare_frames
    bare_fps = bare_frames / bare_s
    fps1, fps2 = frames / wall1, frames / wall2 / 2
    print(f"\n{'':28s} {'wall s':>8s} {'CPU s':>8s} {'frames/s/core':>14s} {'vs bare':>8s}")
    print(f"{'rom batch --jobs 1':28s} {wall1:8.1f} {cpu1:8.1f} {fps1:14.1f} {fps1 / bare_fps:8.2f}")
    print(f"{'rom batch --jobs 2':28s} {wall2:8.1f} {cpu2:8.1f} {fps2:14.1f} {fps2 / bare_fps:8.2f}")
    if a.all_too:
        fps_all = frames / wall_all
        print(f"{'rom batch --jobs 1, all':28s} {wall_all:8.1f} {cpu_all:8.1f} {fps_all:14.1f} "
              f"{fps_all / bare_fps:8.2f}")
    print(f"{'bare MediaPipe inference':28s} {bare_s:8.1f} {'-':>8s} {bare_fps:14.1f} {1.0:8.2f}",
          f"({bare_frames} frames)")
    print(f"\nspeed-up --jobs 2 / --jobs 1: {wall1 / wall2:.2f} (goal: at least 1.8)")
    # Equal CPU seconds for both runs mean the two workers do not fight each other; a speed-up
    # below 2 x (CPU s / wall s of jobs 1) then comes from other load on the cores or serial parts.
    print(f"CPU seconds jobs 2 / jobs 1: {cpu2 / cpu1:.2f} (1.0 = no extra work from running in parallel); "
          f"load average now {os.getloadavg()[0]:.1f}")
    print(f"throughput per core / bare inference: jobs 1 {fps1 / bare_fps:.2f}, jobs 2 {fps2 / bare_fps:.2f} "
          f"(goal: at least 0.85; {frames} frames read by the batch, refused videos included)")
    if a.all_too:
        print(f"--videos all / --videos {a.videos}, jobs 1: {wall_all / wall1:.2f} times the wall time")


if __name__ == "__main__":
    main()
