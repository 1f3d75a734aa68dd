"""The measurement drawn on video frames (OpenCV): skeleton, angle arcs with their values, the
table line, a header, the knee-bend moment, hinge repetitions and the flags in plain words.

Positions are pixels of the frame drawn on, which are the video file's own pixels (the landmark
series is stored in them, see `rom.capture.extraction`). Screen directions follow `rom.core.geometry`: degrees,
0 = right, counter-clockwise positive. Sizes scale with the frame (`Style`), so the text reads the
same on a 640x480 clip as on a 1080p one.

`draw_frame` draws **in place** on the BGR frame it is given and returns it; `key_frame` draws
on the one frame it decodes. The drawing primitives are in `rom.outputs.draw`.
"""

from __future__ import annotations

import cv2
import numpy as np

from rom.core import geometry, legs
from rom.core.errors import BadInput
from rom.core.landmarks import INDEX
from rom.outputs.draw import (
    AA,
    BACK_OK,
    BANNER,
    DONE,
    FLAG,
    HIP,
    KNEE,
    OUTLINE,
    TRUNK,
    WARN,
    WHITE,
    Style,
    all_finite,
    banner_patch,
    deg_label,
    draw_angle,
    draw_banner,
    draw_dashed_line,
    draw_disc,
    draw_footer,
    draw_header,
    draw_ray,
    draw_skeleton,
    draw_text,
    label_box,
    label_centre,
    short_warning,
    to_px,
)
from rom.outputs.wording import flag_words
from rom.protocols.slr.measure import table_direction_deg


