"""What every test's result holds: its quality block and its per-frame table, and the rounding of
numbers for JSON. The results themselves are each protocol's (`rom.protocols.<test>.result`):
small frozen dataclasses with `to_dict()` for JSON at the edge, whose keys are the public contract
of `rom analyze --json` (DESIGN.md 4): keys may be added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rounded(x: float | None, nd: int = 1) -> float | None:
    """Round a number for JSON; None and non-finite values become None."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), nd)


@dataclass(frozen=True)
class Quality:
    """How far the measurement can be trusted."""

    frames: int
    detected_fraction: float
    warnings: tuple[str, ...] = ()
    view: str = "side"  # 'side', 'oblique' (turned up to about 30 degrees)
    angle_source: str = "image_2d"  # 2D image landmarks; world landmarks were measured worse

    def to_dict(self) -> dict:
        return {"frames": self.frames, "detected_fraction": rounded(self.detected_fraction, 3),
                "warnings": list(self.warnings), "view": self.view, "angle_source": self.angle_source}


@dataclass(frozen=True)
class FrameTable:
    """Per-frame values for the CSV, the plot and the overlay: name -> (N,) array, with units.

    Column names carry their unit (`_deg`, `_s`, `_px`); visibility columns are 0..1.
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0
