"""Cleaning of per-frame angle and position series: outliers, gaps, smoothing.

Series are 1-D float arrays with NaN where a value is missing (no pose, a hidden landmark).
Offline analysis smooths with a zero-phase Butterworth filter, which keeps the timing and the
height of peaks; live display uses the causal `LiveLowpass`, which lags but needs no future.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from rom.core import scipy_filters as sps  # not scipy.signal: 0.6 s of imports for four functions


def finite_median(x) -> float:
    """The median of the finite values of x, NaN when there are none (numpy's nanmedian warns then)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float("nan")


def finite_runs(x: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of finite values in x."""
    ok = np.isfinite(np.asarray(x, dtype=float))
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def fill_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linearly interpolate interior runs of NaN no longer than max_gap samples.

    Longer gaps, and gaps at either end, stay NaN: inventing a long stretch of motion would be
    reported as if it had been measured.
    """
    x = np.asarray(x, dtype=float).copy()
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[ok], x[ok])
    for start, stop in finite_runs(np.where(ok, np.nan, 0.0)):  # runs of NaN
        if start > 0 and stop < len(x) and stop - start <= max_gap:
            x[start:stop] = filled[start:stop]
    return x


def reject_outliers(x: np.ndarray, window: int = 7, n_sigmas: float = 4.0,
                    min_deviation: float = 0.0) -> np.ndarray:
    """Hampel filter: NaN out samples further than n_sigmas robust SDs from the running median.

    window is the full window length in samples (odd). min_deviation (in the units of x) keeps
    small wobbles of a nearly constant series from being cut. Written on scipy's median filter
    because scipy has no Hampel filter of its own.
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    ok = np.isfinite(x)
    if ok.sum() < window:
        return out
    # The running median ignores missing samples by filling them with the nearest value first.
    idx = np.arange(len(x))
    dense = np.interp(idx, idx[ok], x[ok])
    med = ndimage.median_filter(dense, size=window, mode="nearest")
    mad = ndimage.median_filter(np.abs(dense - med), size=window, mode="nearest")
    limit = np.maximum(n_sigmas * 1.4826 * mad, min_deviation)
    out[ok & (np.abs(x - med) > limit)] = np.nan
    return out


def running_median(x: np.ndarray, window: int) -> np.ndarray:
    """The median of the finite samples in a centred window of `window` samples (made odd); NaN where
    fewer than half of the window's samples are finite, or where x is NaN.

    On numpy's sliding windows and nanmedian, because scipy's median filter has no NaN handling
    (filling the gaps first would let a glitch beside a gap spread into it)."""
    x = np.asarray(x, dtype=float)
    w = window | 1
    if len(x) < w:
        return x.copy()
    padded = np.pad(x, w // 2, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, w)
    enough = np.isfinite(windows).sum(axis=1) * 2 >= w
    med = np.full(len(x), np.nan)
    if enough.any():
        med[enough] = np.nanmedian(windows[enough], axis=1)
    return np.where(np.isfinite(x), med, np.nan)


def remove_plateaus(x: np.ndarray, fps: float, max_rate: float = 450.0, max_len_s: float = 0.8) -> np.ndarray:
    """NaN out stretches that jump away from the series and back, faster than any body moves.

    A pose model that puts a landmark in the wrong place for a few frames produces a plateau:
    a jump of more than max_rate (units per second) into it, a jump of the opposite sign out of
    it within max_len_s. A Hampel filter cannot remove it once it lasts longer than half its
    window. Written by hand because scipy offers no plateau (step-pair) despiker.
    """
    x = np.asarray(x, dtype=float).copy()
    limit = max_rate / fps
    idx = np.flatnonzero(np.isfinite(x))
    if len(idx) < 3:
        return x
    # Single-sample spikes first: a sample more than a jump away from its two neighbours on each
    # side, where those four agree with one another. Left in, a spike just before a fast real
    # movement pairs with a later jump back, and the movement between them is cut out as a
    # "plateau" (a knee bending 30 degrees in 0.8 s, on the fit half of samples/validation).
    # Requiring four agreeing neighbours keeps true readings that flicker inside a misplaced
    # stretch (which the plateau pass then removes around them).
    v = x[idx]
    if len(v) >= 5:
        nb = np.stack([v[:-4], v[1:-3], v[3:-1], v[4:]])
        spike = (np.ptp(nb, axis=0) < limit) & (np.abs(v[2:-2] - np.median(nb, axis=0)) > limit)
        x[idx[2:-2][spike]] = np.nan
    idx = np.flatnonzero(np.isfinite(x))
    d = np.diff(x[idx])
    jumps = np.flatnonzero(np.abs(d) > limit)  # jump between idx[k] and idx[k + 1]
    max_len = max(1, int(round(max_len_s * fps)))
    used = set()
    for a in jumps:
        if a in used:
            continue
        for b in jumps[jumps > a]:
            if idx[b + 1] - idx[a + 1] > max_len:
                break
            if np.sign(d[b]) == -np.sign(d[a]):
                # The stretch idx[a+1] .. idx[b] sits off the series on both sides.
                x[idx[a + 1]:idx[b] + 1] = np.nan
                used.update(range(a, b + 1))
                break
    return x


@functools.lru_cache(maxsize=64)
def _butter_sos(order: int, cutoff_hz: float, fps: float) -> np.ndarray:
    """The filter's design, once per (order, cutoff, rate): designing it costs as much as running
    it on a clip's series, and live mode filters the frames so far on every frame. (scipy's
    filters need a writeable array; callers only read it.)"""
    return sps.butter(order, cutoff_hz, btype="low", fs=fps, output="sos")


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass (forward-backward), run on each finite stretch of x.

    Stretches too short for the filter's padding are filtered with shorter padding; a single
    sample is left as it is. NaN stays NaN.
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    if cutoff_hz >= fps / 2:
        return out
    sos = _butter_sos(order, float(cutoff_hz), float(fps))
    zi = _sos_zi(order, float(cutoff_hz), float(fps))
    for start, stop in finite_runs(x):
        seg = x[start:stop]
        if len(seg) < 3:
            continue
        padlen = min(3 * (2 * len(sos) + 1), len(seg) - 1)
        out[start:stop] = _sosfiltfilt(sos, zi, seg, padlen)
    return out


@functools.lru_cache(maxsize=64)
def _sos_zi(order: int, cutoff_hz: float, fps: float) -> np.ndarray:
    """The filter's steady-state initial conditions (`scipy.signal.sosfilt_zi`), once per design."""
    return sps.sosfilt_zi(_butter_sos(order, cutoff_hz, fps))


