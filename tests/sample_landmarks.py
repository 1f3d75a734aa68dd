"""The pose model's landmarks of a sample clip, computed once and kept on disk for every test.

The sample tests, the live-against-offline tests and the web tests all read the same clips; each
clip's landmarks (for a test: the hinge's carry the back outline) are computed the first time any
of them asks and stored in pytest's cache folder (.pytest_cache/d/sample_landmarks), keyed by the
clip (name, size, modification time) and by the source of the engine modules that decide the
landmarks: a change to the extraction computes them afresh. Every call loads a fresh copy, so no
test can change another's landmarks.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib

from rom.analysis import Analysis, Options, landmarks_of, measure
from rom.capture import video
from rom.core.landmarks import LandmarkSeries

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDER = ROOT / ".pytest_cache" / "d" / "sample_landmarks"
# What decides the landmarks of a clip (the protocol packages only read them).
ENGINE = ("rom/capture", "rom/core/landmarks.py", "rom/core/back_contour.py", "rom/core/posture.py",
          "rom/analysis.py")


@functools.cache
def _engine_key() -> str:
    h = hashlib.sha1()
    for entry in ENGINE:
        path = ROOT / entry
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def series_of(clip: str | os.PathLike, test: str, model: str = "full") -> LandmarkSeries:
    """The landmarks of a clip as `rom.analysis.landmarks_of(probe(clip), test, model)` gives them."""
    clip = pathlib.Path(clip)
    st = clip.stat()
    cached = FOLDER / f"{clip.stem}.{test}.{model}.{st.st_size}.{st.st_mtime_ns}.{_engine_key()}.npz"
    if cached.exists():
        return LandmarkSeries.load(cached)
    series = landmarks_of(video.probe(clip), test, model)
    FOLDER.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.stem}.{os.getpid()}.partial.npz")
    series.save(partial)
    partial.replace(cached)  # whole or not at all, should two runs share the folder
    return series


def analysis_of(clip: str | os.PathLike, options: Options) -> Analysis:
    """`rom.analysis.analyze_video(clip, options)` for a named test, from the kept landmarks."""
    if options.test == "auto":
        raise ValueError("analysis_of needs the test: --test auto runs the pose model on its own frames")
    series = series_of(clip, options.test, options.model)
    return Analysis(result=measure(series, options.test, str(clip), options), info=video.probe(clip), series=series)
