"""Smoke test on real footage (../shared/realdata): a man lying on his back doing a glute
bridge, filmed from the side. Skipped when the folder is absent."""

import numpy as np
import pytest
from conftest import REALDATA

from rom.analysis import detect_test, landmarks_of, measure
from rom.capture import video
from rom.core import kinematics
from rom.core.errors import NotMeasurable

CLIP = REALDATA / "supine_bridge_side.mp4"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CLIP.exists(), reason=f"real footage not present at {CLIP}")]


def test_lying_person_is_found_and_the_bridge_is_refused_as_an_slr():
    info = video.probe(CLIP)
    assert detect_test(info) == "slr"  # lying down is recognised
    series = landmarks_of(info, "slr")
    assert series.detected.mean() > 0.9
    # Plausible angles: in a bridge both knees are bent well past 60 degrees all along,
    # and the trunk tilts as the hips rise.
    for side in ("left", "right"):
        knee = kinematics.knee_flexion(series, side)
        assert 60 < np.nanmedian(knee) < 150
    trunk = kinematics.trunk_elevation(series, kinematics.supine_frame(series))
    assert np.nanpercentile(trunk, 95) - np.nanpercentile(trunk, 5) > 10
    with pytest.raises(NotMeasurable, match="knees are bent"):
        measure(series, "slr", str(CLIP))