class Overlay:
    """Draws one result over its video's frames. Per-clip work (texts, directions, spans) is done
    once here, so `draw` stays cheap per frame (about 1.5 ms of CPU on a 640x480 frame)."""

    def __init__(self, result):
        self.result = result
        self.cols = result.frames.columns
        self.n = len(result.frames)
        t = np.asarray(self.cols.get("t_s", []), float)
        steps = np.diff(t[np.isfinite(t)])
        self.fps = 1.0 / float(np.median(steps)) if len(steps) and np.median(steps) > 0 else 30.0
        footer = [(f"! {flag_words(f)}", FLAG) for f in result.flags if f != "knee_bend_not_reached"]
        warns = list(result.quality.warnings)
        if result.quality.view != "side":
            warns.insert(0, f"{result.quality.view} view: angles may read off")
        footer += [(f"warning: {short_warning(w)}", WARN) for w in warns[:2]]
        if len(warns) > 2:
            footer.append((f"(+{len(warns) - 2} more warnings in the summary)", WARN))
        self.footer = footer
        self.test = result.test
        if self.test == "slr":
            self._init_slr()
        else:
            self._init_hinge()

    # --- per-clip preparation -------------------------------------------------------------
    def _init_slr(self) -> None:
        ev = self.result.events
        self.table_deg = table_direction_deg(self.result)
        self.up_sign = float(ev.get("up_sign", 1.0))
        onset = ev.get("onset")
        self.bent = "knee_bend_not_reached" not in self.result.flags and onset is not None
        self.mark_from = float(onset) if self.bent else float(ev.get("peak", self.n))
        if self.bent:
            self.banner = (f"knee bends at {self.result.slr_angle_deg:.0f} deg "
                           f"(t {self.result.knee_bend_onset_s:.2f} s)")
        else:
            self.banner = f"knee never bent: max {self.result.max_hip_flexion_deg:.0f} deg"
        # Live recordings may carry the moment the person reported pain (the Lasegue reading).
        pain_s, pain_deg = getattr(self.result, "pain_s", None), getattr(self.result, "pain_angle_deg", None)
        self.pain_from = float("inf") if pain_s is None else pain_s * self.fps
        pain = float("nan") if pain_deg is None else pain_deg
        self.pain_text = "" if pain_s is None else f"   pain at {deg_label(pain)}"

    def _init_hinge(self) -> None:
        ev = self.result.events
        spans = [tuple(int(v) for v in r) for r in ev.get("reps", [])]
        self.spans = spans
        self.rep_flags = [tuple(r.flags) for r in self.result.reps] + [()] * max(0, len(spans) - len(self.result.reps))
        hold = max(1, int(round(0.2 * self.fps)))
        bottoms = ev.get("bottoms") or []
        outlines = []
        for frame, pts in (ev.get("back_contour") or {}).items():
            frame = int(frame)
            lo, hi = frame - hold, frame + hold
            for b in bottoms:  # the frames around a rep's bottom in which the body is still
                b = np.atleast_1d(b)
                if b[0] <= frame <= b[-1]:
                    lo, hi = int(b[0]), int(b[-1])
            rep = self._rep_at(frame)
            bad = rep is not None and {"rounded_back", "lumbar_compensation"} & set(self.rep_flags[rep])
            outlines.append((lo, hi, np.round(np.asarray(pts, float)).astype(np.int32), FLAG if bad else BACK_OK))
        self.outlines = outlines

    def _rep_at(self, i: float) -> int | None:
        for k, (a, _, e) in enumerate(self.spans):
            if a <= i <= e:
                return k
        return None

    def _value(self, name: str, i: int) -> float:
        col = self.cols.get(name)
        return float(col[i]) if col is not None and i < len(col) else float("nan")

    # --- per-frame drawing ----------------------------------------------------------------
    def draw(self, img: np.ndarray, i: int, xy: np.ndarray) -> np.ndarray:
        """Draw frame i's overlay on img in place and return it; xy: that frame's (33, 2) pixel
        landmarks (NaN where no pose was found)."""
        style = Style.for_frame(img.shape)
        if 0 <= i < self.n:
            if self.test == "slr":
                self._draw_slr(img, i, xy, style)
            else:
                self._draw_hinge(img, i, xy, style)
        draw_footer(img, self.footer, style)
        return img

    def _draw_slr(self, img: np.ndarray, i: int, xy: np.ndarray, style: Style) -> None:
        r, ev = self.result, self.result.events
        # The measured leg: the landmark label and the exchanges the analysis made (rom/core/legs.py).
        side = ev.get("label", r.side)
        knee_sw, foot_sw = ev.get("knee_swapped"), ev.get("foot_swapped")
        if knee_sw is not None and i < len(knee_sw) and (knee_sw[i] or foot_sw[i]):
            xy = legs.relabel_frame(xy, bool(knee_sw[i]), bool(foot_sw[i]))
        hip, knee, ankle = (xy[INDEX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        hip_deg, knee_deg = self._value("hip_flexion_deg", i), self._value("knee_flexion_deg", i)
        thigh = _length(hip, knee)
        # Segment lengths, not the hip-ankle distance, which shrinks as the knee bends.
        leg_px = thigh + _length(knee, ankle)
        trunk_px = _length(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]]),
                           0.5 * (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]]))
        radius = float(np.clip(0.55 * thigh, 22 * style.s, 90 * style.s)) if np.isfinite(thigh) else 40 * style.s
        # The table line through the hip: the goniometer's stationary arm.
        if all_finite(hip) and np.isfinite(leg_px):
            u = geometry.unit_vector(self.table_deg)
            back = trunk_px if np.isfinite(trunk_px) else 0.5 * leg_px
            draw_dashed_line(img, hip - u * back, hip + u * 1.15 * leg_px, style)
            draw_text(img, "table line", to_px(hip + u * (1.15 * leg_px) + np.array([0, 18 * style.s])),
                      style, WHITE, scale=0.8, centre=True)
        if self.bent and self.mark_from <= i < self.mark_from + 0.7 * self.fps and all_finite(knee):
            # The moment the knee begins to bend: a disc behind the knee for 0.7 s.
            draw_disc(img, knee, 0.8 * radius, BANNER)
        draw_skeleton(img, xy, side, style)
        marked = i >= self.mark_from
        if marked and self.bent and np.isfinite(leg_px):
            # Where the leg was when the knee began to bend: the SLR angle, kept on screen.
            slr_dir = self.table_deg + self.up_sign * r.slr_angle_deg
            draw_ray(img, hip, slr_dir, 1.05 * leg_px, style, BANNER, dashed=True)
            # Its value beside the ray's outer part, on the head's side, away from the lowered leg.
            along = np.asarray(hip, float) + geometry.unit_vector(slr_dir) * (0.8 * leg_px)
            draw_text(img, f"SLR {r.slr_angle_deg:.0f} deg",
                      label_centre(along, slr_dir + self.up_sign * 90.0, 0.0, f"SLR {r.slr_angle_deg:.0f} deg", style),
                      style, BANNER, centre=True)
        draw_angle(img, hip, self.table_deg, self.up_sign * hip_deg, radius, deg_label(hip_deg), HIP, style)
        if all_finite(hip, knee, ankle):
            thigh_dir = float(geometry.direction_deg(knee - hip))
            draw_ray(img, knee, thigh_dir, 0.8 * radius, style, KNEE)
            sweep = float(geometry.wrap_deg(geometry.direction_deg(ankle - knee) - thigh_dir))
            # The label goes above the leg (its front), where a lying body leaves free space.
            draw_angle(img, knee, thigh_dir, sweep, 0.6 * radius, deg_label(knee_deg), KNEE, style,
                       label_deg=thigh_dir + self.up_sign * 90.0)
        t = self._value("t_s", i)
        draw_header(img, [
            f"Straight-leg raise, {r.side} leg   t {t:.2f} s",
            f"hip flexion {deg_label(hip_deg)}   knee flexion {deg_label(knee_deg)}"
            + (self.pain_text if i >= self.pain_from else ""),
        ], style)
        if marked:
            self._banner(img, self.banner, BANNER if self.bent else DONE, style)

    def _draw_hinge(self, img: np.ndarray, i: int, xy: np.ndarray, style: Style) -> None:
        side = self.result.side
        sh, hip, knee, ankle = (xy[INDEX[f"{side}_{p}"]] for p in ("shoulder", "hip", "knee", "ankle"))
        for lo, hi, pts, color in self.outlines:
            if lo <= i <= hi:
                cv2.polylines(img, [pts.reshape(-1, 1, 2)], False, OUTLINE, style.line + 4, AA)
                cv2.polylines(img, [pts.reshape(-1, 1, 2)], False, color, style.line + 2, AA)
        draw_skeleton(img, xy, side, style)
        hip_deg, trunk_deg = self._value("hip_flexion_deg", i), self._value("trunk_inclination_deg", i)
        knee_deg = self._value("knee_flexion_deg", i)
        if all_finite(sh, hip, knee):
            trunk_dir = float(geometry.direction_deg(sh - hip))
            up_thigh = float(geometry.direction_deg(hip - knee))  # the thigh continued past the hip
            thigh = _length(hip, knee)
            radius = float(np.clip(0.45 * thigh, 22 * style.s, 90 * style.s))
            front = _front_deg(xy, side, trunk_dir)
            top = np.asarray(hip, float) + geometry.unit_vector(90.0) * 1.9 * radius
            draw_ray(img, hip, 90.0, 1.9 * radius, style, TRUNK, dashed=True)
            draw_ray(img, hip, up_thigh, 1.3 * radius, style, HIP)
            draw_angle(img, hip, 90.0, float(geometry.wrap_deg(trunk_dir - 90.0)), 1.6 * radius, "", TRUNK, style)
            hip_sweep = float(geometry.wrap_deg(trunk_dir - up_thigh))
            # Near upright the arc's middle lies on the trunk: the value goes in front of it.
            hip_label_deg = 90.0 + (front - 90.0) * 0.6 if abs(hip_sweep) < 25 else up_thigh + hip_sweep / 2
            draw_angle(img, hip, up_thigh, hip_sweep, radius, "", HIP, style)
            hip_text, trunk_text = deg_label(hip_deg), deg_label(trunk_deg)
            hip_at = label_centre(hip, hip_label_deg, radius, hip_text, style)
            # The trunk's value at the top of its vertical, on the side away from the lean, and
            # lifted clear of the hip's value, whose arc ends on the same trunk line.
            x0, y0, x1, _ = label_box(trunk_text, (0, 0), style)
            away = -1.0 if front == 0.0 else 1.0
            trunk_at = (round(top[0] + away * (x1 + 4 * style.s)), round(top[1]))
            hb = label_box(hip_text, hip_at, style)
            tb = label_box(trunk_text, trunk_at, style)
            if tb[0] < hb[2] and hb[0] < tb[2] and tb[1] < hb[3] and hb[1] < tb[3]:
                trunk_at = (trunk_at[0], hb[1] + y0 - 2)
            draw_text(img, hip_text, hip_at, style, HIP, centre=True)
            draw_text(img, trunk_text, trunk_at, style, TRUNK, centre=True)
            if all_finite(ankle):
                thigh_dir = float(geometry.direction_deg(knee - hip))
                draw_ray(img, knee, thigh_dir, radius, style, KNEE)
                sweep = float(geometry.wrap_deg(geometry.direction_deg(ankle - knee) - thigh_dir))
                draw_angle(img, knee, thigh_dir, sweep, 0.7 * radius, deg_label(knee_deg), KNEE, style,
                           label_deg=front)
        k = self._rep_at(i)
        total = len(self.spans)
        if k is not None:
            reps = f"rep {k + 1} of {total}"
        else:
            reps = f"{sum(1 for _, _, e in self.spans if e < i)} of {total} reps done"
        t = self._value("t_s", i)
        draw_header(img, [
            f"Hip hinge, {side} side   {reps}   t {t:.2f} s",
            f"hip flexion {deg_label(hip_deg)}   trunk {deg_label(trunk_deg)}   knee {deg_label(knee_deg)}",
        ], style)
        if k is not None and i >= self.spans[k][1]:
            flags = self.rep_flags[k]
            text = ", ".join(flag_words(f) for f in flags) if flags else "good hinge"
            self._banner(img, f"rep {k + 1}: {text}", FLAG if flags else DONE, style)

    def _banner(self, img: np.ndarray, text: str, color, style: Style) -> None:
        """A banner just above the footer: below a lying body and at a standing body's feet, and
        always in the same place, since a banner that jumped about would distract."""
        h = img.shape[0]
        bottom = h - round(style.row * (len(self.footer) + 0.4)) if self.footer else h
        draw_banner(img, text, bottom - banner_patch(text, style, color).shape[0] - round(4 * style.s), style, color)


