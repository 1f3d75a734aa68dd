"""The slump test's flags, figures and steps in the clinic's words, and its live cues."""

from __future__ import annotations

from rom.protocols.base import FlagText, Quantity

QUANTITIES = {
    "knee_flexion_end_deg": Quantity("knee flexion at end range in full slump", "deg"),
    "knee_flexion_release_deg": Quantity("knee flexion after the neck release", "deg"),
    "release_gain_deg": Quantity("knee extension gained on the neck release", "deg"),
    "end_range_s": Quantity("end range reached", "s"),
    "max_spine_flexion_deg": Quantity("greatest spine flexion", "deg"),
    "max_trunk_inclination_deg": Quantity("greatest trunk inclination", "deg"),
    "max_neck_flexion_deg": Quantity("greatest neck flexion", "deg"),
    "max_ankle_dorsiflexion_deg": Quantity("greatest ankle dorsiflexion", "deg"),
    "symptom_knee_flexion_deg": Quantity("knee flexion at the symptom mark", "deg"),
}

LIVE_ANGLES = {"knee_flexion_deg": "knee flexion", "spine_flexion_deg": "spine flexion",
               "neck_flexion_deg": "neck flexion", "ankle_dorsiflexion_deg": "ankle",
               "trunk_inclination_deg": "trunk inclination", "hip_flexion_deg": "hip flexion"}

# The steps in the test's order, as the result names them (`phases`), in words.
STEPS = {"upright": "sitting upright", "slump": "trunk slump", "neck_flexion": "neck flexion (chin to chest)",
         "knee_extension": "knee extension", "ankle_dorsiflexion": "ankle dorsiflexion (foot pulled up)",
         "neck_release": "neck release", "return": "return to sitting"}

# The live cue asking for each step, in order (`rom.protocols.slump.live`).
CUES = {"slump": "slump", "neck_flexion": "chin to chest", "knee_extension": "straighten the knee",
        "ankle_dorsiflexion": "pull the foot up", "neck_release": "release the neck", "return": "sit up"}

FLAGS = {
    "neck_release_gain": FlagText(
        "knee went further on neck release",
        "When the neck was released the knee straightened further, by more than measurement noise: the limit in full "
        "slump depended on the neck's position, which points to neural tension rather than the hamstrings "
        "(structural differentiation). Whether the test is positive depends on the symptoms, which only the person "
        "can report."),
}

NOT_ASSESSED = {
    "symptoms": "The video cannot see symptoms: where they started and whether they eased on the neck release are "
                "the examiner's marks and the person's report.",
}
