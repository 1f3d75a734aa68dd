"""OpenSim motion files (.mot, Storage version 1) of an assessment's joint angles, for
researchers who drive a musculoskeletal model with them.

Columns are OpenSim coordinate names in the convention of the Rajagopal (2015) full-body model:
hip_flexion_<r|l> (positive = flexion) and knee_angle_<r|l> (positive = flexion), in degrees.
Only angles rom measures as joint angles are written (each test names them: `opensim_coordinates`
of its interpret module): the SLR's raised and resting leg and the hinge's leg facing the camera;
trunk inclination and pelvic rotation are segment angles against the table or the vertical, not
model coordinates, and stay in the CSV. Missing values are NaN, which OpenSim 4 reads as missing.
"""

from __future__ import annotations

import numpy as np


def mot_text(name: str, t_s: np.ndarray, table: dict[str, np.ndarray], p, side: str) -> str:
    """The .mot file for per-frame angle columns (rom names, degrees) at times t_s; p: the test's
    `Protocol`, whose interpret module names its columns' OpenSim coordinates for the side."""
    mapping = {k: v for k, v in p.interpretation().opensim_coordinates(side).items() if k in table}
    header = ["time", *mapping.values()]
    data = np.column_stack([np.asarray(t_s, float)] + [np.asarray(table[k], float) for k in mapping])
    lines = [name, "version=1", f"nRows={len(data)}", f"nColumns={len(header)}", "inDegrees=yes", "endheader",
             "\t".join(header)]
    lines += ["\t".join("NaN" if not np.isfinite(v) else f"{v:.6f}" for v in row) for row in data]
    return "\n".join(lines) + "\n"
