"""The protocol interface: what a clinical test declares about itself.

The pipeline (`rom.analysis`), live mode (`rom.live`), the outputs, the validation and the web app
ask the test's `Protocol` instead of branching on its name, so a new test is one package under
`rom/protocols` (with its templates) and one line in `rom.protocols.REGISTERED`.

A protocol package holds the pure parts of its test: the offline analysis on a landmark series,
its configuration (every clinical threshold, with its source), its result type, its live rules
(the offline rules run causally, one frame at a time), its flags in plain words, its
interpretation and what its outputs show (the text summary's lines, the plot's series, the
overlay's drawing: the views at the end of this module, as data). Its `Protocol` subclass lives
in the package's `__init__` and imports the heavy parts only when they are used (an SLR never
loads the hinge's analysis).
"""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # (numpy stays unimported: `rom --help` and the CLI's parsing need none of it)
    import numpy as np

    from rom.core.landmarks import LandmarkSeries, PoseEstimate

POSTURES = ("lying", "standing", "sitting")


@dataclass(frozen=True)
class Marks:
    """What the examiner marked while recording (live mode): the moments the person reported pain,
    session seconds in the order marked (the first one is the reading). Tests without a symptom
    marker ignore them."""

    pain: tuple[float, ...] = ()

    @property
    def first_pain_s(self) -> float | None:
        return min(self.pain) if self.pain else None


NO_MARKS = Marks()


@dataclass(frozen=True)
class FlagText:
    """A flag in the clinic's words: a few words for the video and the live page, a sentence for
    reports and result pages."""

    words: str
    sentence: str


@dataclass(frozen=True)
class Quantity:
    """A figure a result reports, as every view names it: its label and its unit ('deg', 's', 'ratio')."""

    label: str
    unit: str


@dataclass
class LiveFrame:
    """What the live page shows for one frame. Angles in degrees (None where not measurable)."""

    t_s: float
    detected: bool
    angles: dict[str, float | None] = field(default_factory=dict)  # causal-filtered, for display
    raw: dict[str, float | None] = field(default_factory=dict)  # this frame's unfiltered angles
    cues: list[str] = field(default_factory=list)  # plain-language cues to show (and speak)
    events: list[str] = field(default_factory=list)  # what happened at this frame: 'knee_bend', 'rep', 'pain'
    side: str | None = None
    reps: list[dict] | None = None  # a card per finished repetition (tests with repetitions)

    def to_dict(self) -> dict:
        def r(v):
            return None if v is None or not math.isfinite(v) else round(float(v), 1)
        return {"t_s": round(self.t_s, 3), "detected": self.detected,
                "angles": {k: r(v) for k, v in self.angles.items()},
                "raw": {k: r(v) for k, v in self.raw.items()},
                "cues": self.cues, "events": self.events, "side": self.side,
                **({} if self.reps is None else {"reps": self.reps})}


class LiveRules(ABC):
    """A test's rules run causally: fed one frame at a time, it says what to show now.

    recording: set by the live session, the frames received so far as the offline analysis reads
    them (`rom.live.session.LiveSession.series`), for rules that read a finished part of the test
    exactly as the stored result will; None when the rules are fed without a session."""

    recording: Callable[[], LandmarkSeries] | None = None

    @abstractmethod
    def update(self, est: PoseEstimate | None, t: float, features: np.ndarray | None = None) -> LiveFrame:
        """This frame (None: nobody found) at session time t (seconds)."""

    def angle_at(self, at_s: float) -> float | None:
        """The test's reading at session time at_s as shown live (the angle of a pain mark), or None."""
        return None

    def pain_cue(self, pain_s: float) -> str:
        """The cue shown once a symptom was marked at pain_s."""
        return "pain marked"


