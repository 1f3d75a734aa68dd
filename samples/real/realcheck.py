"""Score `rom` on the hand-labelled real clips (samples/real/labels.json): the figures of issue 10.

    .venv/bin/python samples/real/realcheck.py [--clips DIR] [--cache DIR] [--fresh] [--only NAME...]

Every labelled clip present in clips/ (see README.md for how to get them) is analysed as
`rom analyze CLIP --test T` would be: T is the label's test where that is `hinge` or `slr`;
for anything else (walking, squats, other movements) T is `try_test` from the label or `hinge`,
since the question there is whether rom wrongly measures them. The pose model's landmarks are
cached in .cache/ (keyed by the clip's size and by the source of the engine's extraction
modules, so an engine change that moves landmarks invalidates them); the protocol is rerun on
every call, so a change to the hinge or SLR logic shows at once.

Every label names its `half`: "fit" (the clips a rule or threshold may be chosen on) or "test"
(the clips reported on, never decided on; assigned on 2026-12-07, see README.md). The summary
is printed for the test half, the fit half and all clips.

Prints one Markdown table per kind of clip and the summary figures; the scoring is in pure
functions (`test_for`, `expected_flags`, `score`, `summarize`, `summary_lines`) that the
tests in tests/validation/test_realcheck.py exercise on hand-made dicts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HINGE_FLAGS = ("rounded_back", "lumbar_compensation", "knee_bend")
NON_TESTS = ("squat", "walking", "other")
REQUIRED = ("file", "source", "fps", "frames", "view", "test", "expect", "half")
HALVES = ("test", "fit")
SOURCE_FIELDS = ("repo", "commit", "path", "licence")
BOTTOM_TOLERANCE_S = 0.6
# Engine modules whose source decides the landmarks (a change to any of them drops the cache), under rom/.
# Until 2026-12-07 the names were those of before the package split (rom/video.py, ...): all but analysis.py
# were missing and hashed as empty, so an extraction change kept stale landmarks; a missing one now fails.
EXTRACTION_MODULES = ("analysis.py", "capture/extraction.py", "capture/pose/__init__.py",
                      "capture/pose/mediapipe_backend.py", "capture/video.py", "core/back_contour.py",
                      "core/landmarks.py", "core/posture.py")


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
def load_labels(path: Path = HERE / "labels.json") -> list[dict]:
    """The label entries (a JSON list), in file order."""
    return json.loads(Path(path).read_text())


def label_problems(entry: dict) -> list[str]:
    """What is missing or malformed in one label entry ([] when it is complete)."""
    out = [f"missing {k}" for k in REQUIRED if k not in entry]
    src = entry.get("source", {})
    out += [f"source lacks {k}" for k in SOURCE_FIELDS if not src.get(k)]
    if entry.get("expect") not in ("measure", "refuse"):
        out.append("expect must be 'measure' or 'refuse'")
    if entry.get("expect") == "refuse" and not entry.get("refuse_reason"):
        out.append("a refusal needs refuse_reason")
    if "half" in entry and entry["half"] not in HALVES:
        out.append("half must be 'fit' or 'test'")
    if entry.get("view") not in ("side", "oblique", "frontal", "rear", "mixed"):
        out.append(f"bad view {entry.get('view')!r}")
    if entry.get("test") not in ("hinge", "slr", "squat", "walking", "other"):
        out.append(f"bad test {entry.get('test')!r}")
    if entry.get("test") == "hinge":
        if not isinstance(entry.get("reps"), list):
            out.append("a hinge needs reps (a list)")
        else:
            for k, rep in enumerate(entry["reps"], 1):
                if "bottom_s" not in rep:
                    out.append(f"rep {k} lacks bottom_s")
                if rep.get("rounded_back") not in (None, "upper", "lower", "whole"):
                    out.append(f"rep {k}: rounded_back must be null, upper, lower or whole")
                for f in ("lumbar_compensation", "knee_bend"):
                    if not isinstance(rep.get(f), bool):
                        out.append(f"rep {k}: {f} must be true or false")
        if entry.get("form") not in ("good", "faulty"):
            out.append("a hinge needs form good or faulty")
    if entry.get("test") == "slr" and entry.get("expect") == "measure":
        for k in ("leg_angle_deg", "leg_angle_uncertainty_deg"):
            if not isinstance(entry.get(k), (int, float)):
                out.append(f"an SLR needs {k}")
    return out


def test_for(entry: dict) -> str:
    """The --test rom is run with: the label's test for hinge/slr, else try_test or hinge."""
    if entry["test"] in ("hinge", "slr"):
        return entry["test"]
    return entry.get("try_test", "hinge")


