"""What annotated.mp4 draws over a hip hinge (`rom.protocols.base.Drawing`; `rom.outputs.overlay`
draws it): the trunk, hip and knee angles, each repetition's banner with its faults from its bottom
on, and the back's outline at the bottom (red where the back rounded or the lower back bent)."""

from __future__ import annotations

import numpy as np

from rom.protocols.base import Banner, Drawing, Outline, flag_words
from rom.protocols.hinge.result import HingeResult
from rom.protocols.hinge.words import FLAGS, LIVE_ANGLES

OUTLINE_HOLD_S = 0.2  # an outline outside a still bottom shows this long either side of its frame
SPINE_FLAGS = frozenset({"rounded_back", "lumbar_compensation"})  # faults the back's outline shows


def frame_rate(t_s: np.ndarray) -> float:
    """Frames per second of a frame table's times (30 when they say nothing)."""
    t = np.asarray(t_s, float)
    steps = np.diff(t[np.isfinite(t)])
    return 1.0 / float(np.median(steps)) if len(steps) and np.median(steps) > 0 else 30.0


def key_frame(r: HingeResult) -> int:
    """The bottom of the deepest repetition (frame 0 without one)."""
    reps = r.events.reps
    if not reps:
        return 0
    depth = [rep.max_hip_flexion_deg for rep in r.reps[: len(reps)]]
    k = int(np.nanargmax(depth)) if depth and np.isfinite(depth).any() else 0
    return int(reps[k][1])


def drawing(r: HingeResult) -> Drawing:
    ev = r.events
    spans = tuple(tuple(int(v) for v in span) for span in ev.reps)
    rep_flags = tuple(tuple(rep.flags) for rep in r.reps) + ((),) * max(0, len(spans) - len(r.reps))
    banners = tuple(Banner(b, e + 1, f"rep {k + 1}: " + (", ".join(flag_words(FLAGS, f) for f in flags) or
                                                       "good hinge"), "flag" if flags else "done")
                    for k, ((_, b, e), flags) in enumerate(zip(spans, rep_flags)))
    hold = max(1, int(round(OUTLINE_HOLD_S * frame_rate(r.frames.columns.get("t_s", [])))))
    outlines = []
    for frame, pts in ev.back_contour.items():
        frame = int(frame)
        lo, hi = frame - hold, frame + hold
        for b in ev.bottoms:  # the frames around a rep's bottom in which the body is still
            b = np.atleast_1d(b)
            if b[0] <= frame <= b[-1]:
                lo, hi = int(b[0]), int(b[-1])
        rep = next((k for k, (a, _, e) in enumerate(spans) if a <= frame <= e), None)
        faulty = rep is not None and bool(SPINE_FLAGS & set(rep_flags[rep]))
        outlines.append(Outline(lo, hi, np.round(np.asarray(pts, float)).astype(np.int32), faulty))
    return Drawing(
        figure="standing_bend", side=r.side, title=f"Hip hinge, {r.side} side",
        readouts=tuple((LIVE_ANGLES[k], k) for k in ("hip_flexion_deg", "trunk_inclination_deg", "knee_flexion_deg")),
        key_frame=key_frame(r), banners=banners, outlines=tuple(outlines), reps=spans, rep_flags=rep_flags)
