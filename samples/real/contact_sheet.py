"""Contact sheets for labelling real clips by eye: one tile every STEP seconds, time on each tile.

    .venv/bin/python samples/real/contact_sheet.py CLIP OUT.png [--step 0.5] [--start 0] [--end END]
        [--cols 6] [--width 320] [--grid DEG]

--crop x0,y0,x1,y1 (fractions of the frame) cuts each frame before tiling, for small bodies.
--grid draws a protractor fan (lines every DEG degrees from the horizontal, through the tile's
centre) on every tile, for reading segment angles against the image horizontal.
"""

from __future__ import annotations

import argparse
import math

import cv2
import numpy as np


def grab(path: str, times: list[float]) -> tuple[list[np.ndarray], float, int]:
    """The frames nearest to `times` (seconds), with the clip's fps and frame count."""
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    wanted = {min(max(round(t * fps), 0), max(n - 1, 0)) for t in times}
    out: dict[int, np.ndarray] = {}
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i in wanted:
            out[i] = frame
        i += 1
        if i > max(wanted):
            break
    cap.release()
    return [out[k] for k in sorted(out)], fps, n


def fan(tile: np.ndarray, step_deg: float) -> None:
    """Lines through the tile centre every step_deg degrees from the image horizontal, labelled."""
    h, w = tile.shape[:2]
    cx, cy, r = w // 2, h // 2, max(w, h)
    for k in range(int(180 / step_deg)):
        a = math.radians(k * step_deg)
        dx, dy = r * math.cos(a), -r * math.sin(a)
        colour = (0, 0, 255) if k % 3 == 0 else (0, 200, 255)
        cv2.line(tile, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), colour, 1)
        if k % 3 == 0:
            lx, ly = int(cx + 0.45 * w * math.cos(a)), int(cy - 0.45 * h * math.sin(a))
            cv2.putText(tile, f"{k * step_deg:g}", (lx, max(ly, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                        (0, 0, 255), 1)


def sheet(path: str, step: float, start: float, end: float | None, cols: int, width: int,
          grid: float | None, crop: tuple[float, float, float, float] | None = None) -> np.ndarray:
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    dur = n / fps
    stop = dur if end is None else min(end, dur)
    times = list(np.arange(start, stop, step))
    frames, fps, _ = grab(path, times)
    tiles = []
    for t, f in zip(times, frames):
        if crop:
            fh, fw = f.shape[:2]
            f = f[int(crop[1] * fh):int(crop[3] * fh), int(crop[0] * fw):int(crop[2] * fw)]
        h, w = f.shape[:2]
        tile = cv2.resize(f, (width, max(1, round(h * width / w))))
        if grid:
            fan(tile, grid)
        cv2.rectangle(tile, (0, 0), (70, 18), (0, 0, 0), -1)
        cv2.putText(tile, f"{t:.2f}s", (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
        tiles.append(tile)
    th = max(t.shape[0] for t in tiles)
    tiles = [np.pad(t, ((0, th - t.shape[0]), (0, 0), (0, 0))) for t in tiles]
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    return np.vstack(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clip")
    p.add_argument("out")
    p.add_argument("--step", type=float, default=0.5)
    p.add_argument("--start", type=float, default=0.0)
    p.add_argument("--end", type=float)
    p.add_argument("--cols", type=int, default=6)
    p.add_argument("--width", type=int, default=240)
    p.add_argument("--grid", type=float)
    p.add_argument("--crop", help="x0,y0,x1,y1 as fractions of the frame")
    a = p.parse_args()
    crop = tuple(float(v) for v in a.crop.split(",")) if a.crop else None
    cv2.imwrite(a.out, sheet(a.clip, a.step, a.start, a.end, a.cols, a.width, a.grid, crop))


if __name__ == "__main__":
    main()