def expected_flags(entry: dict) -> dict[str, bool]:
    """Clip-level hinge flags the label implies: a flag is expected if any rep shows it."""
    reps = entry.get("reps") or []
    return {"rounded_back": any(r.get("rounded_back") for r in reps),
            "lumbar_compensation": any(r.get("lumbar_compensation") for r in reps),
            "knee_bend": any(r.get("knee_bend") for r in reps)}


def hidden_key_landmarks(entry: dict) -> bool:
    """True where the label says key landmarks (hips, knees, ankles, shoulders) are hidden."""
    return bool(entry.get("hidden_landmarks"))


# ---------------------------------------------------------------------------------------------
# Scoring (pure)
# ---------------------------------------------------------------------------------------------
def _not_a_hinge(got: dict) -> bool:
    text = " ".join([*got.get("flags", []), *got.get("quality", {}).get("warnings", [])]).lower()
    return "not a hinge" in text or "not_a_hinge" in text or "knee-dominant" in text


def rep_windows(reps: list[dict], tol_s: float = BOTTOM_TOLERANCE_S) -> list[tuple[float, float]]:
    """Where each labelled repetition's bottom may be found: its bottom_window_s if it has one
    (a lift that starts on the floor has a long bottom plateau), else bottom_s +/- tol_s."""
    return [tuple(r["bottom_window_s"]) if r.get("bottom_window_s") else
            (r["bottom_s"] - tol_s, r["bottom_s"] + tol_s) for r in reps]


def match_bottoms(windows: list[tuple[float, float]], found_s: list[float]) -> int:
    """How many labelled windows hold a found bottom, each found bottom used at most once
    (windows in time order, each taking the earliest free bottom inside it)."""
    free = sorted(t for t in found_s if t is not None)
    hits = 0
    for lo, hi in sorted(windows):
        inside = [t for t in free if lo <= t <= hi]
        if inside:
            free.remove(inside[0])
            hits += 1
    return hits


