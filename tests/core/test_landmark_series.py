"""LandmarkSeries.frames: a part of a recording as a series of its own (the live hinge card reads
the last seconds of a session with the offline analysis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from synthetic import slr_profile, supine_series


def test_a_part_keeps_its_frames_and_starts_its_clock_at_zero():
    s = replace(supine_series(slr_profile(onset_deg=50.0)[0]), relocks=(10, 40, 80))
    part = s.frames(30, 60)
    assert len(part) == 30
    assert part.t_s[0] == 0.0 and np.allclose(np.diff(part.t_s), np.diff(s.t_s[30:60]))
    assert np.array_equal(part.xy_px, s.xy_px[30:60], equal_nan=True)
    assert np.array_equal(part.visibility, s.visibility[30:60])
    assert part.relocks == (10,)  # the relock at frame 40 of the whole, the others outside
    assert part.fps == s.fps and part.image_size == s.image_size
    assert len(s.frames(-5, 1000)) == len(s)  # bounds clipped to the recording
