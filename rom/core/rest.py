"""When live mode may take its resting reference: the body in the test's posture, and still.

Offline, the rest is found afterwards where the raised leg is lowest (`rom.protocols.slr.measure._rest_frames`).
Live, the reference is needed before the movement, so it is the first stretch of REST_S in which
every frame shows the expected posture (each protocol says why a frame does not) and every watched
angle stays within STILL_DEG, the offline rest margin. Until then the page says what to do.
Pure: the protocols give it one frame's angles and verdict at a time.
"""

from __future__ import annotations

import numpy as np

REST_S = 0.6  # a resting reference needs this long still in posture (offline needs 0.2 s)
STILL_DEG = 4.0  # the watched angles' spread over the rest (the offline rest margin)
MIN_FRAMES = 5
WAITING = "hold still: taking the resting position"


class RestGate:
    """Frames since the last (re)start: `add(values, reason)` each frame, then `window()`.

    values: the watched angles of the frame (degrees, NaN where not measured); reason: why the frame
    is not at rest in the expected posture ('lower the leg onto the table'), None when it is.
    """

    def __init__(self, fps: float, rest_s: float = REST_S, still_deg: float = STILL_DEG, waiting: str = WAITING):
        self.n = max(MIN_FRAMES, int(round(rest_s * fps)))
        self.waiting = waiting
        self.still_deg = still_deg
        self.start = 0  # history index of the first frame considered (after a retake)
        self.values: list[dict[str, float]] = []
        self.reasons: list[str | None] = []

    def add(self, values: dict[str, float], reason: str | None) -> None:
        self.values.append(values)
        self.reasons.append(reason)

    def restart(self) -> None:
        """The reference proved wrong: look for a rest only among the frames from now on."""
        self.start = len(self.values)

    def window(self) -> np.ndarray | None:
        """History indices of the rest just found (the last `n` frames), or None."""
        first = len(self.values) - self.n
        if first < self.start or any(r is not None for r in self.reasons[first:]):
            return None
        for key in self.values[-1]:
            x = np.array([v.get(key, np.nan) for v in self.values[first:]], dtype=float)
            good = x[np.isfinite(x)]
            if len(good) < 0.8 * self.n or np.ptp(good) > self.still_deg:
                return None
        return np.arange(first, len(self.values))

    def cues(self) -> list[str]:
        """What the page says while waiting: hold still, and what is wrong with the last frame."""
        reason = self.reasons[-1] if self.reasons else None
        return [self.waiting] if reason is None else [self.waiting, reason]
