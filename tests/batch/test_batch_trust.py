"""Bad inputs of the command line (issue 13): a named pipe among the videos, an output folder
that cannot be written, a malformed truth file, a closed pipe on stdout, and CSV cells that a
spreadsheet would run as formulas. Each ends with a reason and exit 2 (or quietly), never a hang
or "internal error"."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from rom.batch import runner as batch
from rom.outputs import batch_report
from rom.outputs.batch_report import VideoRow


def rom(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    # (the timeout only guards the run against a hang; nothing is asserted about time)
    return subprocess.run([sys.executable, "-m", "rom", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


@pytest.mark.slow
def test_a_named_pipe_in_a_batch_folder_is_skipped_with_the_reason(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    os.mkfifo(folder / "clip.mp4")  # opening it for reading would wait for a writer for ever
    found = batch.discover([str(folder)])
    assert found.videos == ()
    assert [(p.name, why) for p, why in found.skipped] == [("clip.mp4", "a named pipe (FIFO), not a video file")]
    r = rom("batch", str(folder), "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert "named pipe" in r.stderr and "internal error" not in r.stderr


def test_a_named_pipe_named_on_the_command_line_is_a_row_with_the_reason(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    assert batch.frame_count_hint(str(fifo)) == 0  # (this opened the pipe and hung before)


@pytest.mark.slow
def test_an_output_folder_that_cannot_be_written_is_exit_2(tmp_path):
    clip = ROOT / "samples" / "slr_avg_male_L_near_60.mp4"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = rom("batch", str(clip), "--out", str(blocker / "out"))
    assert r.returncode == 2, r.stderr
    assert "cannot write the results there" in r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.slow
def test_a_malformed_truth_file_is_exit_2_with_its_name(tmp_path):
    (tmp_path / "clip.truth.json").write_text('{"test": "slr", "slr_angle_deg": ')
    r = rom("validate", str(tmp_path))
    assert r.returncode == 2, r.stderr
    assert "clip.truth.json: not a valid truth file" in r.stderr and "internal error" not in r.stderr


def test_a_closed_pipe_on_stdout_is_not_an_error():
    r = subprocess.run(["bash", "-c", f"'{sys.executable}' -m rom models list | head -c 0; exit ${{PIPESTATUS[0]}}"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_summary_csv_cells_cannot_run_as_formulas():
    names = ["=HYPERLINK(\"http://evil\",\"x\").mp4", "+1+1.mp4", "-2+3.mp4", "@SUM(A1).mp4", "\tx.mp4",
             "plain.mp4"]
    rows = [VideoRow(video=f"/clips/{n}", folder=n, status="unreadable", error=n) for n in names]
    rows += [VideoRow(video="/clips/neg.mp4", folder="neg", status="measured", slr_angle_deg=-3.5)]
    table = list(csv.DictReader(io.StringIO(batch_report.to_csv(rows), newline="")))
    for n, line in zip(names, table):
        if n == "plain.mp4":
            assert line["error"] == n
        else:
            assert line["error"] == "'" + n
    assert table[-1]["slr_angle_deg"] == "-3.5"  # a negative number stays a number
    assert batch_report.csv_safe("-12.5") == "-12.5" and batch_report.csv_safe("-cmd") == "'-cmd"
    assert batch_report.csv_safe("\r=1+1") == "'\r=1+1"
