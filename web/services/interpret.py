"""What a result means, for the result, history and report pages and the exports (DESIGN.md 3).

The sentences are the test's own (`Protocol.interpretation()`, e.g. `rom.protocols.slr.interpret`),
with the thresholds of its interpretation table as the clinic set them: the app config's keys of
the test's SETTINGS (SLR_TIGHT_BELOW_DEG, SLR_MDC_DEG), whose defaults are the table's, which the
batch report and the text summary read too, so that they all highlight the same pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app

from rom import protocols
from rom.protocols.base import Protocol


def thresholds(p: Protocol, config: Mapping | None = None):
    """The test's interpretation thresholds with the clinic's settings (default: the app's config)."""
    return p.interpretation().thresholds(current_app.config if config is None else config)


def sentences(a) -> list[str]:
    """The interpretation of an assessment (empty when it has no result)."""
    p = a.protocol
    if not a.result or p is None:
        return []
    return p.interpretation().sentences(a.result, a.mode, thresholds(p))


def sources(assessments: Iterable, compared: bool = False) -> list[str]:
    """What the interpretation of these assessments rests on, test by test in the order of the
    registry; compared: a left/right comparison is shown with them."""
    items = list(assessments)
    out = []
    for p in protocols.all_protocols():
        results = [a.result or {} for a in items if a.test == p.name]
        if results:
            out += p.interpretation().sources(results, thresholds(p), compared and p.compares_sides)
    return out
