"""The hip hinge's flags in the clinic's words."""

from __future__ import annotations

from rom.protocols.base import FlagText

FLAGS = {
    "rounded_back": FlagText(
        "rounded back",
        "The upper back rounded during the bend instead of staying long and neutral."),
    "lumbar_compensation": FlagText(
        "bend comes from the lower back",
        "The forward bend came mostly from the lower back: the hips did not travel back and the lumbar spine "
        "flexed."),
    "knee_bend": FlagText(
        "knees bending (squat)",
        "The knees bent markedly: the hinge turned into a squat."),
    "lockout_hyperextension": FlagText(
        "leaning back at the top",
        "At the top of the lift the person leaned back behind the vertical instead of finishing upright: the lower "
        "back arched to end the movement."),
}
