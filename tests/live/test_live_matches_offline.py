"""Live and offline agree: every sample clip with ground truth, fed frame by frame through
LiveSession, gives the live events (the knee bend, the other leg's lift, each repetition, each form
cue) that the offline analysis of the same frames (`LiveSession.result()`) finds, within its
interval.

The pose model runs once per clip for all the tests (`sample_landmarks`), so later runs take seconds.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from sample_landmarks import series_of

from rom.core import back_contour
from rom.core.landmarks import LandmarkSeries, PoseEstimate
from rom.live.session import LiveSession
from rom.protocols.hinge.live import CUES
from rom.protocols.slr import onset
from rom.protocols.slr.measure import SLRConfig
from rom.validation import truth

pytestmark = pytest.mark.slow

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "samples"

CLIPS = {p.name.removesuffix(".truth.json"): truth.load(p).test for p in sorted(SAMPLES.glob("*.truth.json"))}
# The live onset is fitted as offline once the second after the confirming frame has been seen; it
# may differ by the offline onset's own SD (at least SLRConfig.onset_sd_s, more where the knee
# trace pins the onset loosely: 0.15 s here). On the samples it is the
# offline onset on 10 of the 13 clips with a bend, 0.05 s off on slr_avg_male_L_near_60_examiner_far
# and slr_avg_male_R_near_55_contralateral, 0.13 s on slr_tall_muscular_male_L_near_85 (see below).
ONSET_TOLERANCE_S = 0.15
assert ONSET_TOLERANCE_S >= SLRConfig().onset_sd_s
# Offline, frames whose raised knee or foot the model misplaced are relabelled or left out, judged
# against the whole raise (`rom.core.legs`: knees exchanged between the legs, a foot guessed at the
# picture's edge); live reads every frame as labelled. The confirming frames then differ by 3 frames
# on slr_tall_muscular_male_L_near_85 (the foot off the picture in 9 frames),
# slr_avg_male_L_near_60_examiner_far and slr_avg_male_R_near_55_contralateral (knees exchanged in 63
# and 42 frames), by 0-1 frames on the others.
CONFIRM_TOLERANCE_FRAMES = 3
# Hinge repetitions whose live cues cannot carry an offline flag, and why (causality); the card,
# read offline once the repetition is over, does.
CAUSAL_EXCEPTIONS = {
    # Offline the back is compared with the standing outline of every upright frame of the clip, half
    # of them after the repetition (upper-back reading 4.8 standing); live the standing is the still
    # stretch before the repetition (2.2), the only one seen by then. The same bottom frames then read
    # 16.4 offline and 19.0 live against the 18-degree rounded_back threshold: lumbar_compensation
    # offline, rounded_back live.
    ("hinge_avg_male_L_lumbar", 1): ({"rounded_back"}, {"lumbar_compensation"}),
    # Live the hip flexion is read on the pose model's shoulder and hip landmarks, offline on the
    # joints (the shoulder on the back's outline): at this deep lumbar bend 42 against 53 degrees,
    # so the pelvis's turn per degree of hip flexion reads 0.78 live (over the 0.70 that vetoes a
    # lumbar compensation) and 0.57 offline. No live cue; the card, read offline, has the flag.
    ("hinge_heavy_male_R_mixed_3reps", 3): (set(), {"lumbar_compensation"}),
}
# A flag that needs the frames after the repetition (the lean at lockout, read up to a second after
# its end) has no live cue, and the card, read at the repetition's end, may lack it.
AFTER_THE_REP = {"lockout_hyperextension"}


@pytest.fixture(scope="module")
def landmarks():
    """Clip name -> its landmarks (the pose model once, then the kept ones)."""
    return lambda name: series_of(SAMPLES / f"{name}.mp4", CLIPS[name])


def feed(series: LandmarkSeries, test: str) -> tuple[LiveSession, list]:
    """The clip's landmarks through a live session, one PoseEstimate at a time at the frames'
    times (None where the model found no one); the hinge gets each frame's back outline."""
    hinge = test == "hinge"
    outline: dict[int, np.ndarray] = {}
    session = LiveSession(test, fps_hint=series.fps, features=(lambda est: outline[id(est)]) if hinge else None,
                          n_features=back_contour.N_FEATURES if hinge else 0)
    frames, estimates = [], []
    for i in range(len(series)):
        est = None
        if series.detected[i]:
            est = PoseEstimate(xy_px=series.xy_px[i], z=series.z[i], visibility=series.visibility[i],
                               world_m=series.world_m[i])
            estimates.append(est)  # (kept alive: the outline is found by the estimate's id)
            if hinge:
                outline[id(est)] = series.back[i]
        frames.append(session.add(est, float(series.t_s[i]), series.image_size))
    return session, frames


@pytest.mark.parametrize("clip", [c for c, test in CLIPS.items() if test == "slr"])
def test_the_live_knee_bend_is_the_offline_one(clip, landmarks):
    session, frames = feed(landmarks(clip), "slr")
    offline = session.result()
    live = session._rules
    bends = [f for f in frames if "knee_bend" in f.events]
    # the other leg's lift: said live on the clips the offline analysis flags, only there
    lifting = any("the other leg is lifting" in c for f in frames for c in f.cues)
    assert lifting == ("contralateral_leg_lift" in offline.flags)
    if "knee_bend_not_reached" in offline.flags:
        assert bends == [] and live.slr_deg is None
        return
    assert len(bends) == 1
    # the leg measured live is the offline one, from the bend to the end (the clip is not declared)
    assert bends[0].side == offline.side
    assert {f.side for f in frames[frames.index(bends[0]):]} == {offline.side}
    # The live rule is the offline one, asked of each frame once its hold has been seen: the live
    # event comes after the offline onset and at most the hold after the offline confirming frame.
    t = bends[0].t_s
    assert offline.knee_bend_onset_s < t <= offline.knee_bend_confirmed_s + onset.HOLD_S + 1e-9
    fps = session.fps
    assert abs(live.bend_confirmed_s - offline.knee_bend_confirmed_s) <= (CONFIRM_TOLERANCE_FRAMES + 0.5) / fps
    assert live.onset_s == pytest.approx(offline.knee_bend_onset_s, abs=ONSET_TOLERANCE_S)
    lo, hi = offline.slr_angle_ci95_deg
    assert lo <= live.slr_deg <= hi
    assert f"knee bent at {live.slr_deg:.0f} degrees" in frames[-1].cues


@pytest.mark.parametrize("clip", [c for c, test in CLIPS.items() if test == "hinge"])
def test_the_live_repetitions_and_cues_are_the_offline_ones(clip, landmarks):
    session, frames = feed(landmarks(clip), "hinge")
    offline = session.result()
    ends = [i for i, f in enumerate(frames) if "rep" in f.events]
    assert len(ends) == len(offline.reps)
    cards = frames[-1].reps
    for k, (rep, card, end) in enumerate(zip(offline.reps, cards, ends), start=1):
        expected = set(rep.flags) - AFTER_THE_REP
        # the card is the offline reading of the recording up to the repetition's end
        assert set(card["flags"]) - AFTER_THE_REP == expected, f"repetition {k}"
        if (clip, k) in CAUSAL_EXCEPTIONS:
            live_only, not_live = CAUSAL_EXCEPTIONS[(clip, k)]
            expected = (expected - not_live) | live_only
        # each of its flags was said while the repetition went on (from the end of the one before)
        begin = ends[k - 2] + 1 if k > 1 else 0
        said = {c for f in frames[begin:end + 1] for c in f.cues}
        assert {f for f in expected if CUES[f] in said} == expected, f"repetition {k}"
