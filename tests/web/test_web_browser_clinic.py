"""End to end in chromium (issue 11, Done when): the clinic's points 1-6 with the webcam faked from
.y4m files written at test time from a sample clip, each checked against the clip's truth.

1. started mid-raise: the page says "hold still: taking the resting position" until the leg rests,
   and the stored SLR angle's interval holds the truth;
2. an empty room and a standing person on the SLR page: Start stays disabled with the camera
   check's advice, until "record anyway" is ticked;
3. a left raise declared right: the page says so while recording, the result is the left leg;
4. pain marked twice (P) and one mark undone in the page's list: the one kept is stored, with the
   hip flexion of the clip's truth at that moment;
5. uneven frame times (runs of camera frames dropped before the page sends them): the stored
   times are the browser's capture times, the knee-bend time and the SLR angle hold the truth;
6. like with like: the history pairs the left and right passive SLR with both dates, not the
   active one of the same day.

One server for the module; a browser per camera file. Times on the page's clock are matched to
the clip's by the leg's elevation in the server's replies (`_clip_offset_s`)."""

from __future__ import annotations

import json
import pathlib
import re
import tempfile
from datetime import datetime

import cv2
import numpy as np
import pytest
from conftest_web import CLINICIAN, PASSWORD, SAMPLES, LiveServer, add_analysed, add_person, make_app, truth, user_id
from test_web_browser import CHROMIUM, TOLERANCE_DEG, Clip, _wait, camera_args, leg_elevation_deg, write_frames_y4m

from rom.capture import video
from rom.core.rest import WAITING
from rom.live import camera_check
from web.db import db
from web.models import Assessment, FrameSample

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
              pytest.mark.slow]

SLR = "slr_avg_male_L_near_60"  # left leg, near the camera; 6 s at 30 frames/s
HINGE = "hinge_avg_male_L_good"
HOLD_S = 2.0
BEND_TIME_TOLERANCE_S = 0.35  # two clocks put it 0.8 s off (issue 11)

# --- the fake camera ------------------------------------------------------------------------------

def clip_frames(name: str) -> tuple[list[np.ndarray], float]:
    """The sample clip's frames (BGR) and its frame rate."""
    info = video.probe(SAMPLES / f"{name}.mp4")
    return [cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) for _, rgb in video.iter_frames(info)], info.fps


@pytest.fixture(scope="module", name="cameras")
def cameras_fixture():
    """Writes a named .y4m on demand (cached for the module), deleted after."""
    with tempfile.TemporaryDirectory(prefix="rom-cameras-") as d:
        made: dict[str, pathlib.Path] = {}

        def camera(name: str, frames_of) -> pathlib.Path:
            if name not in made:
                frames, fps = frames_of()
                made[name] = write_frames_y4m(frames, fps, pathlib.Path(d) / f"{name}.y4m")
            return made[name]

        yield camera


def slr_loop():
    """The SLR clip with its last frame (at rest) held HOLD_S: every loop starts and ends at rest."""
    frames, fps = clip_frames(SLR)
    return frames + [frames[-1]] * int(HOLD_S * fps), fps


MID_FRAME = 84  # 2.8 s into the clip: the leg at 58 degrees, the knee still straight


def slr_from_mid_raise():
    """The examiner holds the leg up (the clip's frame MID_FRAME, 1.5 s), then the rest of the raise,
    the leg at rest, and the whole clip."""
    frames, fps = clip_frames(SLR)
    rest = [frames[-1]] * int(HOLD_S * fps)
    return [frames[MID_FRAME]] * int(1.5 * fps) + frames[MID_FRAME:] + rest + frames + rest, fps


def empty_room():
    """An empty room: the clip's first frame painted all over in its median colour, for 2 s."""
    frames, fps = clip_frames(SLR)
    img = np.empty_like(frames[0])
    img[:] = np.median(frames[0].reshape(-1, 3), axis=0).astype(np.uint8)
    return [img] * int(2 * fps), fps


def hinge_clip():
    frames, fps = clip_frames(HINGE)
    return frames, fps


# --- the server and the browser -------------------------------------------------------------------

