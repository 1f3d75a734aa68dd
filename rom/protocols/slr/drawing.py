"""What annotated.mp4 draws over an SLR (`rom.protocols.base.Drawing`; `rom.outputs.overlay` draws
it): the raised leg's hip and knee arcs from the table line, the knee-bend moment and the SLR angle
kept on screen from it on, the pain mark."""

from __future__ import annotations

import math

from rom.core import geometry
from rom.protocols.base import Banner, Drawing, whole_deg
from rom.protocols.slr.result import SLRResult
from rom.protocols.slr.words import LIVE_ANGLES


def table_direction_deg(r: SLRResult) -> float:
    """Screen direction of the table line: the feet's direction turned by the table's tilt."""
    return float(geometry.wrap_deg(r.events.feet_deg + r.table_tilt_deg))


def key_frame(r: SLRResult) -> int:
    """The knee-bend onset (the first whole frame from it on), or the peak when the knee never bent."""
    ev = r.events
    key = ev.key if ev.key is not None else ev.peak if ev.peak is not None else 0
    return int(math.ceil(float(key) - 1e-9))


def drawing(r: SLRResult) -> Drawing:
    ev, n = r.events, len(r.frames)
    bent = "knee_bend_not_reached" not in r.flags and ev.onset is not None
    reading_from = float(ev.onset) if bent else float(ev.peak if ev.peak is not None else n)
    banner = (f"knee bends at {r.slr_angle_deg:.0f} deg (t {r.knee_bend_onset_s:.2f} s)" if bent
              else f"knee never bent: max {r.slr_angle_deg:.0f} deg")
    # Live recordings may carry the moment the person reported pain (the Lasegue reading).
    return Drawing(
        figure="raised_leg", side=ev.label or r.side, title=f"Straight-leg raise, {r.side} leg",
        readouts=tuple((LIVE_ANGLES[k], k) for k in ("hip_flexion_deg", "knee_flexion_deg")),
        key_frame=key_frame(r), hidden_flags=frozenset({"knee_bend_not_reached"}),
        banners=(Banner(reading_from, math.inf, banner, "reading" if bent else "done"),),
        table_deg=table_direction_deg(r), up_sign=float(ev.up_sign), knee_swapped=ev.knee_swapped,
        foot_swapped=ev.foot_swapped, reading_deg=r.slr_angle_deg if bent else None, reading_from=reading_from,
        reading_label=f"SLR {r.slr_angle_deg:.0f} deg",
        note_from_s=math.inf if r.pain_s is None else r.pain_s,
        note="" if r.pain_s is None else f"   pain at {whole_deg(r.pain_angle_deg)}")
