"""`rom batch --scheduler` on a real Dask cluster: `dask scheduler` and two `dask worker`
processes started as the README says, one of them killed in the middle of a video.

What must hold: every video measured exactly once (one row each, all measured), and nothing
half-written in any video's folder (only complete, listed outputs; no temporary files).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")  # a declared dependency: skipped only where it is missing

from rom.batch import runner as batch  # noqa: E402
from rom.batch.worker import OUTPUT_FILES  # noqa: E402

CLIPS = ("slr_avg_female_R_near_45", "slr_short_heavy_female_R_near_30", "slr_slim_tall_female_R_far_35",
         "slr_avg_male_L_near_60")  # 166-181 frames each
DASK = Path(sys.executable).with_name("dask")
BATCH_TIMEOUT_S = 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    """A process in its own process group (so that killing it kills its children too)."""
    cmd = [str(DASK), *args] if DASK.exists() else [sys.executable, "-m", "dask", *args]
    with log.open("wb") as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=10)


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes (one thread each) on this machine."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = {}
    try:
        procs["scheduler"] = _start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                     "--dashboard-address", "127.0.0.1:0"], tmp_path / "scheduler.log")
        for name in ("w1", "w2"):
            procs[name] = _start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--name", name,
                                  "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"],
                                 tmp_path / f"{name}.log")
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            yield address, procs, client
    finally:
        for p in procs.values():
            _kill(p)


@pytest.mark.slow
def test_batch_survives_a_worker_killed_mid_video(dask_cluster, tmp_path, samples_dir):
    address, procs, client = dask_cluster
    videos = tmp_path / "shared" / "videos"
    videos.mkdir(parents=True)
    for c in CLIPS:
        shutil.copy(samples_dir / f"{c}.mp4", videos / f"{c}.mp4")
    out = tmp_path / "shared" / "results"
    rom = Path(sys.executable).with_name("rom")
    run = subprocess.Popen([str(rom), "batch", str(videos), "--out", str(out), "--test", "slr",
                            "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the jobs in the order rom batch plans them (sorted paths); a task's key names its job's index
    folders_of_jobs = [out / batch.VIDEOS_DIR / batch.folder_name(v) for v in sorted(videos.glob("*.mp4"))]
    killed_in = None
    try:
        deadline = time.monotonic() + BATCH_TIMEOUT_S
        while killed_in is None and run.poll() is None and time.monotonic() < deadline:
            # once one video is done, kill w1 inside the video it is measuring (folder made, no row)
            names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
            w1_jobs = [int(k.split("-")[2]) for a, keys in client.processing().items() if names.get(a) == "w1"
                       for k in keys if str(k).startswith("rom-video-")]
            done = [d for d in folders_of_jobs if (d / batch.ROW_FILE).exists()]
            inside = [folders_of_jobs[i] for i in w1_jobs
                      if folders_of_jobs[i].is_dir() and not (folders_of_jobs[i] / batch.ROW_FILE).exists()]
            if done and inside:
                time.sleep(0.5)  # well into the video (a clip takes seconds)
                if not (inside[0] / batch.ROW_FILE).exists():
                    _kill(procs["w1"])
                    killed_in = inside[0]
            time.sleep(0.1)
        stdout, stderr = run.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert killed_in is not None, f"w1 was never killed inside a video:\n{stdout}\n{stderr}"
    assert run.returncode == 0, stderr
    assert procs["w1"].poll() is not None and procs["w2"].poll() is None  # w2 measured what w1 left

    summary = json.loads((out / "summary.json").read_text())
    measured = sorted(Path(r["video"]).stem for r in summary["rows"])
    assert measured == sorted(CLIPS)  # every video, exactly once
    assert all(r["status"] == "measured" for r in summary["rows"]), summary["rows"]
    folders = sorted((out / batch.VIDEOS_DIR).iterdir())
    assert len(folders) == len(CLIPS)
    for d in folders:
        files = {p.name for p in d.iterdir()}
        assert files <= set(OUTPUT_FILES), files  # no temporary (".name.partial") file left
        row = json.loads((d / batch.ROW_FILE).read_text())
        assert row["status"] == "measured" and set(row["outputs"]) == files - {batch.ROW_FILE}
        assert json.loads((d / "summary.json").read_text())["test"] == "slr"
        assert all((d / f).stat().st_size > 0 for f in files)
    assert json.loads((killed_in / batch.ROW_FILE).read_text())["status"] == "measured"
