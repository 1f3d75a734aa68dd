"""What annotated.mp4 draws over a slump test (`rom.protocols.base.Drawing`; `rom.outputs.overlay`
draws it): the seated body's trunk, hip and knee (the overlay's 'standing_bend' figure reads the
same three angles), the step under way in the header, the end-range reading from the end of the
knee extension on, and the symptom marks."""

from __future__ import annotations

import numpy as np

from rom.protocols.base import Banner, Drawing
from rom.protocols.slump.result import SlumpResult
from rom.protocols.slump.words import LIVE_ANGLES, STEPS


def drawing(r: SlumpResult) -> Drawing:
    ev = r.events
    n = len(r.frames)
    banners = []
    for k, (a, b) in ev.phases.items():
        banners.append(Banner(a, b + 1, STEPS.get(k, k), "done"))
    if ev.end_range is not None and np.isfinite(r.knee_flexion_end_deg):
        release = ev.phases.get("neck_release")
        stop = release[0] if release else n
        banners.append(Banner(ev.end_range + 1, stop, f"end range: knee {r.knee_flexion_end_deg:.0f} deg", "reading"))
        if release and np.isfinite(r.release_gain_deg):
            banners.append(Banner(release[1] + 1, n, f"after release: knee {r.knee_flexion_release_deg:.0f} deg "
                                                     f"(gain {r.release_gain_deg:.0f})",
                                  "flag" if r.flags else "reading"))
    banners.sort(key=lambda b: b.start)
    label_left = np.asarray(r.frames.columns.get("tested_label_left", []), float)
    hold = label_left[int(ev.end_range):] if ev.end_range is not None and len(label_left) else label_left
    side = ("left" if np.nanmean(hold) >= 0.5 else "right") if len(hold) and np.isfinite(hold).any() else r.side
    first = r.first_mark
    key = int(round(ev.end_range)) if ev.end_range is not None else 0
    return Drawing(
        figure="standing_bend", side=side, title=f"Slump test, {r.side} leg",
        readouts=tuple((LIVE_ANGLES[k], k) for k in ("knee_flexion_deg", "spine_flexion_deg", "neck_flexion_deg")),
        key_frame=min(max(0, key), max(0, n - 1)), banners=tuple(banners),
        note_from_s=first.t_s if first else float("inf"),
        note="" if first is None else f"   symptoms at {first.t_s:.1f} s")