@pytest.fixture(scope="module", name="server")
def server_fixture(tmp_path_factory):
    server = LiveServer(make_app(tmp_path_factory.mktemp("clinic") / "instance"))
    user_id(server.app)
    yield server
    server.stop()


@pytest.fixture(scope="module", name="playwright")
def playwright_fixture():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


class Browser:
    """Chromium with the fake camera, logged in; `replies` follows the live WebSocket."""

    def __init__(self, playwright, server, camera: pathlib.Path | None, init_script: str | None = None):
        self.server = server
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=camera_args(camera),
                                                  headless=True)
        self.page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        if init_script:
            self.page.add_init_script(init_script)
        self.errors: list[str] = []
        self.clip = Clip()
        self.messages: list[dict] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._on_reply))
        self.page.goto(f"{server.url}/login")
        self.page.fill("input[name=name]", CLINICIAN)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def _on_reply(self, payload) -> None:
        msg = json.loads(payload)
        self.messages.append(msg)
        self.clip.on_reply(payload)

    def live(self, person: str, test: str, mode: str = "passive") -> int:
        """A new assessment of a new person, its live page open: the assessment's ID."""
        pid = add_person(self.server.app, person)
        self.page.goto(f"{self.server.url}/assessments/new?person={pid}")
        self.page.check(f"input[value={test}]")
        if test.startswith("slr"):
            self.page.check(f"input[value={mode}]")
        self.page.click("text=Set up the camera")
        self.page.wait_for_url(re.compile(r".*/assessments/\d+/live$"))
        return int(re.search(r"/assessments/(\d+)/live", self.page.url).group(1))

    def frames(self) -> list[dict]:
        return [m for m in self.messages if m.get("type") == "frame"]

    def stop(self, aid: int) -> None:
        self.page.click("#stop")
        self.page.wait_for_url(f"{self.server.url}/assessments/{aid}", timeout=180_000)

    def close(self) -> None:
        self.browser.close()
        assert not self.errors, self.errors


def stored(server, aid: int) -> Assessment:
    with server.app.app_context():
        a = db.session.get(Assessment, aid)
        db.session.expunge(a)
        return a


def _recorded(frames: list[dict]) -> list[dict]:
    """The replies to recorded frames with landmarks (session time t_s, the frame's index)."""
    return [m for m in frames if "frame" in m and m.get("landmarks")]


def _clip_offset_s(replies: list[dict], gt: dict, side: str = "left") -> float:
    """The clip's time minus the recording's time, from the leg's elevation in the replies matched
    to the truth's over the raise (the truth held at rest before and after the clip)."""
    t = np.array([m["t_s"] for m in replies])
    e = np.array([leg_elevation_deg(m["landmarks"], side) for m in replies])
    truth_t = np.array([f["t"] for f in gt["frames"]])
    truth_e = np.array([f["leg_hip_flexion_deg"] for f in gt["frames"]])
    top = int(np.argmax(e))
    near = (t > t[top] - 3.5) & (t < t[top] + 3.0)  # the one raise around the highest reading
    offsets = np.arange(-30.0, 30.0, 1 / 120)
    cost = [np.nanmean((e[near] - np.interp(t[near] + o, truth_t, truth_e)) ** 2) for o in offsets]
    return float(offsets[int(np.argmin(cost))])


def _truth_at(gt: dict, key: str, t_clip: float) -> float:
    return float(np.interp(t_clip, [f["t"] for f in gt["frames"]], [f[key] for f in gt["frames"]]))


# --- 1. started mid-raise -------------------------------------------------------------------------

