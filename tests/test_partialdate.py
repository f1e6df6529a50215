"""Partial and approximate dates, as testimonies give them."""

from datetime import date

import pytest

from docket.lib.partialdate import PartialDate


@pytest.mark.parametrize(
    "text", ["1975", "1975-03", "1975-03-02", "2019~", "2019-07~", "2024-02-29"]
)
def test_it_reads_back_what_it_writes(text):
    assert PartialDate.parse(text).isoformat() == text


@pytest.mark.parametrize(
    "text", ["31/02/2020", "2020-02-30", "2023-02-29", "75", "1975-13", "", "~"]
)
def test_it_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError, match="not a date"):
        PartialDate.parse(text)


def test_a_year_spans_the_whole_year():
    year = PartialDate.parse("1975")

    assert year.earliest() == date(1975, 1, 1)
    assert year.latest() == date(1975, 12, 31)
    assert not year.is_exact


def test_a_month_ends_on_its_last_day():
    assert PartialDate.parse("2024-02").latest() == date(2024, 2, 29)


def test_an_approximate_day_is_not_exact():
    assert PartialDate.parse("2019-03-02").is_exact
    assert not PartialDate.parse("2019-03-02~").is_exact
