"""The slump test's steps found from the motion: each step is one movement of one signal (the trunk
slumping, the head bending, the knee straightening, the foot pulling up, the head coming back, the
trunk sitting up), found in the order the test does them, each after the one before.

A movement is found on a smoothed angle series as where it leaves its level by at least a minimum
amplitude, and where it settles again (its speed falls below a tenth of its peak speed). Its start
and end are read from the times it passes 30 % and 70 % of its amplitude, extended to the start and
end of a smooth (cosine-eased) movement through those two times: such a movement passes 30 % at
0.369 of its duration and 70 % at 0.631. The rules use only the frames up to the one they decide on,
plus the frames the movement needs to settle, so live mode runs them on the frames so far
(`rom.protocols.slump.live`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

# A cosine-eased movement x(u) = (1 - cos(pi u)) / 2 passes LOW at u = acos(1 - 2 LOW) / pi.
LOW, HIGH = 0.2, 0.8
U_LOW = float(np.arccos(1.0 - 2.0 * LOW) / np.pi)  # 0.369
SETTLE_SPEED = 0.1  # of the movement's peak speed: below it, the movement has ended
SETTLE_S = 0.15  # ... for this long

ORDER = ("upright", "slump", "neck_flexion", "knee_extension", "ankle_dorsiflexion", "neck_release", "return")


@dataclass(frozen=True)
class Move:
    """One movement: frames (fractional) of its start and end, the level before and after (degrees
    of the signal it was found on), and whether it has settled (False: still moving at the last frame)."""

    start: float
    end: float
    before: float
    after: float
    settled: bool = True

    @property
    def amplitude(self) -> float:
        return self.after - self.before


def find_move(x: np.ndarray, fps: float, i0: int, sign: float, min_amp: float, i_max: int | None = None,
              base_s: float = 0.2) -> Move | None:
    """The first movement of x after frame i0 that goes sign (+1 up, -1 down) by at least min_amp
    degrees from its level at i0 (the median of base_s seconds from i0), or None. i_max: the
    movement must cross min_amp before this frame."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    i0 = max(0, int(i0))
    if i0 >= n - 2:
        return None
    base_seg = x[i0:min(n, i0 + max(2, int(round(base_s * fps))))]
    if not np.isfinite(base_seg).any():
        return None
    base = float(np.nanmedian(base_seg))
    y = sign * (x - base)
    y_f = np.where(np.isfinite(y), y, -np.inf)
    over = np.flatnonzero(y_f[i0:] >= min_amp)
    if not len(over):
        return None
    j = i0 + int(over[0])
    if i_max is not None and j >= i_max:
        return None
    speed = np.abs(np.gradient(np.nan_to_num(y, nan=0.0))) * fps
    # Where it settles: the speed below a tenth of its peak so far for SETTLE_S (the first run of `hold`
    # such frames from j on; array operations, as live mode asks this of every frame so far).
    hold = max(2, int(round(SETTLE_S * fps)))
    tail = speed[j:]
    below = tail < SETTLE_SPEED * np.maximum.accumulate(tail)
    runs = np.flatnonzero(np.convolve(below.astype(int), np.ones(hold, int), "valid") == hold)
    k, settled = (j + int(runs[0]), True) if len(runs) else (n - 1, False)
    level_seg = y[k:min(n, k + hold)] if settled else y[max(j, n - hold):]
    amp = float(np.nanmedian(level_seg)) if np.isfinite(level_seg).any() else float(y[j])
    if not np.isfinite(amp) or amp < min_amp:
        amp = max(float(np.nanmax(y[j:k + 1])), min_amp)
    t_lo = _crossing(y, LOW * amp, i0, k, backwards_from=j)
    t_hi = _crossing(y, HIGH * amp, j if y[j] < HIGH * amp else i0, k)
    if t_lo is None or t_hi is None or t_hi <= t_lo:
        t_lo, t_hi = float(j), float(max(k, j + 1))
        duration = t_hi - t_lo
        start, end = t_lo, t_hi
    else:
        duration = (t_hi - t_lo) / (1.0 - 2.0 * U_LOW)
        start, end = t_lo - U_LOW * duration, t_hi + U_LOW * duration
    start = max(float(i0), start)
    return Move(start=start, end=min(float(n - 1), end), before=base, after=base + sign * amp, settled=settled)


