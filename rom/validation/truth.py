"""Ground-truth sidecars (`*.truth.json`, DESIGN.md 6) and comparison of results against them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Truth:
    path: Path
    data: dict

    @property
    def test(self) -> str:
        return self.data["test"]

    @property
    def video(self) -> Path:
        """The clip this truth describes: its `render.video`, else the same stem with .mp4."""
        name = self.data.get("render", {}).get("video")
        if name:
            return self.path.with_name(name)
        return self.path.with_name(self.path.name.replace(".truth.json", ".mp4"))

    @property
    def name(self) -> str:
        return self.path.name.replace(".truth.json", "")

    def frame_series(self, key: str) -> np.ndarray:
        return np.array([f.get(key, np.nan) if f.get(key) is not None else np.nan
                         for f in self.data["frames"]], dtype=float)


def load(path: str | Path) -> Truth:
    path = Path(path)
    return Truth(path, json.loads(path.read_text(encoding="utf-8")))


def find(folder: str | Path) -> list[Truth]:
    """All truth files in a folder (not recursive), sorted by name."""
    return [load(p) for p in sorted(Path(folder).glob("*.truth.json"))]


def per_frame_mae(measured: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute difference over the frames both have (degrees); NaN if none."""
    n = min(len(measured), len(truth))
    d = np.abs(np.asarray(measured[:n], float) - truth[:n])
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) else float("nan")


def flag_score(measured: list[str], truth: list[str]) -> dict:
    """Hits, misses (in truth, not measured) and false flags (measured, not in truth)."""
    m, t = set(measured), set(truth)
    return {"hits": sorted(m & t), "missed": sorted(t - m), "false": sorted(m - t), "exact": m == t}


def match_reps(measured: list[dict], truth: list[dict]) -> list[tuple[dict | None, dict]]:
    """Pair each true repetition with the measured one whose bottom is nearest in time (or None)."""
    out, used = [], set()
    for t in truth:
        best, best_d = None, np.inf
        for i, m in enumerate(measured):
            d = abs(m["bottom_s"] - t["bottom_s"]) if m.get("bottom_s") is not None else np.inf
            if i not in used and d < best_d and d < max(1.0, 0.5 * (t["end_s"] - t["start_s"])):
                best, best_d = i, d
        if best is not None:
            used.add(best)
        out.append((None if best is None else measured[best], t))
    return out
