"""Storage on SQLite and on a real PostgreSQL server: the migrations, frames written while they
are recorded, incomplete recordings and their analysis, results, deletion."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest
from conftest_web import add_assessment, add_person, sample_analysis, user_id
from sqlalchemy import func, select

from rom.protocols.slr.measure import analyze_slr
from web.db import db
from web.models import Assessment, FrameSample, Person, people_query, utcnow
from web.services import analysis_queue, frames, live_registry, recording

SLR = "slr_avg_male_L_near_60"


def _rows(series, n=None):
    """FrameSample rows of a landmark series, as the live engine makes them."""
    n = len(series) if n is None else n
    return [{"frame": i, "t_s": float(series.t_s[i]), "relock": False,
             "landmarks": frames.pack(series.xy_px[i], series.z[i], series.visibility[i], series.world_m[i]),
             "live": {"angles": {"hip_flexion_deg": 1.0}}} for i in range(n)]


def _count(app, aid) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FrameSample).where(FrameSample.assessment_id == aid))


def test_migrations_create_exactly_the_models_schema(db_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db_app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


@pytest.mark.slow
def test_frames_are_stored_while_recording_at_least_every_second(db_app):
    aid = add_assessment(db_app, add_person(db_app), status="recording", started_at=utcnow())
    series = sample_analysis(SLR).series
    rows = _rows(series, 40)
    with db_app.app_context():
        writer = recording.FrameWriter(db.engine, aid)
        for r in rows[:20]:
            writer.add(r)
        time.sleep(1.0)  # a killed server now would lose nothing of these
        assert _count(db_app, aid) == 20
        a = db.session.get(Assessment, aid)
        db.session.refresh(a)
        assert a.n_frames == 20 and a.last_frame_at is not None
        for r in rows[20:]:
            writer.add(r)
        writer.close()
    assert _count(db_app, aid) == 40


@pytest.mark.slow
def test_a_recording_left_behind_becomes_incomplete_and_can_be_analysed(db_app):
    db_app.config["STALE_AFTER_S"] = 0.2
    series = sample_analysis(SLR).series
    aid = add_assessment(db_app, add_person(db_app), status="recording", started_at=utcnow(),
                         image_width=series.image_size[0], image_height=series.image_size[1])
    with db_app.app_context():
        writer = recording.FrameWriter(db.engine, aid)
        for r in _rows(series):
            writer.add(r)
        writer.close()
        a = db.session.get(Assessment, aid)
        claim = live_registry.claim(aid, 1, 10, 10)  # its connection is still open: not stale
        time.sleep(0.3)
        assert not recording.mark_stale(a) and a.status == "recording"
        live_registry.release(claim)
        assert recording.mark_stale(a) and a.status == "incomplete"
        recording.finish_recorded(a)
        assert a.status == "complete"
        expected = analyze_slr(series, side="left")  # the same frames, straight from the engine
        assert a.result["slr_angle_deg"] == pytest.approx(expected.slr_angle_deg, abs=0.05)
        stored = db.session.scalars(select(FrameSample.angles).where(FrameSample.assessment_id == aid)
                                    .order_by(FrameSample.frame)).all()
        hip = np.array([np.nan if s["hip_flexion_deg"] is None else s["hip_flexion_deg"] for s in stored])
        np.testing.assert_allclose(hip, expected.frames.columns["hip_flexion_deg"], atol=0.05)


def test_server_start_settles_unfinished_work(db_app):
    pid = add_person(db_app)
    rec = add_assessment(db_app, pid, status="recording", started_at=utcnow() - timedelta(minutes=5))
    upl = add_assessment(db_app, pid, status="analysing", source="upload")  # its file is gone
    done = add_assessment(db_app, pid, status="complete", result={"side": "left"})
    with db_app.app_context():
        analysis_queue.settle_unfinished()
        status = {a.id: (a.status, a.error) for a in db.session.scalars(select(Assessment))}
    assert status[rec] == ("incomplete", None)
    assert status[upl][0] == "failed" and "upload the video again" in status[upl][1]
    assert status[done] == ("complete", None)


@pytest.mark.slow
def test_results_with_their_frames_and_deletion_cascade(db_app):
    analysis = sample_analysis(SLR)
    aid = add_assessment(db_app, add_person(db_app), status="analysing", source="upload")
    with db_app.app_context():
        a = db.session.get(Assessment, aid)
        recording.store_result(a, analysis.result, analysis.series, b"\xff\xd8jpeg", rows_stored=False)
        db.session.expire_all()
        a = db.session.get(Assessment, aid)
        assert a.status == "complete" and a.key_frame == b"\xff\xd8jpeg"
        assert a.result == analysis.result.to_dict()
        assert a.n_frames == len(analysis.series)
        first = db.session.get(FrameSample, (aid, 0))
        back = frames.unpack(first.landmarks)
        np.testing.assert_allclose(back["xy"], analysis.series.xy_px[0], atol=1e-3)
        db.session.delete(a)
        db.session.commit()
    assert _count(db_app, aid) == 0


def test_people_search_is_case_insensitive(db_app):
    for name in ("Anna", "ANDREAS", "Bert"):
        add_person(db_app, name)
    owner = user_id(db_app)
    with db_app.app_context():
        assert [p.name for p in db.session.scalars(people_query("an", owner_id=owner))] == ["ANDREAS", "Anna"]
        assert db.session.scalar(select(func.count(Person.id))) == 3


@pytest.mark.slow
def test_an_incomplete_hinge_recording_keeps_the_back_outline_for_its_analysis(db_app):
    from rom.analysis import measure

    series = sample_analysis("hinge_avg_female_R_good_3reps").series
    aid = add_assessment(db_app, add_person(db_app), test="hinge", side=None, mode=None, status="incomplete",
                         image_width=series.image_size[0], image_height=series.image_size[1])
    rows = [{"frame": i, "t_s": float(series.t_s[i]), "relock": False, "live": None,
             "landmarks": frames.pack(series.xy_px[i], series.z[i], series.visibility[i], series.world_m[i],
                                      series.back[i])} for i in range(len(series))]
    with db_app.app_context():
        writer = recording.FrameWriter(db.engine, aid)
        for r in rows:
            writer.add(r)
        writer.close()
        a = db.session.get(Assessment, aid)
        recording.finish_recorded(a)
        expected = measure(series, "hinge", "live")
        assert a.status == "complete", a.error
        assert len(a.result["reps"]) == len(expected.reps) == 3
        for got, want in zip(a.result["reps"], expected.reps):
            assert got["max_hip_flexion_deg"] == pytest.approx(want.max_hip_flexion_deg, abs=0.1)
            assert got["flags"] == list(want.flags)
