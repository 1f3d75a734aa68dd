"""The clinical tests, one package each, and their registration.

A test's package holds its offline analysis on a landmark series, its configuration, its result
type, its live rules, its flags in words and its interpretation; its `Protocol` (`rom.protocols.base`)
says all of that to the rest of rom. Imports only `rom.core`.

To add a test: write its package (see docs/architecture.md) and name it in REGISTERED.
"""

from __future__ import annotations

import importlib
from functools import cache

from rom.protocols.base import Protocol

# package name -> the test's name as `--test` takes it (the order is the order of menus and tables)
REGISTERED = ("slr", "hinge", "ake", "slump")


@cache
def get(name: str) -> Protocol:
    """The protocol of a test by its name. Raises KeyError for an unknown one."""
    if name not in REGISTERED:
        raise KeyError(name)
    return importlib.import_module(f"rom.protocols.{name}").PROTOCOL


def names() -> tuple[str, ...]:
    return REGISTERED


def all_protocols() -> tuple[Protocol, ...]:
    return tuple(get(n) for n in REGISTERED)


def of(result) -> Protocol:
    """The protocol that produced a result (a result object, or its dict with a "test" key)."""
    return get(result["test"] if isinstance(result, dict) else result.test)


def with_posture(posture: str) -> tuple[Protocol, ...]:
    return tuple(p for p in all_protocols() if p.posture == posture)
