"""`--test auto`: the posture of sampled frames, and between tests of one posture their tells."""

from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from test_posture import sitting_body, standing_body

from rom import analysis, protocols
from rom.capture.video import probe
from rom.core.errors import NotMeasurable
from rom.core.landmarks import INDEX, N_LANDMARKS, PoseEstimate


class _Backend:
    def __init__(self, poses):
        self.poses = list(poses)

    def process(self, rgb):
        return self.poses.pop(0) if self.poses else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _estimate(xy):
    return PoseEstimate(xy_px=np.nan_to_num(xy, nan=0.0), z=np.zeros(N_LANDMARKS), visibility=np.ones(N_LANDMARKS),
                        world_m=np.zeros((N_LANDMARKS, 3)))


def _lying(thigh_up: bool):
    """On the back, feet to the right; the left thigh held vertical (the 90/90 start) or flat."""
    xy = np.zeros((N_LANDMARKS, 2))
    hip = np.array([300.0, 300.0])
    for s, dy in (("left", -3.0), ("right", 3.0)):
        xy[INDEX[f"{s}_hip"]] = hip + [0, dy]
        xy[INDEX[f"{s}_shoulder"]] = hip + [-170, dy]
        up = thigh_up and s == "left"
        xy[INDEX[f"{s}_knee"]] = hip + ([0, -150] if up else [150, dy])
        xy[INDEX[f"{s}_ankle"]] = hip + ([140, -150] if up else [290, dy])
    return xy


@pytest.fixture()
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (64, 48))
    for _ in range(30):
        w.write(np.full((48, 64, 3), 90, np.uint8))
    w.release()
    return probe(path)


def _fake(name, posture, tell):
    def told(xys):
        return None if tell is None else tell(xys)
    return SimpleNamespace(name=name, posture=posture, tell=told)


def test_a_sitting_clip_is_the_sitting_test_and_a_standing_one_is_not(clip, monkeypatch):
    tests = [_fake("seated", "sitting", None), _fake("stand", "standing", None)]
    monkeypatch.setattr(protocols, "with_posture", lambda p: tuple(t for t in tests if t.posture == p))
    moves = ((0, 0), (30, 0), (35, 20), (35, 60), (35, 60), (10, 0), (0, 0))  # upright, slump, knee out, back
    sitting = [_estimate(sitting_body(s, e)) for s, e in moves]
    assert analysis.detect_test(clip, backend_factory=lambda **kw: _Backend(sitting)) == "seated"
    standing = [_estimate(standing_body(0.0))] * 7
    assert analysis.detect_test(clip, backend_factory=lambda **kw: _Backend(standing)) == "stand"


def test_two_tests_lying_are_told_apart_by_their_tells(clip, monkeypatch):
    def thigh_up(xys):  # the 90/90 position in most sampled frames
        up = [abs(xy[INDEX["left_knee"], 0] - xy[INDEX["left_hip"], 0]) < 40 for xy in xys]
        return sum(up) >= 0.5 * len(xys)

    tests = [_fake("raise", "lying", None), _fake("ninety", "lying", thigh_up)]
    monkeypatch.setattr(protocols, "with_posture", lambda p: tuple(t for t in tests if t.posture == p))
    held = [_estimate(_lying(True))] * 6 + [_estimate(_lying(False))]
    assert analysis.detect_test(clip, backend_factory=lambda **kw: _Backend(held)) == "ninety"
    flat = [_estimate(_lying(False))] * 5 + [_estimate(_lying(True))] * 2
    assert analysis.detect_test(clip, backend_factory=lambda **kw: _Backend(flat)) == "raise"
    # two tests without a tell of their own: the posture cannot choose, and says so
    tests[1] = _fake("ninety", "lying", None)
    with pytest.raises(NotMeasurable, match="lying, which fits more than one test"):
        analysis.detect_test(clip, backend_factory=lambda **kw: _Backend(held))


@pytest.mark.slow
def test_every_sample_clip_is_told_its_test(samples_dir):
    """The pose model on a few frames of each of the 45 samples: lying (the SLR, or the AKE by its
    tell), standing (the hinge) or sitting (the slump)."""
    from rom.validation import truth as T

    told = {tr.name: analysis.detect_test(probe(tr.video)) for tr in T.find(samples_dir)}
    wrong = {name: test for name, test in told.items() if test != name.split("_")[0]}
    assert {name.split("_")[0] for name in told} == set(protocols.names())
    assert len(told) >= 40 and not wrong, wrong
