"""Speed of the whole analysis against bare MediaPipe inference on the same frames.

  .venv/bin/python bench/engine_speed.py [CLIP ...] [--repeat 3]

For each clip, in one run and alternating: (a) bare inference: decode every frame and call
MediaPipe's Pose.process with the settings the analysis uses (tracking mode, segmentation for
the hinge and the slump), nothing else; (b) `rom.analysis.analyze_video` with the test given, (c) with
`--test auto` (adds the posture probe), (d) (a) without segmentation for the tests that use it. The test
is told by the clip's name (samples/ names start with it). The best
of --repeat runs of each is kept. Printed: seconds, frames per second and the ratio
bare / whole (1.0 = no overhead; the goal is at least 0.9).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bare_inference import bare_inference  # noqa: E402

from rom import protocols  # noqa: E402
from rom.analysis import Options, analyze_video  # noqa: E402
from rom.capture import video  # noqa: E402

DEFAULT = ["samples/slr_avg_male_L_near_60.mp4", "samples/slr_avg_female_R_near_50_examiner_foot.mp4",
           "samples/hinge_avg_female_R_good_3reps.mp4"]


def whole(path: str, test: str) -> float:
    t = time.perf_counter()
    analyze_video(path, Options(test=test))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="*", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print(f"{'clip':50s} {'frames':>6s} {'bare s':>7s} {'whole s':>7s} {'auto s':>7s} {'fps':>6s} "
          f"{'bare/whole':>10s} {'bare/auto':>9s}")
    ratios = []
    for clip in a.clips:
        path = str(ROOT / clip) if not pathlib.Path(clip).is_absolute() else clip
        # the test from the sample's name (slr_..., hinge_..., ake_..., slump_...); the bare pass takes the
        # segmentation mask where that test's extraction does
        test = pathlib.Path(path).name.split("_")[0]
        if test not in protocols.names():
            raise SystemExit(f"{clip}: the test cannot be told from the name (it starts with one of "
                             f"{', '.join(protocols.names())} in samples/)")
        seg = protocols.get(test).segmentation
        n = sum(1 for _ in video.iter_frames(video.probe(path)))
        best = {"bare": 1e9, "whole": 1e9, "auto": 1e9, "bare_noseg": 1e9}
        for _ in range(a.repeat):
            best["bare"] = min(best["bare"], bare_inference(path, seg)[0])
            best["whole"] = min(best["whole"], whole(path, test))
            best["auto"] = min(best["auto"], whole(path, "auto"))
            if seg:
                best["bare_noseg"] = min(best["bare_noseg"], bare_inference(path, False)[0])
        r = best["bare"] / best["whole"]
        ratios.append(r)
        print(f"{pathlib.Path(path).name:50s} {n:6d} {best['bare']:7.2f} {best['whole']:7.2f} {best['auto']:7.2f} "
              f"{n / best['whole']:6.1f} {r:10.3f} {best['bare'] / best['auto']:9.3f}")
        if seg:
            print(f"{'  (segmentation mask costs: bare without it':50s} {'':6s} {best['bare_noseg']:7.2f}   "
                  f"ratio bare-without-mask / whole {best['bare_noseg'] / best['whole']:.3f})")
    print(f"\nratio bare inference / whole analysis: min {min(ratios):.3f}, mean {sum(ratios) / len(ratios):.3f} "
          "(goal: at least 0.9)")


if __name__ == "__main__":
    main()
