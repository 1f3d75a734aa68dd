"""`rom batch`: discovery, resume, the worker's backend cache, bad files, and (slow) whole batches
with the real pose model on a Dask LocalCluster of two worker processes and on local workers."""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from rom.batch import runner as batch
from rom.batch import worker as batch_worker
from rom.cli import main
from rom.outputs import batch_report as R

SLR_A = "slr_avg_female_R_near_45"  # 166 frames each; the three clips that run the model
SLR_B = "slr_short_heavy_female_R_near_30"
HINGE = "hinge_avg_male_L_good"  # 125 frames


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def no_person_video(path: Path, frames: int = 20) -> Path:
    """A short clip of grey noise: readable, nobody in it."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        w.write(rng.integers(90, 160, (240, 320, 3), dtype=np.uint8))
    w.release()
    return path


def bad_files(folder: Path, samples_dir: Path) -> dict[str, Path]:
    """The bad inputs of a real folder: empty, text renamed .mp4, truncated copy of a sample."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = touch(folder / "empty.mp4")
    text = touch(folder / "notes_renamed.mp4", "not a video\n" * 20)
    data = (samples_dir / f"{SLR_A}.mp4").read_bytes()
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 3])
    return {"empty": empty, "text": text, "truncated": truncated}


# ------------------------------------------------------------------ discovery

def test_discovery_of_files_folders_and_globs(tmp_path):
    a = touch(tmp_path / "in" / "a.mp4")
    b = touch(tmp_path / "in" / "deep" / "er" / "B.MOV")
    touch(tmp_path / "in" / "readme.txt")
    touch(tmp_path / "in" / ".hidden.mp4")
    touch(tmp_path / "in" / ".cache" / "c.mp4")
    other = touch(tmp_path / "other" / "x.avi")
    odd = touch(tmp_path / "odd.bin")  # named explicitly: kept, it will say what is wrong with it
    out = tmp_path / "in" / "out"
    touch(out / "videos" / "a-1234" / "annotated.mp4")  # the batch's own outputs are never inputs
    found = batch.discover([str(tmp_path / "in"), str(tmp_path / "oth*" / "*.avi"), str(odd), str(a),
                            str(tmp_path / "missing.mp4"), str(tmp_path / "nothing*.mp4"), str(tmp_path / "other")],
                           exclude=out)
    expected = sorted(p.resolve() for p in (a, b, other, odd)) + [tmp_path / "missing.mp4"]
    assert sorted(found.videos) == sorted(expected)
    assert found.unmatched == (str(tmp_path / "nothing*.mp4"),)


def test_recursive_glob(tmp_path):
    a = touch(tmp_path / "s1" / "p" / "a.mp4")
    touch(tmp_path / "s1" / "p" / "a.txt")
    assert batch.discover([str(tmp_path / "**" / "*")]).videos == (a.resolve(),)


def test_folder_names_are_unique_stable_and_safe(tmp_path):
    a, b = tmp_path / "x" / "clip.mp4", tmp_path / "y" / "clip.mp4"
    assert batch.folder_name(a) != batch.folder_name(b)
    assert batch.folder_name(a) == batch.folder_name(a)
    assert batch.folder_name(a).startswith("clip-")
    weird = batch.folder_name(tmp_path / "<b> a&b ü.mp4")
    assert all(ch.isalnum() or ch in "._-" for ch in weird) and weird.isascii()


# ------------------------------------------------------------------ resume

def planned(tmp_path, video: Path, **kw):
    return batch.plan([video], tmp_path / "out", kw.pop("test", "auto"), kw.pop("model", "full"), **kw)


def finish(job: batch_worker.Job, status: str = "measured") -> None:
    row = replace(R.base_row(job.video, job.rel_folder, job.test, job.model), status=status)
    Path(job.folder).mkdir(parents=True, exist_ok=True)
    batch_worker.write_row(Path(job.folder), row)


def test_resume_skips_results_newer_than_the_video(tmp_path):
    video = touch(tmp_path / "v.mp4")
    os.utime(video, (time.time() - 100, time.time() - 100))
    (job,), reused = planned(tmp_path, video)
    assert reused == []
    finish(job)
    todo, (row,) = planned(tmp_path, video)
    assert todo == [] and row.status == "measured"
    assert planned(tmp_path, video, force=True)[0] == [job]  # --force redoes it
    assert planned(tmp_path, video, test="slr")[0] != []  # other options: other results
    assert planned(tmp_path, video, model="lite")[0] != []
    os.utime(video)  # the video changed after its result
    assert planned(tmp_path, video)[0] == [job]


