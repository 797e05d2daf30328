"""Working-day calendar: 민원처리법 제19조 counting (guide L325–331) over Korean holidays."""

from __future__ import annotations

import time
from datetime import date

import pytest

from welfare import working_days
from welfare.working_days import (
    WorkingCalendar,
    add_months,
    add_working_days,
    days_period_end,
    immediate_due,
    is_working_day,
    months_period_end,
    next_working_day,
    public_holidays,
    working_days_after,
)

D = date

# Days off at public offices 2025–2027, checked against the 공휴일에 관한 법률 and the
# Cabinet's 임시공휴일 and election-day notices.
EXPECTED_HOLIDAYS = [
    D(2025, 1, 27),  # 임시공휴일
    D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30),  # 설날
    D(2025, 3, 3),  # 삼일절 (Sat) → 대체공휴일
    D(2025, 5, 5), D(2025, 5, 6),  # 어린이날 = 부처님오신날 → 대체
    D(2025, 6, 3),  # 제21대 대통령 선거 (early election)
    D(2025, 10, 3), D(2025, 10, 6), D(2025, 10, 7), D(2025, 10, 8), D(2025, 10, 9),  # 개천절, 추석 + 대체, 한글날
    D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18),  # 설날
    D(2026, 3, 2),  # 삼일절 (Sun) → 대체공휴일
    D(2026, 5, 1),  # 노동절 (public holiday from 2026)
    D(2026, 5, 25),  # 부처님오신날 (Sun) → 대체
    D(2026, 6, 3),  # 제9회 전국동시지방선거
    D(2026, 7, 17),  # 제헌절 (public holiday again from 2026)
    D(2026, 8, 17),  # 광복절 (Sat) → 대체
    D(2026, 9, 24), D(2026, 9, 25), D(2026, 9, 26),  # 추석
    D(2026, 10, 5),  # 개천절 (Sat) → 대체
    D(2027, 2, 8), D(2027, 2, 9),  # 설날 and its 대체 (설날 on Sunday 02-07)
    D(2027, 5, 3), D(2027, 7, 19), D(2027, 8, 16), D(2027, 10, 4), D(2027, 10, 11), D(2027, 12, 27),
]  # fmt: skip


@pytest.mark.parametrize("day", EXPECTED_HOLIDAYS, ids=str)
def test_korean_public_holidays_2025_2027_are_not_working_days(day: date) -> None:
    assert day in public_holidays(day.year) or day.weekday() == 6
    assert not is_working_day(day)


def test_days_that_are_not_holidays_stay_working_days() -> None:
    assert is_working_day(D(2025, 5, 1))  # 근로자의 날 before 2026: not a public-office holiday
    assert is_working_day(D(2026, 9, 28))  # 추석 2026 ends on a Saturday: no 대체공휴일
    assert is_working_day(D(2026, 2, 19))  # the day after 설날 2026
    assert is_working_day(D(2026, 2, 13))  # an ordinary Friday


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(D(2026, 2, 14))  # Saturday
    assert not is_working_day(D(2026, 2, 15))  # Sunday (not listed by the package)


def test_add_working_days_counts_the_first_day_and_skips_seollal() -> None:
    # Documented example: 10 days from Monday 2026-02-09 end on Wednesday 2026-02-25.
    assert add_working_days(D(2026, 2, 9), 10) == D(2026, 2, 25)
    # A period of 1 day is the start day itself when that is a working day.
    assert add_working_days(D(2026, 2, 9), 1) == D(2026, 2, 9)


def test_add_working_days_from_a_day_off_starts_on_the_next_working_day() -> None:
    # From Saturday 2026-02-14: 설날 02-16..18, so day 1 is 02-19; 03-02 is a 대체공휴일.
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 19)
    assert add_working_days(D(2026, 2, 14), 10) == D(2026, 3, 5)


def test_add_working_days_over_chuseok_2025_with_its_substitute_holiday() -> None:
    # Thu 2025-10-02 (1), then 10-03 and 10-06..09 are off, 10-10 (2), 10-13..17 (7).
    assert add_working_days(D(2025, 10, 2), 7) == D(2025, 10, 17)


def test_working_days_after_does_not_count_the_start_day() -> None:
    assert working_days_after(D(2026, 2, 9), 5) == D(2026, 2, 19)  # 설날 2026
    assert working_days_after(D(2026, 9, 18), 5) == D(2026, 9, 29)  # 추석 2026
    assert working_days_after(D(2025, 10, 2), 5) == D(2025, 10, 16)  # 추석 2025 + 대체 + 한글날
    assert working_days_after(D(2026, 2, 27), 1) == D(2026, 3, 3)  # 삼일절 대체공휴일 2026-03-02