def score(entry: dict, got: dict) -> dict:
    """One clip's row: what was expected, what rom gave, and whether each part is right.

    got is {"refused": bool, "reason": str} for a refusal (exit 3 or 2), or the result's
    to_dict() (with "refused": False) for a measurement.
    """
    refused = bool(got.get("refused"))
    row = {"file": entry["file"], "test": entry["test"], "view": entry["view"],
           "expect": entry["expect"], "ran": test_for(entry), "refused": refused,
           "reason": got.get("reason", "") if refused else "",
           "outcome_ok": refused == (entry["expect"] == "refuse"),
           "hidden": hidden_key_landmarks(entry), "form": entry.get("form"), "half": entry.get("half")}
    if refused and entry["test"] == "hinge" and expected_flags(entry)["knee_bend"] \
            and ("knee-dominant" in row["reason"] or "not a hinge" in row["reason"]):
        # a lift labelled knee-dominant (a squat), refused as not a hinge: the right answer
        row["outcome_ok"] = row["knee_dominant_refusal"] = True
    if entry["test"] in NON_TESTS:
        row["not_a_hinge"] = (not refused) and _not_a_hinge(got)
        row["non_test_ok"] = refused or row["not_a_hinge"] or (
            got.get("test") == "hinge" and not got.get("reps"))
        row["outcome_ok"] = row["non_test_ok"]
    if "live_cards" in got:
        # each live card against the result's repetitions (a card has no time: it agrees when its
        # flags are those of one of them)
        results = [sorted(r["flags"]) for r in got.get("reps", [])]
        row["live_cards"] = len(got["live_cards"])
        row["live_cards_agree"] = sum(sorted(c) in results for c in got["live_cards"])
    if refused:
        return row
    if got.get("test") == "hinge":
        reps = got.get("reps", [])
        row["reps_found"] = len(reps)
        row["bottoms_found"] = [r.get("bottom_s") for r in reps]
        row["flags_got"] = {f: any(f in r.get("flags", []) for r in reps) or f in got.get("flags", [])
                            for f in HINGE_FLAGS}
        row["warnings"] = list(got.get("quality", {}).get("warnings", []))
        overlaps = [(a, b) for a, b in zip(reps, reps[1:])
                    if a.get("end_s") is not None and b.get("start_s") is not None
                    and b["start_s"] < a["end_s"] - 1e-6]
        row["overlapping_reps"] = len(overlaps)
    if entry["test"] == "hinge" and entry["expect"] == "measure" and got.get("test") == "hinge":
        want = rep_windows(entry["reps"])
        row["reps_expected"] = len(want)
        row["bottoms_expected"] = [r["bottom_s"] for r in entry["reps"]]
        hits = match_bottoms(want, row["bottoms_found"])
        row["reps_ok"] = row["reps_found"] == len(want) and hits == len(want)
        exp = expected_flags(entry)
        row["flags_expected"] = exp
        row["flags_ok"] = {f: exp[f] == row["flags_got"][f] for f in HINGE_FLAGS}
        row["any_flag"] = any(row["flags_got"].values())
    if entry["test"] == "slr" and got.get("test") == "slr":
        row["slr_angle_deg"] = got.get("slr_angle_deg")
        row["max_hip_flexion_deg"] = got.get("max_hip_flexion_deg")
        row["leg_angle_label_deg"] = entry.get("leg_angle_deg")
        row["leg_angle_uncertainty_deg"] = entry.get("leg_angle_uncertainty_deg")
        if entry.get("leg_angle_deg") is not None and got.get("slr_angle_deg") is not None:
            row["slr_error_deg"] = got["slr_angle_deg"] - entry["leg_angle_deg"]
    return row


REFUSAL_KINDS = (("legs hidden", ("legs are hidden", "hidden")),
                 ("scene cut", ("scene cut", "edited clip", "cuts to another shot")),
                 ("not a side view", ("side view", "turned away")), ("does not stand", ("does not stand",)),
                 ("knee-dominant", ("knee-dominant",)), ("no repetition", ("no repetition",)))


def refusal_kind(reason: str) -> str:
    """A short name for a refusal's reason (the first kind whose words it contains)."""
    low = reason.lower()
    return next((k for k, words in REFUSAL_KINDS if any(w in low for w in words)), "other")


def _pct(num: int, den: int) -> str:
    return "n/a (0 clips)" if den == 0 else f"{100 * num / den:.0f} % ({num}/{den})"