def test_resume_retries_failures_and_ignores_damaged_rows(tmp_path):
    video = touch(tmp_path / "v.mp4")
    os.utime(video, (time.time() - 100, time.time() - 100))
    (job,), _ = planned(tmp_path, video)
    finish(job, "not_measurable")
    assert planned(tmp_path, video)[0] == []  # a refused video stays refused
    finish(job, "failed")
    assert planned(tmp_path, video)[0] == [job]  # a crash is tried again
    (Path(job.folder) / batch.ROW_FILE).write_text('{"video": "')  # half a file (not by us: we rename)
    assert planned(tmp_path, video)[0] == [job]


def test_resume_redoes_a_video_whose_truth_is_newer(tmp_path):
    video = touch(tmp_path / "v.mp4")
    os.utime(video, (time.time() - 100, time.time() - 100))
    (job,), _ = planned(tmp_path, video)
    finish(job)
    touch(tmp_path / "v.truth.json", "{}")
    os.utime(tmp_path / "v.truth.json", (time.time() + 5, time.time() + 5))
    (again,), _ = planned(tmp_path, video)
    assert again.truth == str(tmp_path / "v.truth.json")


# ------------------------------------------------------------------ the worker's pose backends

class FakeBackend:
    def __init__(self, **config):
        self.config, self.resets, self.closed, self.frames = config, 0, False, 0

    def process(self, rgb):
        self.frames += 1
        return None  # nobody there

    def reset(self):
        self.resets += 1

    def close(self):
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_backend_cache_creates_each_configuration_once_and_resets_between_videos():
    made = []
    cache = batch_worker.BackendCache(lambda **kw: made.append(FakeBackend(**kw)) or made[-1])
    for _ in range(3):
        with cache(model="full", segmentation=False) as b:
            b.process(None)
        with cache(model="full", segmentation=False, static=True) as s:
            s.process(None)
    assert len(made) == 2 and cache.created == 2
    assert made[0].frames == 3 and made[0].resets == 3 and not made[0].closed
    cache.close()
    assert all(b.closed for b in made)


def test_backend_that_cannot_reset_is_replaced():
    made = []

    class Broken(FakeBackend):
        def reset(self):
            raise RuntimeError("graph died")

    cache = batch_worker.BackendCache(lambda **kw: made.append(Broken(**kw)) or made[-1])
    with cache():
        pass
    with cache():
        pass
    assert len(made) == 2 and made[0].closed


# ------------------------------------------------------------------ one job on its own (no model)

def job_for(video: Path, out: Path, test: str = "auto") -> batch_worker.Job:
    (job,), _ = batch.plan([video], out, test, "full", force=True)
    return job


def test_bad_files_become_rows_with_their_reason(tmp_path, samples_dir):
    bad = bad_files(tmp_path / "in", samples_dir)
    reasons = {"empty": "empty", "text": "text file", "truncated": "damaged"}
    for kind, path in bad.items():
        job = job_for(path, tmp_path / "out")
        row = batch_worker.run_job(job, backend_factory=batch_worker.BackendCache(FakeBackend))
        assert row.status == "unreadable" and reasons[kind] in row.error, row.error
        saved = json.loads((Path(job.folder) / batch.ROW_FILE).read_text())
        assert R.VideoRow.from_dict(saved) == row
        assert sorted(p.name for p in Path(job.folder).iterdir()) == [batch.ROW_FILE]
    missing = batch_worker.run_job(job_for(tmp_path / "gone.mp4", tmp_path / "out"))
    assert missing.status == "unreadable" and "no such file" in missing.error


def test_a_rerun_clears_what_an_earlier_run_left(tmp_path):
    video = no_person_video(tmp_path / "nobody.mp4")
    job = job_for(video, tmp_path / "out", test="slr")
    for name in ("summary.json", "annotated.mp4", "plot.png", "key_frame.jpg", "frames.csv"):
        touch(Path(job.folder) / name, "old")
    row = batch_worker.run_job(job, backend_factory=batch_worker.BackendCache(FakeBackend))
    assert row.status == "not_measurable" and row.outputs == ()
    assert sorted(p.name for p in Path(job.folder).iterdir()) == [batch.ROW_FILE]


