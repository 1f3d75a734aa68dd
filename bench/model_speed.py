"""Frames per second of the pose models (lite, full, heavy) on the same frames, in one run.

  .venv/bin/python bench/model_speed.py [CLIP ...] [--repeat 3]

Decodes each clip once, then for each model in turn (alternating over --repeat rounds, best
round kept) runs MediaPipe Pose in tracking mode over the frames, as the analysis does. Prints
frames per second and the ratio to the full model. Models that are not installed are skipped
(`rom models fetch NAME`).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rom.capture import models, video  # noqa: E402
from rom.capture.pose import create_backend  # noqa: E402

DEFAULT = ["samples/slr_avg_male_L_near_60.mp4", "samples/hinge_avg_male_L_good.mp4"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="*", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    frames = []
    for clip in a.clips:
        frames += [rgb for _, rgb in video.iter_frames(video.probe(ROOT / clip))]
    names = [s.spec.name for s in models.list_models() if s.status == "installed"]
    best = {n: float("inf") for n in names}
    for _ in range(a.repeat):
        for name in names:
            with create_backend(model=name) as backend:
                t = time.perf_counter()
                for rgb in frames:
                    backend.process(rgb)
                best[name] = min(best[name], time.perf_counter() - t)
    full = len(frames) / best["full"] if "full" in best else float("nan")
    print(f"{len(frames)} frames at {frames[0].shape[1]}x{frames[0].shape[0]}, best of {a.repeat} rounds")
    print(f"{'model':6s} {'fps':>7s} {'ms/frame':>9s} {'fps / full':>10s}")
    for name in names:
        fps = len(frames) / best[name]
        print(f"{name:6s} {fps:7.1f} {1000 / fps:9.2f} {fps / full:10.2f}")


if __name__ == "__main__":
    main()
