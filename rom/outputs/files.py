"""Write what `rom analyze --out DIR` promises: summary.json, frames.csv, annotated.mp4, plot.png.

Every file is written under a temporary name and renamed into place (`atomic_path`), so a killed
run leaves no half-written file that a later run (or `rom batch --resume`) would trust.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary name beside path to write to; renamed to path when the block ends without an
    error, removed otherwise. Readers see the old file or the new one, never half of one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_outputs(analysis, out_dir: str | os.PathLike, video: bool = True, plot: bool = True) -> Path:
    """Write the result files of one analysis into out_dir (created if needed)."""
    from rom.outputs.annotate import write_annotated_video
    from rom.outputs.frames_csv import write_frames_csv
    from rom.outputs.plot import write_plot

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_frames_csv(analysis.result, analysis.series, out / "frames.csv")
    if plot:
        write_plot(analysis.result, out / "plot.png")
    if video:
        write_annotated_video(analysis, out / "annotated.mp4")
    # The summary last: its presence marks a complete set of outputs.
    atomic_write_text(out / "summary.json", json.dumps(analysis.result.to_dict(), indent=1) + "\n")
    return out
