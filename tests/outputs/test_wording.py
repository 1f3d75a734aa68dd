"""Flags in words for views that hold a flag's name: the test's own words when the view knows the test."""

from rom import protocols
from rom.outputs import wording


def test_a_flag_is_said_in_its_tests_words_and_an_unknown_one_plainly():
    slr, hinge = protocols.get("slr"), protocols.get("hinge")
    assert wording.flag_words("rounded_back") == hinge.flags["rounded_back"].words
    assert wording.flag_explanation("pelvic_tilt", "slr") == slr.flags["pelvic_tilt"].sentence
    # a test that does not have the flag falls back on the test that does
    assert wording.flag_words("rounded_back", "slr") == hinge.flags["rounded_back"].words
    assert wording.flag_words("no_such_flag", "slr") == "no such flag"
    assert wording.not_assessed_reason("pelvic_tilt", "slr") == slr.not_assessed_reason("pelvic_tilt")


def test_a_flag_name_two_tests_share_is_said_in_the_words_of_the_test_given():
    sharing = {}
    for p in protocols.all_protocols():
        for flag in p.flags:
            sharing.setdefault(flag, []).append(p)
    for flag, owners in sharing.items():
        for p in owners:
            assert wording.flag_explanation(flag, p.name) == p.flag_sentence(flag)
            assert wording.flag_words(flag, p.name) == p.flag_words(flag)
