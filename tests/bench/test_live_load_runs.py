"""bench/live_load.py still runs end to end (it had stopped working when accounts came in, and no
test noticed): two clients record for a few seconds against a real `rom serve`, each on its own
account, without errors, and each recording is stored. Its figures are not checked here (timing
is a benchmark's business)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_live_clients_record_and_store_without_errors():
    run = subprocess.run([sys.executable, "bench/live_load.py", "--clients", "2", "--seconds", "3", "--warmup", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = re.findall(r"^\s+(\d)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+(\d+)\s+(yes|no)$", run.stdout, re.M)
    assert [r[0] for r in rows] == ["1", "2"], run.stdout
    for _, frames, errors, stored in rows:
        assert int(frames) > 0 and errors == "0" and stored == "yes", run.stdout
