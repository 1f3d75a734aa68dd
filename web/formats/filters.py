"""Jinja filters: local time, degrees, seconds, flags in words (`rom.outputs.wording`), the engine's
messages in the web app's words (`plain_words`)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import Flask

from rom import protocols
from rom.outputs.wording import flag_explanation, flag_words


def localtime(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (naive UTC) time in the server's local time zone."""
    if t is None:
        return ""
    return t.replace(tzinfo=timezone.utc).astimezone().strftime(fmt)


def deg(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{v:.{digits}f}°"


def seconds(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f} s"


# The engine's messages are written for `rom analyze`; on the web the same advice is a form choice.
_ADVICE = [
    (re.compile(r"\(for an? ([\w -]+) use --test (\w+)\)"), lambda m: f"(for a {m[1]}, upload it as a {m[1]})"),
    (re.compile(r"choose the test with --test"), "choose the test when uploading the video"),
    (re.compile(r"use --test (\w+)"), lambda m: f"choose the {_title(m[1])} as the test"),
    (re.compile(r"give --side"), "choose the side"),
    (re.compile(r"--(\w+)"), lambda m: f"the {m[1]} choice"),
    (re.compile(r"(?<![\d.])1 degrees"), "1 degree"),
]


def _title(name: str) -> str:
    """A test's name as the upload form says it ('hip hinge')."""
    if name not in protocols.names():
        return name
    title = protocols.get(name).title
    return title[:1].lower() + title[1:]


def plain_words(text: str | None) -> str:
    """An engine message in the web app's words: form choices instead of command-line options,
    '1 degree' not '1 degrees'."""
    text = text or ""
    for pattern, words in _ADVICE:
        text = pattern.sub(words, text)
    return text


def capitalize_first(text: str) -> str:
    """'the knee ...' -> 'The knee ...' (Jinja's capitalize lowercases the rest)."""
    return text[:1].upper() + text[1:]


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(deg)
    app.add_template_filter(seconds)
    app.add_template_filter(flag_explanation)
    app.add_template_filter(flag_words)
    app.add_template_filter(plain_words)
    app.add_template_filter(capitalize_first)
