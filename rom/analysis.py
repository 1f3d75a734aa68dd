"""One video in, one result out: the pipeline frames -> landmarks -> angles -> findings.

This is the only module that wires the adapters (video, pose backend) to the pure core
(protocols); the command line, batch mode and the web app all call `analyze_video`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rom import protocols
from rom.capture import extraction, video
from rom.capture.pose import create_backend
from rom.core import posture
from rom.core.errors import BadInput, NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.protocols.base import Marks

TESTS = (*protocols.names(), "auto")
SIDES = ("auto", "left", "right")


@dataclass(frozen=True)
class Options:
    test: str = "auto"
    side: str = "auto"
    model: str = "full"
    # the configuration of the test measured (its protocol's config dataclass); None: its defaults
    config: Any = None


@dataclass(frozen=True)
class Analysis:
    """A result with what produced it: the video's properties and the landmark series."""

    result: Any  # the protocol's result type
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
    try:
        series = landmarks_of(info, test, options.model, progress, backend_factory)
        result = measure(series, test, str(path), options)
    except NotMeasurable as e:
        e.test = test  # (under --test auto, the test the posture chose: the batch's row names it)
        raise
    return Analysis(result=result, info=info, series=series)


def landmarks_of(info: video.VideoInfo, test: str, model: str = "full",
                 progress: Callable[[int, int], None] | None = None,
                 backend_factory: Callable[..., object] = create_backend) -> LandmarkSeries:
    """Run the pose model over the video with what the test needs (its protocol says: the
    segmentation mask and the back outline for the hinge, the lying person kept for the SLR)."""
    protocol = protocols.get(test)
    features, n_features = protocol.frame_features() or (None, 0)
    total = max(info.n_frames, 1)
    with backend_factory(model=model, segmentation=protocol.segmentation) as backend:
        series = extraction.extract(
            info, backend, keep_lying=protocol.keeps_lying_person, features=features, n_features=n_features,
            progress=None if progress is None else (lambda n: progress(n, max(total, n))))
    if len(series) == 0:
        raise BadInput(f"{info.path}: no video frames could be decoded")
    return series


def measure(series: LandmarkSeries, test: str, video_name: str, options: Options = Options(),
            pain_s: float | None = None, pain_marks: Sequence[float] = ()):
    """Landmarks -> result of the given test, by its protocol (no I/O). pain_s: a pain moment marked
    live; pain_marks: all of them when there were several (tests without a symptom marker ignore
    them)."""
    side = None if options.side == "auto" else options.side
    marks = Marks(tuple(pain_marks) if pain_marks else (() if pain_s is None else (float(pain_s),)))
    return protocols.get(test).analyze(series, video_name, side=side, config=options.config, marks=marks)


def detect_test(info: video.VideoInfo, backend_factory: Callable[..., object] = create_backend,
                model: str = "full", samples: int = 7) -> str:
    """The test whose posture the clip shows (lying: the SLR or the AKE; standing: the hip hinge;
    sitting: the slump), from a few frames spread over the clip; between tests of one posture,
    the test's own tell (`Protocol.tell`) on those frames decides.

    Each sample frame is detected afresh (static mode): a handful of inferences, against the
    hundreds of the analysis itself. A standing body is blanked out and the frame searched
    again, because in a passive SLR the examiner standing at the table may be found first; the
    body found behind counts as a patient only next to the standing one (`hinge_form.examined`),
    not a lifter's gym neighbour lying on a bench. A lifter bent over a bar stands: one leg
    pointing down is enough (`hinge_form.on_feet`), and a flat leg counts for lying only where
    the model sees it (`hinge_form.flat_leg_seen`), since the leg behind the plates is put
    anywhere, even flat. A body sitting on a table's edge is asked first: its hanging shanks
    can point down as steeply as a lifter's leg.
    """
    from rom.protocols.hinge.form import examined, flat_leg_seen, on_feet

    def lies(e) -> bool:
        return bool(posture.is_lying(e.xy_px)) and flat_leg_seen(e)

    n = info.n_frames if info.n_frames > 0 else 1
    wanted = set(np.linspace(0, max(n - 1, 0), samples).round().astype(int).tolist())
    frames: dict[str, list[np.ndarray]] = {p: [] for p in ("lying", "standing", "sitting")}
    seen = 0
    with backend_factory(model=model, segmentation=False, static=True) as backend:
        for _, rgb in video.iter_frames(info, only=wanted):
            est = backend.process(rgb)
            if est is None:
                continue
            seen += 1
            if posture.is_sitting(est.xy_px):
                frames["sitting"].append(est.xy_px)
            elif on_feet(est.xy_px):
                again = backend.process(extraction.blank_out(rgb, est.xy_px))
                # (the blanked frame reads the patient's legs with low visibility: the
                # examiner's closeness decides there, not flat_leg_seen)
                if again is not None and posture.is_lying(again.xy_px) and examined(again.xy_px, est.xy_px):
                    frames["lying"].append(again.xy_px)
                else:
                    frames["standing"].append(est.xy_px)
            elif lies(est):
                frames["lying"].append(est.xy_px)
    if seen == 0:
        raise NotMeasurable("no person found in the video")
    count = {p: len(f) for p, f in frames.items()}
    found = ("lying" if count["lying"] >= max(2, 0.3 * seen)
             else "sitting" if count["sitting"] >= 0.5 * seen
             else "standing" if count["standing"] >= 0.5 * seen else None)
    candidates = protocols.with_posture(found) if found else ()
    if len(candidates) == 1:
        return candidates[0].name
    if len(candidates) > 1:
        told = {p.name: p.tell(frames[found]) for p in candidates}
        yes = [name for name, t in told.items() if t is not None and bool(t)]  # (a numpy bool too)
        untold = [name for name, t in told.items() if t is None]
        if len(yes) == 1:
            return yes[0]
        if not yes and len(untold) == 1:
            return untold[0]
    choices = ", ".join(f"{p.name} ({p.posture})" for p in candidates or protocols.all_protocols())
    if found and not candidates:
        raise NotMeasurable(f"the person is {found}, and no test here is done {found} ({choices}); "
                            "choose the test with --test")
    if found:
        raise NotMeasurable(f"the person is {found}, which fits more than one test ({choices}); "
                            "choose the test with --test")
    raise NotMeasurable(f"cannot tell which test this is from the posture ({choices}); choose the test with --test")
