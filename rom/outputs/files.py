"""Write what `rom analyze --out DIR` promises: summary.json, frames.csv, annotated.mp4, plot.png.

Every file is written under a temporary name and renamed into place (`rom.outputs.atomic`), so a
killed run leaves no half-written file that a later run (or `rom batch --resume`) would trust.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rom.outputs.atomic import atomic_write_text
from rom.outputs.frames_csv import write_frames_csv


def write_outputs(analysis, out_dir: str | os.PathLike, video: bool = True, plot: bool = True) -> Path:
    """Write the result files of one analysis into out_dir (created if needed)."""
    from rom.outputs.annotate import write_annotated_video
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
