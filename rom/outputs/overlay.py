"""The measurement drawn on video frames (OpenCV): skeleton, angle arcs with their values, the
table line, a header, the knee-bend moment, hinge repetitions and the flags in plain words.

What to draw is the test's (`Protocol.drawing`: a `rom.protocols.base.Drawing` naming the body
figure, the header's angles, the banners and their frames, the back's outlines, the key frame);
this module draws it, each body figure once (`FIGURES`).

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

from rom import protocols
from rom.core import geometry, legs
from rom.core.errors import BadInput
from rom.core.landmarks import INDEX
from rom.outputs.draw import (
    AA,
    BACK_OK,
    BANNER,
    DONE,
    FLAG,
    FONT,
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

BANNER_COLORS = {"reading": BANNER, "done": DONE, "flag": FLAG}


class Overlay:
    """Draws one result over its video's frames, as its protocol says (`Protocol.drawing`). Per-clip
    work (texts, directions, spans) is done once here, so `draw` stays cheap per frame (about 1.5 ms
    of CPU on a 640x480 frame)."""

    def __init__(self, result):
        self.result = result
        self.cols = result.frames.columns
        self.n = len(result.frames)
        t = np.asarray(self.cols.get("t_s", []), float)
        steps = np.diff(t[np.isfinite(t)])
        self.fps = 1.0 / float(np.median(steps)) if len(steps) and np.median(steps) > 0 else 30.0
        self.plan = plan = protocols.of(result).drawing(result)
        words = protocols.of(result).flag_words
        footer = [(f"! {words(f)}", FLAG) for f in result.flags if f not in plan.hidden_flags]
        warns = list(result.quality.warnings)
        if result.quality.view != "side":
            warns.insert(0, f"{result.quality.view} view: angles may read off")
        footer += [(f"warning: {short_warning(w)}", WARN) for w in warns[:2]]
        if len(warns) > 2:
            footer.append((f"(+{len(warns) - 2} more warnings in the summary)", WARN))
        self.footer = footer
        self.note_from = plan.note_from_s * self.fps
        self.figure = FIGURES[plan.figure]

    def _rep_at(self, i: float) -> int | None:
        for k, (a, _, e) in enumerate(self.plan.reps):
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
            plan = self.plan
            for o in plan.outlines:
                if o.start <= i <= o.stop:
                    cv2.polylines(img, [o.points.reshape(-1, 1, 2)], False, OUTLINE, style.line + 4, AA)
                    cv2.polylines(img, [o.points.reshape(-1, 1, 2)], False, FLAG if o.faulty else BACK_OK,
                                  style.line + 2, AA)
            self.figure(self, img, i, xy, style)
            draw_header(img, self._header(i, img.shape[1], style), style)
            banner = next((b for b in plan.banners if b.start <= i < b.stop), None)
            if banner is not None:
                self._banner(img, banner.text, BANNER_COLORS[banner.kind], style)
        draw_footer(img, self.footer, style)
        return img

    def _header(self, i: int, width_px: int, style: Style) -> list[str]:
        """The title with the repetition and the time; the frame's angles, on as many lines as the
        frame's width needs."""
        plan, state = self.plan, []
        if plan.reps:
            k, total = self._rep_at(i), len(plan.reps)
            state = [f"rep {k + 1} of {total}" if k is not None
                     else f"{sum(1 for _, _, e in plan.reps if e < i)} of {total} reps done"]
        lines = ["   ".join([plan.title, *state, f"t {self._value('t_s', i):.2f} s"])]
        parts = [f"{label} {deg_label(self._value(column, i))}" for label, column in plan.readouts]
        note = plan.note if i >= self.note_from else ""
        room = width_px - 16 * style.s
        line = ""
        for part in parts:
            longer = f"{line}   {part}" if line else part
            if line and cv2.getTextSize(longer, FONT, style.font, style.text)[0][0] > room:
                lines.append(line)
                longer = part
            line = longer
        return lines + [line + note]

    def _banner(self, img: np.ndarray, text: str, color, style: Style) -> None:
        """A banner just above the footer: below a lying body and at a standing body's feet, and
        always in the same place, since a banner that jumped about would distract."""
        h = img.shape[0]
        bottom = h - round(style.row * (len(self.footer) + 0.4)) if self.footer else h
        draw_banner(img, text, bottom - banner_patch(text, style, color).shape[0] - round(4 * style.s), style, color)


