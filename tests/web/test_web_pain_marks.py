"""Several pain marks per live SLR recording (issue 11): each kept with its time, removable
(pain_undo), stored (Assessment.pain_marks, migration 0005), given their angles in the result
and listed on the result page; no pain marks on the hinge."""

from __future__ import annotations

import flask_migrate
import pytest
from conftest_web import add_assessment, add_person, login, truth
from sqlalchemy import text
from test_web_live import SLR, LiveClient, _get, clip_frames

from rom.core.errors import BadInput
from rom.live.session import LiveSession
from web.db import MIGRATIONS, db
from web.models import Assessment

T0 = 10.0  # capture time of the first frame


def _record_with_marks(server, aid, mark_at: list[int], undo: list[int]):
    """Send the SLR clip; mark pain at the frames in mark_at, take back (by the time the pain
    reply gave) the marks made at the frames in undo, each right after it was made."""
    frames, gt = clip_frames(SLR), truth(SLR)
    c = LiveClient(server, aid)
    c.receive()
    c.control("start")
    replies = []
    for i, img in enumerate(frames):
        c.frame(img, T0 + i / gt["fps"])
        if i in mark_at:
            reply = c.control("pain", t=T0 + i / gt["fps"])
            replies.append(reply)
            if i in undo:
                replies.append(c.control("pain_undo", t=reply["pain_s"]))
    c.control("stop")
    c.close()
    return replies, gt


@pytest.mark.slow
def test_several_pain_marks_are_kept_undone_stored_and_shown(live_server):
    aid = add_assessment(live_server.app, add_person(live_server.app), status="pending")
    replies, gt = _record_with_marks(live_server, aid, mark_at=[60, 90, 120], undo=[90])
    hip_true = [f["hip_flexion_deg"] for f in gt["frames"]]
    # each pain reply lists every mark so far, in time order, with the live hip flexion there
    assert [r["type"] for r in replies] == ["pain", "pain", "pain_undone", "pain"]
    assert [m["t_s"] for m in replies[1]["marks"]] == [2.0, 3.0]
    assert replies[2]["removed_s"] == 3.0 and [m["t_s"] for m in replies[2]["marks"]] == [2.0]
    assert [m["t_s"] for m in replies[3]["marks"]] == [2.0, 4.0]
    for m in replies[3]["marks"]:
        assert abs(m["angle_deg"] - hip_true[round(m["t_s"] * 30)]) < 6.0
    a = _get(live_server, aid)
    assert a.status == "complete"
    assert a.pain_marks == pytest.approx([2.0, 4.0], abs=0.01)
    assert a.pain_s == pytest.approx(2.0, abs=0.01)  # the first mark, for what reads pain_s only
    marks = a.result["pain_marks"]
    assert [m["t_s"] for m in marks] == pytest.approx([2.0, 4.0], abs=0.01)
    for m, frame in zip(marks, (60, 120)):
        assert abs(m["angle_deg"] - hip_true[frame]) < 4.0
    assert a.result["pain_s"] == marks[0]["t_s"] and a.result["pain_angle_deg"] == marks[0]["angle_deg"]
    assert marks[1]["angle_deg"] > marks[0]["angle_deg"] + 10  # the leg is higher at the second mark
    client = login(live_server.app)
    chart = client.get(f"/api/assessments/{aid}/frames").get_json()
    assert [m["kind"] for m in chart["marks"]] == ["onset", "pain", "pain"]
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    block = page[page.index('<ol id="pain-marks">'):]
    block = block[:block.index("</ol>")]
    assert f"{marks[0]['angle_deg']:.1f}° at 2.00 s (the reading above)" in block
    assert f"{marks[1]['angle_deg']:.1f}° at 4.00 s" in block and block.count("<li>") == 2
    assert client.get(f"/api/assessments/{aid}").get_json()["pain_marks"] == pytest.approx([2.0, 4.0], abs=0.01)


@pytest.mark.slow
def test_pain_undo_is_validated(live_server):
    aid = add_assessment(live_server.app, add_person(live_server.app), status="pending")
    frame = clip_frames(SLR)[0]
    c = LiveClient(live_server, aid)
    c.receive()
    assert "unexpected message 'pain_undo' now" in c.control("pain_undo", t=1.0)["message"]  # not recording
    c.control("start")
    for i in range(40):
        c.frame(frame, T0 + i / 30)
    for fields, words in [({}, "pain_undo needs the time of the mark to remove"),
                          ({"t": "soon"}, "the pain mark's time must be a finite number"),
                          ({"t": True}, "the pain mark's time must be a finite number"),
                          ({"t": 0.5}, "there is no pain mark at 0.50 s")]:
        reply = c.control("pain_undo", **fields)
        assert reply["type"] == "error" and words in reply["message"], (fields, reply)
    mark = c.control("pain", t=T0 + 1.0)
    assert mark["pain_s"] == 1.0
    assert c.control("pain_undo", t=1.0)["marks"] == []
    assert "there is no pain mark at 1.00 s" in c.control("pain_undo", t=1.0)["message"]  # undone once only
    assert c.frame(frame, T0 + 2.0)["type"] == "frame"  # still recording
    c.close()


@pytest.mark.slow
def test_the_hinge_has_no_pain_marks(live_server):
    app = live_server.app
    aid = add_assessment(app, add_person(app), test="hinge", side=None, mode=None, status="pending")
    c = LiveClient(live_server, aid)
    c.receive()
    c.control("start")
    for kind, fields in (("pain", {"t": 1.0}), ("pain_undo", {"t": 1.0})):
        reply = c.control(kind, **fields)
        assert reply["type"] == "error" and "pain is not marked during the hip hinge" in reply["message"]
    c.close()
    with pytest.raises(BadInput, match=r"during the Straight-leg raise \(SLR\) or Slump test only, not the Hip hinge"):
        LiveSession("hinge").mark_pain(1.0)


@pytest.mark.slow
def test_only_the_slr_live_page_offers_pain_marks(client, app):
    pid = add_person(app)
    slr = client.get(f"/assessments/{add_assessment(app, pid, status='pending')}/live").get_data(as_text=True)
    hinge = client.get(f"/assessments/{add_assessment(app, pid, test='hinge', side=None, mode=None, status='pending')}"
                       "/live").get_data(as_text=True)
    assert 'id="pain"' in slr and 'id="pain-marks"' in slr and 'id="reps"' not in slr
    assert 'id="pain"' not in hinge and 'id="pain-marks"' not in hinge and 'id="reps"' in hinge


def test_migration_0005_keeps_old_pain_marks_readable(app):
    """A row from before 0005 has pain_s only: after the upgrade it has that one mark."""
    with app.app_context():
        aid = add_assessment(app, add_person(app), status="complete", pain_s=2.5)
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0004")
        assert "pain_marks" not in [r[1] for r in db.session.execute(text("PRAGMA table_info(assessment)"))]
        db.session.remove()
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        a = db.session.get(Assessment, aid)
        assert a.pain_marks == [2.5] and a.pain_s == 2.5 and a.pain_times == [2.5]
        a.pain_marks = None  # as a row the migration did not see: pain_s alone still reads
        assert a.pain_times == [2.5]