def summarize(rows: list[dict]) -> dict:
    """The figures of issue 10's goals from the rows of `score` (counts, so tests can pin them)."""
    hinge = [r for r in rows if r["test"] == "hinge"]
    want_measure = [r for r in hinge if r["expect"] == "measure"]
    measured = [r for r in want_measure if not r["refused"] and "reps_ok" in r]
    good = [r for r in measured if r["form"] == "good"]
    non_tests = [r for r in rows if r["test"] in NON_TESTS]
    hidden = [r for r in rows if r["hidden"]]
    want_refuse = [r for r in rows if r["expect"] == "refuse" and r["test"] not in NON_TESTS]
    slr = [r for r in rows if r["test"] == "slr" and "slr_error_deg" in r]
    errs = [abs(r["slr_error_deg"]) for r in slr]
    return {
        "clips": len(rows),
        "hinge_measured": len(measured), "hinge_to_measure": len(want_measure),
        "hinge_wrongly_refused": sum(r["refused"] and not r.get("knee_dominant_refusal") for r in want_measure),
        "knee_dominant_refusals": sum(bool(r.get("knee_dominant_refusal")) for r in want_measure),
        "wrong_refusal_kinds": _kinds([r for r in want_measure if r["refused"] and not r.get("knee_dominant_refusal")]),
        "reps_right": sum(r["reps_ok"] for r in measured),
        "rounded_back_right": sum(r["flags_ok"]["rounded_back"] for r in measured),
        "lumbar_right": sum(r["flags_ok"]["lumbar_compensation"] for r in measured),
        "knee_bend_right": sum(r["flags_ok"]["knee_bend"] for r in measured),
        "good_form": len(good), "good_form_flagged": sum(r["any_flag"] for r in good),
        "non_tests": len(non_tests), "non_tests_ok": sum(r["non_test_ok"] for r in non_tests),
        "hidden": len(hidden), "hidden_measured": sum(not r["refused"] for r in hidden),
        "to_refuse": len(want_refuse), "refused_right": sum(r["refused"] for r in want_refuse),
        "overlapping": sum(1 for r in rows if r.get("overlapping_reps")),
        "live_clips": sum(1 for r in hinge if r.get("live_cards")),
        "live_cards": sum(r.get("live_cards", 0) for r in hinge),
        "live_cards_agree": sum(r.get("live_cards_agree", 0) for r in hinge),
        "slr": len(slr),
        "slr_mae_deg": sum(errs) / len(errs) if errs else math.nan,
        "slr_within_uncertainty": sum(abs(r["slr_error_deg"]) <= r["leg_angle_uncertainty_deg"]
                                      for r in slr),
    }


