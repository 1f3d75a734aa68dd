"""The four scipy.signal functions rom filters with, without importing all of scipy.signal.

`import scipy.signal` costs 0.6-0.9 s here (every submodule, scipy.stats for peak finding, the
docstrings of its array-API wrappers); Butterworth design and second-order-section filtering
need a third of that. These are scipy's own functions (the public ones wrap them for other
array libraries and call them unchanged for NumPy arrays). A scipy that moved them is served
from the public module.
"""

from __future__ import annotations

from rom.partial_import import import_skipping

try:
    _design = import_skipping("scipy.signal._filter_design", skip={"scipy.signal"})
    _tools = import_skipping("scipy.signal._signaltools", skip={"scipy.signal"})
    butter, sosfilt, sosfilt_zi, sosfiltfilt = _design.butter, _tools.sosfilt, _tools.sosfilt_zi, _tools.sosfiltfilt
except (ImportError, AttributeError):
    from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt

__all__ = ["butter", "sosfilt", "sosfilt_zi", "sosfiltfilt"]