def test_a_refused_row_names_the_test_that_refused_it(tmp_path):
    video = no_person_video(tmp_path / "nobody.mp4")
    slr = batch_worker.run_job(job_for(video, tmp_path / "a", test="slr"),
                               backend_factory=batch_worker.BackendCache(FakeBackend))
    assert slr.status == "not_measurable" and slr.test == "slr" and slr.requested_test == "slr"
    # under --test auto a clip with nobody in it is refused before any test is chosen
    auto = batch_worker.run_job(job_for(video, tmp_path / "b"), backend_factory=batch_worker.BackendCache(FakeBackend))
    assert auto.status == "not_measurable" and auto.test is None and "no person found" in auto.error


# annotated.mp4 (rom batch --videos): on hand-built results over a synthetic clip (no pose model)

@pytest.fixture
def fake_analysis(tmp_path, monkeypatch):
    """analyze_video replaced by a hand-built SLR analysis of a real (synthetic) clip; returns
    the clip and a setter for the result's flags and warnings."""
    from test_overlay import _analysis, _write_clip, slr_landmarks, slr_result

    import rom.analysis

    clip = tmp_path / "in" / "clip.mp4"
    clip.parent.mkdir()
    _write_clip(clip)
    made = {}

    def analyze(path, options, progress=None, backend_factory=None):
        return _analysis(path, slr_result(**made), slr_landmarks())

    monkeypatch.setattr(rom.analysis, "analyze_video", analyze)
    return clip, made.update


ALWAYS = {batch.ROW_FILE, "summary.json", "frames.csv", "plot.png", "key_frame.jpg"}


@pytest.mark.parametrize("videos, flags, warnings, annotated", [
    ("flagged", ("contralateral_leg_lift",), (), True),
    ("flagged", (), ("the leg was hidden for 1.2 s",), True),
    ("flagged", (), (), False),
    ("all", (), (), True),
    ("none", ("contralateral_leg_lift",), ("the leg was hidden for 1.2 s",), False),
])
@pytest.mark.slow
def test_annotated_video_for_the_videos_that_need_a_look(fake_analysis, tmp_path, videos, flags, warnings,
                                                         annotated):
    clip, result_has = fake_analysis
    result_has(flags=flags, warnings=warnings)
    (job,), _ = batch.plan([clip], tmp_path / "out", "slr", "full", force=True, annotated=videos)
    row = batch_worker.run_job(job)
    assert row.status == "measured", row.error
    files = {p.name for p in Path(job.folder).iterdir()}
    assert files == ALWAYS | ({"annotated.mp4"} if annotated else set())  # nothing half-written either
    assert set(row.outputs) == files - {batch.ROW_FILE}
    if annotated:
        cap = cv2.VideoCapture(str(Path(job.folder) / "annotated.mp4"))
        assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 90
        cap.release()


@pytest.mark.slow
def test_asking_for_all_videos_redoes_the_measured_ones_without_one(fake_analysis, tmp_path):
    clip, result_has = fake_analysis
    result_has(flags=(), warnings=())
    out = tmp_path / "out"
    (job,), _ = batch.plan([clip], out, "slr", "full", force=True)  # default: flagged
    assert job.videos == "flagged"
    batch_worker.run_job(job)
    assert not (Path(job.folder) / "annotated.mp4").exists()
    for kept in ("flagged", "none"):  # the row stands
        todo, reused = batch.plan([clip], out, "slr", "full", annotated=kept)
        assert todo == [] and len(reused) == 1
    (again,), reused = batch.plan([clip], out, "slr", "full", annotated="all")
    assert reused == []
    batch_worker.run_job(again)
    assert (Path(job.folder) / "annotated.mp4").stat().st_size > 0
    todo, _ = batch.plan([clip], out, "slr", "full", annotated="all")
    assert todo == []


def test_unknown_videos_option_is_bad_usage(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["batch", str(tmp_path), "--out", str(tmp_path / "out"), "--videos", "some"])
    assert e.value.code == 2
    with pytest.raises(batch.BadInput):
        batch.run_batch([str(tmp_path)], tmp_path / "out", videos="some")


def test_progress_lines_without_a_terminal(tmp_path, capsys):
    import sys

    view = batch.TerminalProgress(stream=sys.stderr)
    view.start(100, 2, reused=1)
    view.video_done(replace(R.base_row("/x/a.mp4", "videos/a", "auto", "full"), status="not_measurable",
                            error="no person found in the video"), 2, 2)
    view.close()
    err = capsys.readouterr().err
    assert "1 video already measured" in err and "[2/2] a.mp4: not measurable: no person found" in err


