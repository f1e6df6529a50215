"""Fictional names for demo and benchmark data."""

import re

from docket.lib.fictional import FictionalNames

PERSIAN_LETTERS = re.compile(r"^[\u0600-\u06FF\u200c ]+$")


def test_the_same_seed_gives_the_same_names():
    assert FictionalNames(3).names(50) == FictionalNames(3).names(50)


def test_another_seed_gives_other_names():
    assert FictionalNames(3).names(50) != FictionalNames(4).names(50)


def test_every_name_has_a_persian_and_latin_spellings():
    for name in FictionalNames(1).names(200):
        assert PERSIAN_LETTERS.match(name.persian), name.persian
        assert name.latin == name.latin_variants()[0]
        assert all(re.match(r"^[A-Za-z' -]+$", variant) for variant in name.latin_variants())
