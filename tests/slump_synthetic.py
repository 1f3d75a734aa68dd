"""A synthetic seated slump test with known angles, for testing the slump protocol without a pose model.

A stick figure sits side-on on the table's edge (thighs level, shanks hanging) and does the test as
the renderer does it (`../shared/tools/synth`, scenario slump): upright, slump, neck flexion, knee
extension of the tested leg, ankle dorsiflexion (optional), neck release (with the knee going
`release_gain_deg` further), return; each a cosine-eased movement. The head turns with the whole
spine plus the neck; the trunk line turns by TRUNK_SHARE of the spine's flexion. The far leg is drawn
smaller (perspective), so the near/far rule has a picture to read.
"""

from __future__ import annotations

import numpy as np
from synthetic import ease

from rom.core.landmarks import INDEX, N_LANDMARKS, LandmarkSeries
from rom.protocols.slump.measure import SlumpConfig

FPS = 30.0
# the trunk line's turn per degree of spine flexion: the fit half's average body (the renderer's: 0.5-0.6)
TRUNK_SHARE = 1.0 / SlumpConfig().spine_per_trunk
HANGING_KNEE_DEG = 80.0


def slump_profile(slump_deg=40.0, neck_deg=40.0, end_knee=30.0, rise_s=1.5, ankle_deg=15.0, release_gain=0.0,
                  fps=FPS):
    """Per-frame truth and the steps' [start, end] seconds, as the renderer's slump scenario."""
    steps = [("upright", 0.5), ("slump", 1.0), ("hold", 0.2), ("neck_flexion", 0.7), ("hold", 0.2),
             ("knee_extension", rise_s), ("hold", 0.4)]
    if ankle_deg:
        steps += [("ankle_dorsiflexion", 0.5), ("hold", 0.3)]
    steps += [("neck_release", 0.8), ("hold", 0.4), ("return", 1.0), ("hold", 0.3)]
    n = int(round(sum(d for _, d in steps) * fps)) + 1
    t = np.arange(n) / fps
    phases, at = {}, 0.0
    for name, d in steps:
        if name != "hold":
            phases[name] = (round(at, 4), round(at + d, 4))
        at += d

    def move(name):
        a, b = phases[name]
        return ease((t - a) / (b - a)) if name in phases else np.zeros(n)

    back = move("return")
    spine = slump_deg * move("slump") * (1 - back)
    neck = neck_deg * move("neck_flexion") * (1 - move("neck_release"))
    knee = (HANGING_KNEE_DEG - (HANGING_KNEE_DEG - end_knee) * move("knee_extension") - release_gain
            * move("neck_release"))
    knee = knee + (HANGING_KNEE_DEG - knee) * back
    ankle = -10.0 + (ankle_deg + 10.0) * move("ankle_dorsiflexion") * (1 - back) if ankle_deg else np.full(n, -10.0)
    return {"t": t, "spine": spine, "neck": neck, "knee": knee, "ankle": ankle}, phases


def seated_series(profile, tested="near", facing=1.0, noise_px=0.0, seed=0, fps=FPS) -> LandmarkSeries:
    """The profile as landmarks of a person sitting side-on, facing +x (facing=1) or -x (-1) in the
    picture; tested: the camera's 'near' or 'far' leg. The near side is the side facing the camera
    (facing +x: the right side)."""
    rng = np.random.default_rng(seed)
    n = len(profile["t"])
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    near = "right" if facing > 0 else "left"
    far = "left" if near == "right" else "right"
    tested_side = near if tested == "near" else far
    hip0 = np.array([320.0, 300.0])
    for i in range(n):
        spine, neck, knee_t, ankle_t = (profile[k][i] for k in ("spine", "neck", "knee", "ankle"))
        pts = {}
        trunk = 2.0 + TRUNK_SHARE * spine  # forward inclination
        for side, scale, off in ((near, 1.0, np.zeros(2)), (far, 0.9, np.array([-4.0, -6.0]))):
            hip = hip0 + off
            knee_pt = hip + scale * 120.0 * np.array([facing, 0.0])
            f = np.radians(knee_t if side == tested_side else HANGING_KNEE_DEG)
            shank = np.array([facing * np.cos(f), np.sin(f)])  # image y down: the thigh turned down by f
            ankle_pt = knee_pt + scale * 110.0 * shank
            perp = np.array([facing * np.sin(f), -np.cos(f)])  # the foot at a right angle, toes forward
            d = np.radians(ankle_t if side == tested_side else -10.0)
            foot_dir = np.cos(d) * perp - np.sin(d) * shank  # dorsiflexion turns the toes towards the knee
            pts[f"{side}_hip"] = hip
            pts[f"{side}_knee"] = knee_pt
            pts[f"{side}_ankle"] = ankle_pt
            pts[f"{side}_heel"] = ankle_pt - scale * 12.0 * foot_dir
            pts[f"{side}_foot_index"] = ankle_pt + scale * 45.0 * foot_dir
            sh = hip + 150.0 * np.array([facing * np.sin(np.radians(trunk)), -np.cos(np.radians(trunk))])
            pts[f"{side}_shoulder"] = sh
            pts[f"{side}_elbow"] = sh + np.array([-facing * 30.0, 70.0])
            pts[f"{side}_wrist"] = hip + np.array([-facing * 35.0, -20.0])
            for f in ("pinky", "index", "thumb"):
                pts[f"{side}_{f}"] = pts[f"{side}_wrist"] + np.array([-facing * 5.0, 5.0])
        mid_sh = 0.5 * (pts["left_shoulder"] + pts["right_shoulder"])
        head_tilt = 2.0 + spine + neck  # the head's forward pitch, chin down positive
        up = np.radians(trunk + 10.0)
        ear = mid_sh + 40.0 * np.array([facing * np.sin(up), -np.cos(up)])
        pitch = np.radians(head_tilt)
        nose = ear + 28.0 * np.array([facing * np.cos(pitch), np.sin(pitch)])
        pts["left_ear"] = pts["right_ear"] = ear
        pts["nose"] = nose
        for k in ("left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
                  "mouth_left", "mouth_right"):
            pts[k] = 0.5 * (ear + nose)
        for k, p in pts.items():
            xy[i, INDEX[k]] = p
    if noise_px:
        xy = xy + rng.normal(0.0, noise_px, xy.shape)
    z = np.zeros((n, N_LANDMARKS))
    for k in INDEX:
        if k.startswith(far):
            z[:, INDEX[k]] = 0.2
    vis = np.ones((n, N_LANDMARKS))
    return LandmarkSeries(t_s=profile["t"].copy(), xy_px=xy, z=z, visibility=vis,
                          world_m=np.zeros((n, N_LANDMARKS, 3)), image_size=(640, 480), fps=fps)
