"""Reading video files (PyAV, FFmpeg's libraries) and writing them (OpenCV), with the checks that
turn bad files into reasons.

What a phone user expects, and a file's header does not always say:
- **Rotation.** A portrait phone video is stored sideways with a display matrix saying how to
  turn it; frames are turned upright before anything looks at them (`VideoInfo.rotation_deg`).
- **Timing from the frames' timestamps.** The frame rate is measured from the timestamps of the
  frames (not taken from the header, which may be wrong or missing). A variable frame rate
  is resampled to a steady one (each step of the steady clock takes the frame nearest in time,
  as FFmpeg's fps filter does), so that frame n is at time n / fps for everything downstream.
  A rate no camera records (over MAX_FPS) or no timing at all is refused with the reason.
- **Limits before decoding.** The picture size and the frame count are read from the header and
  checked before any frame is decoded (a small file can declare a huge picture); the decoder is
  also told the limit (FFmpeg's max_pixels), so a header that lies cannot make it allocate more.

Frames are streamed one at a time, never held all at once, so memory does not grow with the
length of the video.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from rom.core.errors import BadInput

# Frames larger than this (longest side, px) are scaled down before pose estimation: BlazePose
# works on a 256 px crop anyway, and decoding 8K frames for it only costs time.
MAX_SIDE_PX = 1920
# Larger pictures are refused from the header: 8K (7680 x 4320) fits, a 16000 x 16000 frame
# (1 GB decoded in RGB) does not.
MAX_PIXELS = 8192 * 4320
# About an hour at 60 frames/s; the header's count is checked before reading, the real one while
# reading the timestamps.
MAX_FRAMES = 216_000
# Frame rates a camera records (phones film slow motion at up to 240 frames/s).
MIN_FPS, MAX_FPS = 1.0, 240.0
# A header rate this far (relative) from the timestamps' is reported.
RATE_DISAGREEMENT = 0.1
# Intervals within this fraction of the median count as a steady (constant) frame rate.
STEADY_TOLERANCE = 0.25
_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif", "gif_pipe"}
_IMAGE_CODECS = {"png", "mjpeg", "bmp", "webp", "tiff", "gif"}
# Raw streams without a container: their demuxer invents the timestamps from a default rate
# (25 frames/s), so they carry no timing of their own.
_RAW_FORMATS = {"mjpeg", "h264", "hevc", "m4v", "mpegvideo", "mpeg1video", "rawvideo", "image2pipe", "cavsvideo",
                "vc1", "dirac", "obu", "mpjpeg", "vvc", "evc"}


@dataclass(frozen=True)
class VideoInfo:
    """A readable video, as it will be read: width and height upright (after the rotation),
    n_frames and fps those of the steady clock the frames are delivered on."""

    path: str
    fps: float
    n_frames: int  # frames on the steady clock (counted from the timestamps, not the header)
    width: int
    height: int
    fps_assumed: bool = False  # kept for callers: the rate is never assumed any more
    rotation_deg: int = 0  # counter-clockwise turn applied to the stored frames (0, 90, 180, 270)
    header_fps: float | None = None  # what the header declares (None: nothing usable)
    variable_rate: bool = False  # the frames were resampled to a steady rate
    warnings: tuple[str, ...] = ()  # timing notes for the result's quality block
    start_s: float = 0.0  # timestamp of the first frame in the file

    @property
    def timing(self) -> str:
        """How the frames' times were found, in words (for reports)."""
        how = "resampled from a variable frame rate" if self.variable_rate else "from the frames' timestamps"
        return f"{self.fps:.2f} frames/s {how}" + (f", turned {self.rotation_deg} degrees" if self.rotation_deg else "")


