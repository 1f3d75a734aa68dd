"""The scipy.signal functions rom filters with and finds raises with, without importing all of
scipy.signal.

`import scipy.signal` costs 0.6-0.9 s here (every submodule, scipy.stats for peak finding, the
docstrings of its array-API wrappers); Butterworth design and second-order-section filtering
need a third of that. These are scipy's own functions (the public ones wrap them for other
array libraries and call them unchanged for NumPy arrays). A scipy that moved them is served
from the public module.
"""

from __future__ import annotations

import numpy as np

from rom.core.partial_import import import_skipping

try:
    _design = import_skipping("scipy.signal._filter_design", skip={"scipy.signal"})
    _tools = import_skipping("scipy.signal._signaltools", skip={"scipy.signal"})
    butter, sosfilt, sosfilt_zi, sosfiltfilt = _design.butter, _tools.sosfilt, _tools.sosfilt_zi, _tools.sosfiltfilt
except (ImportError, AttributeError):
    from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt

try:
    # scipy's peak finding lives in scipy.signal._peak_finding, which imports scipy.stats (0.6-0.8 s
    # here) for a wavelet method rom does not use; its compiled helpers do the work.
    _peaks = import_skipping("scipy.signal._peak_finding_utils", skip={"scipy.signal"})
    _local_maxima_1d, _peak_prominences = _peaks._local_maxima_1d, _peaks._peak_prominences
    _select_by_peak_distance = _peaks._select_by_peak_distance
except (ImportError, AttributeError):
    _local_maxima_1d = None


def find_peaks(x, height: float, prominence: float, distance: int):
    """`scipy.signal.find_peaks(x, height=, prominence=, distance=)`'s peaks: the same steps in the
    same order (local maxima, height, distance, prominence), on scipy's compiled helpers. Returns
    (peaks, {}) like scipy (no properties)."""
    if _local_maxima_1d is None:
        from scipy.signal import find_peaks as scipy_find_peaks
        return scipy_find_peaks(x, height=height, prominence=prominence, distance=distance)[0], {}
    if distance < 1:
        raise ValueError("`distance` must be greater or equal to 1")
    x = np.ascontiguousarray(x, dtype=np.float64)
    peaks = _local_maxima_1d(x)[0]
    peaks = peaks[x[peaks] >= height]
    peaks = peaks[_select_by_peak_distance(peaks, x[peaks], distance)]
    prominences = _peak_prominences(x, peaks, np.intp(-1))[0]
    return peaks[prominences >= prominence], {}


__all__ = ["butter", "find_peaks", "sosfilt", "sosfilt_zi", "sosfiltfilt"]
