"""Repetitions of a hip hinge from its hip-flexion series: whole lifts that never overlap.

A clip may start standing (the usual test: stand, bend, come back up) or at the bottom (a
deadlift from the floor filmed from the set-up: pull, lock out, lower back to the floor). A
repetition is a whole lift either way:
* starting standing, a repetition runs from standing through a bottom back to standing;
* starting at the bottom, a repetition runs from a bottom through the lockout to the next
  bottom (or the clip's end). The return to the floor at the end of the clip is the end of the
  last lift, not a repetition of its own: a pull and its lowering are one deadlift, never two
  halves.
Repetitions are cut at the lowest point between two bottoms (standing between them), so one
ends before the next begins.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy import signal as sps


def find_reps(hip: np.ndarray, fps: float, min_depth_deg: float = 20.0, edge_fraction: float = 0.05,
              plateau_deg: float = 2.0, min_separation_s: float = 0.5) -> list[tuple[int, int, int]]:
    """Split a hip-flexion series (degrees, NaN where missing) into repetitions.

    A bottom is a peak that rises at least min_depth_deg above the lower of the troughs around
    it (scipy's peak prominence, which ignores wobbles on a held bottom); it is the middle of
    the frames within plateau_deg of the peak. Starting standing, a repetition starts and ends
    where the hip flexion is within edge_fraction of the depth of the troughs on either side,
    never beyond the lowest frame between it and its neighbour. Starting at the bottom (no
    frame before the first bottom comes within a quarter of its depth of standing), see the
    module docstring. Returns
    (start, bottom, end) frame indices, in time order and not overlapping. Gaps are bridged
    linearly for the search only. A repetition cut off by the clip's end is kept.
    """
    x = np.asarray(hip, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return []
    idx = np.arange(len(x))
    dense = np.interp(idx, idx[ok], x[ok])
    # Pad with the standing level so that a repetition at either end of the clip has two flanks.
    base = float(np.percentile(dense, 5))
    padded = np.r_[base, dense, base]
    peaks, _ = sps.find_peaks(padded, prominence=min_depth_deg, distance=max(1, int(min_separation_s * fps)))
    if not len(peaks):
        return []
    runs = [_plateau(padded, p, plateau_deg) for p in peaks]
    if _starts_bent(padded, int(peaks[0]), base):
        # A later bottom the clip never rises from again (by min_depth_deg) ends the last lift.
        last = [bool(np.all(padded[p + 1:-1] > padded[p] - min_depth_deg)) for p in peaks]
        return _from_bottom(len(x), runs, last)
    troughs = [int(a + np.argmin(padded[a:b + 1])) for a, b in zip(peaks[:-1], peaks[1:])]
    lows = [0] + troughs  # the lowest frame before each bottom (padded indices)
    highs = troughs + [len(padded) - 1]
    reps, last_end = [], -1
    for p, run, lo_i, hi_i in zip(peaks, runs, lows, highs):
        top = padded[p]
        lo_l = padded[lo_i] + edge_fraction * (top - padded[lo_i])
        lo_r = padded[hi_i] + edge_fraction * (top - padded[hi_i])
        left = np.flatnonzero(padded[lo_i:p + 1] <= lo_l)
        right = np.flatnonzero(padded[p:hi_i + 1] <= lo_r)
        start = lo_i + (left[-1] if len(left) else 0)
        end = p + (right[0] if len(right) else hi_i - p)
        start = max(start, last_end + 1)
        bottom = int(round(0.5 * (run[0] + run[1])))
        rep = tuple(int(np.clip(v - 1, 0, len(x) - 1)) for v in (start, bottom, end))
        last_end = end
        reps.append(rep)
    return reps


def _plateau(padded: np.ndarray, p: int, plateau_deg: float) -> tuple[int, int]:
    """First and last index of the run of frames within plateau_deg of the peak at p."""
    labels, _ = ndimage.label(padded >= padded[p] - plateau_deg)
    run = np.flatnonzero(labels == labels[p])
    return int(run[0]), int(run[-1])


def _starts_bent(padded: np.ndarray, first_peak: int, base: float, standing_share: float = 0.25) -> bool:
    """True when no frame before the first bottom comes within standing_share of its depth above
    the standing level: the clip starts at (or settling into) the bottom of a lift."""
    before = padded[1:first_peak + 1]
    return bool(len(before)) and bool(before.min() > base + standing_share * (padded[first_peak] - base))


def starts_at_bottom(hip: np.ndarray, fps: float, min_depth_deg: float = 20.0) -> bool:
    """True when the clip starts at the bottom of a lift (filmed from its set-up)."""
    x = np.asarray(hip, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return False
    idx = np.arange(len(x))
    dense = np.interp(idx, idx[ok], x[ok])
    base = float(np.percentile(dense, 5))
    padded = np.r_[base, dense, base]
    peaks, _ = sps.find_peaks(padded, prominence=min_depth_deg, distance=max(1, int(0.5 * fps)))
    return bool(len(peaks)) and _starts_bent(padded, int(peaks[0]), base)


def _from_bottom(n: int, runs: list[tuple[int, int]], last: list[bool]) -> list[tuple[int, int, int]]:
    """Repetitions bottom -> lockout -> next bottom (padded indices in, clip indices out).
    last[k]: the clip does not rise again after bottom k."""
    reps = []
    for k, run in enumerate(runs):
        if k > 0 and (run[1] >= n or last[k]):  # a bottom the clip ends on: the end of the last lift
            break
        start = 1 if k == 0 else run[0]
        end = runs[k + 1][0] - 1 if k + 1 < len(runs) else n
        bottom = int(round(0.5 * (start + min(run[1], n))))
        reps.append(tuple(int(np.clip(v - 1, 0, n - 1)) for v in (start, bottom, end)))
    return reps
