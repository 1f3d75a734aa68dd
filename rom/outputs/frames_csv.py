"""frames.csv: one row per frame with time, raw and filtered angles and landmark visibilities.

The header carries the units in the column names (`_s`, `_deg`, `_px`; visibilities are 0..1,
`pose_detected` is 0/1), so the file opens as it is in a spreadsheet or pandas.
"""

from __future__ import annotations

import csv
import io
import os

import numpy as np

from rom.core.landmarks import LandmarkSeries
from rom.outputs.atomic import atomic_write_text

_VISIBILITY_OF = ("shoulder", "hip", "knee", "ankle")


def frame_rows(result, series: LandmarkSeries) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the per-frame table (strings, empty where a value is missing)."""
    cols = dict(result.frames.columns)
    for side in ("left", "right"):
        for part in _VISIBILITY_OF:
            name = f"{side}_{part}_visibility"
            cols.setdefault(name, series.vis(f"{side}_{part}"))
    cols["pose_detected"] = series.detected.astype(float)
    header = ["frame"] + list(cols)
    n = len(series)
    rows = []
    for i in range(n):
        row = [str(i)]
        for name, values in cols.items():
            v = float(values[i]) if i < len(values) else float("nan")
            if name == "pose_detected":
                row.append(str(int(v)))
            elif np.isfinite(v):
                row.append(f"{v:.4f}" if name == "t_s" or name.endswith("_visibility") else f"{v:.2f}")
            else:
                row.append("")
        rows.append(row)
    return header, rows


def write_frames_csv(result, series: LandmarkSeries, path: str | os.PathLike) -> None:
    header, rows = frame_rows(result, series)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    atomic_write_text(path, buf.getvalue())
