"""Dated parameters: the right set for a date, published tables reproduced, formats."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from welfare.eligibility_parameters import (
    NoParametersInForce,
    ParameterError,
    ParameterMissing,
    extend_median,
    load_parameters,
)
from welfare.finder_format import format_params, format_won

PARAMETERS = load_parameters()


def test_median_income_as_in_domain_md() -> None:
    ps = PARAMETERS.in_force(dt.date(2026, 7, 1))
    assert [ps.median_income(n) for n in (1, 2, 3, 4)] == [2_564_238, 4_199_292, 5_359_036, 6_494_738]
    assert ps.get("median_income").effective_from == dt.date(2026, 1, 1)
    assert "제2025-135호" in ps.get("median_income").legal_basis
    assert PARAMETERS.in_force(dt.date(2025, 12, 31)).median_income(4) == 6_097_773


def test_thresholds_reproduce_the_published_tables() -> None:
    for day in (dt.date(2025, 1, 1), dt.date(2026, 1, 1)):
        ps = PARAMETERS.in_force(day)
        for benefit in ("livelihood", "medical"):
            published = ps.values(f"basic_livelihood.{benefit}.published_thresholds")
            computed = tuple(ps.threshold(f"basic_livelihood.{benefit}.percent", n) for n in range(1, 8))
            assert computed == published, (day, benefit)
    assert PARAMETERS.in_force(dt.date(2026, 1, 1)).threshold("basic_livelihood.livelihood.percent", 4) == 2_078_316


def test_bigger_households_add_the_six_to_seven_difference() -> None:
    table = (1, 2, 3, 4, 5, 600, 700)
    assert extend_median(table, 9) == 900
    ps = PARAMETERS.in_force(dt.date(2026, 1, 1))
    assert ps.median_income(8) == 9_515_150 + 959_198
    assert ps.median_income(40) == 9_515_150 + 959_198 * 33  # beyond the precomputed range


def test_every_unverified_figure_says_why() -> None:
    for ps in PARAMETERS.sets:
        for parameter in ps.parameters.values():
            assert parameter.sources and parameter.legal_basis
            if not parameter.verified:
                assert parameter.note


def test_dates_outside_the_data() -> None:
    with pytest.raises(NoParametersInForce):
        PARAMETERS.in_force(dt.date(2024, 12, 31))
    with pytest.raises(TypeError):
        PARAMETERS.in_force(dt.datetime(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ParameterMissing):
        PARAMETERS.in_force(dt.date(2026, 1, 1)).get("no.such.parameter")


def test_a_mid_year_change_gets_its_own_set(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        """
[[parameter]]
name = "median_income"
unit = "won_per_month_by_household_size"
values = [10, 20, 30, 40, 50, 60, 70]
effective_from = 2026-01-01
legal_basis = "test"
sources = ["test"]
verified = true

[[parameter]]
name = "x.percent"
unit = "percent_of_median"
value = 50
effective_from = 2026-01-01
effective_until = 2026-06-30
legal_basis = "test"
sources = ["test"]
verified = true

[[parameter]]
name = "x.percent"
unit = "percent_of_median"
value = 60
effective_from = 2026-08-01
legal_basis = "test"
sources = ["test"]
verified = false
note = "a pending change"
""",
        encoding="utf-8",
    )
    history = load_parameters([tmp_path])
    assert history.in_force(dt.date(2026, 6, 30)).threshold("x.percent", 4) == 20
    with pytest.raises(ParameterMissing):
        history.in_force(dt.date(2026, 7, 15)).threshold("x.percent", 4)
    later = history.in_force(dt.date(2026, 8, 1))
    assert later.threshold("x.percent", 4) == 24 and not later.verified("x.percent")


@pytest.mark.parametrize(
    "body, problem",
    [
        ('name = "a"\nunit = "won"\nvalue = -1\neffective_from = 2026-01-01\nlegal_basis = "x"\nsources = ["x"]\nverified = true', "non-negative"),
        ('name = "a"\nunit = "won"\nvalue = 1\neffective_from = 2026-01-01\nlegal_basis = "x"\nsources = ["x"]\nverified = false', "note"),
        ('name = "a"\nunit = "apples"\nvalue = 1\neffective_from = 2026-01-01\nlegal_basis = "x"\nsources = ["x"]\nverified = true', "unit"),
        ('name = "a"\nunit = "won"\nvalue = 1\neffective_from = "2026-01-01"\nlegal_basis = "x"\nsources = ["x"]\nverified = true', "date"),
        ('name = "a"\nunit = "won"\nvalue = 1\neffective_from = 2026-01-01\nlegal_basis = "x"\nsources = []\nverified = true', "sources"),
    ],
)
def test_malformed_parameters_are_refused(tmp_path: Path, body: str, problem: str) -> None:
    (tmp_path / "bad.toml").write_text("[[parameter]]\n" + body + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=problem):
        load_parameters([tmp_path])


@pytest.mark.parametrize(
    "amount, ko, en",
    [
        (1_800_000, "180만원", "₩1,800,000"),
        (2_078_316, "2,078,316원", "₩2,078,316"),
        (241_000_000, "2억 4,100만원", "₩241,000,000"),
        (100_000_000, "1억원", "₩100,000,000"),
        (5_000, "5,000원", "₩5,000"),
        (0, "0원", "₩0"),
        (12_345_670_000, "123억 4,567만원", "₩12,345,670,000"),
    ],
)
def test_format_won(amount: int, ko: str, en: str) -> None:
    assert format_won(amount, "ko") == ko
    assert format_won(amount, "en") == en


def test_format_won_refuses_non_ints() -> None:
    with pytest.raises(TypeError):
        format_won(1.5, "ko")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_won(True, "ko")


def test_format_params_translates_keys_and_formats_amounts() -> None:
    out = format_params({"income": 1_800_000, "household_size": 4, "benefit": "finder.benefit.livelihood"}, "ko", lambda k: "생계급여")
    assert out == {"income": "180만원", "household_size": "4", "benefit": "생계급여"}