def test_no_video_at_all_is_bad_usage(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    assert "no video files found" in capsys.readouterr().err


# ------------------------------------------------------------------ whole batches (real model)

@pytest.fixture(scope="module")
def cluster():
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, samples_dir):
    """Good clips (two of one person, left and right by name; a hinge in a subfolder), bad
    files, a clip with nobody in it, a file that is no video, and equal names in two folders."""
    root = tmp_path_factory.mktemp("mixed")
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    for name, stem in (("anna_slr-right", SLR_A), ("anna_slr-left", SLR_B)):
        shutil.copy(samples_dir / f"{stem}.mp4", src / f"{name}.mp4")
        shutil.copy(samples_dir / f"{stem}.truth.json", src / f"{name}.truth.json")
    shutil.copy(samples_dir / f"{HINGE}.mp4", src / "sub" / f"{HINGE}.mp4")
    shutil.copy(samples_dir / f"{HINGE}.truth.json", src / "sub" / f"{HINGE}.truth.json")
    touch(src / "sub" / "anna_slr-right.mp4", "a text file with a video's name")  # same name, other folder
    bad_files(src / "bad", samples_dir)
    no_person_video(src / "nobody.mp4")
    touch(src / "README.txt", "not a video and not named like one: ignored")
    old = time.time() - 1000  # the videos predate any result
    for p in src.rglob("*"):
        os.utime(p, (old, old))
    return root


@pytest.fixture(scope="module")
def first_run(mixed, cluster):
    """The whole folder, sent to the LocalCluster as to any cluster (--scheduler)."""
    out = mixed / "out"
    t0 = time.time()
    outcome = batch.run_batch([str(mixed / "in")], out, test="auto", scheduler=cluster.scheduler_address)
    return outcome, out, t0


@pytest.mark.slow
def test_mixed_folder_on_a_cluster(first_run):
    outcome, out, _ = first_run
    rows = {Path(r.video).parent.name + "/" + r.name: r for r in outcome.rows}
    assert set(rows) == {"in/anna_slr-right.mp4", "in/anna_slr-left.mp4", f"sub/{HINGE}.mp4",
                         "sub/anna_slr-right.mp4", "bad/empty.mp4", "bad/notes_renamed.mp4", "bad/truncated.mp4",
                         "in/nobody.mp4"}
    status = {k: r.status for k, r in rows.items()}
    assert status == {"in/anna_slr-right.mp4": "measured", "in/anna_slr-left.mp4": "measured",
                      f"sub/{HINGE}.mp4": "measured", "sub/anna_slr-right.mp4": "unreadable",
                      "bad/empty.mp4": "unreadable", "bad/notes_renamed.mp4": "unreadable",
                      "bad/truncated.mp4": "unreadable", "in/nobody.mp4": "not_measurable"}
    assert "no person" in rows["in/nobody.mp4"].error
    assert not outcome.all_measured and outcome.counts["measured"] == 3
    # equal names in two folders: two folders
    assert rows["in/anna_slr-right.mp4"].folder != rows["sub/anna_slr-right.mp4"].folder
    for r in outcome.rows:
        folder = out / r.folder
        assert json.loads((folder / batch.ROW_FILE).read_text())["status"] == r.status
        if r.measured:
            # annotated.mp4 (default --videos flagged) only for those with a flag or a warning
            look = bool(r.flags) or any(r.rep_flags) or bool(r.warnings)
            expected = {"summary.json", "frames.csv", "plot.png", "key_frame.jpg"} | (
                {"annotated.mp4"} if look else set())
            assert set(r.outputs) == expected, r.name
            assert all((folder / f).stat().st_size > 0 for f in r.outputs)
            assert (folder / "annotated.mp4").exists() == look
    slr, hinge = rows["in/anna_slr-right.mp4"], rows[f"sub/{HINGE}.mp4"]
    assert slr.test == "slr" and slr.truth_file == "anna_slr-right.truth.json"
    assert abs(slr.slr_angle_error_deg) < 5 and slr.hip_flexion_mae_deg is not None
    assert hinge.test == "hinge" and hinge.rep_count >= 1 and hinge.truth_rep_count == 1
    assert len(hinge.rep_max_hip_flexion_deg) == hinge.rep_count


