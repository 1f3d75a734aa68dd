"""The plain-text summary (rom.outputs.summary_text.describe) on hand-built results."""

from __future__ import annotations

from dataclasses import replace

from test_overlay import hinge_result, slr_result

from rom.core.results import Quality
from rom.outputs.summary_text import WIDTH, describe


def flat(text: str) -> str:
    """The summary with its wrapping undone, to look for whole sentences."""
    return " ".join(text.split())


def test_slr_summary_gives_angle_interval_onset_and_interpretation():
    text = describe(slr_result())
    assert text.startswith("Straight-leg raise (SLR), left leg - clip.mp4")
    assert "SLR angle           61.0 deg  (95 % interval 58.0 deg to 64.0 deg)" in text
    assert "when the knee began to bend" in text
    assert "knee-bend onset     1.68 s  (bend confirmed at 2.00 s)" in text
    assert "max hip flexion     70.0 deg" in text
    assert "below 80: this suggests tight hamstrings (Hansberger 2019)" in flat(text)
    assert "minimal detectable change of goniometric SLR is about 6-7 degrees" in flat(text)
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_slr_flags_in_plain_words_with_an_explanation():
    text = describe(slr_result())
    flag_line = next(line for line in text.splitlines() if line.strip().startswith("other leg lifting"))
    assert len(flag_line) > len("  other leg lifting: ") + 20  # a sentence, not just the word
    assert "Warnings - a standing person (an examiner) was in the picture" in flat(text)


def test_slr_without_a_bend_is_a_lower_bound():
    text = describe(slr_result(flags=(), bent=False, warnings=()))
    assert "knee-bend onset" not in text
    assert "at its highest: the knee never bent" in text
    assert "70 degrees is a lower bound" in flat(text)
    assert "Flags: none" in text
    assert "Warnings: none" in text


def test_slr_normal_and_borderline_readings():
    normal = replace(slr_result(flags=()), slr_angle_deg=86.0, slr_angle_ci95_deg=(83.0, 89.0))
    assert "80 or more" in flat(describe(normal))
    assert "borderline" not in describe(normal)
    border = replace(slr_result(flags=()), slr_angle_deg=78.0, slr_angle_ci95_deg=(74.0, 82.0))
    assert "The 95 % interval includes 80 degrees: a borderline reading" in flat(describe(border))


def test_missing_numbers_read_n_a():
    r = replace(slr_result(), pelvic_rotation_deg=float("nan"))
    assert "pelvic rotation     n/a at the SLR angle" in describe(r)


def test_pain_marker_is_reported_when_present():
    r = slr_result()
    if "pain_s" not in r.__dataclass_fields__:
        return  # results without a pain marker (file analysis) have nothing to report
    text = describe(replace(r, pain_s=2.5, pain_angle_deg=52.0))
    assert "pain reported       at 2.50 s, hip flexion 52.0 deg" in text


def test_hinge_summary_has_a_line_per_rep_and_the_flags():
    text = describe(hinge_result())
    lines = text.splitlines()
    assert lines[0] == "Hip hinge, right side facing the camera - hinge.mp4"
    assert "  2 repetitions" in lines
    k = lines.index("  rep 1  0.17-1.17 s, bottom at 0.67 s: no fault")
    assert lines[k + 1] == "         hip flexion 80.0 deg, trunk inclination 72.0 deg, knee flexion 3.0 deg"
    k = lines.index("  rep 2  1.50-2.50 s, bottom at 2.00 s: rounded back")
    # the figures by the protocol's names (`Protocol.quantities`), as the web pages name them
    assert lines[k + 2] == "         upper-back rounding 25.0 deg, whole-back flexion n/a"
    assert max(len(line) for line in lines) <= WIDTH
    assert any(line.startswith("  rounded back (rep 2): ") for line in lines)


def test_hinge_without_faults_and_with_a_warning():
    r = hinge_result()
    clean = replace(r, reps=tuple(replace(rep, flags=()) for rep in r.reps), flags=(),
                    quality=Quality(frames=90, detected_fraction=0.95, warnings=("the view is turned",),
                                    view="oblique"))
    text = describe(clean)
    assert "Flags: none - every repetition was a clean hip hinge" in text
    assert "Quality: 90 frames, a pose in 95% of them, oblique view" in flat(text)
    assert "  - the view is turned" in text