def _front_deg(xy: np.ndarray, side: str, trunk_dir: float) -> float:
    """Screen direction the standing body faces (0 = right, 180 = left): where the toes point,
    else where the trunk leans."""
    toe = xy[INDEX[f"{side}_foot_index"]] - xy[INDEX[f"{side}_heel"]]
    dx = toe[0] if np.isfinite(toe[0]) and abs(toe[0]) > 1.0 else np.cos(np.radians(trunk_dir))
    return 0.0 if dx >= 0 else 180.0


def _length(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(np.asarray(b, float) - a))) if all_finite(a, b) else float("nan")


# The last result drawn and its Overlay: callers that draw frame by frame through `draw_frame`
# (the web app) build it once per result, and at most one result is held.
_cache: tuple[object, Overlay] | None = None


def overlay_for(result) -> Overlay:
    """The `Overlay` of a result, reused while the same result object is drawn frame after frame."""
    global _cache
    cached = _cache
    if cached is not None and cached[0] is result:
        return cached[1]
    ov = Overlay(result)
    _cache = (result, ov)
    return ov


def draw_frame(frame: np.ndarray, i: int, result, xy: np.ndarray) -> np.ndarray:
    """Draw the result's overlay for frame i in place on frame (BGR) and return it.

    xy: frame i's (33, 2) landmarks in the frame's pixels (`LandmarkSeries.xy_px[i]`).
    """
    return overlay_for(result).draw(frame, i, xy)