class Protocol(ABC):
    """One clinical test. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]  # the --test value and the stored test name
    title: ClassVar[str]  # what people call it ("Straight-leg raise (SLR)")
    short_title: ClassVar[str]  # for tables and menus ("SLR")
    posture: ClassVar[str]  # one of POSTURES: what `--test auto` and the camera check look for
    side_meaning: ClassVar[str]  # what `side` names ("the raised leg")
    segmentation: ClassVar[bool] = False  # needs the segmentation mask (the back's outline)
    keeps_lying_person: ClassVar[bool] = False  # the tracker keeps the person lying, not one standing by
    pain_marks: ClassVar[bool] = False  # the examiner marks symptoms during the test
    # the live page's button for a mark and the word its list of marks starts with (tests with pain_marks)
    symptom_button: ClassVar[str] = "Pain now"
    symptom_word: ClassVar[str] = "Pain"
    flags: ClassVar[Mapping[str, FlagText]] = {}
    # the figures of a result (of a repetition, for tests with repetitions) by their JSON key, and
    # the live page's angles by their key: one name for one quantity in every view
    quantities: ClassVar[Mapping[str, Quantity]] = {}
    live_angles: ClassVar[Mapping[str, str]] = {}
    headline: ClassVar[str] = ""  # the key of the figure a row, a list or a comparison shows first
    # Flags the video cannot decide, with the reason (a missing flag must not read as ruled out).
    not_assessed: ClassVar[Mapping[str, str]] = {}

    def __repr__(self) -> str:
        return f"<protocol {self.name}>"

    # --- offline -----------------------------------------------------------------------------
    @abstractmethod
    def default_config(self) -> Any:
        """The test's configuration dataclass with its defaults (every threshold, with its source)."""

    @abstractmethod
    def analyze(self, series: LandmarkSeries, video_name: str, *, side: str | None = None,
                config: Any = None, marks: Marks = NO_MARKS) -> Any:
        """Landmarks -> the test's typed result. Raises NotMeasurable with the reason."""

    def frame_features(self):
        """(function, count) of extra per-frame features the analysis reads from the pose backend's
        output (the back outline from the segmentation mask), or None."""
        return None

    # --- live --------------------------------------------------------------------------------
    @abstractmethod
    def live(self, side: str | None, fps: float, config: Any = None) -> LiveRules:
        """The test's live rules for one recording."""

    def posture_advice(self, xy: np.ndarray, side: str | None) -> dict[str, str | None]:
        """Before recording, from one frame's landmark pixels (33, 2): check name -> None when it
        passes or the advice to the person setting up when it fails. The default checks the
        posture only; a test adds its own (the SLR: the raised leg must be the near one)."""
        from rom.core import posture

        ok = {"lying": lambda: bool(posture.is_lying(xy)),
              "standing": lambda: bool(posture.is_standing(xy, threshold=0.7)),
              "sitting": lambda: bool(posture.is_sitting(xy))}[self.posture]()
        return {"posture": None if ok else self.posture_cue}

    posture_cue: ClassVar[str] = ""  # what to say when the person is not in the test's posture

    def tell(self, xys: list[np.ndarray]) -> bool | None:
        """`--test auto` between tests of the same posture: from the landmark pixels (33, 2) of the
        sampled frames in which the person is in that posture, True when the clip shows this test,
        False when it does not, None (the default) when the test has no tell of its own. The
        posture's test without a tell is chosen when every test with one says False."""
        return None

    # --- words -------------------------------------------------------------------------------
    def flag_words(self, flag: str) -> str:
        return flag_words(self.flags, flag)

    def flag_sentence(self, flag: str) -> str:
        text = self.flags.get(flag)
        return text.sentence if text else flag.replace("_", " ")

    def not_assessed_reason(self, flag: str) -> str:
        return self.not_assessed.get(flag, "the video cannot decide it")

    def part(self, module: str):
        """One module of the test's package by its conventional name (`report`, `chart`, `drawing`,
        `interpret`, `validation`), imported when first asked for: the hooks below read their
        test's parts from these modules, so a protocol class declares no delegations of its own."""
        return importlib.import_module(f"{type(self).__module__}.{module}")

    # --- validation --------------------------------------------------------------------------
    def validation(self):
        """The test scored against ground truth (`rom validate`): its package's `validation` module,
        with conditions(truth_data) -> dict, compare(result_dict, frame_columns, truth) -> dict,
        summarize(rows) -> dict, and the lines of the tables: clip_table(rows),
        summary_lines(summary), extra_tables(summary)."""
        return self.part("validation")

    # --- outputs: what the views show, as data (the views below); `rom.outputs` renders it -------
    # The batch report: the row's columns (`rom.outputs.batch_report.VideoRow` fields) a card shows
    # first, and the left/right difference of the headline figure it highlights, with its source.
    batch_columns: ClassVar[tuple[str, ...]] = ()
    batch_side_difference: ClassVar[tuple[float, str]] = (math.inf, "")

    def text_summary(self, result) -> TextSummary:
        """The test's part of `rom analyze`'s text summary: heading, figures, interpretation
        (`report.text_summary`)."""
        return self.part("report").text_summary(result)

    def plot(self, result) -> Chart:
        """plot.png of a result: which columns against time, thresholds, moments, the reading
        (`chart.chart`)."""
        return self.part("chart").chart(result)

    def drawing(self, result) -> Drawing:
        """What annotated.mp4 and the key frame draw over a result's frames (`drawing.drawing`)."""
        return self.part("drawing").drawing(result)

    def batch_figures(self, result_json: dict) -> dict[str, Any]:
        """The batch row's columns of the test (`VideoRow` fields) from a result's `to_dict()`
        (`report.batch_figures`)."""
        return self.part("report").batch_figures(result_json)

    def batch_truth_figures(self, comparison: dict) -> dict[str, Any]:
        """The batch row's error columns of the test from `rom.validation.validate.compare`
        (`report.batch_truth_figures`; none when the report has no such function)."""
        figures = getattr(self.part("report"), "batch_truth_figures", None)
        return figures(comparison) if figures else {}

    def batch_line(self, row: Mapping[str, Any]) -> str:
        """A measured video in one line (the batch's progress), from its row's `to_dict()`."""
        return f"{self.short_title} {row['side']}"

    # --- the web app's pages, reports and exports --------------------------------------------
    modes: ClassVar[Mapping[str, str]] = {}  # the ways the test is done (value -> words), when more than one
    # The side is found in the video (the raised leg) and checked against the one declared; else the
    # declared side is measured as given (the side facing the camera).
    side_from_video: ClassVar[bool] = False
    # A person's left and right headline figures are compared (like with like: same mode, close in time).
    compares_sides: ClassVar[bool] = False
    chart: ClassVar[tuple[str, ...]] = ()  # the per-frame angles a result's chart draws, in drawing order
    trend: ClassVar[tuple[str, ...]] = ()  # per repetition, the figures a person's trend charts (their highest)
    trials: ClassVar[bool] = False  # one recording holds several trials, each measured on its own

    def label(self, key: str) -> str:
        """The name of a figure (`quantities`) or of a per-frame angle (`live_angles`), as every view says it."""
        if key in self.live_angles:
            return self.live_angles[key]
        q = self.quantities.get(key)
        return q.label if q else key.replace("_deg", "").replace("_", " ")

    def interpretation(self):
        """What a result means: its package's `interpret` module (no web framework in it), with
        SETTINGS (the clinic's overrides of the interpretation thresholds, key -> default),
        thresholds(settings) (the table with those overrides), sentences(result, mode, thresholds),
        headline(result) (the main figure for lists), reference_lines(thresholds) (for a person's chart),
        sources(results, thresholds, compared), fhir(result, mode, side, thresholds) (code, value,
        components, interpretation in plain values) and opensim_coordinates(side); with
        `compares_sides`, side_difference(left_deg, right_deg, thresholds, left_day, right_day) ->
        (notable, sentence); with `trials`, trials_summary(angles, excluded), trial_components(view),
        trials_csv(view) and TRIAL_COLUMNS. Results are the result dicts (`to_dict()`)."""
        return self.part("interpret")


# =========================================================================== views
# What a protocol tells the outputs to show, as plain data: the lines of the text summary
# (`Protocol.text_summary`), the series and marks of the angle plot (`Protocol.plot`), what the
# overlay draws on a frame (`Protocol.drawing`). `rom.outputs` renders it (matplotlib, OpenCV); a
# protocol names quantities, times and words, never a drawing call. Colours are roles ("hip",
# "knee", "flag"...) that each output maps to its own palette; times are seconds of the recording,
# frames are indices into the result's frame table.

# --------------------------------------------------------------------------- text summary

LABEL_WIDTH = 20  # the text summary's column of labels


def num(v: float | None, nd: int = 1, unit: str = "deg") -> str:
    """A number with its unit for reading ('61.0 deg'), or 'n/a' when it is missing."""
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{v:.{nd}f} {unit}".rstrip()


def whole_deg(v: float | None) -> str:
    """A whole number of degrees for a picture ('61 deg', '--' when missing); never '-0'."""
    return f"{int(round(v))} deg" if v is not None and math.isfinite(v) else "--"


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
