"""Cache the pose model's landmarks (with the back outline) of hinge clips, for hinge research.

    .venv/bin/python calibration/hinge_cache.py samples/hinge_*.mp4 [--out calibration/.cache/hinge]

One `<clip>.full.npz` per clip (`rom.core.landmarks.LandmarkSeries.save`), the same series
`rom.analysis.landmarks_of(info, "hinge")` gives; existing caches newer than their clip are kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rom.analysis import landmarks_of
from rom.capture.video import probe


def cache_path(clip: Path, out: Path, model: str = "full") -> Path:
    return out / f"{clip.stem}.{model}.npz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("calibration/.cache/hinge"))
    ap.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for clip in args.clips:
        dest = cache_path(clip, args.out, args.model)
        if dest.exists() and dest.stat().st_mtime >= clip.stat().st_mtime:
            continue
        try:
            series = landmarks_of(probe(clip), "hinge", args.model)
        except Exception as e:  # noqa: BLE001 - a research script: report and go on
            print(f"{clip.name}: {e}", file=sys.stderr)
            continue
        series.save(dest)
        print(f"{clip.name}: {len(series)} frames", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
