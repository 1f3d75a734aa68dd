"""What a protocol tells the outputs to show, as plain data: the lines of the text summary, the
series and marks of the angle plot, what the overlay draws on a frame. `rom.outputs` renders it
(matplotlib, OpenCV); a protocol names quantities, times and words, never a drawing call.

Colours are roles ("hip", "knee", "flag"...) that each output maps to its own palette; times are
seconds of the recording, frames are indices into the result's frame table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rom.protocols.base import FlagText

# --------------------------------------------------------------------------- text summary

LABEL_WIDTH = 20  # the text summary's column of labels


def num(v: float | None, nd: int = 1, unit: str = "deg") -> str:
    """A number with its unit for reading ('61.0 deg'), or 'n/a' when it is missing."""
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:.{nd}f} {unit}".rstrip()


def whole_deg(v: float | None) -> str:
    """A whole number of degrees for a picture ('61 deg', '--' when missing); never '-0'."""
    return f"{int(round(v))} deg" if v is not None and np.isfinite(v) else "--"


def row(label: str, text: str) -> str:
    """A line of the text summary: its label in a column, then the text."""
    return f"  {label:<{LABEL_WIDTH}}{text}"


def flag_words(table: Mapping[str, FlagText], flag: str) -> str:
    """A flag's few words from a protocol's table of flags (its name in words if it is not there)."""
    text = table.get(flag)
    return text.words if text else flag.replace("_", " ")


@dataclass(frozen=True)
class TextSummary:
    """The test's part of `rom analyze`'s text summary; the flags (in words) and the quality follow it.

    lines: the heading, then the figures (`row`), each line as printed; interpretation: sentences
    printed wrapped under "Interpretation" (none: no such section); hidden_flags: flags the lines
    already say (not repeated under Flags); flag_where: a note after a flag's words (" (rep 2)");
    all_clear: what follows "Flags: none" when nothing was flagged.
    """

    lines: tuple[str, ...]
    interpretation: tuple[str, ...] = ()
    hidden_flags: frozenset[str] = frozenset()
    flag_where: dict[str, str] = field(default_factory=dict)
    all_clear: str = ""


# --------------------------------------------------------------------------- plot

@dataclass(frozen=True)
class Series:
    """A column of the result's frame table against time. style: 'solid', 'dashed' or 'dotted';
    axis: 'left' (degrees) or 'right' (the chart's second axis)."""

    column: str
    label: str
    color: str
    width: float = 1.5
    style: str = "solid"
    alpha: float = 1.0
    axis: str = "left"


@dataclass(frozen=True)
class Level:
    """A horizontal line: a threshold (style 'threshold': short dashes) or a reference."""

    value: float
    label: str
    color: str
    style: str = "threshold"
    axis: str = "left"


@dataclass(frozen=True)
class Moment:
    """A vertical line at t_s (label '': none in the legend)."""

    t_s: float
    label: str
    color: str = "mark"
    width: float = 1.2
    style: str = "solid"


@dataclass(frozen=True)
class Reading:
    """The test's reading: a point at (t_s, value) with its 95 % interval (low, high) as error bars,
    and a callout (bold, at the top of the chart, left of t_s) unless it is ''."""

    t_s: float
    value: float
    interval: tuple[float, float]
    label: str
    callout: str = ""


@dataclass(frozen=True)
class Span:
    """A stretch of time (start, end) shaded (good or faulty), with a dotted line and a label at t_mark_s."""

    span_s: tuple[float, float]
    t_mark_s: float
    text: str
    faulty: bool


@dataclass(frozen=True)
class RightAxis:
    """The chart's second axis (a quantity in other units, or on another scale)."""

    label: str
    color: str
    headroom: float = 1.0  # the axis' top raised by this factor (room for labels)


@dataclass(frozen=True)
class Chart:
    """plot.png: the angles against time, the thresholds, the moments and the reading.

    y_top_deg: the left axis' top (None: automatic), its bottom then at most y_floor_deg; note: words
    at the chart's top left (the flags).
    """

    title: str
    series: tuple[Series, ...]
    levels: tuple[Level, ...] = ()
    moments: tuple[Moment, ...] = ()
    readings: tuple[Reading, ...] = ()
    spans: tuple[Span, ...] = ()
    note: str = ""
    y_top_deg: float | None = None
    y_floor_deg: float = 0.0
    right_axis: RightAxis | None = None


# --------------------------------------------------------------------------- overlay

@dataclass(frozen=True)
class Banner:
    """A banner shown on frames [start, stop): kind 'reading' (the test's reading), 'done' (a movement
    finished without a fault) or 'flag' (with a fault)."""

    start: float
    stop: float
    text: str
    kind: str


@dataclass(frozen=True)
class Outline:
    """A polyline of image points (the back's outline) shown on frames [start, stop], faulty or not."""

    start: int
    stop: int
    points: np.ndarray
    faulty: bool


@dataclass(frozen=True)
class Drawing:
    """What the overlay draws over a result's frames.

    figure: the body geometry drawn on each frame, by the overlay's name for it ('raised_leg': a
    lying leg's hip and knee arcs from the table line; 'standing_bend': a standing body's trunk, hip and
    knee). side: the landmark label of the measured side. title: the header's first line, before
    the frame's state and time. readouts: (label, frame-table column) of the header's second line.
    key_frame: the frame a single picture shows. Fields after these are the figure's own.
    """

    figure: str
    side: str
    title: str
    readouts: tuple[tuple[str, str], ...]
    key_frame: int
    hidden_flags: frozenset[str] = frozenset()
    banners: tuple[Banner, ...] = ()
    outlines: tuple[Outline, ...] = ()
    # frame spans (start, bottom, end) of repetitions and each one's flags (tests with repetitions)
    reps: tuple[tuple[int, int, int], ...] = ()
    rep_flags: tuple[tuple[str, ...], ...] = ()
    # the lying leg: the table line's screen direction and which way is up from it (+1: counter-
    # clockwise), the frames whose knee (foot) labels the analysis exchanged with the other leg's,
    # the reading's angle from the table line and the frame from which it is marked, and text after
    # the header's values from a time on (the pain mark)
    table_deg: float = 0.0
    up_sign: float = 1.0
    knee_swapped: frozenset[int] = frozenset()
    foot_swapped: frozenset[int] = frozenset()
    reading_deg: float | None = None
    reading_from: float = float("inf")
    reading_label: str = ""
    note_from_s: float = float("inf")
    note: str = ""
