"""The overlay (rom.outputs.overlay), the annotated video (rom.outputs.annotate) and the key frame, on hand-built
results and landmarks drawn over synthetic frames (no pose model, except the one slow test)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from rom.capture.video import VideoInfo
from rom.core.landmarks import INDEX, LandmarkSeries
from rom.core.results import FrameTable, Quality
from rom.outputs import draw, overlay
from rom.outputs.annotate import write_annotated_video
from rom.protocols.hinge.result import HingeEvents, HingeRep, HingeResult
from rom.protocols.slr.result import SLREvents, SLRResult

FPS = 30.0
W, H = 640, 480
N = 90
ONSET = 50.5  # fractional frame, as the SLR engine reports it


def _polar(origin, length, direction_deg):
    r = np.radians(direction_deg)
    return np.asarray(origin, float) + length * np.array([np.cos(r), -np.sin(r)])


def _slr_angles():
    i = np.arange(N)
    hip = np.clip(4 + (i - 20) * (66 / 50), 4, 70)  # rest until frame 20, then up to 70 deg
    knee = np.where(i > ONSET, np.minimum((i - ONSET) * 1.5, 30.0), 0.0)
    return hip, knee


def slr_landmarks() -> np.ndarray:
    """(N, 33, 2) of a body lying head left, feet right, raising its left leg."""
    hip_deg, knee_deg = _slr_angles()
    xy = np.full((N, 33, 2), np.nan)
    for f in range(N):
        p = {}
        for side, dy, elev, bend in (("left", 0, hip_deg[f], knee_deg[f]), ("right", 4, 4.0, 0.0)):
            p[f"{side}_hip"] = np.array([300.0, 300.0 + dy])
            p[f"{side}_knee"] = _polar(p[f"{side}_hip"], 110, elev)
            p[f"{side}_ankle"] = _polar(p[f"{side}_knee"], 105, elev - bend)
            p[f"{side}_heel"] = p[f"{side}_ankle"] + [8, 4]
            p[f"{side}_foot_index"] = p[f"{side}_ankle"] + [10, -18]
            p[f"{side}_shoulder"] = np.array([130.0, 296.0 + dy])
            p[f"{side}_elbow"] = np.array([200.0, 300.0 + dy])
            p[f"{side}_wrist"] = np.array([260.0, 304.0 + dy])
        for name, v in p.items():
            xy[f, INDEX[name]] = v
    return xy


def slr_result(flags=("contralateral_leg_lift",), bent=True, warnings=("a standing person (an examiner) was in "
               "the picture; tracking was kept on the person lying down (restarted 1 time)",)) -> SLRResult:
    hip, knee = _slr_angles()
    if not bent:
        knee = np.zeros(N)
    t = np.arange(N) / FPS
    cols = {"t_s": t, "hip_flexion_deg": hip, "hip_flexion_raw_deg": hip + 0.5, "leg_hip_flexion_deg": hip - 0.3,
            "knee_flexion_deg": knee, "knee_flexion_raw_deg": knee, "other_hip_flexion_deg": np.full(N, 4.0),
            "pelvic_rotation_deg": np.zeros(N)}
    events = SLREvents(onset=ONSET if bent else None, confirmed=60 if bent else None, peak=70,
                       key=ONSET if bent else 70, rest=(0, 19), label="left", feet_deg=0.0, up_sign=1.0,
                       threshold_deg=10.0)
    slr = 61.0 if bent else 70.0
    return SLRResult(
        video="clip.mp4", side="left", facing="left", slr_angle_deg=slr, slr_angle_ci95_deg=(slr - 3, slr + 3),
        max_hip_flexion_deg=70.0, knee_bend_onset_s=ONSET / FPS if bent else None,
        knee_bend_confirmed_s=2.0 if bent else None, pelvic_rotation_deg=1.0, max_pelvic_rotation_deg=2.0,
        contralateral_hip_flexion_deg=9.0, table_tilt_deg=0.0,
        flags=tuple(flags) + (() if bent else ("knee_bend_not_reached",)),
        quality=Quality(frames=N, detected_fraction=1.0, warnings=tuple(warnings)),
        frames=FrameTable(cols), events=events)


REPS = [(5, 20, 35), (45, 60, 75)]


def _hinge_angles():
    hip = np.zeros(N)
    for a, b, e in REPS:
        hip[a:b + 1] = np.linspace(0, 80, b - a + 1)
        hip[b:e + 1] = np.linspace(80, 0, e - b + 1)
    return hip


def hinge_landmarks() -> np.ndarray:
    """(N, 33, 2) of a body standing facing right and bending forward at the hips."""
    hip_deg = _hinge_angles()
    xy = np.full((N, 33, 2), np.nan)
    for f in range(N):
        for side, dx in (("right", 0.0), ("left", -3.0)):
            hip = np.array([320.0 + dx, 250.0])
            p = {"hip": hip, "knee": hip + [0, 100], "ankle": hip + [0, 195], "heel": hip + [-8, 205],
                 "foot_index": hip + [25, 208], "shoulder": _polar(hip, 160, 90 - hip_deg[f])}
            p["elbow"] = p["shoulder"] + [5, 60]
            p["wrist"] = p["elbow"] + [5, 55]
            for name, v in p.items():
                xy[f, INDEX[f"{side}_{name}"]] = v
    return xy


def hinge_result() -> HingeResult:
    hip = _hinge_angles()
    cols = {"t_s": np.arange(N) / FPS, "hip_flexion_deg": hip, "hip_flexion_raw_deg": hip,
            "trunk_inclination_deg": hip * 0.9, "trunk_inclination_raw_deg": hip * 0.9,
            "knee_flexion_deg": np.full(N, 3.0), "knee_flexion_raw_deg": np.full(N, 3.0),
            "back_rounding": hip * 0.3}
    xy = hinge_landmarks()
    back = np.linspace(xy[60, INDEX["right_hip"]], xy[60, INDEX["right_shoulder"]], 12) + [0, -15]
    reps = tuple(HingeRep(start_s=a / FPS, bottom_s=b / FPS, end_s=e / FPS, max_hip_flexion_deg=80.0 + k,
                          max_trunk_inclination_deg=72.0, max_knee_flexion_deg=3.0, back_rounding=5.0 + 20 * k,
                          lumbar_ratio=0.1, flags=("rounded_back",) if k else ())
                 for k, (a, b, e) in enumerate(REPS))
    events = HingeEvents(reps=tuple(REPS), bottoms=((17, 23), (57, 63)), knee_bend_threshold_deg=17.0,
                         knee_standing_deg=3.0, rounded_back_threshold_deg=18.0, back_contour={60: back})
    return HingeResult(video="hinge.mp4", side="right", reps=reps, flags=("rounded_back",),
                       quality=Quality(frames=N, detected_fraction=1.0), frames=FrameTable(cols), events=events)


def grey(value: int = 120) -> np.ndarray:
    return np.full((H, W, 3), value, np.uint8)


def _colour_count(img: np.ndarray, colour, rows=slice(None), tol: int = 0) -> int:
    """Pixels of img[rows] within tol (per channel) of a BGR colour; anti-aliased strokes and
    text reach their exact colour in few pixels, hence tol."""
    diff = np.abs(img[rows].astype(int) - np.array(colour))
    return int(np.all(diff <= tol, axis=-1).sum())


# --- drawing primitives ------------------------------------------------------------------------

def test_style_scales_with_the_frame():
    assert draw.Style.for_frame((480, 640, 3)).s == pytest.approx(1.0)
    big = draw.Style.for_frame((1080, 1920, 3))
    assert big.s == pytest.approx(2.25)
    assert big.font > draw.Style.for_frame((480, 640, 3)).font


def test_skeleton_is_drawn_where_the_bones_are_and_the_measured_side_stands_out():
    xy = slr_landmarks()[70]
    img = grey()
    out = draw.draw_skeleton(img, xy, "left", draw.Style.for_frame(img.shape))
    assert out is img  # in place
    thigh_mid = draw.to_px(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["left_knee"]]))
    assert tuple(img[thigh_mid[1], thigh_mid[0]]) == draw.MEASURED
    other_mid = draw.to_px(0.5 * (xy[INDEX["right_knee"]] + xy[INDEX["right_ankle"]]))
    assert (img[other_mid[1], other_mid[0]] > 150).all()  # thin and light grey
    assert (img[20, 600] == 120).all() and (img[450, 20] == 120).all()  # far from the body: untouched


def test_skeleton_skips_missing_landmarks():
    img = grey()
    draw.draw_skeleton(img, np.full((33, 2), np.nan), "left", draw.Style(1.0))
    assert (img == 120).all()


def test_angle_arc_spans_the_angle_and_carries_its_value():
    img = grey()
    style = draw.Style(1.0)
    draw.draw_angle(img, np.array([320.0, 240.0]), 0.0, 60.0, 50, "60 deg", draw.HIP, style)
    inside = draw.to_px(np.array([320.0, 240.0]) + 50 * np.array([np.cos(np.radians(30)), -np.sin(np.radians(30))]))
    assert tuple(img[inside[1], inside[0]]) == draw.HIP  # the arc runs counter-clockwise, above the x axis
    below = draw.to_px(np.array([320.0, 240.0]) + 50 * np.array([np.cos(np.radians(-30)), -np.sin(np.radians(-30))]))
    assert (img[below[1], below[0]] == 120).all()
    # The label: HIP-coloured pixels beyond the arc, along its middle.
    label = draw.label_centre(np.array([320.0, 240.0]), 30.0, 50, "60 deg", style)
    x0, y0, x1, y1 = draw.label_box("60 deg", label, style)
    assert _colour_count(img[y0:y1, x0:x1], draw.HIP, tol=40) > 20


def test_text_is_blended_in_and_clipped_at_the_frame_edge():
    img = grey()
    style = draw.Style(1.0)
    draw.draw_text(img, "knee never bent", (600, 10), style, draw.FLAG)  # runs off the right edge
    assert _colour_count(img, draw.FLAG, tol=40) > 10
    draw.draw_text(img, "gone", (-500, -500), style)  # wholly outside: nothing, no error


def test_short_warning_keeps_the_first_clause():
    w = "a standing person (an examiner) was in the picture; tracking was kept on the person lying down"
    assert draw.short_warning(w) == "a standing person was in the picture"
    assert len(draw.short_warning("x" * 200)) <= 56


# --- SLR -----------------------------------------------------------------------------------------

def test_slr_overlay_texts_in_plain_words():
    ov = overlay.Overlay(slr_result())
    assert [b.text for b in ov.plan.banners] == ["knee bends at 61 deg (t 1.68 s)"]
    words = [text for text, _ in ov.footer]
    assert "! other leg lifting" in words
    assert any(w.startswith("warning: a standing person was in the picture") for w in words)
    never = overlay.Overlay(slr_result(flags=(), bent=False, warnings=()))
    assert [b.text for b in never.plan.banners] == ["knee never bent: max 70 deg"]
    # the banner gives the headline (the SLR angle), whatever else the result holds
    read = overlay.Overlay(replace(slr_result(flags=(), bent=False, warnings=()), slr_angle_deg=68.4))
    assert [b.text for b in read.plan.banners] == ["knee never bent: max 68 deg"]
    assert never.footer == []  # 'knee never bent' is the banner, not a footer flag


def test_slr_knee_bend_banner_from_the_onset_on():
    result, xy = slr_result(), slr_landmarks()
    ov = overlay.Overlay(result)
    bottom_rows = slice(H - 110, H)
    before = ov.draw(grey(), 50, xy[50])
    after = ov.draw(grey(), 51, xy[51])
    assert _colour_count(before, draw.BANNER, bottom_rows) == 0
    assert _colour_count(after, draw.BANNER, bottom_rows) > 2000  # the filled banner box


def test_slr_table_line_and_hip_arc_are_drawn():
    result, xy = slr_result(), slr_landmarks()
    img = overlay.Overlay(result).draw(grey(), 30, xy[30])
    hip = xy[30, INDEX["left_hip"]]
    # The table line runs through the hip along the feet direction (0 deg): dashes on that row.
    row = img[int(hip[1]), int(hip[0]) + 120:int(hip[0]) + 230]
    assert (np.abs(row.astype(int) - 120).sum(axis=-1) > 200).sum() > 20
    assert _colour_count(img, draw.HIP, tol=40) > 30  # hip arc and its value


def test_frame_without_a_pose_still_gets_header_and_footer():
    img = overlay.Overlay(slr_result()).draw(grey(), 10, np.full((33, 2), np.nan))
    assert (img[5:40] < 120).any()  # the darkened header band
    assert _colour_count(img, draw.MEASURED) == 0


def test_frames_beyond_the_result_only_get_the_footer():
    img = overlay.Overlay(slr_result()).draw(grey(), N + 5, slr_landmarks()[-1])
    assert (img[5:40] == 120).all()
    assert (img[H - 20:] < 120).any()


def test_overlay_scales_to_a_large_frame():
    xy = slr_landmarks()[60] * 3.0  # the same scene filmed at 1920x1440
    img = np.full((1440, 1920, 3), 120, np.uint8)
    overlay.Overlay(slr_result()).draw(img, 60, xy)
    thigh_mid = draw.to_px(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["left_knee"]]))
    assert tuple(img[thigh_mid[1], thigh_mid[0]]) == draw.MEASURED
    assert (img[:60] < 120).any()  # header band, three times as tall
    assert (img[60:75] < 120).any()


def test_draw_frame_draws_in_place_and_reuses_the_overlay():
    result, xy = slr_result(), slr_landmarks()
    img = grey()
    assert overlay.draw_frame(img, 60, result, xy[60]) is img
    assert (img != 120).any()
    assert overlay.overlay_for(result) is overlay.overlay_for(result)


# --- hinge ----------------------------------------------------------------------------------------

def test_hinge_rep_banner_flags_and_back_outline():
    result, xy = hinge_result(), hinge_landmarks()
    ov = overlay.Overlay(result)
    assert ("! rounded back", draw.FLAG) in ov.footer
    clean = ov.draw(grey(), 25, xy[25])  # rep 1, past its bottom: no fault
    assert _colour_count(clean, draw.DONE) > 2000
    faulty = ov.draw(grey(), 60, xy[60])  # rep 2's bottom: a rounded back
    assert _colour_count(faulty, draw.FLAG, slice(H - 110, H - 40)) > 2000
    outline = result.events.back_contour[60]
    mid = draw.to_px(outline[5])
    assert tuple(faulty[mid[1], mid[0]]) == draw.FLAG  # the back's outline, red for a fault
    away = ov.draw(grey(), 40, xy[40])  # between reps: no outline, no banner
    assert tuple(away[mid[1], mid[0]]) != draw.FLAG
    assert _colour_count(away, draw.FLAG, slice(H - 110, H - 40)) == 0


def test_hinge_angle_arcs_at_hip_and_knee():
    result, xy = hinge_result(), hinge_landmarks()
    img = overlay.Overlay(result).draw(grey(), 20, xy[20])
    assert _colour_count(img, draw.HIP, tol=40) > 30
    assert _colour_count(img, draw.TRUNK, tol=40) > 30
    assert _colour_count(img, draw.KNEE, tol=40) > 10


def test_hinge_without_optional_events():
    result = hinge_result()
    bare = HingeResult(video="", side="right", reps=result.reps, flags=(), quality=result.quality,
                       frames=result.frames, events=HingeEvents(reps=tuple(REPS)))
    img = overlay.Overlay(bare).draw(grey(), 60, hinge_landmarks()[60])
    assert (img != 120).any()


# --- key frame and annotated video ------------------------------------------------------------------

def test_key_index():
    assert overlay.key_index(slr_result()) == 51  # the first whole frame from the onset on
    assert overlay.key_index(slr_result(bent=False)) == 70  # the peak
    assert overlay.key_index(hinge_result()) == 60  # the bottom of the deepest rep (rep 2)


def _write_clip(path, n=N) -> None:
    """Frames of uniform grey 10 + 2 i: a frame's index reads back from its pixels."""
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    for i in range(n):
        out.write(grey(10 + 2 * i))
    out.release()


