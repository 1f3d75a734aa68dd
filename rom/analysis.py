"""One video in, one result out: the pipeline frames -> landmarks -> angles -> findings.

This is the only module that wires the adapters (video, pose backend) to the pure core
(protocols); the command line, batch mode and the web app all call `analyze_video`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rom.capture import extraction, video
from rom.capture.pose import create_backend
from rom.core import posture
from rom.core.errors import BadInput, NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.core.results import HingeResult, SLRResult
from rom.protocols.slr.measure import SLRConfig
from rom.protocols.slr.trials import analyze_slr_trials

if TYPE_CHECKING:
    from rom.protocols.hinge.measure import HingeConfig

TESTS = ("slr", "hinge", "auto")
SIDES = ("auto", "left", "right")


@dataclass(frozen=True)
class Options:
    test: str = "auto"
    side: str = "auto"
    model: str = "full"
    slr: SLRConfig = field(default_factory=SLRConfig)
    hinge: HingeConfig | None = None  # None: HingeConfig(); rom.protocols.hinge.measure is imported only for a hinge


@dataclass(frozen=True)
class Analysis:
    """A result with what produced it: the video's properties and the landmark series."""

    result: SLRResult | HingeResult
    info: video.VideoInfo
    series: LandmarkSeries


def analyze_video(path: str | os.PathLike, options: Options = Options(),
                  progress: Callable[[int, int], None] | None = None,
                  backend_factory: Callable[..., object] = create_backend) -> Analysis:
    """Measure one video. Raises BadInput (unreadable) or NotMeasurable (no trustworthy result).

    progress(frames_done, frames_total) is called after every frame.
    """
    if options.test not in TESTS:
        raise BadInput(f"unknown test {options.test!r}; choose from {', '.join(TESTS)}")
    if options.side not in SIDES:
        raise BadInput(f"unknown side {options.side!r}; choose from {', '.join(SIDES)}")
    info = video.probe(path)
    test = options.test if options.test != "auto" else detect_test(info, backend_factory, options.model)
    series = landmarks_of(info, test, options.model, progress, backend_factory)
    return Analysis(result=measure(series, test, str(path), options), info=info, series=series)


def landmarks_of(info: video.VideoInfo, test: str, model: str = "full",
                 progress: Callable[[int, int], None] | None = None,
                 backend_factory: Callable[..., object] = create_backend) -> LandmarkSeries:
    """Run the pose model over the video with what the test needs (segmentation for the hinge)."""
    from rom.core import back_contour

    hinge = test == "hinge"
    total = max(info.n_frames, 1)
    with backend_factory(model=model, segmentation=hinge) as backend:
        series = extraction.extract(
            info, backend, keep_lying=test == "slr",
            features=back_contour.frame_features if hinge else None,
            n_features=back_contour.N_FEATURES if hinge else 0,
            progress=None if progress is None else (lambda n: progress(n, max(total, n))))
    if len(series) == 0:
        raise BadInput(f"{info.path}: no video frames could be decoded")
    return series


def measure(series: LandmarkSeries, test: str, video_name: str, options: Options = Options(),
            pain_s: float | None = None, pain_marks: Sequence[float] = ()):
    """Landmarks -> result of the given test (no I/O). pain_s: a pain moment marked live (SLR);
    pain_marks: all of them when there were several. An SLR is measured per raise
    (`rom.protocols.slr.trials`): one raise gives the engine's result as it is, with its one trial."""
    side = None if options.side == "auto" else options.side
    if test == "slr":
        return analyze_slr_trials(series, video_name, side=side, config=options.slr, pain_s=pain_s,
                                  pain_marks=pain_marks)
    # imported here: rom.protocols.hinge.measure pulls in scipy.stats (0.7 s), which an SLR never needs
    from rom.protocols.hinge.measure import HingeConfig, analyze_hinge

    config = options.hinge if options.hinge is not None else HingeConfig()
    return analyze_hinge(series, video_name, side=side, config=config)


def detect_test(info: video.VideoInfo, backend_factory: Callable[..., object] = create_backend,
                model: str = "full", samples: int = 7) -> str:
    """'slr' if the person lies, 'hinge' if they stand, from a few frames spread over the clip.

    Each sample frame is detected afresh (static mode): a handful of inferences, against the
    hundreds of the analysis itself. A standing body is blanked out and the frame searched
    again, because in a passive SLR the examiner standing at the table may be found first; the
    body found behind counts as a patient only next to the standing one (`hinge_form.examined`),
    not a lifter's gym neighbour lying on a bench. A lifter bent over a bar stands: one leg
    pointing down is enough (`hinge_form.on_feet`), and a flat leg counts for lying only where
    the model sees it (`hinge_form.flat_leg_seen`), since the leg behind the plates is put
    anywhere, even flat.
    """
    from rom.protocols.hinge.form import examined, flat_leg_seen, on_feet

    def lies(e) -> bool:
        return bool(posture.is_lying(e.xy_px)) and flat_leg_seen(e)

    n = info.n_frames if info.n_frames > 0 else 1
    wanted = set(np.linspace(0, max(n - 1, 0), samples).round().astype(int).tolist())
    lying = standing = seen = 0
    with backend_factory(model=model, segmentation=False, static=True) as backend:
        for _, rgb in video.iter_frames(info, only=wanted):
            est = backend.process(rgb)
            if est is None:
                continue
            seen += 1
            if on_feet(est.xy_px):
                again = backend.process(extraction.blank_out(rgb, est.xy_px))
                # (the blanked frame reads the patient's legs with low visibility: the
                # examiner's closeness decides there, not flat_leg_seen)
                if again is not None and posture.is_lying(again.xy_px) and examined(again.xy_px, est.xy_px):
                    lying += 1
                else:
                    standing += 1
            elif lies(est):
                lying += 1
    if seen == 0:
        raise NotMeasurable("no person found in the video")
    if lying >= max(2, 0.3 * seen):
        return "slr"
    if standing >= 0.5 * seen:
        return "hinge"
    raise NotMeasurable("cannot tell whether the person lies (SLR) or stands (hip hinge); "
                        "choose the test with --test")