def _raised_leg(ov: Overlay, img: np.ndarray, i: int, xy: np.ndarray, style: Style) -> None:
    """A lying body's raised leg: the table line, the hip's arc from it, the knee's arc, and from the
    reading's frame on the leg's direction there (the SLR angle) kept on screen."""
    plan = ov.plan
    # The measured leg: the landmark label and the exchanges the analysis made (rom/core/legs.py).
    side = plan.side
    knee_sw, foot_sw = i in plan.knee_swapped, i in plan.foot_swapped
    if knee_sw or foot_sw:
        xy = legs.relabel_frame(xy, knee_sw, foot_sw)
    hip, knee, ankle = (xy[INDEX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
    hip_deg, knee_deg = ov._value("hip_flexion_deg", i), ov._value("knee_flexion_deg", i)
    thigh = _length(hip, knee)
    # Segment lengths, not the hip-ankle distance, which shrinks as the knee bends.
    leg_px = thigh + _length(knee, ankle)
    trunk_px = _length(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]]),
                       0.5 * (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]]))
    radius = float(np.clip(0.55 * thigh, 22 * style.s, 90 * style.s)) if np.isfinite(thigh) else 40 * style.s
    # The table line through the hip: the goniometer's stationary arm.
    if all_finite(hip) and np.isfinite(leg_px):
        u = geometry.unit_vector(plan.table_deg)
        back = trunk_px if np.isfinite(trunk_px) else 0.5 * leg_px
        draw_dashed_line(img, hip - u * back, hip + u * 1.15 * leg_px, style)
        draw_text(img, "table line", to_px(hip + u * (1.15 * leg_px) + np.array([0, 18 * style.s])),
                  style, WHITE, scale=0.8, centre=True)
    reading = plan.reading_deg
    if reading is not None and plan.reading_from <= i < plan.reading_from + 0.7 * ov.fps and all_finite(knee):
        # The moment the knee begins to bend: a disc behind the knee for 0.7 s.
        draw_disc(img, knee, 0.8 * radius, BANNER)
    draw_skeleton(img, xy, side, style)
    if reading is not None and i >= plan.reading_from and np.isfinite(leg_px):
        # Where the leg was when the knee began to bend: the SLR angle, kept on screen.
        direction = plan.table_deg + plan.up_sign * reading
        draw_ray(img, hip, direction, 1.05 * leg_px, style, BANNER, dashed=True)
        # Its value beside the ray's outer part, on the head's side, away from the lowered leg.
        along = np.asarray(hip, float) + geometry.unit_vector(direction) * (0.8 * leg_px)
        draw_text(img, plan.reading_label,
                  label_centre(along, direction + plan.up_sign * 90.0, 0.0, plan.reading_label, style),
                  style, BANNER, centre=True)
    draw_angle(img, hip, plan.table_deg, plan.up_sign * hip_deg, radius, deg_label(hip_deg), HIP, style)
    if all_finite(hip, knee, ankle):
        thigh_dir = float(geometry.direction_deg(knee - hip))
        draw_ray(img, knee, thigh_dir, 0.8 * radius, style, KNEE)
        sweep = float(geometry.wrap_deg(geometry.direction_deg(ankle - knee) - thigh_dir))
        # The label goes above the leg (its front), where a lying body leaves free space.
        draw_angle(img, knee, thigh_dir, sweep, 0.6 * radius, deg_label(knee_deg), KNEE, style,
                   label_deg=thigh_dir + plan.up_sign * 90.0)


def _standing_bend(ov: Overlay, img: np.ndarray, i: int, xy: np.ndarray, style: Style) -> None:
    """A standing body bending at the hips: the trunk from the vertical, the hip between trunk and
    thigh, the knee."""
    side = ov.plan.side
    sh, hip, knee, ankle = (xy[INDEX[f"{side}_{p}"]] for p in ("shoulder", "hip", "knee", "ankle"))
    draw_skeleton(img, xy, side, style)
    hip_deg, trunk_deg = ov._value("hip_flexion_deg", i), ov._value("trunk_inclination_deg", i)
    knee_deg = ov._value("knee_flexion_deg", i)
    if not all_finite(sh, hip, knee):
        return
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
        draw_angle(img, knee, thigh_dir, sweep, 0.7 * radius, deg_label(knee_deg), KNEE, style, label_deg=front)


# The body figures a protocol's drawing names (`rom.protocols.base.Drawing.figure`).
FIGURES = {"raised_leg": _raised_leg, "standing_bend": _standing_bend}


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
    """Frame of the key moment, as the result's protocol says (`Drawing.key_frame`): for the SLR the
    knee-bend onset (the first whole frame from it on) or the peak when the knee never bent; for the
    hinge the bottom of the deepest repetition."""
    return protocols.of(result).drawing(result).key_frame


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
