"""Jinja filters: local time, degrees, seconds, flags in words (`rom.wording`)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask

from rom.wording import flag_explanation, flag_words


def localtime(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (naive UTC) time in the server's local time zone."""
    if t is None:
        return ""
    return t.replace(tzinfo=timezone.utc).astimezone().strftime(fmt)


def deg(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{v:.{digits}f}°"


def seconds(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f} s"


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(deg)
    app.add_template_filter(seconds)
    app.add_template_filter(flag_explanation)
    app.add_template_filter(flag_words)
