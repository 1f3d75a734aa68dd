"""Derive the AKE angle's bias and interval constants (rom.protocols.ake.measure.AKEConfig) from the fit half.

  .venv/bin/python calibration/fit_ake.py [--clips samples/validation/clips] [--cache samples/validation/.cache]

Reads only the **fit** half of the validation set (fit-ake-* clips; the test half is reported by
`rom validate --split test`, never fitted on). Each clip is measured with the start-reading refusal
switched off and no knee bias, so that every clip the engine would measure or refuse on that ground is
seen. Prints, per clip and overall:
  - the raw AKE-angle error (measured minus truth, with no correction) per leg and together;
  - the knee's raw reading at the 90/90 start against 90 (the renders all start at 90) and the straight
    line that foretells the error from it -> start_knee_correct (its slope) and knee_bias_deg (its
    intercept, negated): the view correction;
  - the SD about that line, per leg -> knee_sd_deg, knee_sd_far_deg; its residuals by the start's
    departure -> max_start_knee_off_deg;
  - the residual by the corrected end-range reading (a knee read nearly straight reads straighter than
    it is) -> low_reading_deg, low_reading_widen;
  - how often the 95 % interval built with the current constants contains the truth, and how many
    clips are confidently wrong (error over 5 degrees, truth outside the interval, not refused).
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rom.core.errors import RomError  # noqa: E402
from rom.protocols.ake.measure import AKEConfig, analyze_ake  # noqa: E402
from rom.validation import truth as T  # noqa: E402
from rom.validation.validate import _series  # noqa: E402

VALIDATION = HERE.parent / "samples" / "validation"


def _row(tr: T.Truth, cache: str, cfg: AKEConfig) -> dict:
    truth = tr.data["ake_angle_deg"]
    leg = "near" if tr.data.get("side") == tr.data.get("facing") else "far"
    series = _series(tr, "full", cache)
    raw_cfg = dataclasses.replace(cfg, knee_bias_deg=0.0, knee_bias_far_deg=0.0, start_knee_correct=0.0,
                                  max_start_knee_off_deg=1e9, hip_bias_deg=0.0, hip_start_correct=0.0)
    try:
        raw = analyze_ake(series, str(tr.video), config=raw_cfg)
    except RomError as e:
        return {"clip": tr.name, "leg": leg, "refused": str(e)[:90]}
    row = {"clip": tr.name, "leg": leg, "truth": truth, "raw_error": raw.ake_angle_deg - truth,
           "start_off": raw.knee_flexion_start_deg - 90.0,
           "hip_raw_error": raw.hip_flexion_at_end_deg - tr.data["hip_flexion_at_end_deg"],
           "hip_start_off": raw.hip_flexion_start_deg - 90.0}
    try:
        r = analyze_ake(series, str(tr.video), config=cfg)
        lo, hi = r.ake_angle_ci95_deg
        row.update(error=r.ake_angle_deg - truth, covers=lo <= truth <= hi, half=(hi - lo) / 2)
        hip_true = tr.data["hip_flexion_at_end_deg"]
        hlo, hhi = r.hip_flexion_at_end_ci95_deg
        row.update(hip_error=r.hip_flexion_at_end_deg - hip_true, hip_covers=hlo <= hip_true <= hhi)
    except RomError as e:
        row["refused_now"] = str(e)[:90]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", default=str(VALIDATION / "clips"))
    ap.add_argument("--cache", default=str(VALIDATION / ".cache"))
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="try another value of an AKEConfig constant (repeatable)")
    a = ap.parse_args()
    cfg = dataclasses.replace(AKEConfig(), **{k: float(v) for k, v in (kv.split("=", 1) for kv in a.set)})
    rows = [_row(tr, a.cache, cfg) for tr in T.find(a.clips) if tr.test == "ake" and tr.name.startswith("fit-")]
    print(f"{'clip':42s} {'leg':4s} {'truth':>6s} {'raw err':>7s} {'start':>6s} {'error':>6s} {'half':>5s} cover")
    for r in rows:
        if "refused" in r:
            print(f"{r['clip']:42s} {r['leg']:4s} refused: {r['refused']}")
            continue
        now = (f"{r['error']:+6.1f} {r['half']:5.1f} {'yes' if r['covers'] else 'NO'}" if "error" in r
               else f"refused now: {r['refused_now'][:60]}")
        print(f"{r['clip']:42s} {r['leg']:4s} {r['truth']:6.1f} {r['raw_error']:+7.1f} {r['start_off']:+6.1f} {now}")
    seen = [r for r in rows if "raw_error" in r]
    err = np.array([r["raw_error"] for r in seen])
    off = np.array([r["start_off"] for r in seen])
    print(f"\n{len(rows)} fit clips, {len(seen)} measured without the start refusal")
    for leg in ("near", "far"):
        e = np.array([r["raw_error"] for r in seen if r["leg"] == leg])
        print(f"  raw error, {leg} legs: mean {e.mean():+.2f} SD {e.std(ddof=1):.2f} ({len(e)} clips)")
    print(f"  raw error, all: mean {err.mean():+.2f} SD {err.std(ddof=1):.2f}")
    # (the start reading is missing where the knee was not found before the extension; one clip reads 57
    # from 90 there, the knee on the other leg, which the start refusal stops)
    known = np.isfinite(off) & (np.abs(off) < 15)
    kept = known & (np.abs(off) <= cfg.max_start_knee_off_deg)
    slope, icpt = np.polyfit(off[kept], err[kept], 1)
    resid = err - (slope * off + icpt)
    r = np.corrcoef(off[kept], err[kept])[0, 1]
    print(f"  within max_start_knee_off_deg {cfg.max_start_knee_off_deg}: error = {slope:.2f} x start departure "
          f"{icpt:+.2f} (r = {r:.2f}, {kept.sum()} clips) -> start_knee_correct {slope:.2f}, knee_bias_deg "
          f"{-icpt:.1f}; SD about the line {resid[kept].std(ddof=2):.2f}")
    legs = np.array([r["leg"] for r in seen])
    for leg in ("near", "far"):
        m = kept & (legs == leg)
        print(f"    {leg} legs: SD about the line {resid[m].std(ddof=1):.2f} ({m.sum()} clips), "
              f"mean {resid[m].mean():+.2f}")
    for lo, hi in ((7.5, 10), (10, 15)):
        m = known & (np.abs(off) > lo) & (np.abs(off) <= hi)
        if m.any():
            print(f"    start departure {lo}-{hi}: {m.sum()} clips, "
                  f"residuals {np.round(np.sort(resid[m]), 1).tolist()}")
    corrected = np.array([r["truth"] + r["raw_error"] for r in seen]) - (slope * off + icpt)
    for lo, hi in ((-90, 5), (5, 10), (10, 15), (15, 25), (25, 40), (40, 90)):
        m = kept & (corrected >= lo) & (corrected < hi)
        if m.any():
            print(f"  corrected reading {lo:3d} to {hi:3d} deg: {m.sum():2d} clips, "
                  f"residual mean {resid[m].mean():+5.1f} SD {resid[m].std(ddof=1) if m.sum() > 1 else 0:4.1f}")
    # The hip at end range against the thigh's reading at the start (the view correction of the hip).
    hsee = [r for r in seen if np.isfinite(r["hip_start_off"]) and abs(r["hip_start_off"]) <= cfg.max_hip_start_off_deg]
    herr = np.array([r["hip_raw_error"] for r in hsee])
    hoff = np.array([r["hip_start_off"] for r in hsee])
    hslope, hicpt = np.polyfit(hoff, herr, 1)
    hres = herr - (hslope * hoff + hicpt)
    print(f"  hip at end range: raw error SD {herr.std(ddof=1):.2f}; error = {hslope:.2f} x start departure "
          f"{hicpt:+.2f} (r = {np.corrcoef(hoff, herr)[0, 1]:.2f}, {len(hsee)} clips) -> hip_start_correct "
          f"{hslope:.2f}, hip_bias_deg {-hicpt:.1f}; SD about the line {hres.std(ddof=2):.2f}")
    hlegs = np.array([r["leg"] for r in hsee])
    for leg in ("near", "far"):
        m = hlegs == leg
        print(f"    {leg} legs: SD about the line {hres[m].std(ddof=1):.2f} ({m.sum()} clips)")
    now = [r for r in seen if "error" in r]
    cw = [r["clip"] for r in now if abs(r["error"]) > 5 and not r["covers"]]
    print(f"  current constants: {len(now)} measured, covered {sum(r['covers'] for r in now)}/{len(now)}, "
          f"MAE {np.mean([abs(r['error']) for r in now]):.2f}, within 5: {sum(abs(r['error']) <= 5 for r in now)}, "
          f"median half-width {np.median([r['half'] for r in now]):.1f}, confidently wrong {len(cw)}: {cw}")
    print(f"  the hip at end range with them: MAE {np.mean([abs(r['hip_error']) for r in now]):.2f}, interval covers "
          f"{sum(r['hip_covers'] for r in now)}/{len(now)}")


if __name__ == "__main__":
    main()