def _crossing(y: np.ndarray, level: float, lo: int, hi: int, backwards_from: int | None = None) -> float | None:
    """Fractional frame where y rises through level between frames lo and hi: the last rise before
    backwards_from when given, else the first after lo."""
    idx = np.arange(max(lo, 0), min(hi, len(y) - 1))
    if not len(idx):
        return None
    a, b = y[idx], y[idx + 1]
    rises = idx[np.isfinite(a) & np.isfinite(b) & (a < level) & (b >= level)]
    if backwards_from is not None:
        rises = rises[rises < backwards_from]
        if not len(rises):
            return None
        i = int(rises[-1])
    else:
        if not len(rises):
            return None
        i = int(rises[0])
    return i + (level - y[i]) / max(y[i + 1] - y[i], 1e-9)


@dataclass(frozen=True)
class PhaseConfig:
    """Least movements that count as the test's steps (degrees of each measured signal): well above
    the noise of the smoothed signals at rest (fit half: under 2 degrees), well below the smallest
    step the test asks for."""

    min_slump_deg: float = 7.0  # the trunk's forward turn
    min_neck_deg: float = 8.0  # the head's bend against the trunk
    min_knee_deg: float = 15.0  # the knee straightening
    min_ankle_deg: float = 6.0  # the foot pulling up
    release_share: float = 0.5  # the head coming back at least this share of its bend
    return_share: float = 0.5  # the trunk sitting up at least this share of its slump


def find_phases(trunk: np.ndarray, neck: np.ndarray, knee: np.ndarray, ankle: np.ndarray, fps: float,
                config: PhaseConfig = PhaseConfig()) -> dict[str, Move]:
    """The steps found, in the test's order, each searched after the one before (a step not done
    leaves the later ones to be searched after the last step found). trunk: the trunk's forward turn
    from upright; neck: the head's bend against the trunk; knee: the tested knee's flexion; ankle: its
    dorsiflexion; degrees per frame."""
    c = config
    out: dict[str, Move] = {}
    slump = find_move(trunk, fps, 0, +1, c.min_slump_deg)
    if slump is not None:
        out["slump"] = slump
    at = int(np.ceil(slump.end)) if slump else 0
    neck_move = find_move(neck, fps, at, +1, c.min_neck_deg)
    if neck_move is not None and neck_move.settled:
        out["neck_flexion"] = neck_move
        at = int(np.ceil(neck_move.end))
    elif neck_move is not None:
        out["neck_flexion"] = neck_move
        return out
    knee_move = find_move(knee, fps, at, -1, c.min_knee_deg)
    if knee_move is None:
        return out
    out["knee_extension"] = knee_move
    if not knee_move.settled:
        return out
    at = int(np.ceil(knee_move.end))
    # The trunk stays slumped until the return: found first, it bounds the release (the head moves on
    # with the trunk as it sits up, and must not be read as the release going on).
    back = find_move(trunk, fps, at, -1, max(c.min_slump_deg, c.return_share * (slump.amplitude if slump else 0.0)))
    release = None
    if "neck_flexion" in out:
        amp = out["neck_flexion"].amplitude
        release = find_move(neck, fps, at, -1, max(c.min_neck_deg, c.release_share * amp),
                            i_max=None if back is None else int(np.ceil(back.start)))
    if release is not None and back is not None and (release.end > back.start or not release.settled):
        release = replace(release, end=min(release.end, back.start), settled=True)
    ankle_move = find_move(ankle, fps, at, +1, c.min_ankle_deg,
                           i_max=None if release is None else int(np.ceil(release.start)) + 1)
    if ankle_move is not None and (release is None or ankle_move.end <= release.end):
        out["ankle_dorsiflexion"] = ankle_move
    if release is None:
        return out
    out["neck_release"] = release
    if release.settled and back is not None:
        out["return"] = back
    return out