def probe(path: str | os.PathLike) -> VideoInfo:
    """Check that path is a readable video with at least one frame, of an acceptable picture
    size, frame count and frame rate; raise BadInput with the reason otherwise. Reads the
    header and the frames' timestamps (no decoding) and decodes the first frame only."""
    p = Path(path)
    _check_file(p)
    try:
        container = av.open(str(p), options={"probesize": "5000000"})
    except PermissionError:
        raise BadInput(f"{p}: cannot be read (permission denied)") from None
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        raise BadInput(f"{p}: not a readable video ({_guess_kind(p)})") from None
    with container:
        if not container.streams.video:
            raise BadInput(f"{p}: not a readable video ({_guess_kind(p)})")
        stream = container.streams.video[0]
        cc = stream.codec_context
        w, h = int(cc.width or 0), int(cc.height or 0)
        _check_size(p, w, h)
        if (stream.frames or 0) > MAX_FRAMES:
            raise BadInput(f"{p}: too many frames ({stream.frames}; at most {MAX_FRAMES}, an hour at 60 frames/s)")
        header_fps = _rate(stream.average_rate) or _rate(stream.base_rate)
        still = container.format.name in _IMAGE_FORMATS or (cc.name in _IMAGE_CODECS and (stream.frames or 0) <= 1)
        raw = container.format.name if container.format.name in _RAW_FORMATS else None
        times = _packet_times(p, container, stream)
    first = _first_frame(p)
    if first is None:
        raise BadInput(f"{p}: no video frames could be decoded ({_guess_kind(p)})")
    frame, rotation = first
    if still and len(times) <= 1:
        raise BadInput(f"{p}: is a still image, not a video")
    if still or raw:  # a sequence of pictures or a raw stream: the times are invented by the demuxer
        raw = raw or "picture"
        raise BadInput(f"{p}: a raw {raw} stream without a container gives no frame rate and "
                       "no frame times, so its timing is unknown; put it in a container with its real frame "
                       "rate (e.g. ffmpeg -r 30 -i IN -c copy OUT.mp4)")
    fps, n, variable, warnings = _timing(p, times, header_fps)
    fw, fh = frame.width, frame.height
    _check_size(p, fw, fh)
    if rotation in (90, 270):
        fw, fh = fh, fw
    return VideoInfo(str(p), fps, n, fw, fh, rotation_deg=rotation, header_fps=header_fps,
                     variable_rate=variable, warnings=tuple(warnings), start_s=times[0] if times else 0.0)


def with_video_quality(result: dict, info: VideoInfo) -> dict:
    """A result's dict (`to_dict()`) with how the video was read in its quality block: the frame
    rate and where it came from, the rotation applied, and the timing warnings."""
    out = dict(result)
    q = dict(out.get("quality") or {})
    header = None if info.header_fps is None else round(info.header_fps, 3)
    q["video"] = {"fps": round(info.fps, 3), "header_fps": header,
                  "timing": "resampled from a variable frame rate" if info.variable_rate else "frame timestamps",
                  "rotation_deg": info.rotation_deg, "width": info.width, "height": info.height}
    q["warnings"] = list(q.get("warnings") or []) + [w for w in info.warnings if w not in (q.get("warnings") or [])]
    out["quality"] = q
    return out


