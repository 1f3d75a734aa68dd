"""What a live frame claims to be, read from its header before anything decodes it.

The live page sends JPEGs (lossless PNG is accepted too, as the tests send it). A small file can
declare an enormous picture (a "decompression bomb": a 30000 x 30000 JPEG of one colour is a few
hundred kilobytes and decodes to 2.7 GB), so the size is read from the header and checked first.
"""

from __future__ import annotations

import struct

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless...); C4, C8 and CC are other things.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class NotAnImage(ValueError):
    """The bytes are not a JPEG or PNG picture of an acceptable size; the message says why."""


def frame_size(data: bytes, max_pixels: int) -> tuple[str, int, int]:
    """('jpeg' or 'png', width, height) from the header; raises NotAnImage."""
    if data[:3] == b"\xff\xd8\xff":
        kind, (w, h) = "jpeg", _jpeg_size(data)
    elif data[:8] == _PNG:
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise NotAnImage("the frame is not a readable image: a damaged PNG")
        kind, (w, h) = "png", struct.unpack(">II", data[16:24])
    else:
        raise NotAnImage("the frame is not a readable image: not a JPEG")
    if w < 1 or h < 1:
        raise NotAnImage(f"the frame declares an empty picture ({w} x {h} px)")
    if w * h > max_pixels:
        raise NotAnImage(f"the frame is too large ({w} x {h} px; at most {max_pixels / 1e6:.0f} megapixels)")
    return kind, w, h


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise NotAnImage("the frame is not a readable image: a damaged JPEG")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if length < 2:
            raise NotAnImage("the frame is not a readable image: a damaged JPEG")
        if marker in _SOF:
            if i + 9 > n:
                break
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if marker == 0xDA:  # image data before any frame header
            break
        i += 2 + length
    raise NotAnImage("the frame is not a readable image: a truncated or damaged JPEG (no picture size)")
