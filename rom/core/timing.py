"""One clock for received frames: frames that arrive at uneven capture times (a live camera, a
busy browser, dropped frames) put on a steady clock, as a variable-rate video is (`rom.capture.video`).

The analysis (filters, durations in frames) needs a steady frame rate; the examiner's marks, the
onset time, the charts and the exports need the capture clock. A steady clock at the frames'
mean rate, starting at the first frame's capture time, gives both: step k is at k / fps seconds
of the capture clock and takes the received frame nearest in time (the rule of FFmpeg's fps
filter, as `rom.capture.video` resamples a variable-rate file), so a time on one is a time on the other.
With frames arriving evenly the steps are the frames themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from rom.core.landmarks import LandmarkSeries

UNEVEN_TOLERANCE = 0.5  # a step more than this fraction away from the mean step makes the timing uneven
DEFAULT_FPS = 30.0  # the rate of a single frame (no timing to measure)


@dataclass(frozen=True)
class SteadyClock:
    """Received frames on a steady clock. Times are seconds from the first frame."""

    fps: float
    times: np.ndarray  # (N,) capture time of each received frame
    taken: np.ndarray  # (K,) for each step, the received frame it takes
    step_of: np.ndarray  # (N,) for each received frame, the step nearest its capture time

    @classmethod
    def of(cls, capture_times: Sequence[float]) -> SteadyClock:
        t = np.asarray(capture_times, dtype=float)
        if t.ndim != 1 or not len(t):
            raise ValueError("a clock needs the capture time of at least one frame")
        # A capture time earlier than the one before it (a clock that stepped back) counts as
        # simultaneous with it: the order of arrival is kept.
        t = np.maximum.accumulate(t - t[0])
        span = float(t[-1])
        fps = (len(t) - 1) / span if span > 0 else DEFAULT_FPS
        n_steps = int(round(span * fps)) + 1
        grid = np.arange(n_steps) / fps
        # frame j covers the times from the midpoint with frame j-1 up to the midpoint with j+1
        taken = np.searchsorted((t[1:] + t[:-1]) / 2.0, grid, side="right")
        step_of = np.clip(np.round(t * fps).astype(int), 0, n_steps - 1)
        return cls(fps=fps, times=t, taken=taken, step_of=step_of)

    @property
    def steady_times(self) -> np.ndarray:
        return np.arange(len(self.taken)) / self.fps

    @property
    def uneven(self) -> bool:
        """Whether some frames came much earlier or later than the steady clock's step."""
        if len(self.times) < 3:
            return False
        gaps = np.diff(self.times)
        return bool(np.any(np.abs(gaps * self.fps - 1.0) > UNEVEN_TOLERANCE))

    def warning(self) -> str | None:
        """The sentence for a result's quality warnings when the timing was uneven."""
        if not self.uneven:
            return None
        gaps = np.diff(self.times)
        return (f"frames arrived unevenly ({1000 * gaps.min():.0f} to {1000 * gaps.max():.0f} ms apart): "
                f"measured on a steady {self.fps:.1f} frames/s from their capture times")

    def series(self, received: LandmarkSeries) -> LandmarkSeries:
        """The received frames' landmarks on the steady clock (relocks moved to the step that
        first takes a frame at or after them)."""
        if len(received) != len(self.times):
            raise ValueError(f"{len(received)} frames of landmarks for {len(self.times)} capture times")
        k = self.taken
        relocks = sorted({int(np.searchsorted(k, r, side="left")) for r in received.relocks
                          if np.searchsorted(k, r, side="left") < len(k)})
        return LandmarkSeries(
            t_s=self.steady_times, xy_px=received.xy_px[k], z=received.z[k], visibility=received.visibility[k],
            world_m=received.world_m[k], image_size=received.image_size, fps=self.fps,
            back=None if received.back is None else received.back[k], relocks=tuple(relocks),
            upright_frames=received.upright_frames)


def with_timing(result, clock: SteadyClock):
    """A result with the clock's warning among its quality warnings (unchanged when the frames
    came evenly)."""
    note = clock.warning()
    if note is None or note in result.quality.warnings:
        return result
    return replace(result, quality=replace(result.quality, warnings=(*result.quality.warnings, note)))