def _check_file(p: Path) -> None:
    """A regular, non-empty file (a named pipe would block the reader for ever)."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file") from None
    except PermissionError:
        raise BadInput(f"{p}: cannot be read (permission denied)") from None
    except OSError as e:
        raise BadInput(f"{p}: cannot be read ({e.strerror or type(e).__name__})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{p}: is a folder, not a video file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else \
            "a socket" if stat.S_ISSOCK(st.st_mode) else "a device or other special file"
        raise BadInput(f"{p}: is {kind}, not a video file")
    if st.st_size == 0:
        raise BadInput(f"{p}: the file is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise BadInput(f"{p}: cannot be read (permission denied)")


def _check_size(p: Path, w: int, h: int) -> None:
    if w * h > MAX_PIXELS:
        raise BadInput(f"{p}: the picture is too large ({w} x {h} px; at most {MAX_PIXELS / 1e6:.0f} "
                       "megapixels, as 8K video)")


def _rate(value) -> float | None:
    try:
        r = float(value) if value is not None else 0.0
    except (TypeError, ZeroDivisionError):
        return None
    return r if np.isfinite(r) and r > 0 else None


def _packet_times(p: Path, container, stream) -> list[float]:
    """Presentation times (s) of the video packets, sorted; packets are read, not decoded."""
    times: list[float] = []
    tb = stream.time_base
    count = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            count += 1
            if count > MAX_FRAMES:
                raise BadInput(f"{p}: too many frames (over {MAX_FRAMES}, an hour at 60 frames/s)")
            if packet.pts is not None and tb is not None:
                times.append(float(packet.pts * tb))
    except av.FFmpegError:
        pass  # a damaged tail: the frames before it count
    if len(times) < count:  # some packets have no time: the times cannot be trusted alone
        return [] if len(times) < 2 else sorted(times)
    return sorted(times)


def _first_frame(p: Path):
    """(first decoded frame, its rotation) or None."""
    try:
        with av.open(str(p)) as container:
            stream = container.streams.video[0]
            _limit_decoder(stream)
            for frame in container.decode(stream):
                return frame, _rotation(frame)
    except (av.FFmpegError, OSError):
        return None
    return None


def _limit_decoder(stream) -> None:
    stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}


def _rotation(frame) -> int:
    """The counter-clockwise turn that shows the frame upright (0, 90, 180 or 270)."""
    try:
        r = frame.rotation
    except (AttributeError, ValueError):
        return 0
    return int(round((r or 0) / 90.0)) * 90 % 360


def _timing(p: Path, times: list[float], header_fps: float | None) -> tuple[float, int, bool, list[str]]:
    """(fps, frames on the steady clock, variable rate, warnings) from the frames' times."""
    warnings: list[str] = []
    unique = np.unique(np.asarray(times, dtype=float))
    steps = np.diff(unique)
    steps = steps[steps > 0]
    if len(steps) == 0:
        if header_fps is None:
            raise BadInput(f"{p}: the video gives no frame rate and no frame times, so its timing is unknown; "
                           "re-encode it with its frame rate (e.g. ffmpeg -i IN -r 30 OUT.mp4)")
        fps = header_fps
        n = max(len(times), 1)
        warnings.append(f"the frames have no timestamps: timed at the header's {fps:.2f} frames/s")
        _plausible(p, fps, "declares")
        return fps, n, False, warnings
    median = float(np.median(steps))
    fps = 1.0 / median
    if header_fps is not None and abs(header_fps / fps - 1.0) < 1e-3:
        fps = header_fps  # the same rate, without the rounding of the timestamps
    _plausible(p, fps, "is timed at")
    variable = bool(np.any(np.abs(steps / median - 1.0) > STEADY_TOLERANCE))
    # (a variable rate's header gives the average rate, which is no disagreement)
    mean_fps = (len(unique) - 1) / float(unique[-1] - unique[0])
    if header_fps is not None and abs(header_fps / (mean_fps if variable else fps) - 1.0) > RATE_DISAGREEMENT:
        warnings.append(f"the header says {header_fps:.2f} frames/s but the frames' timestamps give "
                        f"{fps:.2f} frames/s; the timestamps were used")
    if variable:
        n = int(round((unique[-1] - unique[0]) * fps)) + 1
        warnings.append(f"variable frame rate (frames {1000 * steps.min():.0f} to {1000 * steps.max():.0f} ms "
                        f"apart): resampled to a steady {fps:.2f} frames/s from the frames' timestamps")
    else:
        n = len(unique)
    return fps, n, variable, warnings


def _plausible(p: Path, fps: float, verb: str) -> None:
    if not MIN_FPS <= fps <= MAX_FPS:
        raise BadInput(f"{p}: the video {verb} {fps:.4g} frames/s, which no camera records (expected "
                       f"{MIN_FPS:.0f} to {MAX_FPS:.0f}); its timing cannot be trusted. Re-encode it with "
                       "its real frame rate (e.g. ffmpeg -i IN -r 30 OUT.mp4)")


def _guess_kind(p: Path) -> str:
    """A short guess at what a non-video file is, from its first bytes."""
    try:
        with open(p, "rb") as f:
            head = f.read(512)
    except OSError:
        return "cannot be read"
    if head[4:8] == b"ftyp":
        return "an MP4/MOV container that is damaged or holds no video track"
    if head.startswith((b"ID3", b"RIFF")) or head[:2] == b"\xff\xfb":
        return "looks like audio or another non-video file"
    try:
        head.decode("utf-8")
        return "looks like a text file"
    except UnicodeDecodeError:
        return "unknown or damaged format"


def _decoded(info: VideoInfo) -> Iterator[tuple[float, av.VideoFrame]]:
    """(time in s, decoded frame) of each frame, in presentation order, until the video ends or
    can no longer be decoded. The frames stay in the decoder's format: converting one to a
    picture (`_upright`) costs several times its decoding, so only the frames used are converted."""
    try:
        container = av.open(info.path)
    except (av.FFmpegError, OSError):
        return
    with container:
        stream = container.streams.video[0]
        _limit_decoder(stream)
        last_t = None
        try:
            for frame in container.decode(stream):
                t = frame.time
                if t is None:
                    t = (last_t + 1.0 / info.fps) if last_t is not None else info.start_s
                if last_t is not None and t <= last_t:
                    continue  # a repeated timestamp: the frame already shown
                last_t = t
                yield t, frame
        except av.FFmpegError:
            return


