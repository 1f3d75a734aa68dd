"""One batch worker's throughput against bare inference, clip by clip in one run.

  .venv/bin/python bench/worker_speed.py [PATH ...] [--test auto] [--videos flagged]

PATH: videos or folders (default: the sample clips, samples/*.mp4).

For each video, one right after the other: `rom.batch.worker.run_job` as a batch worker runs it
(its backends kept warm between videos, the posture probe of --test auto, every output file of
`--videos`), then bare MediaPipe inference (a fresh Pose in tracking mode over every decoded frame,
with the segmentation mask where the test's analysis uses it), so that the machine's speed, which
drifts by 10-15 % from one minute to the next here, hits both alike. bench/batch_speed.py times
whole `rom batch` commands and then bare inference minutes later; this one leaves out what a
batch adds around the worker (process start-up, Dask) and says what the worker itself costs.

Printed per video: the test, the status, bare and run_job seconds, their ratio (1.0 = the worker
costs no more than inference alone) and whether it wrote annotated.mp4; then the ratio over all
videos and over those with and without an annotated video.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bare_inference import bare_inference, uses_segmentation  # noqa: E402

from rom import protocols  # noqa: E402
from rom.batch.runner import discover  # noqa: E402
from rom.batch.worker import ANNOTATED_VIDEOS, Job, _worker_backends, run_job  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=sorted(str(p) for p in (ROOT / "samples").glob("*.mp4")))
    ap.add_argument("--test", default="auto", choices=[*protocols.names(), "auto"])
    ap.add_argument("--videos", default="flagged", choices=ANNOTATED_VIDEOS)
    a = ap.parse_args()
    videos = list(discover(a.paths).videos)
    backends = _worker_backends()
    print(f"{len(videos)} videos; load average {os.getloadavg()[0]:.1f}")
    sums = {"all videos": [0.0, 0.0], "videos with annotated.mp4": [0.0, 0.0], "videos without": [0.0, 0.0]}
    with tempfile.TemporaryDirectory() as tmp:
        def job(i: int, v: Path) -> Job:
            return Job(str(v.resolve()), f"{tmp}/{i}", str(i), a.test, "full", None, 0, a.videos)

        run_job(job(-1, videos[0]), backend_factory=backends)  # imports and model loading, as a worker's first video
        for i, v in enumerate(videos):
            t = time.perf_counter()
            row = run_job(job(i, v), backend_factory=backends)
            work = time.perf_counter() - t
            test = row.test  # (a refused video's row names the test that refused it)
            bare = bare_inference(v, uses_segmentation(test))[0]
            annotated = "annotated.mp4" in row.outputs
            for key in ("all videos", "videos with annotated.mp4" if annotated else "videos without"):
                sums[key][0] += bare
                sums[key][1] += work
            print(f"{v.name[:46]:46s} {test or '-':6s} {row.status[:14]:14s} bare {bare:6.2f} s  run_job "
                  f"{work:6.2f} s  {bare / work:5.2f}{'  annotated.mp4' if annotated else ''}", flush=True)
    for key, (bare, work) in sums.items():
        if work:
            print(f"run_job / bare, {key}: {bare / work:.3f} (bare {bare:.1f} s, run_job {work:.1f} s)")
    print("(goal of `rom batch` per core: at least 0.85)")


if __name__ == "__main__":
    main()
