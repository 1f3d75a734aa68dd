"""Synthetic landmark series with known angles, for testing the protocols without a pose model.

A stick figure lies on a table (or stands) in the image; the angles of its joints follow given
per-frame series, so the truth is exact. Pixel noise, gaps and a camera roll can be added.
"""

from __future__ import annotations

import numpy as np

from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries

FPS = 30.0


def ease(x):
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def slr_profile(onset_deg=60.0, overshoot_deg=12.0, knee_bend_deg=30.0, rest_deg=4.0, rise_s=3.0,
                fps=FPS, knee_bends=True, other_lift_deg=0.0):
    """Per-frame truth of a renderer-like SLR: rest, eased rise, knee bend from the onset, hold,
    lowering. Returns dict of arrays (t, thigh, knee, other) and the onset index (or None)."""
    peak = onset_deg + overshoot_deg if knee_bends else onset_deg
    n0, nr, nh, nl, ne = (int(round(s * fps)) for s in (0.7, rise_s, 0.5, 1.5, 0.3))
    n = n0 + nr + nh + nl + ne
    i = np.arange(n)
    up = ease((i - n0) / nr)
    down = ease((i - n0 - nr - nh) / nl)
    thigh = rest_deg + (peak - rest_deg) * up
    onset = int(np.argmax(thigh >= onset_deg - 1e-9)) if knee_bends else None
    knee = np.zeros(n)
    if knee_bends:
        knee = knee_bend_deg * ease((i - onset) / (n0 + nr - onset + 0.3 * fps))
    thigh = thigh - (peak - rest_deg) * down
    knee = knee * (1 - down)
    comp = ease((i - n0 - 0.6 * nr) / (0.4 * nr)) * (1 - down)
    other = rest_deg + other_lift_deg * comp
    return {"t": i / fps, "thigh": thigh, "knee": knee, "other": other}, onset


def supine_series(profile, raised="left", head_left=True, roll_deg=0.0, noise_px=0.0,
                  hyperextension_deg=0.0, gaps=(), seed=0, size=(640, 480), fps=FPS,
                  thigh_px=110.0, shank_px=105.0, trunk_px=170.0):
    """Landmarks of a supine body whose raised leg follows the profile.

    Angles are against the table; the table lies along the image x axis turned by roll_deg
    (counter-clockwise on screen). hyperextension_deg mimics the pose model reading a straight
    knee as slightly hyperextended. gaps: frame indices without a pose.
    """
    rng = np.random.default_rng(seed)
    n = len(profile["t"])
    feet = 1.0 if head_left else -1.0  # +x towards the feet when the head is on the left
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    hip = np.array([320.0 - feet * 20.0, 300.0])
    other = "right" if raised == "left" else "left"

    def point(origin, length, elev_deg):
        # elevation above the table towards the feet, counter-clockwise on screen if feet on the right
        a = np.radians(elev_deg)
        return origin + length * np.stack([feet * np.cos(a), -np.sin(a)], axis=-1)

    for side, thigh, knee in ((raised, profile["thigh"], profile["knee"] - hyperextension_deg),
                              (other, profile["other"], np.zeros(n) - hyperextension_deg)):
        h = np.tile(hip, (n, 1))
        k = point(h, thigh_px, thigh)
        a = point(k, shank_px, thigh - knee)
        xy[:, INDEX[f"{side}_hip"]] = h
        xy[:, INDEX[f"{side}_knee"]] = k
        xy[:, INDEX[f"{side}_ankle"]] = a
        xy[:, INDEX[f"{side}_heel"]] = a + [feet * 5, 8]
        xy[:, INDEX[f"{side}_foot_index"]] = a + [feet * 15, -15]
    shoulder = hip + [-feet * trunk_px, -8.0]
    for side in ("left", "right"):
        xy[:, INDEX[f"{side}_shoulder"]] = shoulder
        xy[:, INDEX[f"{side}_elbow"]] = shoulder + [feet * 60, 20]
        xy[:, INDEX[f"{side}_wrist"]] = shoulder + [feet * 120, 25]
    head = shoulder + [-feet * 60, -10]
    for name in ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "mouth_left", "mouth_right",
                 "left_eye_inner", "right_eye_inner", "left_eye_outer", "right_eye_outer"):
        xy[:, INDEX[name]] = head
    for name in ("left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb"):
        xy[:, INDEX[name]] = xy[:, INDEX[name.split("_")[0] + "_wrist"]]
    centre = np.array([320.0, 300.0])
    r = np.radians(roll_deg)
    c, s = np.cos(r), np.sin(r)
    p = xy - centre
    xy = np.stack([c * p[..., 0] + s * p[..., 1], -s * p[..., 0] + c * p[..., 1]], axis=-1) + centre
    xy = xy + rng.normal(0.0, noise_px, xy.shape) if noise_px else xy
    vis = np.ones((n, N_LANDMARKS))
    z = np.zeros((n, N_LANDMARKS))
    far = "left" if head_left else "right"  # supine, head on the left: the right side faces the camera
    for k in INDEX:
        if k.startswith(far):
            z[:, INDEX[k]] = 0.3
    gaps = np.asarray(list(gaps), dtype=int)
    if len(gaps):
        xy[gaps] = np.nan
        vis[gaps] = 0.0
        z[gaps] = np.nan
    return LandmarkSeries(t_s=np.arange(n) / fps, xy_px=xy, z=z, visibility=vis,
                          world_m=np.full((n, N_LANDMARKS, 3), np.nan), image_size=size, fps=fps)