def test_started_mid_raise_the_page_waits_for_the_rest(playwright, server, cameras):
    gt = truth(SLR)
    b = Browser(playwright, server, cameras("mid_raise", slr_from_mid_raise))
    page = b.page
    aid = b.live("CLINIC-MID", "slr-left")
    page.check("#anyway")  # (the check may pass or not with the leg up: that is point 2's test)
    # wait for the loop to come round to the leg held up (right after a rest), then start
    _wait(page, lambda: len(b.clip.replies) > 5, 60)

    def held_up_after_rest() -> bool:
        e = [leg_elevation_deg(m["landmarks"]) for m in b.clip.replies[-8:]]
        return len(e) == 8 and min(e[:4]) < 12 and e[-1] > 40

    _wait(page, held_up_after_rest, 60)
    page.click("#start")
    page.wait_for_selector("#stop:not([hidden])")
    started = len(b.frames())
    _wait(page, lambda: any("frame" in m for m in b.frames()[started:]), 20)
    page.wait_for_timeout(300)
    shown = page.inner_text("#cues")
    rest_seen = lambda: any("rest" in m.get("events", []) for m in b.frames())  # noqa: E731
    _wait(page, rest_seen, 30)
    # then the whole raise, and back at rest
    raises = b.clip.raises
    _wait(page, lambda: b.clip.raises > raises, 40)
    page.wait_for_timeout(500)
    recorded = _recorded(b.frames())
    b.stop(aid)
    b.close()

    assert WAITING in shown, shown
    rest_at = next(i for i, m in enumerate(recorded) if "rest" in m["events"])
    before = recorded[:rest_at]
    assert before and all(m["cues"][0] == WAITING for m in before)  # no number before the rest
    assert all(m["angles"] == {} for m in before)
    assert max(leg_elevation_deg(m["landmarks"]) for m in before) > 40  # it was waiting with the leg up
    assert leg_elevation_deg(recorded[rest_at]["landmarks"]) < 12  # ... and took the rest on the table
    a = stored(server, aid)
    assert a.status == "complete", a.error
    lo, hi = a.result["slr_angle_ci95_deg"]
    print("mid-raise: SLR", a.result["slr_angle_deg"], (lo, hi), "truth", gt["slr_angle_deg"])
    assert lo <= gt["slr_angle_deg"] <= hi
    assert abs(a.result["slr_angle_deg"] - gt["slr_angle_deg"]) <= TOLERANCE_DEG
    # the live cue's number after the bend agrees with the result within its interval
    bent = [m for m in recorded if any(c.startswith("knee bent at") for c in m["cues"])]
    if bent:
        live = float(next(c for c in bent[-1]["cues"] if c.startswith("knee bent at")).split()[3])
        assert lo - 1 <= live <= hi + 1, live


# --- 2. empty room, wrong posture ------------------------------------------------------------------

@pytest.mark.parametrize("camera, advice", [
    ("empty_room", "no one in view: step into the picture"),
    ("hinge_on_slr", "lie down on your back on the table, legs straight"),
])
def test_start_waits_for_the_camera_check_unless_recorded_anyway(playwright, server, cameras, camera, advice):
    source = {"empty_room": empty_room, "hinge_on_slr": hinge_clip}[camera]
    b = Browser(playwright, server, cameras(camera, source))
    page = b.page
    b.live(f"CLINIC-{camera}", "slr-left")
    _wait(page, lambda: len(b.frames()) >= 30, 90)
    checks = [m["check"] for m in b.frames()]
    assert all(not c["ok"] for c in checks), [c for c in checks if c["ok"]]
    assert all(advice in c["advice"] for c in checks[5:]), checks[-1]
    assert page.is_disabled("#start")
    lines = page.locator("#check p").all_inner_texts()
    assert advice in lines, lines
    assert "advice" in page.get_attribute("#check", "class")
    page.check("#anyway")
    assert page.is_enabled("#start")
    page.uncheck("#anyway")
    assert page.is_disabled("#start")
    b.close()
    # the words are the camera check's own
    if camera == "empty_room":
        assert camera_check.check_frame(None, (640, 480), "slr").advice == (advice,)


# --- 3. wrong side ---------------------------------------------------------------------------------

MISMATCH = "the left leg is being raised, not the right one: it is measured as the left leg"


