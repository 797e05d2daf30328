"""Property: any dict, plausible or not, gives results or a clean InvalidHousehold — never a crash."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from welfare.eligibility import InvalidHousehold, Status, screen
from welfare.eligibility_parameters import load_parameters
from welfare.screening_input import HOUSING, RECEIVES, REGIONS, SITUATIONS
from welfare.service_catalogue import load_catalogue

CATALOGUE = load_catalogue()
PARAMETERS = load_parameters()
ON = dt.date(2026, 4, 1)

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10,
)
amount = st.none() | st.integers(min_value=-10, max_value=10**14) | st.floats(allow_nan=True, allow_infinity=True) | anything
member = st.fixed_dictionaries(
    {},
    optional={
        "age": st.none() | st.integers(min_value=-5, max_value=200) | st.floats() | st.text(max_size=3),
        "disability": st.none() | st.booleans() | st.integers(0, 1),
        "severe_disability": st.none() | st.booleans(),
        "pregnant": st.none() | st.booleans() | st.text(max_size=2),
    },
)
plausible = st.fixed_dictionaries(
    {"members": st.lists(member, min_size=0, max_size=32)},
    optional={
        "monthly_income": amount,
        "applicant_income": amount,
        "assets": amount,
        "financial_assets": amount,
        "housing": st.none() | st.sampled_from(HOUSING) | st.text(max_size=5),
        "region": st.none() | st.sampled_from(REGIONS) | st.integers(),
        "couple": st.none() | st.booleans() | st.text(max_size=2),
        "situations": st.none() | st.lists(st.sampled_from(sorted(SITUATIONS)) | st.text(max_size=4), max_size=8),
        "receives": st.none() | st.lists(st.sampled_from(RECEIVES), max_size=4),
    },
)


def _check(household: object) -> None:
    try:
        results = screen(household, CATALOGUE, PARAMETERS, ON)  # type: ignore[arg-type]
    except InvalidHousehold as exc:
        assert exc.field and exc.problem and str(exc)
        return
    assert len(results) == len(CATALOGUE)
    for result in results:
        assert isinstance(result.status, Status)
        assert result.to_json()["status"] == result.status.value
        if result.status is Status.NEED_MORE_INFO:
            assert result.missing


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plausible)
def test_plausible_households_never_crash(household: dict[str, object]) -> None:
    _check(household)


@settings(max_examples=300, deadline=None)
@given(anything | st.dictionaries(st.sampled_from(["members", "monthly_income", "assets", "situations", "housing", "junk"]), anything))
def test_anything_at_all_never_crashes(household: object) -> None:
    _check(household)
