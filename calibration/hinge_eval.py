"""Score `rom.protocols.hinge.measure.analyze_hinge` on cached hinge landmarks against their truth (research tool).

    .venv/bin/python calibration/hinge_eval.py samples [samples/validation/clips --prefix fit-hinge]

For every `*.truth.json` of a hinge clip in the folders whose landmarks were cached by
`calibration/hinge_cache.py`, prints one line per repetition: truth and measured maxima, the flag
features and the flags, and a summary (reps found, flags right per clip and per rep, hip error).
Never point it at the test half of the validation set (names `test-*`): that half is held out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.core.scoring import match_reps
from rom.protocols.hinge.measure import analyze_hinge
from rom.validation import truth as T

CACHE = Path("calibration/.cache/hinge")


def rows(folders: list[Path], prefix: str = "", cache: Path = CACHE) -> list[dict]:
    out = []
    for folder in folders:
        for tr in T.find(folder):
            if tr.test != "hinge" or not tr.name.startswith(prefix) or tr.name.startswith("test-"):
                continue
            npz = cache / f"{tr.video.stem}.full.npz"
            if not npz.exists():
                continue
            series = LandmarkSeries.load(npz)
            try:
                res = analyze_hinge(series, str(tr.video))
            except NotMeasurable as e:
                out.append({"clip": tr.name, "truth": tr, "error": str(e)})
                continue
            d = res.to_dict()
            out.append({"clip": tr.name, "truth": tr, "result": res,
                        "pairs": match_reps(d["reps"], tr.data["reps"]), "n_found": len(d["reps"])})
    return out


def report(rs: list[dict]) -> str:
    lines, hip_err, rep_ok, clip_ok, reps_ok = [], [], [], [], []
    for r in rs:
        tr = r["truth"]
        if "error" in r:
            lines.append(f"{r['clip']}: REFUSED {r['error']}")
            clip_ok.append(False)
            reps_ok.append(False)
            continue
        reps_ok.append(r["n_found"] == len(tr.data["reps"]))
        clip_ok.append(set(r["result"].flags) == set(tr.data["flags"]))
        for m, t in r["pairs"]:
            if m is None:
                lines.append(f"{r['clip']} @{t['bottom_s']:.1f}: MISSED")
                rep_ok.append(False)
                continue
            e = m["max_hip_flexion_deg"] - t["max_hip_flexion_deg"]
            hip_err.append(e)
            ok = set(m["flags"]) == set(t["flags"])
            rep_ok.append(ok)
            trunk_e = m["max_trunk_inclination_deg"] - t["max_trunk_inclination_deg"]
            knee_e = m["max_knee_flexion_deg"] - t["max_knee_flexion_deg"]
            lines.append(
                f"{r['clip'][:44]:44s} hip {t['max_hip_flexion_deg']:5.1f} {e:+5.1f} trunk "
                f"{t['max_trunk_inclination_deg']:5.1f} {trunk_e:+5.1f} knee "
                f"{t['max_knee_flexion_deg']:4.1f} {knee_e:+5.1f}"
                f" | kb {m['knee_bend_deg']} thor {m['back_rounding']} flex {m['back_flexion_deg']}"
                f" ratio {m['lumbar_ratio']} head {m.get('head_turn_deg')} back {m.get('hips_back')}"
                f" floor {m.get('from_floor')} lean {m.get('lockout_lean_back_deg')}"
                f" | {','.join(t['flags']) or '-'} / {','.join(m['flags']) or '-'}{'' if ok else '  <-- WRONG'}")
    e = np.abs(hip_err)
    lines.append(f"clips {len(rs)}: reps counted right {sum(reps_ok)}/{len(reps_ok)}, flags right "
                 f"{sum(clip_ok)}/{len(clip_ok)} clips, {sum(rep_ok)}/{len(rep_ok)} reps; hip error mean abs "
                 f"{e.mean() if len(e) else float('nan'):.2f}, max {e.max() if len(e) else float('nan'):.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args(argv)
    print(report(rows(args.folders, args.prefix, args.cache)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
