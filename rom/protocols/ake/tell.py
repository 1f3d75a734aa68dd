"""An AKE clip told from the other lying test (the SLR) by its sampled frames (`Protocol.tell`).

In an AKE the tested thigh stands upright through the whole clip, the knee bent at the start (90/90)
and straightening; in an SLR both legs lie flat at the start and the end and the leg rises straight.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rom.core import kinematics
from rom.core.landmarks import SIDES

HELD_THIGH_DEG = 55.0  # a thigh this far up from the body's line is held up
FLAT_DEG = 25.0  # both thighs below this: the legs lie on the table
MIN_HELD_SHARE = 0.6


def held_and_flat(xy: np.ndarray) -> tuple[bool, bool]:
    """(a thigh held up, both thighs flat) in one frame's landmark pixels (33, 2)."""
    body = kinematics.supine_frame_of(xy)
    if body is None:
        return False, False
    up = [float(kinematics.segment_elevation_deg(kinematics.joint(xy, f"{s}_hip"), kinematics.joint(xy, f"{s}_knee"),
                                                 body)) for s in SIDES]
    if not all(np.isfinite(up)):
        return False, False
    return max(up) > HELD_THIGH_DEG, max(up) < FLAT_DEG


def is_ake(xys: Sequence[np.ndarray]) -> bool | None:
    """True: most sampled lying frames hold a thigh up and neither the first nor the last shows both
    legs flat; False otherwise; None without frames."""
    if not len(xys):
        return None
    states = [held_and_flat(np.asarray(xy, float)) for xy in xys]
    held = sum(h for h, _ in states) / len(states)
    ends_flat = states[0][1] or states[-1][1]
    return bool(held >= MIN_HELD_SHARE and not ends_flat)