@pytest.mark.slow
def test_summary_files_agree_with_the_rows_and_the_per_video_results(first_run):
    outcome, out, _ = first_run
    table = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    doc = json.loads((out / "summary.json").read_text())
    assert [t["video"] for t in table] == [r["video"] for r in doc["rows"]] == [r.video for r in outcome.rows]
    assert list(table[0]) == list(R.COLUMNS)
    for line, r in zip(table, outcome.rows):
        assert R.VideoRow.from_dict(doc["rows"][outcome.rows.index(r)]) == r
        assert line["status"] == r.status
        if not r.measured:
            continue
        single = json.loads((out / r.folder / "summary.json").read_text())  # what `rom analyze --out` wrote
        assert single["test"] == r.test == line["test"] and single["side"] == r.side
        assert line["flags"] == ";".join(single["flags"])
        if r.test == "slr":
            for key in ("slr_angle_deg", "max_hip_flexion_deg", "knee_bend_onset_s", "pelvic_rotation_deg"):
                assert float(line[key]) == single[key] == getattr(r, key)
        else:
            assert int(line["rep_count"]) == len(single["reps"])
            assert line["rep_max_hip_flexion_deg"] == ";".join(str(x["max_hip_flexion_deg"]) for x in single["reps"])
        assert float(line["detected_fraction"]) == single["quality"]["detected_fraction"]
        assert line["slr_angle_error_deg" if r.test == "slr" else "rep_hip_flexion_mae_deg"] != ""


@pytest.mark.slow
def test_batch_row_equals_analysing_the_video_alone(first_run):
    from rom.analysis import Options, analyze_video

    outcome, _, _ = first_run
    row = next(r for r in outcome.rows if r.name == "anna_slr-right.mp4")
    alone = analyze_video(row.video, Options(test="auto")).result.to_dict()  # fresh backends, one process
    for key in ("test", "side", "slr_angle_deg", "max_hip_flexion_deg", "knee_bend_onset_s",
                "contralateral_hip_flexion_deg"):
        assert getattr(row, key) == alone[key], key
    assert list(row.flags) == alone["flags"]


@pytest.mark.slow
def test_index_has_a_card_with_figures_for_every_video(first_run):
    from test_batch_report import parse

    outcome, out, _ = first_run
    page = parse((out / "index.html").read_text(encoding="utf-8"))
    assert len(page.cards) == len(outcome.rows)
    for r in outcome.rows:
        card = page.cards[R.card_id(r)]
        assert card["attrs"]["data-video"] == r.video
        if r.measured:
            wanted = {"slr_angle_deg", "max_hip_flexion_deg"} if r.test == "slr" else {"rep_count",
                                                                                     "max_hip_flexion_deg"}
            assert wanted <= set(card["figures"])
            assert all(card["figures"][k] == str(getattr(r, k)) for k in card["figures"])
            for src in card["images"]:
                assert (out / src).is_file()
        else:
            assert r.error.split(": ", 1)[-1][:20] in card["text"]
    # anna: right by name, left by name: compared (both clips raise the right leg: warned)
    assert len(page.comparison_rows) == 1


@pytest.mark.slow
def test_resume_then_force_through_the_command(first_run, mixed, capsys):
    outcome, out, _ = first_run
    src = mixed / "in"
    rows_before = {r.video: (out / r.folder / batch.ROW_FILE).stat().st_mtime_ns for r in outcome.rows}
    # nothing changed: nothing is measured again (and no worker is started)
    assert main(["batch", str(src), "--out", str(out), "--jobs", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == (
        "8 videos: 3 measured, 5 not measured (4 unreadable, 1 not measurable)")
    assert "8 videos already measured" in captured.err
    assert {r.video: (out / r.folder / batch.ROW_FILE).stat().st_mtime_ns for r in outcome.rows} == rows_before
    # a changed video is measured again, on local workers, and only it
    hinge = src / "sub" / f"{HINGE}.mp4"
    os.utime(hinge)
    assert main(["batch", str(src), "--out", str(out), "--jobs", "1"]) == 1
    after = {r.video: (out / r.folder / batch.ROW_FILE).stat().st_mtime_ns for r in outcome.rows}
    changed = [v for v in after if after[v] != rows_before[v]]
    assert changed == [str(hinge.resolve())]
    # --force measures again what is up to date; --videos all: with its annotated video
    one = src / "anna_slr-left.mp4"
    assert main(["batch", str(one), "--out", str(out), "--jobs", "1", "--force", "--videos", "all"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "1 video: 1 measured, 0 not measured"
    row = next(r for r in outcome.rows if r.video == str(one.resolve()))
    assert (out / row.folder / batch.ROW_FILE).stat().st_mtime_ns != rows_before[row.video]
    assert (out / row.folder / "annotated.mp4").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert [r["video"] for r in summary["rows"]] == [str(one.resolve())]
