"""Score `rom.protocols.hinge.measure.analyze_hinge` on the real clips of samples/real/labels.json (research tool).

    .venv/bin/python calibration/hinge_real.py [--cache calibration/.cache/hinge/real]

Landmarks come from `calibration/hinge_cache.py samples/real/clips/*.mp4 --out ...` (the hinge
extraction, with the back's outline), so the protocol reruns in seconds. Every labelled clip
with a cache is analysed as a hinge: one line per clip (label, outcome, per-repetition
features and flags), then the figures of issue 10: refusals where a refusal is expected,
repetitions counted right on the measured clips, each flag right on the measured, labelled
clips, false flags on clips labelled good.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.protocols.hinge.measure import analyze_hinge

LABELS = Path("samples/real/labels.json")
CACHE = Path("calibration/.cache/hinge/real")


def label_flags(entry: dict) -> set[str]:
    """The hinge flags a clip's labels call for (any repetition)."""
    out = set()
    for rep in entry.get("reps", []):
        if rep.get("rounded_back"):
            out.add("rounded_back")
        if rep.get("lumbar_compensation"):
            out.add("lumbar_compensation")
        if rep.get("knee_bend"):
            out.add("knee_bend")
    return out


def score(labels: list[dict], cache: Path) -> tuple[list[str], dict]:
    lines, fig = [], {"refuse_ok": [], "measured": [], "refused_hinges": [], "reps_ok": [], "false_on_good": [],
                      "flag_ok": {f: [] for f in ("rounded_back", "lumbar_compensation", "knee_bend")}}
    for entry in labels:
        npz = cache / f"{Path(entry['file']).stem}.full.npz"
        if not npz.exists():
            continue
        want_refusal = entry.get("expect") == "refuse" or entry.get("test") != "hinge"
        try:
            res = analyze_hinge(LandmarkSeries.load(npz))
        except NotMeasurable as e:
            lines.append(f"{entry['file']:22s} {entry.get('test')}/{entry.get('expect')}: refused: {e}")
            if want_refusal:
                fig["refuse_ok"].append(True)
            else:
                fig["refused_hinges"].append(entry["file"])
            continue
        reps = "; ".join(f"b{r.bottom_s:.1f} thor {r.back_rounding:.0f} ratio {r.lumbar_ratio:.2f} head "
                         f"{getattr(r, 'head_turn_deg', float('nan')):.0f} "
                         f"hips {getattr(r, 'hips_back', float('nan')):.2f}"
                         f" knee+ {r.knee_bend_deg:.0f} {','.join(r.flags) or '-'}" for r in res.reps)
        lines.append(f"{entry['file']:22s} {entry.get('test')}/{entry.get('expect')}/{entry.get('form')} "
                     f"labels {sorted(label_flags(entry)) or '-'} reps {len(entry.get('reps', []))}: "
                     f"measured {len(res.reps)}: {reps}")
        if want_refusal:
            fig["refuse_ok"].append(False)
            continue
        fig["measured"].append(entry["file"])
        fig["reps_ok"].append(len(res.reps) == len(entry.get("reps", [])))
        want = label_flags(entry)
        for name, ok in fig["flag_ok"].items():
            ok.append((name in res.flags) == (name in want))
        if entry.get("form") == "good":
            fig["false_on_good"].append(bool(res.flags))
    return lines, fig


def summary(fig: dict) -> list[str]:
    def share(xs):
        return f"{sum(xs)}/{len(xs)}"
    out = [f"refused where a refusal is expected: {share(fig['refuse_ok'])}",
           f"hinge clips labelled 'measure': {len(fig['measured']) + len(fig['refused_hinges'])}, refused "
           f"{len(fig['refused_hinges'])}, measured {len(fig['measured'])}; repetitions counted right: "
           f"{share(fig['reps_ok'])}"]
    out += [f"{name} right: {share(ok)}" for name, ok in fig["flag_ok"].items()]
    out.append(f"clips labelled good with a flag: {share(fig['false_on_good'])}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args(argv)
    lines, fig = score(json.loads(args.labels.read_text()), args.cache)
    print("\n".join(lines + [""] + summary(fig)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