def key_index(result) -> int:
    """Frame of the key moment: SLR: the knee-bend onset (the first whole frame from it on), or
    the peak when the knee never bent; hinge: the bottom of the deepest repetition."""
    ev = result.events
    if result.test == "slr":
        return int(np.ceil(float(ev["key"]) - 1e-9))
    reps = ev.get("reps") or []
    if not reps:
        return 0
    depth = [r.max_hip_flexion_deg for r in result.reps[: len(reps)]]
    k = int(np.nanargmax(depth)) if depth and np.isfinite(depth).any() else 0
    return int(reps[k][1])


def key_frame(analysis) -> np.ndarray:
    """The annotated BGR frame at the key moment (see `key_index`), at the file's resolution.

    Seeks to that one frame with OpenCV and decodes only it (plus what the codec needs to
    reach it), whatever the video's length. Raises BadInput if that frame cannot be decoded.
    """
    i = key_index(analysis.result)
    cap = cv2.VideoCapture(analysis.info.path)
    try:
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, frame = cap.read()
    finally:
        cap.release()
    if not ok or frame is None:
        raise BadInput(f"{analysis.info.path}: frame {i} (the key moment) could not be decoded")
    xy = analysis.series.xy_px
    return Overlay(analysis.result).draw(frame, i, xy[i] if i < len(xy) else np.full((len(INDEX), 2), np.nan))