def _record_one_raise(b: Browser, aid: int, during=None, before_stop=None) -> list[dict]:
    """Start at rest between two loops, record one raise (calling during() while the leg rises),
    stop once it is back down (calling before_stop() just before); the recorded replies."""
    page = b.page
    _wait(page, lambda: len(b.clip.replies) > 5, 60)
    seen = b.clip.raises
    _wait(page, lambda: b.clip.raises > seen, 40)
    page.click("#start")
    page.wait_for_selector("#stop:not([hidden])")
    started = b.clip.raises
    if during is not None:
        during()
    _wait(page, lambda: b.clip.raises > started, 40)
    page.wait_for_timeout(500)
    recorded = _recorded(b.frames())
    if before_stop is not None:
        before_stop()
    b.stop(aid)
    return recorded


def test_a_wrongly_declared_side_is_said_before_saving_and_stored_as_measured(playwright, server, cameras):
    gt = truth(SLR)
    b = Browser(playwright, server, cameras("slr_loop", slr_loop))
    page = b.page
    aid = b.live("CLINIC-SIDE", "slr-right")
    _wait(page, lambda: len(b.frames()) >= 10, 60)
    # the camera check already says the declared right leg is the camera's far one
    assert any("the right leg is the camera's far leg" in line for line in b.frames()[-1]["check"]["advice"])
    page.check("#anyway")
    said = []

    def watch():
        _wait(page, lambda: any(MISMATCH in m.get("cues", []) for m in b.frames()), 30)
        page.wait_for_timeout(200)
        said.append(page.inner_text("#cues"))

    recorded = _record_one_raise(b, aid, during=watch)
    b.close()
    assert MISMATCH in said[0], said
    assert recorded[-1]["side"] == "left"
    a = stored(server, aid)
    assert a.status == "complete", a.error
    assert a.side == "left" and a.result["side"] == gt["side"] == "left"
    check = a.result["side_check"]
    assert check["declared"] == "right" and check["mismatch"] is True and check["measured"] == "left"
    assert abs(a.result["slr_angle_deg"] - gt["slr_angle_deg"]) <= TOLERANCE_DEG
    lo, hi = a.result["slr_angle_ci95_deg"]
    print("wrong side: SLR", a.result["slr_angle_deg"], (lo, hi), "truth", gt["slr_angle_deg"])


# --- 4. pain marked twice, one undone ---------------------------------------------------------------

def test_pain_marked_twice_and_one_undone_keeps_the_other(playwright, server, cameras):
    gt = truth(SLR)
    b = Browser(playwright, server, cameras("slr_loop", slr_loop))
    page = b.page
    aid = b.live("CLINIC-PAIN", "slr-left")
    page.wait_for_selector("#check.ok", timeout=90_000)
    page.check("#speak")  # focus on a checkbox: P still marks pain
    listed = []

    def rising_past(deg: float) -> bool:
        e = [leg_elevation_deg(m["landmarks"]) for m in b.clip.replies[-3:]]
        return len(e) == 3 and e[-1] > deg and e[-1] > e[0]

    def mark_twice_undo_first():
        _wait(page, lambda: rising_past(25), 30)
        page.keyboard.press("p")
        page.wait_for_selector("#pain-marks li >> nth=0")
        _wait(page, lambda: rising_past(45), 30)
        page.keyboard.press("p")
        page.wait_for_selector("#pain-marks li >> nth=1")
        listed.extend(page.locator("#pain-marks li").all_inner_texts())
        page.click("#pain-marks li >> nth=0 >> button")
        _wait(page, lambda: page.locator("#pain-marks li").count() == 1, 20)
        listed.append(page.inner_text("#pain-marks li"))

    recorded = _record_one_raise(b, aid, during=mark_twice_undo_first)
    b.close()
    times = [float(re.search(r"Pain at ([\d.]+) s", text).group(1)) for text in listed]
    assert len(times) == 3 and times[2] == times[1] > times[0], listed
    a = stored(server, aid)
    assert a.status == "complete", a.error
    assert a.pain_marks == pytest.approx([times[1]], abs=0.06)  # (the list shows 0.1 s of a time rounded to 0.01 s)
    marks = a.result["pain_marks"]
    assert len(marks) == 1 and marks[0]["t_s"] == pytest.approx(times[1], abs=0.06)
    offset = _clip_offset_s(recorded, gt)
    hip_truth = _truth_at(gt, "hip_flexion_deg", marks[0]["t_s"] + offset)
    print("pain: kept", marks[0], "truth hip there", round(hip_truth, 1), "clip offset", round(offset, 2))
    assert hip_truth > 40  # (marked while rising past 45 degrees of elevation)
    assert abs(marks[0]["angle_deg"] - hip_truth) <= TOLERANCE_DEG


