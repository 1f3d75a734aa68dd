"""The `rom` command (DESIGN.md 4). Exit codes: 0 measured, 2 bad usage or unreadable input,
3 readable but not measurable, 1 anything unexpected. Reasons go to stderr as one line; set
ROM_DEBUG=1 for a traceback. `rom batch` never stops at a bad video: it exits 0 when every video
was measured, 1 when some were not (their rows say why), 2 when no video was found."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from rom import protocols
from rom.core.errors import RomError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rom", description="Range of motion from a side-view video: "
                                + ", ".join(p.title for p in protocols.all_protocols()) + ".")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("analyze", help="measure one video")
    a.add_argument("video")
    a.add_argument("--test", choices=[*protocols.names(), "auto"], default="auto",
                   help=", ".join(f"{p.name} ({p.title}, {p.posture})" for p in protocols.all_protocols())
                   + " or auto (default: found from the posture)")
    a.add_argument("--side", choices=["auto", "left", "right"], default="auto",
                   help="; ".join(f"{p.short_title}: {p.side_meaning}" for p in protocols.all_protocols())
                   + " (default: found)")
    a.add_argument("--out", metavar="DIR", help="also write summary.json, frames.csv, annotated.mp4, plot.png")
    a.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    a.add_argument("--model", choices=["lite", "full", "heavy"], default="full", help="pose model (default full)")
    a.set_defaults(func=_cmd_analyze)

    v = sub.add_parser("validate", help="measure every sample that has a *.truth.json and compare")
    v.add_argument("folder")
    v.add_argument("--model", choices=["lite", "full", "heavy"], default="full")
    v.add_argument("--json", action="store_true", help="print the table as JSON")
    v.add_argument("--cache", metavar="DIR", help="keep landmarks here and reuse them on the next run")
    v.add_argument("--split", choices=["fit", "test"],
                   help="only that half of the validation set (samples/validation: names fit-* or test-*)")
    v.set_defaults(func=_cmd_validate)

    b = sub.add_parser("batch", help="measure many videos in parallel (files, folders, globs); resumable")
    b.add_argument("paths", nargs="+", metavar="PATH", help="video files, folders (searched recursively) or globs")
    b.add_argument("--test", choices=[*protocols.names(), "auto"], default="auto",
                   help=", ".join(protocols.names()) + " or auto (default: found per video)")
    b.add_argument("--out", metavar="DIR", required=True,
                   help="writes summary.csv, summary.json, index.html and one folder per video")
    b.add_argument("--jobs", type=_positive_int, metavar="N", help="worker processes (default: one per CPU core)")
    b.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster instead of local workers (workers need rom and the files)")
    b.add_argument("--force", action="store_true", help="measure again the videos whose results exist")
    b.add_argument("--videos", choices=["flagged", "all", "none"], default="flagged",
                   help="which measured videos get annotated.mp4: flagged (default: a flag or a quality "
                   "warning, the ones to watch), all (slower: a second pass over every video) or none")
    b.add_argument("--model", choices=["lite", "full", "heavy"], default="full", help="pose model (default full)")
    b.set_defaults(func=_cmd_batch)

    w = sub.add_parser("serve", help="the web app: live webcam assessments, uploads, history, exports")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    w.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    w.add_argument("--model", choices=["lite", "full", "heavy"], default=None,
                   help="pose model for live and uploaded assessments (default: ROM_POSE_MODEL, else full)")
    w.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (default: ROM_DATABASE_URL, else an SQLite "
                   "file in the instance folder), e.g. postgresql+psycopg://user@host/rom")
    w.set_defaults(func=_cmd_serve)

    m = sub.add_parser("models", help="list or fetch the pose models (lite, full, heavy)")
    msub = m.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    msub.add_parser("list", help="show each model, where it comes from and whether it is installed")
    f = msub.add_parser("fetch", help="download, verify and install a model")
    f.add_argument("name", choices=["lite", "full", "heavy"])
    m.set_defaults(func=_cmd_models)
    return p


def main(argv: list[str] | None = None) -> int:
    # FFmpeg (inside OpenCV) logs every damaged file it meets ("moov atom not found") on stderr;
    # the command gives its own one-line reason instead. Unless the user asked for FFmpeg's logs.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except RomError as e:
        print(f"rom: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("rom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rom models list | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # (so that the exit's flush does not fail again)
        return 0
    except OSError as e:  # a file or folder that cannot be read or written: the user's to fix
        if os.environ.get("ROM_DEBUG"):
            traceback.print_exc()
        where = f"{e.filename}: " if e.filename else ""
        print(f"rom: {where}{e.strerror or type(e).__name__}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug or an environment problem: one line, not a traceback
        if os.environ.get("ROM_DEBUG"):
            traceback.print_exc()
        print(f"rom: internal error: {type(e).__name__}: {e} (set ROM_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _cmd_analyze(args) -> int:
    from rom.analysis import Options, analyze_video
    from rom.capture.video import with_video_quality
    from rom.outputs.files import atomic_write_text, write_outputs
    from rom.outputs.summary_text import describe

    analysis = analyze_video(args.video, Options(test=args.test, side=args.side, model=args.model))
    # The result with how the video was read (frame rate and its source, rotation) in its quality block.
    summary = with_video_quality(analysis.result.to_dict(), analysis.info)
    if args.out:
        write_outputs(analysis, args.out)
        atomic_write_text(Path(args.out) / "summary.json", json.dumps(summary, indent=1) + "\n")
    if args.json:
        print(json.dumps(summary))
    else:
        print(describe(analysis.result))
        if args.out:
            print(f"wrote {args.out}/summary.json, frames.csv, annotated.mp4, plot.png")
    return 0


def _cmd_validate(args) -> int:
    from rom.validation.validate import format_table, validate_folder

    _check_truth_files(args.folder)
    report = validate_folder(args.folder, model=args.model, cache_dir=args.cache, split=args.split,
                             progress=None if args.json else (lambda m: print(m, file=sys.stderr)))
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


def _check_truth_files(folder: str) -> None:
    """Every *.truth.json of the folder is a JSON object; BadInput naming the first that is not."""
    from rom.core.errors import BadInput

    root = Path(folder)
    if not root.is_dir():
        raise BadInput(f"{folder}: not a folder")
    for path in sorted(root.glob("*.truth.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise BadInput(f"{path}: not a valid truth file ({getattr(e, 'msg', e)})") from None
        except OSError as e:
            raise BadInput(f"{path}: cannot be read ({e.strerror})") from None
        if not isinstance(data, dict) or not isinstance(data.get("test"), str):
            raise BadInput(f"{path}: not a valid truth file (a JSON object with its \"test\" is expected)")


def _positive_int(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _cmd_batch(args) -> int:
    from rom.batch.runner import TerminalProgress, run_batch

    if args.scheduler and args.jobs:
        print("rom batch: --jobs is ignored with --scheduler (the cluster has its workers)", file=sys.stderr)
    outcome = run_batch(args.paths, args.out, test=args.test, model=args.model, jobs=args.jobs,
                        scheduler=args.scheduler, force=args.force, view=TerminalProgress(),
                        videos=args.videos)
    for pattern in outcome.unmatched:
        print(f"rom batch: no video found for {pattern}", file=sys.stderr)
    for path, why in outcome.skipped:
        print(f"rom batch: skipped {path}: {why}", file=sys.stderr)
    f = outcome.files
    print(f"wrote {f['csv']}, {f['json']}, {f['html']}")
    c, n = outcome.counts, len(outcome.rows)
    missed = n - c["measured"]
    why = ", ".join(f"{c[s]} {s.replace('_', ' ')}" for s in ("unreadable", "not_measurable", "failed") if c[s])
    print(f"{n} video{'s' if n != 1 else ''}: {c['measured']} measured, {missed} not measured"
          + (f" ({why})" if why else ""))
    return 0 if outcome.all_measured else 1


def _cmd_serve(args) -> int:
    from web.serve import serve

    return serve(args.host, args.port, args.db, args.model)


def _cmd_models(args) -> int:
    from rom.capture import models

    if args.models_command == "list":
        print(models.format_list(models.list_models()))
        return 0
    path = models.fetch(args.name, log=lambda m: print(m, file=sys.stderr))
    print(f"installed {args.name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
