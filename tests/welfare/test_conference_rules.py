"""The conference rules that need no store: identifiers never reach the table (L8942–8944),
rounds count per case, decisions are known codes."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from welfare.conferences import Decision, next_round, strip_identifiers, valid_decisions

# Text around an identifier: Korean words and spaces, no digits or '@' that could merge with it.
words = st.text(alphabet="가나다라마바사아자차카타파하 ", max_size=30)
phones = st.builds(lambda prefix, a, b, sep: f"{prefix}{sep}{a:04d}{sep}{b:04d}", st.sampled_from(["010", "02", "031"]),
                   st.integers(0, 9999), st.integers(0, 9999), st.sampled_from(["-", " ", ".", ""]))
rrns = st.builds(lambda a, b: f"{a:06d}-{b}", st.integers(0, 999999), st.integers(1000000, 8999999))
emails = st.builds(lambda u, d: f"{u}@{d}.com", st.text("abcxyz._", min_size=1, max_size=8),
                   st.text("abcxyz", min_size=1, max_size=8))


@given(words, st.one_of(phones, rrns, emails), words)
def test_identifiers_in_free_text_are_masked(before, identifier, after):
    shared = strip_identifiers(f"{before}{identifier}{after}")
    assert identifier not in shared
    assert "○○○" in shared


@given(words, words)
def test_the_households_own_address_is_masked_wherever_written(before, after):
    address = "명륜길 12, 2층"
    shared = strip_identifiers(f"{before}{address}{after}", known=[address, None, ""])  # type: ignore[list-item]
    assert address not in shared and "명륜길" not in shared


def test_plain_text_is_left_as_it_is():
    assert strip_identifiers("식사 지원과 정서 지원이 필요해요 (3회 방문)") == "식사 지원과 정서 지원이 필요해요 (3회 방문)"


@given(st.lists(st.integers(1, 50), max_size=10))
def test_a_round_is_one_more_than_the_last(rounds):
    assert next_round(rounds) == max(rounds, default=0) + 1


def test_decisions_are_known_codes_once_each_in_order():
    assert valid_decisions(["closure", "selection", "selection"]) == [Decision.SELECTION, Decision.CLOSURE]
    with pytest.raises(ValueError):
        valid_decisions(["adopt_everyone"])
