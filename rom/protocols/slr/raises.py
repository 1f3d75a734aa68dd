"""Trials of an SLR recording: several raises of one leg, each measured on its own.

Clinicians repeat the straight-leg raise (usually three times) and report each trial and their
mean. This module is the pure part: it splits the raised leg's hip-flexion trace into raises
(rest, rise, peak, return to rest), assigns pain marks to the raise they fall in, and summarises
the trials' SLR angles (mean, SD, range) over the ones included. Measuring each raise is the SLR
engine's job on the raise's window (`rom.protocols.slr.trials`).

Angles in degrees, times in seconds; frame indices count from the first frame of the recording.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from rom.core.results import rounded
from rom.core.scipy_filters import find_peaks  # scipy's, without importing scipy.stats

# A raise must come back to within this of the resting level before the next one counts as a new
# trial; a leg lowered only part of the way and lifted again is one trial with a wobble.
RETURN_TO_REST_DEG = 10.0
# Frames this close to a valley's lowest reading count as lying on the table (the engine's rest
# margin, rom.protocols.slr.measure._rest_frames).
REST_TOLERANCE_DEG = 4.0
MIN_RAISE_GAP_S = 1.0  # two peaks closer than this are one raise


@dataclass(frozen=True)
class RaiseWindow:
    """One raise as frame indices. The window [start, stop) is what the engine measures: it holds
    the rest before the raise (half the rest between two raises) and the return to rest; windows
    tile the recording. rise: the last resting frame before the leg lifts; peak: its highest
    frame; back: the first frame back at rest."""

    start: int
    stop: int
    rise: int
    peak: int
    back: int


def split_raises(hip_deg: np.ndarray, fps: float, min_raise_deg: float = 15.0,
                 return_to_rest_deg: float = RETURN_TO_REST_DEG,
                 min_gap_s: float = MIN_RAISE_GAP_S) -> tuple[RaiseWindow, ...]:
    """Split the raised leg's hip flexion (N,) into raises, in time order.

    A raise is a peak at least min_raise_deg above the resting level (the 5th percentile) and as
    prominent; between two raises the leg must come back to within return_to_rest_deg of rest,
    else the two peaks are one raise (the higher peak kept). NaN (frames without the leg) are
    bridged linearly for the search. No raise at all: an empty tuple.
    """
    x = np.asarray(hip_deg, dtype=float)
    n = len(x)
    ok = np.isfinite(x)
    if n == 0 or not ok.any():
        return ()
    if not ok.all():
        idx = np.arange(n)
        x = np.interp(idx, idx[ok], x[ok])
    rest = float(np.percentile(x, 5))
    # scipy's prominence is what a clinician means by "a raise": how far the leg rose above the
    # lower of the two rests around it, so a tremor at the top is no second raise.
    peaks, _ = find_peaks(x, height=rest + min_raise_deg, prominence=min_raise_deg,
                          distance=max(1, int(round(min_gap_s * fps))))
    if not len(peaks):
        return ()
    merged = [int(peaks[0])]
    for p in peaks[1:]:
        valley = float(np.min(x[merged[-1]:p + 1]))
        if valley > rest + return_to_rest_deg:  # not back on the table: the same raise
            if x[p] > x[merged[-1]]:
                merged[-1] = int(p)
        else:
            merged.append(int(p))
    # Between two raises: the frames lying within REST_TOLERANCE_DEG of the valley's lowest point;
    # the first raise ends where they begin, the next rises where they end, the boundary of the
    # windows is halfway between.
    rises, backs, bounds = [], [], [0]
    first_low = float(np.min(x[:merged[0] + 1]))
    rises.append(_last_at_rest(x, 0, merged[0], first_low))
    for a, b in zip(merged, merged[1:]):
        low = float(np.min(x[a:b + 1]))
        back = _first_at_rest(x, a, b, low)
        rise = _last_at_rest(x, a, b, low)
        backs.append(back)
        rises.append(rise)
        bounds.append((back + rise + 1) // 2)
    last_low = float(np.min(x[merged[-1]:]))
    backs.append(_first_at_rest(x, merged[-1], n - 1, last_low))
    bounds.append(n)
    return tuple(RaiseWindow(start=bounds[i], stop=bounds[i + 1], rise=rises[i], peak=p, back=backs[i])
                 for i, p in enumerate(merged))


def _first_at_rest(x: np.ndarray, lo: int, hi: int, low: float) -> int:
    """First frame in [lo, hi] within REST_TOLERANCE_DEG of low (hi if none)."""
    hits = np.flatnonzero(x[lo:hi + 1] <= low + REST_TOLERANCE_DEG)
    return lo + int(hits[0]) if len(hits) else hi


def _last_at_rest(x: np.ndarray, lo: int, hi: int, low: float) -> int:
    """Last frame in [lo, hi] within REST_TOLERANCE_DEG of low (lo if none)."""
    hits = np.flatnonzero(x[lo:hi + 1] <= low + REST_TOLERANCE_DEG)
    return lo + int(hits[-1]) if len(hits) else lo


def pain_per_trial(marks_s: Sequence[float], windows_s: Sequence[tuple[float, float]]) -> list[float | None]:
    """The pain mark of each trial: the first mark in the trial's window [start, stop) (the last
    window closed), or None. Windows tile the recording, so every mark falls in one; a second mark
    in the same trial is not that trial's reading (the first report of pain is)."""
    out: list[float | None] = []
    for i, (lo, hi) in enumerate(windows_s):
        last = i == len(windows_s) - 1
        inside = sorted(t for t in marks_s if lo <= t and (t < hi or (last and t <= hi)))
        out.append(inside[0] if inside else None)
    return out


