"""The plain-text summary `rom analyze` prints without `--json`: the measurement, what it means,
the flags in words with a sentence each, and how far it can be trusted.

The test's own part (its heading, figures and interpretation) is its protocol's
(`Protocol.text_summary`), and so are the words for its flags, so the terminal, the annotated
video, the batch report and the web pages all say the same thing.
"""

from __future__ import annotations

import textwrap

from rom import protocols

WIDTH = 100  # columns: sentences wrap there, so a terminal shows them indented, not broken anyhow


def describe(result) -> str:
    """A multi-line, human-readable summary of a test's result (no trailing newline)."""
    summary = protocols.of(result).text_summary(result)
    body = list(summary.lines)
    if summary.interpretation:
        body += ["", "Interpretation"] + [_wrap(s) for s in summary.interpretation]
    return "\n".join(body + [""] + _flag_lines(result, summary) + [""] + _quality_lines(result.quality))


def _wrap(text: str, indent: str = "  ", hang: str = "    ") -> str:
    """A paragraph wrapped at WIDTH, its continuation lines indented by hang."""
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=hang, break_on_hyphens=False)


def _flag_lines(r, summary) -> list[str]:
    shown = [f for f in r.flags if f not in summary.hidden_flags]
    p = protocols.of(r)
    unsure = [_wrap(f"not assessed: {p.flag_words(f)}: {reason}")
              for f, reason in getattr(r, "not_assessed", ())]
    if not shown:
        return ["Flags: none" + summary.all_clear] + unsure
    lines = ["Flags"]
    for f in shown:
        where = summary.flag_where.get(f, "")
        lines.append(_wrap(f"{p.flag_words(f)}{where}: {p.flag_sentence(f)}"))
    return lines + unsure


def _quality_lines(q) -> list[str]:
    source = "2D image landmarks" if q.angle_source == "image_2d" else q.angle_source.replace("_", " ")
    lines = [f"Quality: {q.frames} frames, a pose in {q.detected_fraction:.0%} of them, {q.view} view, "
             f"angles from {source}"]
    if not q.warnings:
        return lines + ["Warnings: none"]
    return lines + ["Warnings"] + [_wrap(w, "  - ", "    ") for w in q.warnings]
