"""The computation behind one live connection: JPEG frames in, what the page shows out.

Per frame: decode, pose model (one backend per connection, kept on the measured person by
`PersonTracker`), the camera check (while setting up and recording), and once recording the engine's `LiveSession`
(angles, cues, events) plus the frame's landmarks packed for storage. No database, no network:
`web.services.workers` runs it in the connection's own process, `web.live` does the I/O.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from rom import protocols
from rom.capture.extraction import PersonTracker
from rom.capture.pose import create_backend
from rom.core.errors import BadInput
from rom.live import camera_check
from rom.live.session import LiveSession
from web.services import frames


class LiveEngine:
    """test: a protocol's name; side: what its side means (`Protocol.side_meaning`: the raised leg,
    the side facing the camera), None to find it; model: pose model name."""

    def __init__(self, test: str, side: str | None = None, model: str = "full"):
        self.test, self.side = test, side
        self.protocol = protocols.get(test)
        self.backend = create_backend(model=model, segmentation=self.protocol.segmentation)
        self.tracker = PersonTracker(self.backend, keep_lying=self.protocol.keeps_lying_person)
        self.session: LiveSession | None = None
        self._setup_times: list[float] = []

    def frame(self, jpeg: bytes, t_s: float) -> dict:
        """Process one frame captured at t_s (seconds, any origin). Returns the reply for the
        page; while recording it holds 'row', the frame's record for storage."""
        start = time.perf_counter()
        bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise BadInput("the frame is not a readable image")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        size = (rgb.shape[1], rgb.shape[0])
        relocks = len(self.tracker.relocks)
        est = self.tracker.process(rgb)
        reply: dict = {"type": "frame", "size": list(size), "landmarks": _landmarks(est)}
        # The camera check runs on every frame, while recording too. A standing body where the
        # SLR needs one lying is checked as it is (advice: lie down), not as 'no one in view'.
        seen = est if est is not None else self.tracker.upright
        reply["check"] = camera_check.check_frame(seen, size, self.test, side=self.side).to_dict()
        if self.session is None:
            self._setup_times = (self._setup_times + [t_s])[-60:]
            reply.update(t_s=round(t_s, 3))
        else:
            index = len(self.session.builder)
            relock = len(self.tracker.relocks) > relocks
            if relock:
                self.session.relocks.append(index)
            shown = self.session.add(est, t_s, size).to_dict()
            reply.update(shown, frame=index)
            reply["row"] = {"frame": index, "t_s": t_s - self.session.times[0], "relock": relock,
                            "landmarks": self._last_packed(),
                            "live": {k: shown[k] for k in ("angles", "raw", "cues", "events", "side")}}
        reply["ms"] = round(1000 * (time.perf_counter() - start), 1)
        return reply

    def start(self) -> float:
        """Start recording. Returns the frame rate assumed for live filtering: the rate frames
        arrived at while setting up (what this machine and connection sustain)."""
        fps = frames.mean_rate(self._setup_times) if len(self._setup_times) >= 10 else 30.0
        fps = float(np.clip(fps, 5.0, 60.0))
        features = self.protocol.frame_features()  # the back's outline of a hinge
        if features is not None:
            self.session = LiveSession(self.test, self.side, fps, features=features[0], n_features=features[1])
        else:
            self.session = LiveSession(self.test, self.side, fps)
        return fps

    def pain(self, t_s: float | None) -> dict:
        """The person reports pain at capture time t_s (None: the last frame). Returns the new
        mark's time (seconds from the start of the recording) and every mark (`_marks`)."""
        if self.session is None:
            raise BadInput("pain can only be marked while recording")
        return {"pain_s": self.session.mark_pain(t_s), **self._marks()}

    def pain_undo(self, at_s: float) -> dict:
        """Remove the pain mark at at_s (seconds from the start, as `pain` returned it)."""
        if self.session is None:
            raise BadInput("pain marks can only be removed while recording")
        return {"removed_s": self.session.unmark_pain(at_s), **self._marks()}

    def _marks(self) -> dict:
        """'times': the pain marks in time order (seconds, for storage); 'marks': the same with
        the live hip flexion there, rounded for the page's list."""
        times = sorted(self.session.pain_marks)
        angles = [self.session.pain_angle_deg(t) for t in times]
        return {"times": times, "marks": [{"t_s": round(t, 2), "angle_deg": None if v is None else round(v, 1)}
                                          for t, v in zip(times, angles)]}

    def stop(self):
        """(result, series, clock) of everything recorded, on the steady clock of the frames'
        capture times (`rom.core.timing`); raises NotMeasurable like `rom analyze`. A test
        whose side is found in the video (the SLR) is measured with that side: a wrongly declared
        side is reported when the result is stored (`web.services.recording.store_result`), not
        refused here."""
        if self.session is None or not len(self.session.builder):
            raise BadInput("nothing was recorded")
        side = "auto" if self.protocol.side_from_video else None
        return self.session.result(side=side), self.session.series(), self.session.clock()

    def close(self) -> None:
        self.backend.close()

    def _last_packed(self) -> bytes | None:
        b = self.session.builder
        back = b.feats[-1] if b.features is not None else None
        return frames.pack(b.xy[-1], b.z[-1], b.vis[-1], b.world[-1], back)


def _landmarks(est) -> list | None:
    """33 x [x px, y px, visibility] for drawing, rounded to keep the reply small."""
    if est is None:
        return None
    a = np.column_stack([np.round(est.xy_px, 1), np.round(est.visibility, 2)])
    return np.where(np.isfinite(a), a, 0.0).tolist()
