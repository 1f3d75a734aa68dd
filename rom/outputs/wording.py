"""What flags and figures mean, in the clinic's words: shared by the overlay, the text summary,
the batch report and the web pages, so that every view says the same thing."""

from __future__ import annotations

# A few words, for the annotated video and the live page.
FLAG_WORDS = {
    "knee_bend_not_reached": "knee never bent",
    "contralateral_leg_lift": "other leg lifting",
    "pelvic_tilt": "pelvis tilting",
    "rounded_back": "rounded back",
    "lumbar_compensation": "bend comes from the lower back",
    "knee_bend": "knees bending (squat)",
    "lockout_hyperextension": "leaning back at the top",
}

# A sentence, for reports and result pages.
FLAG_EXPLANATIONS = {
    "knee_bend_not_reached": "The knee did not bend during the raise, so the SLR angle given is the highest hip "
                             "flexion reached; the hamstrings' limit may lie higher.",
    "contralateral_leg_lift": "The other leg lifted off the table during the raise. The pelvis turns with it, which "
                              "changes the angle read; keep that leg down (or hold it) and repeat.",
    "pelvic_tilt": "The pelvis tilted backwards during the raise, more than the usual few degrees. Part of the "
                   "movement came from the pelvis rather than the hip.",
    "rounded_back": "The upper back rounded during the bend instead of staying long and neutral.",
    "lumbar_compensation": "The forward bend came mostly from the lower back: the hips did not travel back and the "
                           "lumbar spine flexed.",
    "knee_bend": "The knees bent markedly: the hinge turned into a squat.",
    "lockout_hyperextension": "At the top of the lift the person leaned back behind the vertical instead of "
                              "finishing upright: the lower back arched to end the movement.",
}

# Why a flag could not be decided from the video, when it could not: shown beside the flags, so
# that a missing flag is never read as "ruled out".
NOT_ASSESSED_REASONS = {
    "pelvic_tilt": "A posterior pelvic tilt of up to about 15 degrees moves the hip and shoulder landmarks by only "
                   "a pixel or two, and the trunk line the camera sees turns as much from landmark noise, so the "
                   "video cannot assess it. Watch or palpate the pelvis (the anterior superior iliac spine) during "
                   "the raise.",
}

# DESIGN.md 3, with sources in the README.
SLR_TIGHT_BELOW_DEG = 80.0  # Hansberger 2019
SLR_MDC_DEG = 7.0  # minimal detectable change of goniometric SLR, about 6-7 degrees


def flag_words(flag: str) -> str:
    return FLAG_WORDS.get(flag, flag.replace("_", " "))


def not_assessed_reason(flag: str) -> str:
    return NOT_ASSESSED_REASONS.get(flag, "the video cannot decide it")


def flag_explanation(flag: str) -> str:
    return FLAG_EXPLANATIONS.get(flag, flag.replace("_", " "))


def slr_interpretation(angle_deg: float | None, tight_below_deg: float = SLR_TIGHT_BELOW_DEG) -> str | None:
    """One sentence on an SLR angle (None when there is no angle)."""
    if angle_deg is None:
        return None
    if angle_deg < tight_below_deg:
        return (f"An SLR angle of {angle_deg:.0f} degrees is below {tight_below_deg:.0f}: this suggests tight "
                "hamstrings (Hansberger 2019).")
    return (f"An SLR angle of {angle_deg:.0f} degrees is {tight_below_deg:.0f} or more: hamstring length within "
            "the usual range.")


def side_difference(left_deg: float, right_deg: float, mdc_deg: float = SLR_MDC_DEG) -> str:
    """One sentence on a left/right difference of SLR angles."""
    d = abs(left_deg - right_deg)
    if d > mdc_deg:
        lower = "left" if left_deg < right_deg else "right"
        return (f"Left and right differ by {d:.0f} degrees, more than the minimal detectable change of about "
                f"{mdc_deg:.0f}: the {lower} side is tighter.")
    return (f"Left and right differ by {d:.0f} degrees, within the minimal detectable change of about "
            f"{mdc_deg:.0f} (a normal asymmetry is 4-5 degrees).")
