"""Flags in the clinic's words for views that hold a flag's name without its test (a flag name
belongs to one test; the words are its protocol's, `rom.protocols.<test>.words`), so that the
overlay, the text summary, the batch report and the web pages say the same thing."""

from __future__ import annotations

from rom import protocols


def _owner(flag: str):
    for p in protocols.all_protocols():
        if flag in p.flags or flag in p.not_assessed:
            return p
    return None


def flag_words(flag: str) -> str:
    p = _owner(flag)
    return p.flag_words(flag) if p else flag.replace("_", " ")


def flag_explanation(flag: str) -> str:
    p = _owner(flag)
    return p.flag_sentence(flag) if p else flag.replace("_", " ")


def not_assessed_reason(flag: str) -> str:
    p = _owner(flag)
    return p.not_assessed_reason(flag) if p else "the video cannot decide it"
