"""Flags in the clinic's words for views that hold a flag's name (the words are its test's
protocol's, `rom.protocols.<test>.words`), so that the overlay, the text summary, the batch report
and the web pages say the same thing. Two tests can share a flag's name with different words (the
SLR's and the AKE's contralateral_leg_lift: during the raise, during the extension): a view that
knows the test passes it; without it the first test that has the flag speaks."""

from __future__ import annotations

from rom import protocols


def _owner(flag: str, test: str | None = None):
    mine = [protocols.get(test)] if test in protocols.names() else []
    for p in mine + list(protocols.all_protocols()):
        if flag in p.flags or flag in p.not_assessed:
            return p
    return None


def flag_words(flag: str, test: str | None = None) -> str:
    p = _owner(flag, test)
    return p.flag_words(flag) if p else flag.replace("_", " ")


def flag_explanation(flag: str, test: str | None = None) -> str:
    p = _owner(flag, test)
    return p.flag_sentence(flag) if p else flag.replace("_", " ")


def not_assessed_reason(flag: str, test: str | None = None) -> str:
    p = _owner(flag, test)
    return p.not_assessed_reason(flag) if p else "the video cannot decide it"