# --- 5. uneven frame times ------------------------------------------------------------------------

# The fake camera delivers its frames evenly, so the unevenness is made in the page: from the moment
# window.dropFrames is set, the camera's frames in the first DROP_S of every DROP_EVERY_S of
# capture time never reach the page's requestVideoFrameCallback (as a stalled tab or camera loses
# them); their capture times are kept in window.droppedTimes, and the capture times the page writes
# into its frames' 8-byte heads (DataView.setFloat64) in window.sentTimes.
DROP_S, DROP_EVERY_S = 0.55, 1.7
DROP_FRAMES = f"""
(() => {{
  const request = HTMLVideoElement.prototype.requestVideoFrameCallback;
  window.dropFrames = false;
  window.droppedTimes = [];
  window.sentTimes = [];
  const setFloat64 = DataView.prototype.setFloat64;
  DataView.prototype.setFloat64 = function (offset, value, littleEndian) {{
    if (offset === 0 && littleEndian && this.byteLength === 8) window.sentTimes.push(value);
    return setFloat64.call(this, offset, value, littleEndian);
  }};
  HTMLVideoElement.prototype.requestVideoFrameCallback = function (callback) {{
    const video = this;
    const filtered = (now, meta) => {{
      const t = (meta.captureTime ?? meta.expectedDisplayTime ?? now) / 1000;
      if (window.dropFrames && (t % {DROP_EVERY_S}) < {DROP_S}) {{
        window.droppedTimes.push(t);
        request.call(video, filtered);
        return;
      }}
      callback(now, meta);
    }};
    return request.call(this, filtered);
  }};
}})();
"""


def test_uneven_frame_times_are_kept_from_the_capture_clock(playwright, server, cameras):
    gt = truth(SLR)
    b = Browser(playwright, server, cameras("slr_loop", slr_loop), init_script=DROP_FRAMES)
    page = b.page
    aid = b.live("CLINIC-CLOCK", "slr-left")
    page.wait_for_selector("#check.ok", timeout=90_000)
    page.evaluate("window.dropFrames = true")
    times = {}
    recorded = _record_one_raise(b, aid, before_stop=lambda: times.update(
        dropped=page.evaluate("window.droppedTimes"), sent=page.evaluate("window.sentTimes")))
    b.close()
    assert len(times["dropped"]) > 30  # frames were dropped ...
    a = stored(server, aid)
    assert a.status == "complete", a.error
    with server.app.app_context():
        t_s = np.array(db.session.scalars(db.select(FrameSample.t_s).where(FrameSample.assessment_id == aid)
                                          .order_by(FrameSample.frame)).all())
    gaps = np.diff(t_s)
    # ... so the stored times are uneven: gaps of the dropped runs beside the camera's 33 ms
    assert gaps.max() >= DROP_S - 0.05 and np.median(gaps) < 0.2, (gaps.max(), np.median(gaps))
    # ... of the capture clock: each long gap is one dropped run (DROP_S long, not a frame's 33 ms
    # nor an even spacing), and the runs start DROP_EVERY_S apart as the browser's capture times do
    long = np.flatnonzero(gaps >= DROP_S - 0.05)
    assert len(long) >= 3 and np.all(gaps[long] <= DROP_S + 0.1), gaps[long]
    ends = t_s[long + 1]  # the first frame after each dropped run
    cycles = np.diff(ends) / DROP_EVERY_S
    assert np.allclose(cycles, np.round(cycles), atol=0.06), cycles
    # ... and they are the very capture times the page sent with the frames (the first one's as 0;
    # the frames sent after window.sentTimes was read, just before Stop, are not in it)
    sent = np.array(times["sent"])

    def matches(t0: float) -> bool:
        at = t0 + t_s[t0 + t_s <= sent[-1] + 1e-6]
        return len(at) >= 0.9 * len(t_s) and bool(np.all(np.min(np.abs(sent[None, :] - at[:, None]), axis=1) < 1e-6))

    assert any(matches(t0) for t0 in sent), "stored times that are not the browser's capture times"
    assert any("frames arrived unevenly" in w for w in a.result["quality"]["warnings"]), a.result["quality"]
    # the recording's times on the clip's clock: the knee bend and the SLR angle as in the truth
    offset = _clip_offset_s(recorded, gt)
    bend_s = a.result["knee_bend_onset_s"] + offset
    lo, hi = a.result["slr_angle_ci95_deg"]
    print("uneven: bend at", round(bend_s, 2), "truth", gt["knee_bend_onset_s"], "SLR", a.result["slr_angle_deg"],
          (lo, hi), "truth", gt["slr_angle_deg"], "gaps on the clip's clock",
          [(round(t_s[i] + offset, 2), round(t_s[i + 1] + offset, 2)) for i in long])
    # Where a dropped run hides the bend's start, or falls between it and where the bend was read (the
    # fit then lacks the frames that would place it: about one run in four, by where the runs fall),
    # the bend is read at an end of the gap (seen: 3.57 s against 2.9, SLR 67.3 against 60.9, with the
    # gap 3.45-4.05 s); the interval then widens by the leg's rise over the gap and says so, and must
    # still hold the truth.
    first, last = sorted((gt["knee_bend_onset_s"], bend_s))
    hidden = any(t_s[i] + offset - 0.1 <= last and t_s[i + 1] + offset + 0.1 >= first for i in long)
    assert lo <= gt["slr_angle_deg"] <= hi
    if hidden and abs(bend_s - gt["knee_bend_onset_s"]) > BEND_TIME_TOLERANCE_S:
        assert any("frames were missing where the knee began to bend" in w for w in a.result["quality"]["warnings"])
        return
    assert abs(bend_s - gt["knee_bend_onset_s"]) <= BEND_TIME_TOLERANCE_S
    assert abs(a.result["slr_angle_deg"] - gt["slr_angle_deg"]) <= TOLERANCE_DEG


