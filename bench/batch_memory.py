"""Peak memory of one batch worker on a long video (goal: under 1 GB for 10 minutes of 720p).

  .venv/bin/python bench/batch_memory.py [--minutes 10] [--clip samples/hinge_avg_female_R_good_3reps.mp4]

Makes the long video first (the sample looped, scaled and centred into 1280x720 at the sample's
frame rate; written to a temporary folder and deleted afterwards), then runs
`rom batch LONG --jobs 1` as a user would and samples the resident memory (RSS) of every process
it starts, every 0.2 s. Printed: the worker's peak, the client's peak, and the worker's peak
as a share of 1 GB. The hinge is the default clip because it is the heavier path (the
segmentation mask of every frame).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 1024.0


def make_long_video(clip: Path, out: Path, minutes: float, size: tuple[int, int] = (1280, 720)) -> int:
    """The clip looped to `minutes`, letterboxed into `size`; returns the frame count. Streams
    (the clip is read again for every loop), so this process stays small too."""
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    scale = min(size[0] / w, size[1] / h)
    sw, sh = int(round(w * scale)), int(round(h * scale))
    x0, y0 = (size[0] - sw) // 2, (size[1] - sh) // 2
    canvas = np.zeros((size[1], size[0], 3), np.uint8)
    n = int(round(minutes * 60 * fps))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    written = 0
    while written < n:
        cap = cv2.VideoCapture(str(clip))
        while written < n:
            ok, bgr = cap.read()
            if not ok:
                break
            canvas[y0:y0 + sh, x0:x0 + sw] = cv2.resize(bgr, (sw, sh), interpolation=cv2.INTER_LINEAR)
            writer.write(canvas)
            written += 1
        cap.release()
    writer.release()
    return n


def watch(cmd: list[str]) -> tuple[int, float, float, float]:
    """Run cmd; (exit code, seconds, peak RSS MB of the largest child process, of the command itself)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(proc.pid)
    peak_child, peak_self = 0.0, 0.0
    while proc.poll() is None:
        try:
            peak_self = max(peak_self, me.memory_info().rss / 1e6)
            for child in me.children(recursive=True):
                try:
                    peak_child = max(peak_child, child.memory_info().rss / 1e6)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        sys.exit(f"rom batch failed ({proc.returncode}):\n{err}")
    print(out.strip())
    return proc.returncode, time.perf_counter() - t, peak_child, peak_self


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clip", default=str(ROOT / "samples" / "hinge_avg_female_R_good_3reps.mp4"))
    ap.add_argument("--test", default="hinge", choices=["auto", "slr", "hinge"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        long = Path(tmp) / "long_720p.mp4"
        t = time.perf_counter()
        n = make_long_video(Path(a.clip), long, a.minutes)
        print(f"made {long.name}: {n} frames of 1280x720 ({a.minutes:g} min) in {time.perf_counter() - t:.0f} s")
        cmd = [str(ROOT / ".venv" / "bin" / "rom"), "batch", str(long), "--out", str(Path(tmp) / "out"),
               "--jobs", "1", "--test", a.test]
        code, secs, worker_mb, client_mb = watch(cmd)
    print(f"\nexit {code} after {secs:.0f} s ({n / secs:.1f} frames/s overall)")
    print(f"peak RSS of the worker process: {worker_mb:.0f} MB; of the client: {client_mb:.0f} MB")
    print(f"worker peak / 1 GB: {worker_mb / GOAL_MB:.2f} (goal: below 1.0)")


if __name__ == "__main__":
    main()
