"""사후관리 monitoring of a closed household: when the 읍면동 of its current address contacts it
next, and how often (L10102–10106). High-risk households are seen sooner: monthly, "종결 직후
빠른 시일 내" (L10099), never more often than the minimum cycle of a month (L10095–10097);
others quarterly, which meets the 3-month first contact and 2 within 9 months (L10095–10097)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from welfare.case_clocks import CaseMilestones, MonitoringFrequency, suggested_monitoring_frequency, \
    suggested_next_contact
from welfare.working_days import DEFAULT_CALENDAR, WorkingCalendar


@dataclass(frozen=True, slots=True)
class MonitoringPlan:
    frequency: MonitoringFrequency
    next_contact_on: date


def monitoring_plan(milestones: CaseMilestones, *, high_risk: bool,
                    calendar: WorkingCalendar = DEFAULT_CALENDAR) -> MonitoringPlan | None:
    """The plan for a household in 사후관리 (closed or its linkage ended), else None."""
    closed = milestones.closed_on or milestones.linkage_ended_on
    if closed is None or milestones.household_type is None:
        return None
    last = max((closed, *milestones.aftercare_contacts))
    frequency = suggested_monitoring_frequency(milestones.household_type, in_aftercare=True, high_risk=high_risk)
    return MonitoringPlan(frequency, suggested_next_contact(milestones, last, high_risk=high_risk, calendar=calendar))