def _analysis(path, result, xy):
    series = LandmarkSeries(t_s=np.arange(N) / FPS, xy_px=xy, z=np.zeros((N, 33)), visibility=np.ones((N, 33)),
                            world_m=np.zeros((N, 33, 3)), image_size=(W, H), fps=FPS)
    info = VideoInfo(str(path), FPS, N, W, H)
    return SimpleNamespace(result=result, info=info, series=series)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    _write_clip(path)
    return path


def test_key_frame_decodes_only_that_frame(clip, monkeypatch):
    real = cv2.VideoCapture
    cap = real(str(clip))
    for _ in range(52):  # frame 51 decoded the slow way, to compare with the seek
        ok, frame51 = cap.read()
    cap.release()
    reads = []

    class Counting:
        def __init__(self, *a):
            self._cap = real(*a)

        def read(self):
            reads.append(1)
            return self._cap.read()

        def __getattr__(self, name):
            return getattr(self._cap, name)

    monkeypatch.setattr(cv2, "VideoCapture", Counting)
    img = overlay.key_frame(_analysis(clip, slr_result(), slr_landmarks()))
    assert len(reads) == 1
    assert img.shape == (H, W, 3)
    assert (img[200, 630] == frame51[200, 630]).all()  # frame 51 itself, untouched there
    assert _colour_count(img, draw.BANNER) > 2000  # and the overlay of that frame


