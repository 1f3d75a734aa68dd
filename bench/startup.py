"""Start-up: `rom analyze CLIP --json` against bare MediaPipe, whole processes, in one run.

  .venv/bin/python bench/startup.py [CLIP ...] [--repeat 2]

For each clip, alternating, as fresh processes: (a) bare MediaPipe: `import mediapipe`, open the
video with the decoder rom uses, `Pose` in tracking mode (with segmentation for a hinge clip),
`process` every frame, nothing else; (b) `rom analyze CLIP --json` (test found by itself, as a
user runs it). Each process notes the wall-clock time when its first pose result is back.
Printed, best of --repeat: seconds from the start of the process to the first frame and to its
end, the start-up difference rom - bare (goal: under 0.5 s) and the ratio bare / rom of whole
processes (goal: at least 0.9; 1.0 = rom costs no more than the model it runs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ["samples/slr_avg_male_L_near_60.mp4", "samples/slr_avg_female_R_near_50_examiner_foot.mp4",
           "samples/hinge_avg_male_L_good.mp4"]

# Notes the time of the first pose result in the file named by ROM_BENCH_MARK.
_MARK = """
import os, time
def _mark():
    with open(os.environ["ROM_BENCH_MARK"], "w") as f:
        f.write(repr(time.time()))
"""

BARE = _MARK + """
import sys
import mediapipe as mp  # what a MediaPipe user writes
from rom.capture import video
info = video.probe(sys.argv[1])
with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=False,
                            enable_segmentation=sys.argv[2] == "hinge", smooth_segmentation=False) as pose:
    for i, rgb in video.iter_frames(info):
        pose.process(rgb)
        if i == 0:
            _mark()
"""

ROM = _MARK + """
import sys
from rom.capture.pose import mediapipe_backend as _mb
_process = _mb.MediaPipePose.process
def _first(self, rgb):
    _mb.MediaPipePose.process = _process
    out = _process(self, rgb)
    _mark()
    return out
_mb.MediaPipePose.process = _first
from rom.cli import main
sys.exit(main(["analyze", sys.argv[1], "--json"]))
"""


def run(code: str, *args: str) -> tuple[float, float]:
    """(seconds to the first pose result, seconds to the end) of a fresh `python -c code args`."""
    with tempfile.TemporaryDirectory() as tmp:
        mark = Path(tmp) / "mark"
        env = dict(os.environ, ROM_BENCH_MARK=str(mark))
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t_end = time.time()
        if proc.returncode != 0 or not mark.exists():
            sys.exit(f"failed ({proc.returncode}): {args}\n{proc.stderr[-2000:]}")
        return float(mark.read_text()) - t0, t_end - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="*", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    python_s = min(run(_MARK + "_mark()")[1] for _ in range(3))
    print(f"python itself starts in {python_s:.2f} s; load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'clip':42s} {'bare 1st':>8s} {'rom 1st':>8s} {'rom-bare':>8s} {'bare end':>8s} {'rom end':>8s} "
          f"{'bare/rom':>8s}")
    diffs, ratios = [], []
    for clip in a.clips:
        test = "hinge" if "hinge" in Path(clip).name else "slr"
        bare, rom = (1e9, 1e9), (1e9, 1e9)
        for _ in range(a.repeat):
            b, r = run(BARE, clip, test), run(ROM, clip)
            bare = (min(bare[0], b[0]), min(bare[1], b[1]))
            rom = (min(rom[0], r[0]), min(rom[1], r[1]))
        diffs.append(rom[0] - bare[0])
        ratios.append(bare[1] / rom[1])
        print(f"{Path(clip).name[:42]:42s} {bare[0]:8.2f} {rom[0]:8.2f} {diffs[-1]:+8.2f} {bare[1]:8.2f} "
              f"{rom[1]:8.2f} {ratios[-1]:8.3f}")
    print(f"\nstart-up to the first frame, rom - bare MediaPipe: mean {sum(diffs) / len(diffs):+.2f} s "
          "(goal: under 0.5 s)")
    print(f"whole process, bare / rom analyze --json: mean {sum(ratios) / len(ratios):.3f}, min {min(ratios):.3f} "
          "(goal: at least 0.9)")


if __name__ == "__main__":
    main()
