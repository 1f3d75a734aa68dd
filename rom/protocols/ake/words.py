"""The AKE's flags and figures in the clinic's words."""

from __future__ import annotations

from rom.protocols.base import FlagText, Quantity

QUANTITIES = {
    "ake_angle_deg": Quantity("AKE angle", "deg"),
    "end_range_s": Quantity("end range reached", "s"),
    "extension_start_s": Quantity("knee began to extend", "s"),
    "hip_flexion_start_deg": Quantity("hip flexion at the start", "deg"),
    "hip_flexion_at_end_deg": Quantity("hip flexion at end range", "deg"),
    "hip_drift_deg": Quantity("thigh's drift at end range", "deg"),
    "max_other_hip_flexion_deg": Quantity("other thigh at its highest", "deg"),
    "other_leg_rise_deg": Quantity("other leg's rise", "deg"),
    "knee_flexion_start_deg": Quantity("knee flexion at the start", "deg"),
    "knee_view_correction_deg": Quantity("knee readings corrected for the camera's view by", "deg"),
    "hip_view_correction_deg": Quantity("hip readings corrected for the camera's view by", "deg"),
    "table_tilt_deg": Quantity("table line's tilt in the picture", "deg"),
}

LIVE_ANGLES = {"knee_flexion_deg": "knee flexion", "hip_flexion_deg": "hip flexion",
               "other_hip_flexion_deg": "other leg"}


def flags(drift_tolerance_deg: float) -> dict[str, FlagText]:
    return {
        "hip_drift": FlagText(
            "thigh left 90 degrees",
            f"The thigh moved more than {drift_tolerance_deg:g} degrees from its starting position (set at about "
            "90 degrees) while the knee extended. With the hip lower the hamstrings are less stretched and the knee "
            "straightens further; hold the thigh against a bar or in both hands and repeat."),
        "contralateral_leg_lift": FlagText(
            "other leg lifting",
            "The other leg lifted off the table during the extension. The pelvis tilts with it, which changes the "
            "hamstrings' stretch; keep that leg flat (strap or hold it) and repeat."),
    }


# The hip_drift flag's tolerance: the thigh's departure from its starting angle during the extension that
# counts as drift (`AKEConfig.hip_drift_tolerance_deg`; fit half of samples/validation, measure.py).
DRIFT_TOLERANCE_DEG = 5.0
FLAGS = flags(DRIFT_TOLERANCE_DEG)