def _sosfiltfilt(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """`scipy.signal.sosfiltfilt(sos, x, padlen=padlen)` for a 1-D x, with odd padding, given the
    design's `sosfilt_zi`: the same steps in the same order (the same numbers), written out
    because scipy solves for zi again on every call, 1.2 of the 2 ms a call costs, and live mode
    filters the frames so far on every frame."""
    if padlen > 0:
        x = np.concatenate((2 * x[:1] - x[padlen:0:-1], x, 2 * x[-1:] - x[-2:-(padlen + 2):-1]))
    y, _ = sps.sosfilt(sos, x, zi=zi * x[:1])
    y, _ = sps.sosfilt(sos, y[::-1], zi=zi * y[-1:])
    y = y[::-1]
    return y[padlen:-padlen] if padlen > 0 else y


def drop_islands(x: np.ndarray, min_len: int) -> np.ndarray:
    """x with every finite stretch shorter than min_len samples set to NaN: a few samples between
    gaps are where the source passed through, not where it was."""
    out = np.asarray(x, dtype=float).copy()
    for start, stop in finite_runs(out):
        if stop - start < min_len:
            out[start:stop] = np.nan
    return out


def clean(x: np.ndarray, fps: float, cutoff_hz: float = 4.0, max_gap_s: float = 0.25,
          outlier_window_s: float = 0.25, min_deviation: float = 3.0, min_run_s: float = 0.0) -> np.ndarray:
    """Plateau and outlier rejection, gap filling and zero-phase smoothing (offline analysis).

    min_run_s: stretches of valid samples shorter than this, between rejected ones, are dropped
    too (0: keep all)."""
    window = max(3, int(round(outlier_window_s * fps)) | 1)
    x = remove_plateaus(x, fps)
    x = reject_outliers(x, window=window, min_deviation=min_deviation)
    if min_run_s > 0:
        x = drop_islands(x, int(round(min_run_s * fps)))
    x = fill_gaps(x, max_gap=max(1, int(round(max_gap_s * fps))))
    return lowpass(x, fps, cutoff_hz)


class LiveLowpass:
    """Causal Butterworth low-pass for live display, one sample at a time.

    A missing sample (NaN) holds the last output; the first sample starts the filter at rest on
    that value so that the display does not swing in from zero.
    """

    def __init__(self, fps: float, cutoff_hz: float = 3.0, order: int = 2):
        self._sos = sps.butter(order, min(cutoff_hz, 0.45 * fps), btype="low", fs=fps, output="sos")
        self._zi: np.ndarray | None = None
        self._last = float("nan")

    def __call__(self, value: float) -> float:
        if not np.isfinite(value):
            return self._last
        if self._zi is None:
            self._zi = sps.sosfilt_zi(self._sos) * value
        y, self._zi = sps.sosfilt(self._sos, [value], zi=self._zi)
        self._last = float(y[0])
        return self._last
