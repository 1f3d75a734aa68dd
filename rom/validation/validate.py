"""`rom validate DIR`: measure every clip that has a ground-truth sidecar and compare.

The report is a plain dict (rows per clip and a summary) so that it can be printed as a table,
written as JSON, or asserted in tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from rom import protocols
from rom.analysis import Options, landmarks_of, measure
from rom.capture.video import probe
from rom.core.errors import RomError
from rom.core.landmarks import LandmarkSeries
from rom.core.scoring import flag_score
from rom.validation import truth as T

SPLITS = ("fit", "test")


def validate_folder(folder: str | os.PathLike, model: str = "full", cache_dir: str | None = None,
                    progress: Callable[[str], None] | None = None, split: str | None = None) -> dict:
    """Measure every clip with a truth sidecar in `folder` and compare.

    split: 'fit' or 'test' keeps only the clips of that half of the validation set (their names
    start with 'fit-' or 'test-'; samples/validation/make_spec.py).
    """
    truths = T.find(folder)
    if split is not None:
        if split not in SPLITS:
            raise RomError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
        truths = [tr for tr in truths if tr.name.startswith(f"{split}-")]
    if not truths:
        raise RomError(f"{folder}: no *.truth.json files found" + (f" for the {split} half" if split else ""))
    rows = []
    for tr in truths:
        t0 = time.perf_counter()
        try:
            series = _series(tr, model, cache_dir)
            result = measure(series, tr.test, str(tr.video), Options(test=tr.test, model=model))
            row = compare(result, tr)
        except RomError as e:
            row = {"clip": tr.name, "test": tr.test, "error": str(e)}
        row.update(conditions(tr))
        row["seconds"] = round(time.perf_counter() - t0, 2)
        rows.append(row)
        if progress:
            progress(f"{tr.name}: " + ("error: " + row["error"] if "error" in row else "ok"))
    return {"folder": str(folder), "model": model, "split": split, "rows": rows, "summary": summarize(rows)}


def conditions(tr: T.Truth) -> dict:
    """The clip's conditions from its truth (for per-condition tables and refusal counts)."""
    return {"truth_flags": list(tr.data.get("flags", [])), **protocols.get(tr.test).validation().conditions(tr.data)}


def _series(tr: T.Truth, model: str, cache_dir: str | None) -> LandmarkSeries:
    info = probe(tr.video)
    if cache_dir:
        cache = Path(cache_dir) / f"{tr.name}.{model}.npz"
        if cache.exists() and cache.stat().st_mtime >= Path(tr.video).stat().st_mtime:
            return LandmarkSeries.load(cache)
    series = landmarks_of(info, tr.test, model)
    if cache_dir:
        cache.parent.mkdir(parents=True, exist_ok=True)
        series.save(cache)
    return series


def compare(result, tr: T.Truth) -> dict:
    """One row of the validation table: errors of a result against its truth (the columns after
    the first few are the test's, `Protocol.validation().compare`)."""
    d = result.to_dict()
    row = {"clip": tr.name, "test": tr.test, "side_ok": d["side"] == tr.data.get("side"),
           "flags": flag_score(d["flags"], tr.data.get("flags", [])),
           "not_assessed": sorted(d.get("not_assessed", {}))}
    row.update(protocols.get(tr.test).validation().compare(d, result.frames.columns, tr))
    return row


def summarize(rows: list[dict]) -> dict:
    """Clips, refusals, and per registered test its summary (`Protocol.validation().summarize`)."""
    out = {"clips": len(rows), "errors": sum("error" in r for r in rows)}
    for p in protocols.all_protocols():
        out[p.name] = p.validation().summarize([r for r in rows if r["test"] == p.name])
    return out


def format_table(report: dict) -> str:
    """Markdown tables: the clips of each test, then the summary, then each test's extra tables."""
    rows, s = report["rows"], report["summary"]
    half = f", {report['split']} half" if report.get("split") else ""
    lines = [f"Validation of {report['folder']}{half} (model: {report['model']}); errors are measured minus truth.",
             ""]
    tests = [(p, p.validation()) for p in protocols.all_protocols()]
    for p, v in tests:
        lines += v.clip_table([r for r in rows if r["test"] == p.name])
    lines += ["| summary | value |", "|---|---|"]
    for p, v in tests:
        lines += v.summary_lines(s[p.name])
    if s["errors"]:
        lines.append(f"| clips refused or failed | {s['errors']}/{s['clips']} |")
    for p, v in tests:
        lines += v.extra_tables(s[p.name])
    return "\n".join(lines)