def test_period_length_chooses_the_paragraph_of_article_19() -> None:
    start = D(2026, 2, 9)
    assert days_period_end(start, 5) == working_days_after(start, 5) == D(2026, 2, 19)
    assert days_period_end(start, 6) == add_working_days(start, 6) == D(2026, 2, 19)
    assert days_period_end(start, 10) == D(2026, 2, 25)


@pytest.mark.parametrize("n", [0, -1])
def test_periods_have_at_least_one_day(n: int) -> None:
    with pytest.raises(ValueError):
        add_working_days(D(2026, 2, 9), n)
    with pytest.raises(ValueError):
        working_days_after(D(2026, 2, 9), n)
    with pytest.raises(ValueError):
        months_period_end(D(2026, 2, 9), n)


def test_immediate_means_the_request_day_or_the_next_working_day() -> None:
    assert immediate_due(D(2026, 2, 13)) == D(2026, 2, 13)
    assert immediate_due(D(2026, 2, 14)) == D(2026, 2, 19)


def test_months_period_ends_the_day_before_the_corresponding_day() -> None:
    assert months_period_end(D(2026, 1, 15), 3) == D(2026, 4, 14)


def test_months_period_without_a_corresponding_day_ends_at_month_end_then_leaves_holidays() -> None:
    # No 30 February: the period would end on Sat 2026-02-28; 03-01 is Sunday and 03-02 the
    # 대체공휴일 for 삼일절, so it ends on Tuesday 2026-03-03.
    assert months_period_end(D(2025, 11, 30), 3) == D(2026, 3, 3)


def test_months_period_ending_in_chuseok_moves_past_it() -> None:
    # 2026-06-26 + 3 months → 2026-09-25 (추석) → 09-26 Sat, 09-27 Sun → Monday 09-28.
    assert months_period_end(D(2026, 6, 26), 3) == D(2026, 9, 28)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 11, 15), 3) == D(2027, 2, 15)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 5, 10), 12) == D(2027, 5, 10)


def test_next_and_previous_working_day() -> None:
    assert next_working_day(D(2026, 9, 24)) == D(2026, 9, 28)
    assert WorkingCalendar().previous_working_day(D(2026, 9, 27)) == D(2026, 9, 23)


def test_count_working_days_includes_both_ends() -> None:
    calendar = WorkingCalendar()
    assert calendar.count_working_days(D(2026, 2, 9), D(2026, 2, 25)) == 10
    assert calendar.count_working_days(D(2026, 2, 25), D(2026, 2, 9)) == 0


def test_extra_holidays_cover_a_temporary_holiday_the_package_does_not_know() -> None:
    declared = WorkingCalendar(extra_holidays=frozenset({D(2026, 2, 19)}))
    assert not declared.is_working_day(D(2026, 2, 19))
    assert declared.add_working_days(D(2026, 2, 9), 10) == D(2026, 2, 26)
    assert add_working_days(D(2026, 2, 9), 10) == D(2026, 2, 25)  # the default is unchanged


def test_holiday_sets_are_built_once_per_year() -> None:
    working_days._public_holidays.cache_clear()
    for offset in range(400):
        is_working_day(date.fromordinal(D(2026, 1, 1).toordinal() + offset))
    info = working_days._public_holidays.cache_info()
    assert info.misses == 2  # 2026 and 2027, nothing rebuilt
    assert info.hits >= 280  # every weekday looked the set up; weekends need no lookup


def test_deadline_arithmetic_agrees_with_counting_day_by_day() -> None:
    # The fast path (cached holiday sets) against the plain definition: count the working days
    # one calendar day at a time. Speed is measured by `make bench`, not asserted here.
    for offset in range(0, 400, 3):
        start = date.fromordinal(D(2026, 1, 1).toordinal() + offset)
        for n in (1, 2, 5, 10, 14, 30):
            day, counted = start, 0
            while True:
                if is_working_day(day):
                    counted += 1
                    if counted == n:
                        break
                day = date.fromordinal(day.toordinal() + 1)
            assert add_working_days(start, n) == day, (start, n)
            assert add_working_days(start, n) == day  # asking again (from the cache) gives the same


def test_the_casework_domain_modules_import_only_the_standard_library_holidays_and_transitions() -> None:
    import ast
    import sys
    from pathlib import Path

    allowed = set(sys.stdlib_module_names) | {"holidays", "transitions", "welfare", "__future__"}
    package = Path(__file__).resolve().parents[2] / "welfare"
    for name in ("working_days", "case_clocks", "case_lifecycle", "followup_checklist"):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{name} imports {roots - allowed}"