def test_key_frame_past_the_end_is_a_clear_error(clip):
    result = slr_result()
    late = replace(result, events=replace(result.events, key=N + 10))
    with pytest.raises(Exception, match="could not be decoded"):
        overlay.key_frame(_analysis(clip, late, slr_landmarks()))


@pytest.mark.slow
def test_annotated_video_has_every_frame_at_the_same_size(clip, tmp_path):
    out = tmp_path / "annotated.mp4"
    n = write_annotated_video(_analysis(clip, slr_result(), slr_landmarks()), out)
    assert n == N
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.mp4"]  # no partial file left
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == N
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (W, H)
    cap.set(cv2.CAP_PROP_POS_FRAMES, 70)
    ok, frame = cap.read()
    cap.release()
    assert ok
    xy = slr_landmarks()[70]
    thigh_mid = draw.to_px(0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["left_knee"]]))
    b, g, r = (int(v) for v in frame[thigh_mid[1], thigh_mid[0]])
    assert r > 180 and g > 180 and b < 90  # the yellow skeleton survived the codec


@pytest.mark.slow
def test_real_sample_key_frame_video_and_plot(samples_dir, tmp_path):
    from sample_landmarks import analysis_of

    from rom.analysis import Options
    from rom.outputs.plot import write_plot
    from rom.outputs.summary_text import describe

    a = analysis_of(samples_dir / "slr_avg_male_L_near_60.mp4", Options(test="slr"))
    img = overlay.key_frame(a)
    assert img.shape == (a.info.height, a.info.width, 3)
    assert _colour_count(img, draw.BANNER) > 1000
    assert write_annotated_video(a, tmp_path / "annotated.mp4") == len(a.series)
    write_plot(a.result, tmp_path / "plot.png")
    assert cv2.imread(str(tmp_path / "plot.png")) is not None
    assert "SLR angle" in describe(a.result)
