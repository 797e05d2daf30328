"""사후관리 plans (L10095–10106) and the 서비스 연계 check window (L9190), pure."""
from __future__ import annotations

from datetime import date

from welfare.case_clocks import CaseMilestones, ClockId, HouseholdType, MonitoringFrequency, due_dates
from welfare.monitoring import monitoring_plan


def test_a_linked_household_is_checked_between_one_and_three_months_after_the_link():
    m = CaseMilestones(selected_on=date(2026, 3, 4), household_type=HouseholdType.SERVICE_LINKAGE,
                       service_linked_on=date(2026, 3, 10))
    [check] = [d for d in due_dates(m) if d.clock is ClockId.LINKAGE_CHECK]
    assert check.not_before == date(2026, 4, 10) and check.is_open
    assert date(2026, 6, 8) <= check.due <= date(2026, 6, 10)  # 3 calendar months, off a weekend
    checked = due_dates(_with(m, linkage_checked_on=date(2026, 4, 20)))
    assert not [d for d in checked if d.clock is ClockId.LINKAGE_CHECK and d.is_open]
    assert not [d for d in due_dates(_with(m, household_type=HouseholdType.CASE_MANAGED))
                if d.clock is ClockId.LINKAGE_CHECK]


def _with(m: CaseMilestones, **changes) -> CaseMilestones:
    from dataclasses import replace
    return replace(m, **changes)


def test_monitoring_is_sooner_for_high_risk_households_and_only_after_closure():
    open_case = CaseMilestones(household_type=HouseholdType.CASE_MANAGED, selected_on=date(2026, 3, 4))
    assert monitoring_plan(open_case, high_risk=False) is None
    closed = _with(open_case, closed_on=date(2026, 9, 10))
    usual, risky = monitoring_plan(closed, high_risk=False), monitoring_plan(closed, high_risk=True)
    assert usual.frequency is MonitoringFrequency.QUARTERLY and risky.frequency is MonitoringFrequency.MONTHLY
    assert risky.next_contact_on < usual.next_contact_on <= date(2026, 12, 10)  # first within 3 months
    seen = monitoring_plan(_with(closed, aftercare_contacts=(date(2026, 10, 12),)), high_risk=True)
    assert seen.next_contact_on >= date(2026, 11, 12)  # at least a month between contacts
