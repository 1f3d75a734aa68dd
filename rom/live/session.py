"""Live mode: the engine fed one frame at a time, for the web page's feedback while recording.

The same kinematics as offline analysis; only the smoothing is causal (for display) and the
cues are decided from the frames seen so far. When the recording stops, `LiveSession.result()`
runs the offline analysis (`rom.analysis.measure`) on exactly the frames received, so the stored
angles are what `rom analyze` gives for those frames. One clock: the frames are placed at the times
they were captured (`rom.core.timing.SteadyClock`), not at their arrival order, so a dropped or delayed
frame moves no onset; frames that arrived unevenly are named in the result's quality block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rom import protocols
from rom.analysis import Options, measure
from rom.capture.extraction import FrameFeatures, SeriesBuilder
from rom.core.errors import BadInput
from rom.core.landmarks import LandmarkSeries, PoseEstimate
from rom.core.timing import SteadyClock, with_timing
from rom.protocols.base import LiveFrame

PAIN_MATCH_S = 0.01  # a pain mark to remove is named by its time, rounded to 0.01 s on the page


class LiveSession:
    """Frames of one recording, in order. `add(estimate, t_s)` returns what to show now.

    test: a registered test's name (`rom.protocols`); side: what the protocol's `side_meaning`
    says (the SLR's raised leg, the side facing the camera in a hinge), None to find it. Frame
    times are the capture times in seconds; the offline analysis uses the received frames at their
    mean rate. config: the test's configuration (None: its defaults), live and offline alike.
    """

    def __init__(self, test: str, side: str | None = None, fps_hint: float = 30.0,
                 features: FrameFeatures | None = None, n_features: int = 0, config: Any = None):
        if test not in protocols.names():
            raise ValueError(f"live mode measures {', '.join(protocols.names())}, not {test!r}")
        self.protocol = protocols.get(test)
        self.test, self.side, self.config = test, side, config
        self.builder = SeriesBuilder(features, n_features)
        self.times: list[float] = []
        self.image_size: tuple[int, int] = (0, 0)
        self.pain_marks: list[float] = []  # session times of the pain marks, in the order marked
        self.relocks: list[int] = []
        self._rules = self.protocol.live(side, fps_hint, config)
        self._rules.recording = self.series  # a finished repetition is read as the stored result reads it

    def add(self, est: PoseEstimate | None, t_s: float, image_size: tuple[int, int]) -> LiveFrame:
        self.builder.add(est)
        self.times.append(float(t_s))
        self.image_size = image_size
        features = self.builder.feats[-1] if self.builder.feats else None
        frame = self._rules.update(est, float(t_s) - self.times[0], features)
        if self.pain_marks and frame.side is not None and "pain" not in frame.events:
            frame.cues.append(self._rules.pain_cue(self.pain_marks[-1]))
        return frame

    @property
    def pain_s(self) -> float | None:
        """The first pain mark (session seconds), the result's Lasegue reading; None without."""
        return min(self.pain_marks) if self.pain_marks else None

    def mark_pain(self, t_s: float | None = None) -> float:
        """The person reports pain or tingling now (or at t_s, capture time). Returns the
        session time in seconds. Each mark is kept: pain can come back, or grow, further up."""
        if not self.protocol.pain_marks:
            marked = " or ".join(p.title for p in protocols.all_protocols() if p.pain_marks)
            raise BadInput(f"pain is marked during the {marked} only, not the {self.protocol.title}")
        at = (self.times[-1] if t_s is None else float(t_s)) - (self.times[0] if self.times else 0.0)
        self.pain_marks.append(max(0.0, at))
        return self.pain_marks[-1]

    def unmark_pain(self, at_s: float) -> float:
        """Remove the pain mark at session time at_s (as `mark_pain` returned it, to within
        PAIN_MATCH_S: the page may round it). Returns the removed mark's time."""
        near = [m for m in self.pain_marks if abs(m - at_s) <= PAIN_MATCH_S]
        if not near:
            raise BadInput(f"there is no pain mark at {at_s:.2f} s")
        mark = min(near, key=lambda m: abs(m - at_s))
        self.pain_marks.remove(mark)
        return mark

    def pain_angle_deg(self, at_s: float) -> float | None:
        """The test's live reading at session time at_s (the SLR's hip flexion), for the page's list
        of marks; the stored reading is the offline analysis's (`result`)."""
        return self._rules.angle_at(at_s)

    @property
    def fps(self) -> float:
        """Mean rate of the received frames."""
        if len(self.times) < 2 or self.times[-1] <= self.times[0]:
            return 30.0
        return (len(self.times) - 1) / (self.times[-1] - self.times[0])

    def clock(self) -> SteadyClock:
        """The received frames' capture times on a steady clock (`rom.core.timing`)."""
        return SteadyClock.of(self.times)

    def series(self) -> LandmarkSeries:
        """The received frames on the steady clock of their capture times (what the offline
        analysis uses): a time in the result is a time of the capture clock, as the pain marks are."""
        received = self.builder.build(np.asarray(self.times) - self.times[0], self.image_size, self.fps,
                                      tuple(self.relocks))
        return self.clock().series(received)

    def result(self, video: str = "live", side: str | None = None):
        """The offline analysis of everything received (raises NotMeasurable like `rom analyze`).
        side: instead of the declared one ('auto': the side found in the video)."""
        side = side or self.side or "auto"
        result = measure(self.series(), self.test, video, Options(test=self.test, side=side, config=self.config),
                         pain_s=self.pain_s, pain_marks=tuple(self.pain_marks))
        return with_timing(result, self.clock())