def _upright(info: VideoInfo, frame: av.VideoFrame, fmt: str, reformatter: VideoReformatter) -> np.ndarray:
    """The frame as an (H, W, 3) picture in fmt ('rgb24' or 'bgr24'), turned upright.

    reformatter: one per stream of frames. `frame.to_ndarray(format=...)` gives each frame a converter
    of its own, set up anew every time: 0.73-0.78 against 0.50 ms per 640x480 frame here, decoding
    included (0.12), the same pixels (on a busy machine 6.0 against 1.6)."""
    img = reformatter.reformat(frame, format=fmt).to_ndarray()
    k = (info.rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def _steady(info: VideoInfo, frames: Iterator[tuple[float, av.VideoFrame]]) -> Iterator[av.VideoFrame]:
    """The frames on a steady clock of info.fps from the first frame: each tick takes the frame
    nearest in time (a frame is repeated or skipped only where the rate varies)."""
    period = 1.0 / info.fps
    prev: tuple[float, np.ndarray] | None = None
    t0 = None
    k = 0
    for t, img in frames:
        if prev is None:
            prev, t0 = (t, img), t
            continue
        middle = (prev[0] + t) / 2.0
        while k < info.n_frames and t0 + k * period < middle:
            yield prev[1]
            k += 1
        prev = (t, img)
    if prev is not None:
        while k < info.n_frames and t0 + k * period <= prev[0] + period / 2.0:
            yield prev[1]
            k += 1


def iter_frames(info: VideoInfo, max_side: int = MAX_SIDE_PX,
                only: Collection[int] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame index, RGB frame), upright, on the steady clock (frame i at i / info.fps
    seconds), until the video ends or can no longer be decoded.

    only: the indices wanted (None: all); the others are decoded (a video cannot be read
    otherwise) but never converted, and decoding stops after the last one wanted.
    Frames whose longest side exceeds max_side are scaled down (keep `scale_of(info)` in mind
    when mapping positions back to the file's pixels).
    """
    scale = scale_of(info, max_side)
    last = max(only, default=-1) if only is not None else None
    reformatter = VideoReformatter()
    for i, frame in enumerate(_steady(info, _decoded(info))):
        if last is not None and i > last:
            return
        if only is not None and i not in only:
            continue
        rgb = _upright(info, frame, "rgb24", reformatter)
        if scale != 1.0:
            rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        yield i, rgb


def iter_bgr(video: str | os.PathLike | VideoInfo) -> Iterator[np.ndarray]:
    """Yield the file's frames at full resolution (BGR), upright and on the same steady clock as
    iter_frames, for overlays drawn at full resolution."""
    info = video if isinstance(video, VideoInfo) else probe(video)
    reformatter = VideoReformatter()
    for frame in _steady(info, _decoded(info)):
        yield _upright(info, frame, "bgr24", reformatter)


def scale_of(info: VideoInfo, max_side: int = MAX_SIDE_PX) -> float:
    """Factor applied to frames before pose estimation (1.0 for ordinary sizes)."""
    longest = max(info.width, info.height)
    return 1.0 if longest <= max_side else max_side / longest


def frame_count_hint(path: str | os.PathLike) -> int:
    """The frame count the container declares (0 if it cannot be read or is not a regular
    file); nothing is decoded."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return 0
        with av.open(str(path)) as container:
            return max(int(container.streams.video[0].frames or 0), 0) if container.streams.video else 0
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return 0


class VideoWriter:
    """MP4 writer (OpenCV's mp4v codec; its wheel carries no H.264 encoder). Writes to a
    temporary name and renames on close, so a killed run never leaves a half-written file."""

    def __init__(self, path: str | os.PathLike, fps: float, size: tuple[int, int]):
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial.mp4")
        self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise OSError(f"cannot write video {self.path}")

    def write(self, bgr: np.ndarray) -> None:
        self._writer.write(bgr)

    def close(self) -> None:
        self._writer.release()
        os.replace(self._tmp, self.path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self._writer.release()
            self._tmp.unlink(missing_ok=True)
