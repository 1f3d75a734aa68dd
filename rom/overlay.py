"""The measurement drawn on video frames (OpenCV): skeleton, angle arcs with their values, the
table line, a header, the knee-bend moment, hinge repetitions and the flags in plain words.

Positions are pixels of the frame drawn on, which are the video file's own pixels (the landmark
series is stored in them, see `rom.extraction`). Screen directions follow `rom.geometry`: degrees,
0 = right, counter-clockwise positive. Sizes scale with the frame (`Style`), so the text reads the
same on a 640x480 clip as on a 1080p one.

Every `draw_*` function (and `draw_frame`) draws **in place** on the BGR frame it is given and
returns it; `key_frame` draws on the one frame it decodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from rom import geometry
from rom.errors import BadInput
from rom.landmarks import INDEX, SKELETON
from rom.slr import table_direction_deg
from rom.wording import flag_words

FONT = cv2.FONT_HERSHEY_SIMPLEX
AA = cv2.LINE_AA
# Colours (BGR). The measured side is yellow, the other grey; each angle has its own colour, and
# its arc and its value share it.
MEASURED = (0, 230, 255)
OTHER = (185, 185, 185)
OUTLINE = (20, 20, 20)
WHITE = (255, 255, 255)
HIP = (90, 230, 90)
KNEE = (255, 180, 60)
TRUNK = (230, 110, 255)
FLAG = (70, 70, 255)
WARN = (80, 210, 255)
BANNER = (0, 110, 235)
BACK_OK = (235, 235, 235)  # a back outline without a fault
DONE = (40, 140, 40)  # banner of a finished, fault-free movement


@dataclass(frozen=True)
class Style:
    """Sizes in pixels for one frame size; `s` = 1 on a 480-pixel-high frame."""

    s: float

    @classmethod
    def for_frame(cls, shape: tuple[int, ...]) -> Style:
        return cls(s=max(0.5, min(shape[0], shape[1]) / 480.0))

    @property
    def font(self) -> float:
        return 0.55 * self.s

    @property
    def text(self) -> int:
        return max(1, round(1.3 * self.s))

    @property
    def line(self) -> int:
        return max(1, round(2.5 * self.s))

    @property
    def row(self) -> int:
        return round(22 * self.s)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _ok(*points: np.ndarray) -> bool:
    return all(np.all(np.isfinite(p)) for p in points)


@lru_cache(maxsize=1024)
def _text_sprite(text: str, font_scale: float, thickness: int, color: tuple, outline: int
                 ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Rendered text as (BGR patch premultiplied by its alpha, 255 - alpha as (H, W, 3), the text
    origin's column and row in the patch).

    Rendering anti-aliased text costs about 0.2 ms a line; the same labels ("60 deg", the flags)
    recur on most frames, so each is rendered once and blended in (a few microseconds).
    """
    (w, h), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    pad = outline + 2
    size = (h + base + 2 * pad, w + 2 * pad)
    org = (pad, pad + h)
    alpha = np.zeros(size, np.uint8)
    patch = np.zeros(size + (3,), np.uint8)
    if outline:
        cv2.putText(alpha, text, org, FONT, font_scale, 255, thickness + outline, AA)
        cv2.putText(patch, text, org, FONT, font_scale, OUTLINE, thickness + outline, AA)
    cv2.putText(alpha, text, org, FONT, font_scale, 255, thickness, AA)
    cv2.putText(patch, text, org, FONT, font_scale, color, thickness, AA)
    return patch, cv2.merge([255 - alpha] * 3), pad, pad + h


def _label_sprite(text: str, style: Style, color, scale: float = 1.0, outline: bool = True):
    out = max(2, round(2 * style.s)) if outline else 0
    return _text_sprite(text, round(style.font * scale, 3), style.text, tuple(color), out)


