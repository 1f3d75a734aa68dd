"""Derive the SLR constants of rom.protocols.slr.measure.SLRConfig from the calibration clips (not the samples).

  .venv/bin/python calibration/fit_slr.py [--cache DIR]

Needs the calibration clips rendered (`make calibration`). Prints, per clip and overall:
  - the true resting thigh angle above the table  -> SLRConfig.rest_thigh_deg (their mean)
  - the thigh-line and leg-line error on frames of a straight, raised leg, with rest_thigh_deg
    as set -> thigh_bias_deg (minus the thigh line's mean error; the leg line should read ~0)
  - the onset-time error of the knee-bend fit -> onset_sd_s (its RMS, outliers included)
  - the SLR-angle error at the *true* onset -> systematic_sd_deg (its SD)
  - how often the 95 % interval contains the truth with the current constants.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rom.protocols.slr.measure import SLRConfig, analyze_slr  # noqa: E402
from rom.validation import truth as T  # noqa: E402
from rom.validation.validate import _series  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=str(HERE / ".cache"), help="landmark cache (default calibration/.cache)")
    a = ap.parse_args()
    cfg = SLRConfig()
    rest, thigh_err, leg_err, onset_err, at_true, covered, n = [], [], [], [], [], 0, 0
    print(f"{'clip':48s} {'rest':>5s} {'thigh':>6s} {'leg':>6s} {'onset':>6s} {'@true':>6s} {'error':>6s}")
    for tr in T.find(HERE):
        if tr.test != "slr":
            continue
        r = analyze_slr(_series(tr, "full", a.cache), str(tr.video), config=cfg)
        c = r.frames.columns
        gt, gk = tr.frame_series("hip_flexion_deg"), tr.frame_series("knee_flexion_deg")
        m = min(len(gt), len(c["hip_flexion_deg"]))
        straight_raised = (gk[:m] < 0.3) & (gt[:m] > 10)
        te = float(np.nanmean(c["hip_flexion_deg"][:m][straight_raised] - gt[:m][straight_raised]))
        le = float(np.nanmean(c["leg_hip_flexion_deg"][:m][straight_raised] - gt[:m][straight_raised]))
        rest.append(float(np.mean(gt[:10])))
        thigh_err.append(te)
        leg_err.append(le)
        t_on = tr.data["knee_bend_onset_s"]
        d_on = at = float("nan")
        if t_on is not None and r.knee_bend_onset_s is not None:
            d_on = r.knee_bend_onset_s - t_on
            onset_err.append(d_on)
            k = t_on * tr.data["fps"]
            at = float(np.interp(k, np.arange(m), c["leg_hip_flexion_deg"][:m])) - tr.data["slr_angle_deg"]
            at_true.append(at)
        err = r.slr_angle_deg - tr.data["slr_angle_deg"]
        lo, hi = r.slr_angle_ci95_deg
        covered += lo <= tr.data["slr_angle_deg"] <= hi
        n += 1
        print(f"{tr.name:48s} {rest[-1]:5.1f} {te:+6.2f} {le:+6.2f} {d_on:+6.2f} {at:+6.2f} {err:+6.1f}")
    oe = np.array(onset_err)
    good = np.abs(np.array(at_true)) <= 5.0  # clips where the pose model tracked the leg at the onset
    print()
    print(f"(clips where the leg line at the true onset is off by more than 5 degrees, i.e. the pose model "
          f"lost the leg: {int((~good).sum())}; figures 'tracked' leave them out)")
    print(f"rest_thigh_deg    : truth mean {np.mean(rest):.2f} (range {min(rest):.1f}-{max(rest):.1f}); "
          f"set {cfg.rest_thigh_deg}")
    print(f"thigh line error  : mean {np.mean(thigh_err):+.2f} with thigh_bias_deg {cfg.thigh_bias_deg}")
    print(f"leg line error    : mean {np.mean(leg_err):+.2f}, median {np.median(leg_err):+.2f} (should be ~0)")
    print(f"onset error       : median abs {np.median(np.abs(oe)):.3f} s, RMS {np.sqrt(np.mean(oe**2)):.3f} s, "
          f"RMS without |d| > 0.5 s {np.sqrt(np.mean(oe[np.abs(oe) <= 0.5]**2)):.3f} s; onset_sd_s {cfg.onset_sd_s}")
    at = np.array(at_true)
    print(f"angle at true onset: SD {np.std(at):.2f} deg, mean {np.mean(at):+.2f}; tracked: SD "
          f"{np.std(at[good]):.2f}, mean {np.mean(at[good]):+.2f}; systematic_sd_deg {cfg.systematic_sd_deg}")
    print(f"95 % interval covers the truth in {covered}/{n} clips")


if __name__ == "__main__":
    main()
