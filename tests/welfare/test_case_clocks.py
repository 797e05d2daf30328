"""Casework clocks: due dates from the guide's 시기 rules, counted in working days."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from welfare import case_clocks
from welfare.case_clocks import (
    RULES,
    CaseMilestones,
    ClockId,
    Counting,
    DeadlineKind,
    HouseholdType,
    MonitoringFrequency,
    due_dates,
    due_on,
    due_soon,
    overdue,
    schedule_for_received,
    suggested_monitoring_frequency,
    suggested_next_contact,
)

D = date
LOCALES = Path(__file__).resolve().parents[2] / "locales"


def by_clock(deadlines) -> dict[ClockId, date]:
    return {d.clock: d.due for d in deadlines}


def test_schedule_for_a_referral_received_before_seollal_2026() -> None:
    schedule = schedule_for_received(D(2026, 2, 9))
    assert by_clock(schedule) == {
        ClockId.INITIAL_COUNSELLING: D(2026, 2, 19),  # 5 days after, 설날 02-16..18 skipped
        ClockId.INTAKE: D(2026, 2, 19),  # 즉시
        ClockId.ASSESSMENT: D(2026, 3, 5),  # 10 days from 02-19, 03-02 대체공휴일 skipped
        ClockId.ASSESSMENT_ENTRY: D(2026, 3, 6),  # 익일
        ClockId.SELECTION: D(2026, 3, 13),  # 5 days after registration
        ClockId.SERVICE_PLAN: D(2026, 4, 2),  # 15 days from selection
        ClockId.SERVICE_PLAN_LIMIT: D(2026, 4, 2),  # 30 days from 접수: the usual 10+5+15 fit exactly
    }
    assert [d.due for d in schedule] == sorted(d.due for d in schedule)
    assert all(d.projected for d in schedule if d.clock is not ClockId.INITIAL_COUNSELLING)
    assert not next(d for d in schedule if d.clock is ClockId.INITIAL_COUNSELLING).projected
    assert all(d.completed_on is None for d in schedule)


def test_schedule_for_a_referral_received_before_chuseok_2026() -> None:
    schedule = by_clock(schedule_for_received(D(2026, 9, 18)))
    assert schedule[ClockId.INITIAL_COUNSELLING] == D(2026, 9, 29)  # 추석 09-24..26
    assert schedule[ClockId.ASSESSMENT] == D(2026, 10, 14)  # 개천절 대체 10-05, 한글날 10-09
    assert schedule[ClockId.SELECTION] == D(2026, 10, 22)
    assert schedule[ClockId.SERVICE_PLAN_LIMIT] == D(2026, 11, 11)


def test_schedule_for_a_service_linkage_household_links_instead_of_planning() -> None:
    schedule = by_clock(schedule_for_received(D(2026, 2, 9), household_type=HouseholdType.SERVICE_LINKAGE))
    assert ClockId.SERVICE_PLAN not in schedule and ClockId.SERVICE_PLAN_LIMIT not in schedule
    assert schedule[ClockId.SERVICE_LINKAGE] == D(2026, 4, 23)  # 30 days from 03-13 selection
    with pytest.raises(ValueError):
        schedule_for_received(D(2026, 2, 9), household_type=HouseholdType.NOT_SELECTED)


def test_thirty_day_limit_crosses_the_samiljeol_substitute_holiday() -> None:
    # From Thursday 2026-02-26; without the 대체공휴일 on 03-02 it would end on 04-08.
    assert due_on(ClockId.SERVICE_PLAN_LIMIT, D(2026, 2, 26)) == D(2026, 4, 9)


def test_clock_kinds_follow_the_guides_wording() -> None:
    assert RULES[ClockId.SERVICE_PLAN_LIMIT].kind is DeadlineKind.STATUTORY_LIMIT  # 처리기한 (L3682)
    for clock in (ClockId.ASSESSMENT, ClockId.SELECTION, ClockId.SERVICE_PLAN):  # "내외"
        assert RULES[clock].kind is DeadlineKind.USUAL_DURATION
    for clock in (ClockId.INITIAL_COUNSELLING, ClockId.INTAKE, ClockId.CLOSURE_REVIEW, ClockId.AFTERCARE):
        assert RULES[clock].kind is DeadlineKind.GUIDE_LIMIT  # "이내" / "즉시"
    assert RULES[ClockId.INITIAL_COUNSELLING].counting is Counting.WORKING_DAYS_AFTER  # ≤ 5 days: §19①
    assert RULES[ClockId.ASSESSMENT].counting is Counting.WORKING_DAYS_INCLUSIVE  # ≥ 6 days: §19②
    assert all(re.match(r"L\d+", rule.source_lines) for rule in RULES.values())


def test_only_clocks_with_a_known_start_are_computed() -> None:
    assert due_dates(CaseMilestones()) == []
    only_referral = due_dates(CaseMilestones(referred_on=D(2026, 2, 9)))
    assert [d.clock for d in only_referral] == [ClockId.INITIAL_COUNSELLING]
    taken_in = by_clock(due_dates(CaseMilestones(referred_on=D(2026, 2, 9), intake_on=D(2026, 2, 12))))
    # The survey counts from the request; with only the intake date known, from 접수.
    assert taken_in[ClockId.ASSESSMENT] == D(2026, 3, 3)
    assert taken_in[ClockId.SERVICE_PLAN_LIMIT] == D(2026, 3, 31)
    assert ClockId.SELECTION not in taken_in and ClockId.SERVICE_PLAN not in taken_in


def test_completed_steps_carry_their_date_and_whether_they_were_in_time() -> None:
    milestones = CaseMilestones(
        referred_on=D(2026, 2, 9), initial_counselling_on=D(2026, 2, 20), intake_requested_on=D(2026, 2, 20)
    )
    deadlines = {d.clock: d for d in due_dates(milestones)}
    counselling = deadlines[ClockId.INITIAL_COUNSELLING]
    assert counselling.completed_on == D(2026, 2, 20) and counselling.met is False
    assert deadlines[ClockId.INTAKE].is_open and deadlines[ClockId.INTAKE].met is None


def test_service_linkage_households_have_no_plan_clocks_and_one_aftercare() -> None:
    milestones = CaseMilestones(
        intake_on=D(2026, 2, 19),
        selected_on=D(2026, 3, 13),
        household_type=HouseholdType.SERVICE_LINKAGE,
        service_linked_on=D(2026, 3, 20),
        linkage_ended_on=D(2026, 6, 26),
        closed_on=D(2026, 6, 26),
    )
    clocks = by_clock(due_dates(milestones))
    assert ClockId.SERVICE_PLAN not in clocks and ClockId.SERVICE_PLAN_LIMIT not in clocks
    assert ClockId.AFTERCARE_SECOND not in clocks
    assert clocks[ClockId.AFTERCARE] == D(2026, 9, 28)  # 3 months, then past 추석 2026


def test_not_selected_households_have_no_clocks_after_selection() -> None:
    milestones = CaseMilestones(
        intake_on=D(2026, 2, 19), selected_on=D(2026, 3, 13), household_type=HouseholdType.NOT_SELECTED
    )
    clocks = by_clock(due_dates(milestones))
    assert set(clocks) == {ClockId.ASSESSMENT}


def test_case_managed_closure_and_aftercare_clocks() -> None:
    milestones = CaseMilestones(
        household_type=HouseholdType.CASE_MANAGED,
        closing_meeting_on=D(2026, 9, 22),
        closed_on=D(2026, 6, 26),
        aftercare_contacts=(D(2026, 7, 27),),
    )
    deadlines = {d.clock: d for d in due_dates(milestones)}
    assert deadlines[ClockId.CLOSURE_REVIEW].due == D(2026, 10, 1)  # 5 days after, 추석 skipped
    assert deadlines[ClockId.AFTERCARE].due == D(2026, 9, 28)
    assert deadlines[ClockId.AFTERCARE].completed_on == D(2026, 7, 27)
    second = deadlines[ClockId.AFTERCARE_SECOND]
    assert second.due == D(2027, 3, 25) and second.not_before == D(2026, 8, 27)


def test_overdue_and_due_soon() -> None:
    deadlines = due_dates(CaseMilestones(referred_on=D(2026, 2, 9), intake_on=D(2026, 2, 19)))
    assert overdue(deadlines, D(2026, 2, 19)) == []  # the due day itself is in time
    assert [d.clock for d in overdue(deadlines, D(2026, 2, 20))] == [ClockId.INITIAL_COUNSELLING]
    # 2026-02-13 (Fri) → 02-19 is the next working day after 설날: 2 working days left.
    assert [d.clock for d in due_soon(deadlines, D(2026, 2, 13))] == [ClockId.INITIAL_COUNSELLING]
    assert due_soon(deadlines, D(2026, 2, 12)) == []
    assert due_soon(deadlines, D(2026, 2, 20)) == []  # overdue, not "soon"
    done = [replace(d, completed_on=D(2026, 2, 18)) for d in deadlines]
    assert overdue(done, D(2026, 12, 31)) == []


def test_monitoring_frequency_by_household_type_and_phase() -> None:
    cm, sl = HouseholdType.CASE_MANAGED, HouseholdType.SERVICE_LINKAGE
    assert suggested_monitoring_frequency(cm, in_aftercare=True) is MonitoringFrequency.QUARTERLY
    assert suggested_monitoring_frequency(sl, in_aftercare=True) is MonitoringFrequency.QUARTERLY
    assert suggested_monitoring_frequency(cm, in_aftercare=True, high_risk=True) is MonitoringFrequency.MONTHLY
    assert suggested_monitoring_frequency(cm, in_aftercare=False) is MonitoringFrequency.MONTHLY
    assert suggested_monitoring_frequency(sl, in_aftercare=False, high_risk=True) is MonitoringFrequency.WEEKLY
    with pytest.raises(ValueError):
        suggested_monitoring_frequency(HouseholdType.NOT_SELECTED, in_aftercare=True)
    assert MonitoringFrequency.HALF_YEARLY.next_after(D(2026, 8, 31)) == D(2027, 2, 28)


def test_next_contact_in_aftercare_respects_the_deadline_and_the_minimum_interval() -> None:
    closed = CaseMilestones(household_type=HouseholdType.CASE_MANAGED, closed_on=D(2026, 6, 26))
    # Quarterly → Sat 09-26, moved to Monday 09-28 = the 1st 사후관리 deadline.
    assert suggested_next_contact(closed, D(2026, 6, 26)) == D(2026, 9, 28)
    # High risk → monthly → Sun 07-26 → Monday 07-27.
    assert suggested_next_contact(closed, D(2026, 6, 26), high_risk=True) == D(2026, 7, 27)
    # A late last contact never pushes the first visit past its deadline.
    assert suggested_next_contact(closed, D(2026, 9, 1)) == D(2026, 9, 28)
    after_first = replace(closed, aftercare_contacts=(D(2026, 7, 27),))
    assert suggested_next_contact(after_first, D(2026, 7, 27)) == D(2026, 10, 27)
    # The second contact is kept at least a month after the first (L10095–10097).
    assert suggested_next_contact(after_first, D(2026, 7, 20), high_risk=True) == D(2026, 8, 27)


def test_next_contact_during_service_delivery() -> None:
    linked = CaseMilestones(household_type=HouseholdType.SERVICE_LINKAGE, service_linked_on=D(2026, 3, 20))
    assert suggested_next_contact(linked, D(2026, 3, 20)) == D(2026, 4, 20)
    assert suggested_next_contact(linked, D(2026, 9, 17), high_risk=True) == D(2026, 9, 28)  # 추석
    with pytest.raises(ValueError):
        suggested_next_contact(CaseMilestones(), D(2026, 3, 20))


def catalog(lang: str) -> dict[str, str]:
    """casework.po with process.po (the case process's own domain, issue 14), merged as the bot does."""
    merged: dict[str, str] = {}
    for domain in ("casework", "process"):
        with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
            merged |= {m.id: m.string for m in read_po(fh) if m.id}
    return merged


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_clock_key_has_a_translation(lang: str) -> None:
    messages = catalog(lang)
    for key in sorted(case_clocks.message_keys()):
        assert messages.get(key, "").strip(), f"{key} missing in {lang}"
