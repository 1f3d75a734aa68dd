"""The SLR's flags in the clinic's words, and what the video cannot assess (with the reason)."""

from __future__ import annotations

from rom.protocols.base import FlagText, Quantity

QUANTITIES = {
    "slr_angle_deg": Quantity("SLR angle", "deg"),
    "max_hip_flexion_deg": Quantity("highest hip flexion", "deg"),
    "knee_bend_onset_s": Quantity("knee began to bend", "s"),
    "knee_bend_confirmed_s": Quantity("knee bend confirmed", "s"),
    "pelvic_rotation_deg": Quantity("trunk line's turn at the SLR angle", "deg"),
    "max_pelvic_rotation_deg": Quantity("trunk line's largest turn", "deg"),
    "contralateral_hip_flexion_deg": Quantity("other leg's rise", "deg"),
    "table_tilt_deg": Quantity("table line's tilt in the picture", "deg"),
    "pain_angle_deg": Quantity("hip flexion at the pain mark", "deg"),
}

LIVE_ANGLES = {"hip_flexion_deg": "hip flexion", "knee_flexion_deg": "knee flexion",
               "other_hip_flexion_deg": "other leg", "pelvic_rotation_deg": "pelvis"}

FLAGS = {
    "knee_bend_not_reached": FlagText(
        "knee never bent",
        "The knee did not bend during the raise, so the SLR angle given is the highest hip flexion reached; the "
        "hamstrings' limit may lie higher."),
    "contralateral_leg_lift": FlagText(
        "other leg lifting",
        "The other leg lifted off the table during the raise. The pelvis turns with it, which changes the angle "
        "read; keep that leg down (or hold it) and repeat."),
    "pelvic_tilt": FlagText(
        "pelvis tilting",
        "The pelvis tilted backwards during the raise, more than the usual few degrees. Part of the movement came "
        "from the pelvis rather than the hip."),
}

# Why a flag could not be decided from the video: shown beside the flags, so that a missing flag is
# never read as "ruled out" (fit half of samples/validation: the trunk line turned past 8 degrees on
# 1 of 5 tilted clips, and on untilted ones too).
NOT_ASSESSED = {
    "pelvic_tilt": "A posterior pelvic tilt of up to about 15 degrees moves the hip and shoulder landmarks by only "
                   "a pixel or two, and the trunk line the camera sees turns as much from landmark noise, so the "
                   "video cannot assess it. Watch or palpate the pelvis (the anterior superior iliac spine) during "
                   "the raise.",
}
