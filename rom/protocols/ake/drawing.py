"""What annotated.mp4 draws over an AKE (`rom.protocols.base.Drawing`; `rom.outputs.overlay` draws it):
the tested leg's hip arc from the table line and its knee arc ('raised_leg'), and from end range on the
AKE angle in a banner."""

from __future__ import annotations

import math

from rom.core import geometry
from rom.protocols.ake.result import AKEResult
from rom.protocols.ake.words import LIVE_ANGLES
from rom.protocols.base import Banner, Drawing


def drawing(r: AKEResult) -> Drawing:
    ev = r.events
    flagged = bool(r.flags)
    return Drawing(
        figure="raised_leg", side=ev.label or r.side, title=f"Active knee extension, {r.side} leg",
        readouts=tuple((LIVE_ANGLES[k], k) for k in ("knee_flexion_deg", "hip_flexion_deg")),
        key_frame=int(ev.end),
        banners=(Banner(float(ev.end), math.inf, f"end range: AKE {r.ake_angle_deg:.0f} deg (t {r.end_range_s:.2f} s)",
                        "flag" if flagged else "reading"),),
        table_deg=float(geometry.wrap_deg(ev.feet_deg + r.table_tilt_deg)), up_sign=float(ev.up_sign),
        knee_swapped=ev.knee_swapped, foot_swapped=ev.foot_swapped)
