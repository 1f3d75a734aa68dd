"""Ground-truth sidecars (`*.truth.json`, DESIGN.md 6): reading them. The scores against them are
`rom.core.scoring` (generic) and each protocol's `validation` module."""

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
