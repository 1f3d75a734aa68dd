"""The SLR's flags in the clinic's words, and what the video cannot assess (with the reason)."""

from __future__ import annotations

from rom.protocols.base import FlagText

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