def draw_text(img: np.ndarray, text: str, org: tuple[int, int], style: Style, color=WHITE,
              scale: float = 1.0, centre: bool = False, outline: bool = True) -> np.ndarray:
    """Text, with a dark outline unless outline=False (readable on any background); org is the
    baseline's left end, or the text's centre when centre=True."""
    patch, alpha, ox, oy = _label_sprite(text, style, color, scale, outline)
    ph, pw = alpha.shape[:2]
    if centre:
        x0, y0 = int(org[0] - pw / 2), int(org[1] - ph / 2)
    else:
        x0, y0 = int(org[0]) - ox, int(org[1]) - oy
    # Clip the patch to the frame.
    H, W = img.shape[:2]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + pw), min(H, y0 + ph)
    if cx1 <= cx0 or cy1 <= cy0:
        return img
    roi = img[cy0:cy1, cx0:cx1]
    inv = alpha[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
    p = patch[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
    # The patch was drawn on black, so it is already weighted by its alpha (premultiplied):
    # frame * (1 - alpha) + patch, in two saturating OpenCV operations.
    cv2.add(cv2.multiply(roi, inv, scale=1.0 / 255.0), p, dst=roi)
    return img


def draw_panel(img: np.ndarray, y0: int, y1: int, alpha: float = 0.55) -> np.ndarray:
    """Darken a full-width band of rows [y0, y1) by alpha so that text on it reads well."""
    y0, y1 = max(0, y0), min(img.shape[0], y1)
    if y1 > y0:
        band = img[y0:y1]
        cv2.convertScaleAbs(band, dst=band, alpha=1.0 - alpha)
    return img


def draw_dashed_line(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, style: Style, color=WHITE,
                     dash_px: float = 10.0) -> np.ndarray:
    """A dashed line from p0 to p1 (dash and gap dash_px * style.s long), outlined."""
    if not _ok(p0, p1):
        return img
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    length = float(np.hypot(*(p1 - p0)))
    n = max(1, int(length / (2 * dash_px * style.s)))
    ts = np.linspace(0.0, 1.0, 2 * n + 1)[:2 * n].reshape(n, 2)  # (start, end) of each dash
    dashes = np.round(p0 + ts[..., None] * (p1 - p0)).astype(np.int32)  # (n, 2, 2)
    cv2.polylines(img, list(dashes), False, OUTLINE, style.line + 2, AA)
    cv2.polylines(img, list(dashes), False, color, max(1, style.line - 1), AA)
    return img


def draw_skeleton(img: np.ndarray, xy: np.ndarray, side: str, style: Style) -> np.ndarray:
    """Bones of `rom.landmarks.SKELETON` from one frame's (33, 2) pixel landmarks; the measured
    side thick and yellow, the other side thin and grey. Missing landmarks (NaN) are skipped."""
    measured, other = [], []
    for a, b in SKELETON:
        pa, pb = xy[INDEX[a]], xy[INDEX[b]]
        if _ok(pa, pb):
            bone = np.round(np.stack([pa, pb])).astype(np.int32)
            (measured if a.startswith(side) and b.startswith(side) else other).append(bone)
    # One call per style: far cheaper than a call per bone.
    if other:
        cv2.polylines(img, other, False, OTHER, max(2, style.line - 1), AA)
    if measured:
        cv2.polylines(img, measured, False, OUTLINE, style.line + 3, AA)
        cv2.polylines(img, measured, False, MEASURED, style.line + 1, AA)
    for part in ("shoulder", "elbow", "hip", "knee", "ankle"):
        p = xy[INDEX[f"{side}_{part}"]]
        if _ok(p):
            cv2.circle(img, _pt(p), round(4 * style.s), MEASURED, -1, AA)
            cv2.circle(img, _pt(p), round(4 * style.s), OUTLINE, 1, AA)
    return img


def draw_angle(img: np.ndarray, vertex: np.ndarray, from_deg: float, sweep_deg: float, radius: float,
               label: str, color, style: Style, label_deg: float | None = None) -> np.ndarray:
    """An arc at vertex from screen direction from_deg over sweep_deg (counter-clockwise positive),
    with its label just outside the arc's middle, or in the direction label_deg from the vertex
    (for angles near 0, whose middle lies on the limb itself)."""
    if not (_ok(vertex) and np.isfinite(from_deg) and np.isfinite(sweep_deg)):
        return img
    r = max(4, round(radius))
    # OpenCV measures ellipse angles clockwise on the screen (y down): the negated directions.
    start, end = -from_deg, -(from_deg + sweep_deg)
    cv2.ellipse(img, _pt(vertex), (r, r), 0.0, start, end, OUTLINE, style.line + 2, AA)
    cv2.ellipse(img, _pt(vertex), (r, r), 0.0, start, end, color, style.line, AA)
    if not label:
        return img
    where = from_deg + sweep_deg / 2 if label_deg is None else label_deg
    return draw_text(img, label, label_centre(vertex, where, r, label, style), style, color, centre=True)


def label_centre(vertex: np.ndarray, direction_deg: float, radius: float, label: str, style: Style
                 ) -> tuple[int, int]:
    """Centre of an arc's label in a screen direction from vertex, far enough out that the
    label's box clears the arc of that radius."""
    u = geometry.unit_vector(direction_deg)
    ph, pw = _label_sprite(label, style, WHITE)[1].shape[:2]
    reach = radius + 2 * style.s + 0.5 * (pw * abs(u[0]) + ph * abs(u[1]))
    return _pt(np.asarray(vertex, float) + u * reach)


def label_box(label: str, centre: tuple[int, int], style: Style) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a label drawn centred at centre."""
    ph, pw = _label_sprite(label, style, WHITE)[1].shape[:2]
    return centre[0] - pw // 2, centre[1] - ph // 2, centre[0] + pw // 2, centre[1] + ph // 2


def draw_ray(img: np.ndarray, origin: np.ndarray, direction_deg: float, length: float, style: Style,
             color=WHITE, dashed: bool = False) -> np.ndarray:
    """A ray (an angle's reference arm) from origin in a screen direction: a thin outlined line,
    or dashed."""
    if not (_ok(origin) and np.isfinite(direction_deg)):
        return img
    end = np.asarray(origin, float) + geometry.unit_vector(direction_deg) * length
    if dashed:
        return draw_dashed_line(img, origin, end, style, color)
    cv2.line(img, _pt(origin), _pt(end), OUTLINE, style.line + 1, AA)
    cv2.line(img, _pt(origin), _pt(end), color, max(1, style.line - 1), AA)
    return img


def draw_disc(img: np.ndarray, centre: np.ndarray, radius: float, color, alpha: float = 0.5) -> np.ndarray:
    """A translucent filled circle (a highlight that leaves the body visible under it)."""
    if not _ok(centre):
        return img
    r = max(1, round(radius))
    x, y = _pt(centre)
    x0, y0, x1, y1 = max(0, x - r), max(0, y - r), min(img.shape[1], x + r + 1), min(img.shape[0], y + r + 1)
    if x1 <= x0 or y1 <= y0:
        return img
    roi = img[y0:y1, x0:x1]
    disc = roi.copy()
    cv2.circle(disc, (x - x0, y - y0), r, color, -1, AA)
    cv2.addWeighted(disc, alpha, roi, 1.0 - alpha, 0.0, dst=roi)
    return img


def draw_header(img: np.ndarray, lines: list[str], style: Style) -> np.ndarray:
    """Lines of text on a dark band at the top of the frame."""
    draw_panel(img, 0, round(style.row * (len(lines) + 0.45)))
    for k, text in enumerate(lines):
        draw_text(img, text, (round(8 * style.s), round(style.row * (k + 1) - 5 * style.s)), style, outline=False)
    return img


def draw_footer(img: np.ndarray, items: list[tuple[str, tuple]], style: Style) -> np.ndarray:
    """(text, colour) lines on a dark band at the bottom of the frame (flags, warnings)."""
    if not items:
        return img
    h = img.shape[0]
    top = h - round(style.row * (len(items) + 0.4))
    draw_panel(img, top, h)
    for k, (text, color) in enumerate(items):
        draw_text(img, text, (round(8 * style.s), top + round(style.row * (k + 1) - 4 * style.s)), style, color,
                  outline=False)
    return img


@lru_cache(maxsize=64)
def _banner_sprite(text: str, font_scale: float, thickness: int, color: tuple, border: int) -> np.ndarray:
    """A filled, white-framed box with white text (BGR), rendered once per text."""
    (w, h), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    pad = 3 * border + 4
    patch = np.empty((h + base + 2 * pad, w + 2 * pad, 3), np.uint8)
    patch[:] = color
    cv2.rectangle(patch, (0, 0), (patch.shape[1] - 1, patch.shape[0] - 1), WHITE, border)
    cv2.putText(patch, text, (pad, pad + h), FONT, font_scale, WHITE, thickness, AA)
    return patch


def _banner_patch(text: str, style: Style, color) -> np.ndarray:
    return _banner_sprite(text, round(style.font * 1.35, 3), max(2, style.text + 1), tuple(color),
                          max(1, round(style.s)))


def draw_banner(img: np.ndarray, text: str, y: int, style: Style, color=BANNER) -> np.ndarray:
    """A coloured box with large white text, centred horizontally, its top at row y."""
    patch = _banner_patch(text, style, color)
    ph, pw = patch.shape[:2]
    H, W = img.shape[:2]
    x0, y = max(0, (W - pw) // 2), int(np.clip(y, 0, max(0, H - ph)))
    w, h = min(pw, W - x0), min(ph, H - y)
    img[y:y + h, x0:x0 + w] = patch[:h, :w]
    return img


def short_warning(text: str, max_chars: int = 56) -> str:
    """A quality warning cut to its first clause, without parentheses, for a frame's footer."""
    head = re.sub(r"\s*\([^)]*\)", "", re.split(r"[;:]", text)[0]).strip()
    return head if len(head) <= max_chars else head[: max_chars - 3].rstrip() + "..."


def _deg(v: float) -> str:
    """A whole number of degrees ('--' when missing); never '-0'."""
    return f"{int(round(v))} deg" if np.isfinite(v) else "--"


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
        self.pain_text = "" if pain_s is None else f"   pain at {_deg(float('nan') if pain_deg is None else pain_deg)}"

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
        side, r = self.result.side, self.result
        hip, knee, ankle = (xy[INDEX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        hip_deg, knee_deg = self._value("hip_flexion_deg", i), self._value("knee_flexion_deg", i)
        thigh = _length(hip, knee)
        # Segment lengths, not the hip-ankle distance, which shrinks as the knee bends.
        leg_px = thigh + _length(knee, ankle)
        trunk_px = _length(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]]),
                           0.5 * (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]]))
        radius = float(np.clip(0.55 * thigh, 22 * style.s, 90 * style.s)) if np.isfinite(thigh) else 40 * style.s
        # The table line through the hip: the goniometer's stationary arm.
        if _ok(hip) and np.isfinite(leg_px):
            u = geometry.unit_vector(self.table_deg)
            back = trunk_px if np.isfinite(trunk_px) else 0.5 * leg_px
            draw_dashed_line(img, hip - u * back, hip + u * 1.15 * leg_px, style)
            draw_text(img, "table line", _pt(hip + u * (1.15 * leg_px) + np.array([0, 18 * style.s])),
                      style, WHITE, scale=0.8, centre=True)
        if self.bent and self.mark_from <= i < self.mark_from + 0.7 * self.fps and _ok(knee):
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
        draw_angle(img, hip, self.table_deg, self.up_sign * hip_deg, radius, _deg(hip_deg), HIP, style)
        if _ok(hip, knee, ankle):
            thigh_dir = float(geometry.direction_deg(knee - hip))
            draw_ray(img, knee, thigh_dir, 0.8 * radius, style, KNEE)
            sweep = float(geometry.wrap_deg(geometry.direction_deg(ankle - knee) - thigh_dir))
            # The label goes above the leg (its front), where a lying body leaves free space.
            draw_angle(img, knee, thigh_dir, sweep, 0.6 * radius, _deg(knee_deg), KNEE, style,
                       label_deg=thigh_dir + self.up_sign * 90.0)
        t = self._value("t_s", i)
        draw_header(img, [
            f"Straight-leg raise, {side} leg   t {t:.2f} s",
            f"hip flexion {_deg(hip_deg)}   knee flexion {_deg(knee_deg)}"
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
        if _ok(sh, hip, knee):
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
            hip_text, trunk_text = _deg(hip_deg), _deg(trunk_deg)
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
            if _ok(ankle):
                thigh_dir = float(geometry.direction_deg(knee - hip))
                draw_ray(img, knee, thigh_dir, radius, style, KNEE)
                sweep = float(geometry.wrap_deg(geometry.direction_deg(ankle - knee) - thigh_dir))
                draw_angle(img, knee, thigh_dir, sweep, 0.7 * radius, _deg(knee_deg), KNEE, style,
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
            f"hip flexion {_deg(hip_deg)}   trunk {_deg(trunk_deg)}   knee {_deg(knee_deg)}",
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
        draw_banner(img, text, bottom - _banner_patch(text, style, color).shape[0] - round(4 * style.s), style, color)


def _front_deg(xy: np.ndarray, side: str, trunk_dir: float) -> float:
    """Screen direction the standing body faces (0 = right, 180 = left): where the toes point,
    else where the trunk leans."""
    toe = xy[INDEX[f"{side}_foot_index"]] - xy[INDEX[f"{side}_heel"]]
    dx = toe[0] if np.isfinite(toe[0]) and abs(toe[0]) > 1.0 else np.cos(np.radians(trunk_dir))
    return 0.0 if dx >= 0 else 180.0


def _length(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(np.asarray(b, float) - a))) if _ok(a, b) else float("nan")


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