@dataclass(frozen=True)
class Trial:
    """One raise of a recording, as the SLR engine measured it on the raise's window.

    number: 1, 2, ... in time order. start_s / peak_s / end_s: when the leg left the table,
    was highest, and was back. refused: the engine's reason when this raise could not be
    measured (its angles are then None). pain_s / pain_angle_deg: this trial's pain mark."""

    number: int
    start_s: float
    peak_s: float
    end_s: float
    slr_angle_deg: float | None = None
    slr_angle_ci95_deg: tuple[float, float] | None = None
    max_hip_flexion_deg: float | None = None
    knee_bend_onset_s: float | None = None
    flags: tuple[str, ...] = ()
    pain_s: float | None = None
    pain_angle_deg: float | None = None
    refused: str | None = None

    def to_dict(self) -> dict:
        ci = self.slr_angle_ci95_deg
        return {"number": self.number, "start_s": rounded(self.start_s, 2), "peak_s": rounded(self.peak_s, 2),
                "end_s": rounded(self.end_s, 2), "slr_angle_deg": rounded(self.slr_angle_deg),
                "slr_angle_ci95_deg": None if ci is None else [rounded(v) for v in ci],
                "max_hip_flexion_deg": rounded(self.max_hip_flexion_deg),
                "knee_bend_onset_s": rounded(self.knee_bend_onset_s, 2), "flags": list(self.flags),
                "pain_s": rounded(self.pain_s, 2), "pain_angle_deg": rounded(self.pain_angle_deg),
                "refused": self.refused}


@dataclass(frozen=True)
class TrialsSummary:
    """The trials' SLR angles over the included ones: not refused, not excluded by the clinician.

    sd_deg is the sample SD (n - 1), None below two trials; range_deg is max - min."""

    n_trials: int
    included: tuple[int, ...]  # trial numbers
    mean_slr_angle_deg: float | None
    sd_deg: float | None
    min_deg: float | None
    max_deg: float | None

    @property
    def range_deg(self) -> float | None:
        return None if self.min_deg is None or self.max_deg is None else self.max_deg - self.min_deg

    def to_dict(self) -> dict:
        return {"n_trials": self.n_trials, "n_included": len(self.included), "included": list(self.included),
                "mean_slr_angle_deg": rounded(self.mean_slr_angle_deg), "sd_deg": rounded(self.sd_deg),
                "min_deg": rounded(self.min_deg), "max_deg": rounded(self.max_deg),
                "range_deg": rounded(self.range_deg)}


def summarize(angles_deg: Sequence[float | None], excluded: Collection[int] = ()) -> TrialsSummary:
    """Mean and spread of trial angles (trial i + 1 is angles_deg[i]; None: refused) without the
    trial numbers in excluded."""
    kept = [(i, float(v)) for i, v in enumerate(angles_deg, 1)
            if v is not None and np.isfinite(v) and i not in set(excluded)]
    values = np.array([v for _, v in kept])
    if not len(values):
        return TrialsSummary(len(angles_deg), (), None, None, None, None)
    return TrialsSummary(n_trials=len(angles_deg), included=tuple(i for i, _ in kept),
                         mean_slr_angle_deg=float(values.mean()),
                         sd_deg=float(values.std(ddof=1)) if len(values) > 1 else None,
                         min_deg=float(values.min()), max_deg=float(values.max()))