def _kinds(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        k = refusal_kind(r["reason"])
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def summary_lines(s: dict) -> list[str]:
    """The summary in the words of issue 10's goals (Markdown list)."""
    kinds = ", ".join(f"{k} {n}" for k, n in s["wrong_refusal_kinds"].items())
    slr = ("no SLR clip measured" if s["slr"] == 0 else
           f"mean |error| {s['slr_mae_deg']:.1f} deg over {s['slr']} clips, "
           f"{s['slr_within_uncertainty']} within the label's reading uncertainty")
    return [
        f"- clips scored: {s['clips']}",
        f"- real hinges measured: {s['hinge_measured']} of {s['hinge_to_measure']} labelled "
        f"\"measure\" ({s['hinge_wrongly_refused']} refused although measurable"
        + (f": {kinds}" if kinds else "")
        + (f"; {s['knee_dominant_refusals']} knee-dominant lift(s) rightly refused as not a hinge"
           if s["knee_dominant_refusals"] else "") + ")",
        f"- repetitions right (count, and every bottom inside its labelled window or within "
        f"{BOTTOM_TOLERANCE_S} s) on measured real hinges: "
        f"{_pct(s['reps_right'], s['hinge_measured'])} (goal >= 95 %)",
        f"- rounded_back right: {_pct(s['rounded_back_right'], s['hinge_measured'])} (goal >= 85 %)",
        f"- lumbar_compensation right: {_pct(s['lumbar_right'], s['hinge_measured'])} (goal >= 85 %)",
        f"- knee_bend right: {_pct(s['knee_bend_right'], s['hinge_measured'])}",
        f"- good-form clips with any flag (false flags): {_pct(s['good_form_flagged'], s['good_form'])} "
        f"(goal <= 10 %)",
        f"- non-tests (walking, squats, other) refused or reported not a hinge: "
        f"{_pct(s['non_tests_ok'], s['non_tests'])} (goal 100 %)",
        f"- clips with hidden key landmarks that still gave a result: {s['hidden_measured']} of "
        f"{s['hidden']} (goal 0)",
        f"- clips that should be refused (view, hidden, cuts, split screen) and were: "
        f"{_pct(s['refused_right'], s['to_refuse'])}",
        f"- clips with overlapping repetitions: {s['overlapping']}",
        f"- live page: cards on {s['live_clips']} measured hinge clips, "
        f"{_pct(s['live_cards_agree'], s['live_cards'])} of them with the flags of one of the result's repetitions",
        f"- SLR angle vs label: {slr}",
    ]


def _yn(v) -> str:
    return "-" if v is None else ("yes" if v else "no")


def _flag_cell(row: dict, f: str) -> str:
    if "flags_got" not in row:
        return "-"
    got = _yn(row["flags_got"][f])
    if "flags_expected" not in row:
        return got
    exp = _yn(row["flags_expected"][f])
    return f"{exp}/{got}" + ("" if exp == got else " **x**")


def table_lines(rows: list[dict]) -> list[str]:
    """One Markdown table row per clip: expected vs got."""
    out = ["| clip | test (ran) | view | expected | got | reps exp/found | rounded_back exp/got "
           "| lumbar exp/got | knee_bend exp/got | ok |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        got = f"refused: {r['reason'][:90]}" if r["refused"] else "measured"
        if not r["refused"] and r.get("not_a_hinge"):
            got += " (not a hinge)"
        if r.get("overlapping_reps"):
            got += f"; {r['overlapping_reps']} overlapping reps"
        if "slr_angle_deg" in r:
            got += (f"; SLR {r['slr_angle_deg']} vs label {r['leg_angle_label_deg']} "
                    f"+/- {r['leg_angle_uncertainty_deg']}")
        reps = (f"{r['reps_expected']}/{r['reps_found']}" if "reps_expected" in r
                else f"-/{r['reps_found']}" if "reps_found" in r else "-")
        ok = r["outcome_ok"] and r.get("reps_ok", True) and all(r.get("flags_ok", {}).values())
        out.append(f"| {r['file']} | {r['test']} ({r['ran']}) | {r['view']} | {r['expect']} | {got} | "
                   f"{reps} | {_flag_cell(r, 'rounded_back')} | {_flag_cell(r, 'lumbar_compensation')} | "
                   f"{_flag_cell(r, 'knee_bend')} | {'yes' if ok else '**no**'} |")
    return out


# ---------------------------------------------------------------------------------------------
# Running rom (impure)
# ---------------------------------------------------------------------------------------------
def engine_key() -> str:
    """A short hash of the engine modules that decide the landmarks."""
    h = hashlib.sha256()
    for name in EXTRACTION_MODULES:
        h.update((ROOT / "rom" / name).read_bytes())  # (a module moved or renamed: FileNotFoundError)
    return h.hexdigest()[:12]


def run_clip(path: Path, test: str, cache_dir: Path, fresh: bool = False) -> dict:
    """rom's answer for one clip: {"refused": True, "reason"} or the result dict.

    The landmarks are cached whenever the pose model gave any, also for a clip the protocol then
    refuses, so that a change to the protocol shows on every clip; only a clip whose frames could
    not be read at all is cached as that refusal (marked "stage": "landmarks")."""
    from rom.analysis import Options, landmarks_of, measure
    from rom.capture import video
    from rom.core.errors import BadInput, NotMeasurable
    from rom.core.landmarks import LandmarkSeries

    key = f"{path.stem}.{test}.{path.stat().st_size}.{engine_key()}"
    npz, refusal = cache_dir / f"{key}.npz", cache_dir / f"{key}.refused.json"
    options = Options(test=test)
    cached = json.loads(refusal.read_text()) if refusal.exists() and not fresh else {}
    if cached.get("stage") == "landmarks":
        return cached
    try:
        if npz.exists() and not fresh:
            series = LandmarkSeries.load(npz)
        else:
            try:
                series = landmarks_of(video.probe(path), test, options.model)
            except (NotMeasurable, BadInput) as e:
                out = {"refused": True, "reason": str(e), "exit": e.exit_code, "stage": "landmarks"}
                cache_dir.mkdir(parents=True, exist_ok=True)
                refusal.write_text(json.dumps(out))
                return out
            cache_dir.mkdir(parents=True, exist_ok=True)
            series.save(npz)
        result = measure(series, test, str(path), options)
    except (NotMeasurable, BadInput) as e:
        return {"refused": True, "reason": str(e), "exit": e.exit_code}
    out = {"refused": False, **result.to_dict()}
    if result.test == "hinge":
        out["live_cards"] = live_cards(series, result.side)
    return out


def live_cards(series, side: str) -> list[list[str]]:
    """The flags of each card the live page would show for these frames (fed one by one through
    the hinge's live rules, with the recording so far as a live session hands it over): the live
    page's side of issue 11's "cues that follow the same rules as the flags"."""
    import numpy as np

    from rom.core.landmarks import PoseEstimate
    from rom.protocols.hinge.live import HingeLive

    live, seen = HingeLive(side, series.fps), [0]
    live.recording = lambda: series.frames(0, seen[0])
    for i in range(len(series)):
        seen[0] = i + 1
        found = bool(np.isfinite(series.xy_px[i, 0, 0]))
        est = PoseEstimate(series.xy_px[i], series.z[i], series.visibility[i], series.world_m[i]) if found else None
        live.update(est, float(series.t_s[i]), None if series.back is None else series.back[i])
    return [list(c.flags) for c in live.cards]


def head() -> str:
    """The commit measured, and how many engine files differ from it in the work tree."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "rom"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (f" (with {len(dirty)} uncommitted changes under rom/)" if dirty else "")


GROUPS = (("Hinges labelled measurable", lambda e: e["test"] == "hinge" and e["expect"] == "measure"),
          ("Hinges that should be refused", lambda e: e["test"] == "hinge" and e["expect"] == "refuse"),
          ("SLRs and leg raises", lambda e: e["test"] == "slr"),
          ("Non-tests", lambda e: e["test"] in NON_TESTS))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Score rom on the hand-labelled real clips.")
    p.add_argument("--labels", default=str(HERE / "labels.json"))
    p.add_argument("--clips", default=str(HERE / "clips"))
    p.add_argument("--free", default=str(HERE / "free"), help="committed clips, used when clips/ lacks one")
    p.add_argument("--cache", default=str(HERE / ".cache"))
    p.add_argument("--fresh", action="store_true", help="ignore cached landmarks")
    p.add_argument("--only", nargs="*", help="score only these clip names")
    p.add_argument("--json", help="also write the rows and the summary to this file")
    a = p.parse_args(argv)

    labels = load_labels(Path(a.labels))
    bad = {e.get("file", "?"): label_problems(e) for e in labels if label_problems(e)}
    for name, probs in bad.items():
        print(f"label {name}: {'; '.join(probs)}", file=sys.stderr)
    rows, missing = [], []
    for e in labels:
        if a.only and e["file"] not in a.only:
            continue
        path = next((d / e["file"] for d in (Path(a.clips), Path(a.free)) if (d / e["file"]).exists()), None)
        if path is None:
            missing.append(e["file"])
            continue
        t0 = time.time()
        got = run_clip(path, test_for(e), Path(a.cache), a.fresh)
        print(f"{e['file']}: {'refused' if got['refused'] else 'measured'} ({time.time() - t0:.1f} s)",
              file=sys.stderr)
        rows.append(score(e, got))
    print(f"# rom on real footage: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"commit {head()}\n")
    for title, keep in GROUPS:
        names = {e["file"] for e in labels if keep(e)}
        part = [r for r in rows if r["file"] in names]
        if part:
            print(f"## {title} ({len(part)})\n")
            print("\n".join(table_lines(part)) + "\n")
    s = summarize(rows)
    halves = {h: summarize([r for r in rows if r.get("half") == h]) for h in HALVES}
    for h in HALVES:
        print(f"## Summary, {h} half\n")
        print("\n".join(summary_lines(halves[h])) + "\n")
    print("## Summary, all clips\n")
    print("\n".join(summary_lines(s)))
    if missing:
        print(f"\n{len(missing)} labelled clips not present (see README: get_clips.py): {', '.join(missing)}")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "summary": s, "halves": halves}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
