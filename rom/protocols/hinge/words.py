"""The hip hinge's flags in the clinic's words."""

from __future__ import annotations

from rom.protocols.base import FlagText, Quantity

# per repetition (`rom.protocols.hinge.result.HingeRep`)
QUANTITIES = {
    "max_hip_flexion_deg": Quantity("hip flexion", "deg"),
    "max_trunk_inclination_deg": Quantity("trunk inclination", "deg"),
    "max_knee_flexion_deg": Quantity("knee flexion", "deg"),
    "knee_bend_deg": Quantity("knee bend above standing", "deg"),
    "back_rounding": Quantity("upper-back rounding", "deg"),
    "back_flexion_deg": Quantity("whole-back flexion", "deg"),
    "lumbar_ratio": Quantity("the spine's share of the bend", "ratio"),
}

LIVE_ANGLES = {"hip_flexion_deg": "hip flexion", "trunk_inclination_deg": "trunk inclination",
               "knee_flexion_deg": "knee flexion", "back_rounding_deg": "upper-back rounding"}

FLAGS = {
    "rounded_back": FlagText(
        "rounded back",
        "The back rounded during the bend instead of staying long and neutral: the upper back, or the whole "
        "back, lower back included."),
    "lumbar_compensation": FlagText(
        "bend comes from the lower back",
        "The forward bend came largely from the lower back: the lumbar spine flexed while the pelvis stayed "
        "behind, instead of the pelvis tilting forward with the hips."),
    "knee_bend": FlagText(
        "knees bending (squat)",
        "The knees bent markedly: the hinge turned into a squat."),
    "lockout_hyperextension": FlagText(
        "leaning back at the top",
        "At the top of the lift the person leaned back behind the vertical instead of finishing upright: the lower "
        "back arched to end the movement."),
}
