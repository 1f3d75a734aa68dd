"""Errors that end an analysis with a reason for the user, and their exit codes (DESIGN.md 4)."""


class RomError(Exception):
    """Base class: an expected failure with a one-line reason; never shown as a traceback."""

    exit_code = 1


class BadInput(RomError):
    """Bad usage or unreadable input (missing file, not a video, truncated beyond use): exit 2."""

    exit_code = 2


class NotMeasurable(RomError):
    """Readable input that cannot be measured with trust (no person, wrong view): exit 3."""

    exit_code = 3
    test: str | None = None  # the test whose analysis refused it, where one was chosen (set by rom.analysis)
