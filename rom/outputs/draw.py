"""Drawing primitives for overlays on BGR frames (OpenCV): scaled text labels with outlines,
translucent panels, dashed lines, the skeleton, angle arcs, rays, banners.

Sizes scale with the frame (`Style`). Every `draw_*` function draws **in place** on the frame it
is given and returns it. Text is rendered once per (text, size, colour) and cached as a sprite,
since OpenCV's text rendering is the costliest part of an overlay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from rom.core import geometry
from rom.core.landmarks import INDEX, SKELETON
from rom.protocols.base import whole_deg

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


def to_px(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def all_finite(*points: np.ndarray) -> bool:
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
    if not all_finite(p0, p1):
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
    """Bones of `rom.core.landmarks.SKELETON` from one frame's (33, 2) pixel landmarks; the measured
    side thick and yellow, the other side thin and grey. Missing landmarks (NaN) are skipped."""
    measured, other = [], []
    for a, b in SKELETON:
        pa, pb = xy[INDEX[a]], xy[INDEX[b]]
        if all_finite(pa, pb):
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
        if all_finite(p):
            cv2.circle(img, to_px(p), round(4 * style.s), MEASURED, -1, AA)
            cv2.circle(img, to_px(p), round(4 * style.s), OUTLINE, 1, AA)
    return img


def draw_angle(img: np.ndarray, vertex: np.ndarray, from_deg: float, sweep_deg: float, radius: float,
               label: str, color, style: Style, label_deg: float | None = None) -> np.ndarray:
    """An arc at vertex from screen direction from_deg over sweep_deg (counter-clockwise positive),
    with its label just outside the arc's middle, or in the direction label_deg from the vertex
    (for angles near 0, whose middle lies on the limb itself)."""
    if not (all_finite(vertex) and np.isfinite(from_deg) and np.isfinite(sweep_deg)):
        return img
    r = max(4, round(radius))
    # OpenCV measures ellipse angles clockwise on the screen (y down): the negated directions.
    start, end = -from_deg, -(from_deg + sweep_deg)
    cv2.ellipse(img, to_px(vertex), (r, r), 0.0, start, end, OUTLINE, style.line + 2, AA)
    cv2.ellipse(img, to_px(vertex), (r, r), 0.0, start, end, color, style.line, AA)
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
    return to_px(np.asarray(vertex, float) + u * reach)


def label_box(label: str, centre: tuple[int, int], style: Style) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a label drawn centred at centre."""
    ph, pw = _label_sprite(label, style, WHITE)[1].shape[:2]
    return centre[0] - pw // 2, centre[1] - ph // 2, centre[0] + pw // 2, centre[1] + ph // 2


def draw_ray(img: np.ndarray, origin: np.ndarray, direction_deg: float, length: float, style: Style,
             color=WHITE, dashed: bool = False) -> np.ndarray:
    """A ray (an angle's reference arm) from origin in a screen direction: a thin outlined line,
    or dashed."""
    if not (all_finite(origin) and np.isfinite(direction_deg)):
        return img
    end = np.asarray(origin, float) + geometry.unit_vector(direction_deg) * length
    if dashed:
        return draw_dashed_line(img, origin, end, style, color)
    cv2.line(img, to_px(origin), to_px(end), OUTLINE, style.line + 1, AA)
    cv2.line(img, to_px(origin), to_px(end), color, max(1, style.line - 1), AA)
    return img


def draw_disc(img: np.ndarray, centre: np.ndarray, radius: float, color, alpha: float = 0.5) -> np.ndarray:
    """A translucent filled circle (a highlight that leaves the body visible under it)."""
    if not all_finite(centre):
        return img
    r = max(1, round(radius))
    x, y = to_px(centre)
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


def banner_patch(text: str, style: Style, color) -> np.ndarray:
    return _banner_sprite(text, round(style.font * 1.35, 3), max(2, style.text + 1), tuple(color),
                          max(1, round(style.s)))


def draw_banner(img: np.ndarray, text: str, y: int, style: Style, color=BANNER) -> np.ndarray:
    """A coloured box with large white text, centred horizontally, its top at row y."""
    patch = banner_patch(text, style, color)
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


def deg_label(v: float) -> str:
    """A whole number of degrees ('--' when missing); never '-0'."""
    return whole_deg(v)
