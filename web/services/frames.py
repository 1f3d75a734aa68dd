"""Recorded frames <-> arrays: the landmark blob of a FrameSample, and the LandmarkSeries and
per-frame angle table rebuilt from stored samples.

A blob is little-endian float32: xy (33 x 2 px), z (33), visibility (33), world (33 x 3 m), then
the frame's back-outline features when the test measures them (hinge). 924 bytes for an SLR
frame; float32 keeps positions to 1e-4 px, far below the pose model's noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rom.core.landmarks import N_LANDMARKS, LandmarkSeries
from rom.core.results import FrameTable

_DTYPE = np.dtype("<f4")
CORE = N_LANDMARKS * 7  # xy 2 + z 1 + visibility 1 + world 3


def pack(xy: np.ndarray, z: np.ndarray, visibility: np.ndarray, world: np.ndarray,
         back: np.ndarray | None = None) -> bytes | None:
    """One frame's landmarks as a blob; None for a frame without a pose."""
    if not np.isfinite(xy[0, 0]):
        return None
    parts = [np.ravel(xy), np.ravel(z), np.ravel(visibility), np.ravel(world)]
    if back is not None:
        parts.append(np.ravel(back))
    return np.concatenate(parts).astype(_DTYPE).tobytes()


def unpack(blob: bytes | None, n_features: int = 0) -> dict[str, np.ndarray]:
    """The arrays of one blob (NaN positions and zero visibility for None); its back features
    too when n_features > 0."""
    if blob is None:
        a = np.full(CORE + n_features, np.nan)
        a[N_LANDMARKS * 3:N_LANDMARKS * 4] = 0.0
    else:
        a = np.frombuffer(blob, dtype=_DTYPE).astype(float)
    n = N_LANDMARKS
    out = {"xy": a[:2 * n].reshape(n, 2), "z": a[2 * n:3 * n], "visibility": a[3 * n:4 * n],
           "world": a[4 * n:7 * n].reshape(n, 3)}
    if n_features:
        back = a[CORE:]
        out["back"] = back if len(back) == n_features else np.full(n_features, np.nan)
    return out


def series_from(blobs: Sequence[bytes | None], relocks: Sequence[int], image_size: tuple[int, int],
                times: Sequence[float], n_features: int = 0) -> LandmarkSeries:
    """The landmark series of stored frames at their capture times (seconds from the first), as
    received; `rom.core.timing.SteadyClock` puts it on the steady clock the analysis needs."""
    rows = [unpack(b, n_features) for b in blobs]
    n = len(rows)
    t = np.asarray(times, dtype=float)
    t = t - t[0] if n else t
    fps = mean_rate(list(t))

    def stack(key, shape):
        return np.array([r[key] for r in rows], dtype=float).reshape((n, *shape))

    return LandmarkSeries(
        t_s=t, xy_px=stack("xy", (N_LANDMARKS, 2)), z=stack("z", (N_LANDMARKS,)),
        visibility=stack("visibility", (N_LANDMARKS,)), world_m=stack("world", (N_LANDMARKS, 3)),
        image_size=image_size, fps=fps, back=stack("back", (n_features,)) if n_features else None,
        relocks=tuple(relocks))


def mean_rate(t_s: Sequence[float]) -> float:
    """Frames per second of received frames (as `rom.live.session.LiveSession.fps`)."""
    if len(t_s) < 2 or t_s[-1] <= t_s[0]:
        return 30.0
    return (len(t_s) - 1) / (t_s[-1] - t_s[0])


def angle_rows(table: FrameTable) -> list[dict[str, float | None]]:
    """The engine's per-frame table as one dict per frame (None for missing values), for
    FrameSample.angles."""
    cols = table.columns
    n = len(table)
    return [{k: (float(v[i]) if i < len(v) and np.isfinite(v[i]) else None) for k, v in cols.items()}
            for i in range(n)]


def table_from(rows: Sequence[dict | None]) -> FrameTable:
    """FrameSample.angles of every frame back into the engine's table (NaN where missing)."""
    names: list[str] = []
    for r in rows:
        for k in r or {}:
            if k not in names:
                names.append(k)
    return FrameTable({k: np.array([np.nan if not r or r.get(k) is None else r[k] for r in rows], dtype=float)
                       for k in names})