# --- 6. like with like ----------------------------------------------------------------------------

LEFT, RIGHT = "slr_avg_male_L_near_60", "slr_avg_female_R_near_45"


def test_the_history_compares_like_with_like_with_both_dates(playwright, server):
    app = server.app
    pid = add_person(app, "CLINIC-COMPARE")
    left = add_analysed(app, pid, LEFT, started_at=datetime(2026, 12, 1, 10, 0))
    right = add_analysed(app, pid, RIGHT, started_at=datetime(2026, 11, 20, 10, 0))
    active = add_analysed(app, pid, RIGHT, started_at=datetime(2026, 12, 1, 9, 0))  # same day, active
    with app.app_context():
        db.session.get(Assessment, active).mode = "active"
        db.session.commit()
        deg = {k: db.session.get(Assessment, i).result["slr_angle_deg"] for k, i in
               (("left", left), ("right", right), ("active", active))}
    for k, name in (("left", LEFT), ("right", RIGHT), ("active", RIGHT)):
        assert abs(deg[k] - truth(name)["slr_angle_deg"]) <= TOLERANCE_DEG, (k, deg[k])
    b = Browser(playwright, server, None)
    page = b.page
    page.goto(f"{server.url}/people/{pid}/history")
    text = re.sub(r"\s+", " ", page.inner_text("main") if page.locator("main").count() else page.inner_text("body"))
    page.goto(f"{server.url}/assessments/{left}")
    result_text = re.sub(r"\s+", " ", page.inner_text("body"))
    b.close()
    pair = f"Left {deg['left']:.1f}° (2026-12-01), right {deg['right']:.1f}° (2026-11-20)"
    assert f"Latest passive SLR: {pair}" in text, text
    assert pair in result_text
    assert f"right {deg['active']:.1f}° (2026-12-01)" not in text  # the active raise is not paired
    assert "Latest active SLR: No left active SLR within 30 days of the right one of 2026-12-01" in text
    assert "the left side is tighter" not in text or deg["left"] < deg["right"]
