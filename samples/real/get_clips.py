"""Copy every labelled clip out of fetched repository snapshots into samples/real/clips/.

    .venv/bin/python samples/real/get_clips.py [--mirror /work/.mirror] [--force]

Each entry of labels.json names its source repository, commit and path. A session's `fetch`
tool puts a repository's snapshot at MIRROR/owner+name/repo (a bare git directory); this script
runs `git show COMMIT:PATH` there for each clip and writes clips/FILE. Clips whose repository
was not fetched (or whose blob the snapshot lacks: files of 4 MiB and more are left out) are
listed and skipped. Clips committed in free/ are not copied.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def git_dir(mirror: Path, repo: str) -> Path:
    """Where `fetch` leaves owner/name: MIRROR/owner+name/repo."""
    return mirror / repo.replace("/", "+") / "repo"


def copy_clip(entry: dict, mirror: Path, out_dir: Path, force: bool = False) -> str:
    """Copy one clip; returns 'copied', 'present', 'free', or why it was skipped."""
    if (HERE / "free" / entry["file"]).exists():
        return "free"
    out = out_dir / entry["file"]
    if out.exists() and not force:
        return "present"
    src = entry["source"]
    gd = git_dir(mirror, src["repo"])
    if not gd.exists():
        return f"skipped: {src['repo']} not fetched (no {gd})"
    blob = subprocess.run(["git", "--git-dir", str(gd), "show", f"{src['commit']}:{src['path']}"],
                          capture_output=True)
    if blob.returncode != 0 or not blob.stdout:
        return f"skipped: {src['path']} at {src['commit'][:10]} is not in the snapshot"
    out_dir.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob.stdout)
    return "copied"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--labels", default=str(HERE / "labels.json"))
    p.add_argument("--mirror", default="/work/.mirror")
    p.add_argument("--out", default=str(HERE / "clips"))
    p.add_argument("--force", action="store_true", help="overwrite clips already present")
    a = p.parse_args(argv)
    labels = json.loads(Path(a.labels).read_text())
    counts: dict[str, int] = {}
    for e in labels:
        what = copy_clip(e, Path(a.mirror), Path(a.out), a.force)
        key = what.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
        if key == "skipped":
            print(f"{e['file']}: {what}", file=sys.stderr)
    print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    repos = sorted({e["source"]["repo"] for e in labels})
    print("repositories to fetch for the full set: " + ", ".join(repos))
    return 0


if __name__ == "__main__":
    sys.exit(main())
