"""Statutory and usual clocks of 통합사례관리, computed from the dates known for a case.

Every clock is stated in the guide's 시기 paragraph of its step; "L123" is line 123 of
「찾아가는 보건･복지서비스 안내」 (2025), ``shared/domain/seeds/002_ff312c2d39bc6182.txt``.
Periods are counted with :mod:`welfare.working_days` (민원처리법 제19조, L325–331).

Kinds of clock, from the guide's own wording:

* ``STATUTORY_LIMIT`` — the 30-day 처리기한 from 접수 to the service plan, set by the guide
  on the model of 사회보장급여법 제9조③ and 시행령 제6조 (L3682–3694). The law's 60 days
  "with a stated reason" (L3688–3690) is not applied to casework by the guide, so not here.
* ``GUIDE_LIMIT`` — "…이내" or "즉시" in the guide: a firm limit, but an internal one.
* ``USUAL_DURATION`` — "…내외": the time the step normally takes, "상황에 따라 조정 가능"
  (L240–248, L3676–3678, L8563, L9139, L9444). A target: :func:`overdue` lists it, and
  the caller shows it more gently than a limit (``Deadline.kind``).

Unknown facts: :func:`due_dates` computes a clock only when the fact it counts from is
known, and never projects from an assumed date — a worker should not be chased about a
deadline that rests on a guess. Projections are what :func:`schedule_for_received` is
for (every step assumed done on its due day), and they are marked ``projected``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from welfare.working_days import DEFAULT_CALENDAR, WorkingCalendar, add_months


class CatalogEnum(StrEnum):
    """An enum whose members are shown through the message catalog: the key is
    ``<__prefix__>.<value>`` and the wording lives only in locales/*/casework.po."""

    @property
    def label_key(self) -> str:
        return f"{self.__prefix__}.{self.value}"  # type: ignore[attr-defined]


class HouseholdType(CatalogEnum):
    """Outcome of 대상자 구분 및 선정 (L9129–9165; system labels L9338–9342)."""

    __prefix__ = "case.household"
    CASE_MANAGED = "case_managed"  # 사례관리 가구: ≥1 month, complex needs (L9149–9151)
    SERVICE_LINKAGE = "service_linkage"  # 서비스 연계 가구: <1 month, simple link (L9153–9161)
    NOT_SELECTED = "not_selected"  # 미선정 가구 (L9163–9165)


class ClockId(CatalogEnum):
    __prefix__ = "clock"
    INITIAL_COUNSELLING = "initial_counselling"
    INTAKE = "intake"
    ASSESSMENT = "assessment"
    ASSESSMENT_ENTRY = "assessment_entry"
    SELECTION = "selection"
    SERVICE_PLAN = "service_plan"
    SERVICE_PLAN_LIMIT = "service_plan_limit"
    SERVICE_LINKAGE = "service_linkage"
    LINKAGE_CHECK = "linkage_check"
    CLOSURE_REVIEW = "closure_review"
    AFTERCARE = "aftercare"
    AFTERCARE_SECOND = "aftercare_second"


class DeadlineKind(CatalogEnum):
    __prefix__ = "clock.kind"
    STATUTORY_LIMIT = "statutory_limit"
    GUIDE_LIMIT = "guide_limit"
    USUAL_DURATION = "usual_duration"


class Counting(StrEnum):
    """Which paragraph of 민원처리법 제19조 counts the period."""

    WORKING_DAYS_AFTER = "working_days_after"  # ① ≤ 5 days: start day not counted
    WORKING_DAYS_INCLUSIVE = "working_days_inclusive"  # ② ≥ 6 days: first day counted
    IMMEDIATE = "immediate"  # ③ "즉시": within 3 working hours
    CALENDAR_MONTHS = "calendar_months"  # ④ months: calendar, end moved off holidays


@dataclass(frozen=True, slots=True)
class ClockRule:
    clock: ClockId
    kind: DeadlineKind
    counting: Counting
    length: int  # days, or months for CALENDAR_MONTHS; 0 for IMMEDIATE
    source_lines: str


_C, _K = Counting, DeadlineKind
RULES: dict[ClockId, ClockRule] = {
    rule.clock: rule
    for rule in (
        # "초기상담을 의뢰받은 경우 의뢰일로부터 5일 이내" (L8080–8082)
        ClockRule(ClockId.INITIAL_COUNSELLING, _K.GUIDE_LIMIT, _C.WORKING_DAYS_AFTER, 5, "L8080–8082"),
        # "(읍면동) 대상자 의뢰요청 시 즉시 접수처리" (L8439–8443)
        ClockRule(ClockId.INTAKE, _K.GUIDE_LIMIT, _C.IMMEDIATE, 0, "L8439–8443"),
        # "통합사례관리 사업 요청일로부터 10일 내외" (L8557–8563; 2025 note L884–891)
        ClockRule(ClockId.ASSESSMENT, _K.USUAL_DURATION, _C.WORKING_DAYS_INCLUSIVE, 10, "L8557–8563"),
        # "욕구조사 실시 익일까지 시스템에 입력" (L8667–8669): 1 day, so §19①
        ClockRule(ClockId.ASSESSMENT_ENTRY, _K.GUIDE_LIMIT, _C.WORKING_DAYS_AFTER, 1, "L8667–8669"),
        # "욕구조사 결과 등록 완료일로부터 5일 내외" (L9137–9139; 2025 change L1079–1087)
        ClockRule(ClockId.SELECTION, _K.USUAL_DURATION, _C.WORKING_DAYS_AFTER, 5, "L9137–9139, L1079–1087"),
        # "사례관리 가구 결정 후 15일 내외" (L9442–9444; 2025 change L1145–1153)
        ClockRule(
            ClockId.SERVICE_PLAN, _K.USUAL_DURATION, _C.WORKING_DAYS_INCLUSIVE, 15, "L9442–9444, L1145–1153"
        ),
        # "(처리기한) 대상자 접수일로부터 30일 이내 서비스제공계획 수립" (L3680–3700, L319–331)
        ClockRule(
            ClockId.SERVICE_PLAN_LIMIT, _K.STATUTORY_LIMIT, _C.WORKING_DAYS_INCLUSIVE, 30,
            "L3680–3700, L319–331",
        ),
        # 서비스 연계 가구: "선정 후 30일 이내 관련 서비스 연계" (L9153–9155)
        ClockRule(ClockId.SERVICE_LINKAGE, _K.GUIDE_LIMIT, _C.WORKING_DAYS_INCLUSIVE, 30, "L9153–9155"),
        # 서비스 연계 가구: "서비스 연계가 시작되고 1~3개월 이내" a check (L9190); the window opens
        # a month after the link (Deadline.not_before) and closes at 3 months.
        ClockRule(ClockId.LINKAGE_CHECK, _K.GUIDE_LIMIT, _C.CALENDAR_MONTHS, 3, "L9190"),
        # "사례회의 후 5일 이내 시스템 종결심사 등록" (L9910–9912; 2025 change L1198–1210)
        ClockRule(ClockId.CLOSURE_REVIEW, _K.GUIDE_LIMIT, _C.WORKING_DAYS_AFTER, 5, "L9910–9912, L1198–1210"),
        # 서비스 연계 가구: "서비스 연계 종료 후 3개월 이내 1회" (L8763–8765, L10097);
        # 사례관리 가구: "최초 1회는 3개월 이내" (L10095). Counted per §19④ with the end day
        # as the first day (민법 §157 would skip it and end one day later: we take the
        # earlier, safer date).
        ClockRule(ClockId.AFTERCARE, _K.GUIDE_LIMIT, _C.CALENDAR_MONTHS, 3, "L8763–8765, L10093–10097"),
        # 사례관리 가구: "종결 후 9개월 내 2회 … 사후관리 주기는 최소 1개월 이상" (L10095–10097)
        ClockRule(ClockId.AFTERCARE_SECOND, _K.GUIDE_LIMIT, _C.CALENDAR_MONTHS, 9, "L10093–10097"),
    )
}

# "사후관리 주기는 최소 1개월 이상" (L10095–10097)
AFTERCARE_MIN_INTERVAL_MONTHS = 1
# "서비스 연계가 시작되고 1~3개월 이내" (L9190): the check counts from a month after the link.
LINKAGE_CHECK_FROM_MONTHS = 1


@dataclass(frozen=True, slots=True)
class CaseMilestones:
    """The dates known for one case; the 종결심사서 header lists the same milestones
    (요청일자, 욕구조사, 위기도 조사, 사례회의, 대상자 선정, 제공계획, …; L12426–12440)."""

    referred_on: date | None = None  # 초기상담 의뢰일: the report reached the 읍면동
    initial_counselling_on: date | None = None
    intake_requested_on: date | None = None  # [서비스 연계 및 사례관리 요청] (L8466; L8559 "요청일")
    intake_on: date | None = None  # 대상자 접수: the 30-day clock starts here
    assessment_conducted_on: date | None = None
    assessment_registered_on: date | None = None
    selected_on: date | None = None
    household_type: HouseholdType | None = None
    service_plan_on: date | None = None  # plan approved (first plan) or confirmed
    service_linked_on: date | None = None  # 서비스 연계 가구: service linked
    closing_meeting_on: date | None = None
    closure_review_registered_on: date | None = None
    closed_on: date | None = None  # 종결 승인, or end of linkage for 서비스 연계 가구
    linkage_ended_on: date | None = None
    linkage_checked_on: date | None = None  # the 1–3 month check of a 서비스 연계 가구 (L9190)
    aftercare_contacts: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class Deadline:
    clock: ClockId
    due: date
    kind: DeadlineKind
    counted_from: date
    counting: Counting
    length: int
    source_lines: str
    completed_on: date | None = None
    projected: bool = False  # counted from an assumed date (schedule_for_received)
    not_before: date | None = None  # earliest allowed date, e.g. 2nd 사후관리 ≥ 1 month later

    @property
    def label_key(self) -> str:
        return self.clock.label_key

    @property
    def is_open(self) -> bool:
        return self.completed_on is None

    @property
    def met(self) -> bool | None:
        """True/False once completed; None while still open."""
        return None if self.completed_on is None else self.completed_on <= self.due


def due_on(clock: ClockId, counted_from: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """Due date of ``clock`` for a period starting on ``counted_from``."""
    rule = RULES[clock]
    match rule.counting:
        case Counting.WORKING_DAYS_AFTER:
            return calendar.working_days_after(counted_from, rule.length)
        case Counting.WORKING_DAYS_INCLUSIVE:
            return calendar.add_working_days(counted_from, rule.length)
        case Counting.IMMEDIATE:
            return calendar.immediate_due(counted_from)
        case Counting.CALENDAR_MONTHS:
            return calendar.months_period_end(counted_from, rule.length)
    raise AssertionError(rule.counting)


def _deadline(
    clock: ClockId,
    counted_from: date,
    completed_on: date | None,
    calendar: WorkingCalendar,
    not_before: date | None = None,
) -> Deadline:
    rule = RULES[clock]
    return Deadline(
        clock=clock,
        due=due_on(clock, counted_from, calendar),
        kind=rule.kind,
        counted_from=counted_from,
        counting=rule.counting,
        length=rule.length,
        source_lines=rule.source_lines,
        completed_on=completed_on,
        not_before=not_before,
    )


def _nth(contacts: tuple[date, ...], index: int) -> date | None:
    ordered = sorted(contacts)
    return ordered[index] if len(ordered) > index else None


def due_dates(milestones: CaseMilestones, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> list[Deadline]:
    """Every clock that can be computed from the known dates, earliest due first."""
    m = milestones
    kind = m.household_type
    found: list[Deadline] = []

    def add(clock: ClockId, start: date | None, done: date | None, not_before: date | None = None) -> None:
        if start is not None:
            found.append(_deadline(clock, start, done, calendar, not_before))

    add(ClockId.INITIAL_COUNSELLING, m.referred_on, m.initial_counselling_on)
    add(ClockId.INTAKE, m.intake_requested_on, m.intake_on)
    # The survey counts from the 행복이음 request date; 접수 is immediate, so the intake
    # date stands in when the request date was not recorded.
    surveyed = m.assessment_conducted_on or m.assessment_registered_on
    add(ClockId.ASSESSMENT, m.intake_requested_on or m.intake_on, surveyed)
    add(ClockId.ASSESSMENT_ENTRY, m.assessment_conducted_on, m.assessment_registered_on)
    add(ClockId.SELECTION, m.assessment_registered_on, m.selected_on)
    if kind is HouseholdType.CASE_MANAGED:
        add(ClockId.SERVICE_PLAN, m.selected_on, m.service_plan_on)
    # The 30-day limit runs from 접수 until the household turns out not to need a plan:
    # 서비스 연계 가구 skip the plan (L8763–8765) and 미선정 ends the case.
    if kind not in (HouseholdType.SERVICE_LINKAGE, HouseholdType.NOT_SELECTED):
        add(ClockId.SERVICE_PLAN_LIMIT, m.intake_on, m.service_plan_on)
    if kind is HouseholdType.SERVICE_LINKAGE:
        add(ClockId.SERVICE_LINKAGE, m.selected_on, m.service_linked_on)
        # An ended linkage needs no check any more: its 사후관리 clock takes over.
        linked = m.service_linked_on
        add(ClockId.LINKAGE_CHECK, linked, m.linkage_checked_on or m.linkage_ended_on,
            add_months(linked, LINKAGE_CHECK_FROM_MONTHS) if linked else None)
        add(ClockId.AFTERCARE, m.linkage_ended_on or m.closed_on, _nth(m.aftercare_contacts, 0))
    if kind is HouseholdType.CASE_MANAGED:
        add(ClockId.CLOSURE_REVIEW, m.closing_meeting_on, m.closure_review_registered_on)
        add(ClockId.AFTERCARE, m.closed_on, _nth(m.aftercare_contacts, 0))
        first_contact = _nth(m.aftercare_contacts, 0)
        earliest = add_months(first_contact, AFTERCARE_MIN_INTERVAL_MONTHS) if first_contact else None
        add(ClockId.AFTERCARE_SECOND, m.closed_on, _nth(m.aftercare_contacts, 1), earliest)
    return sorted(found, key=lambda d: (d.due, d.clock))


def schedule_for_received(
    received_on: date,
    *,
    household_type: HouseholdType = HouseholdType.CASE_MANAGED,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> list[Deadline]:
    """Every due date for a referral received on ``received_on``, each step assumed done on
    its due day (the ``salpim clock --from`` view).

    "Received" is the day the report or referral reached the 읍면동, the start of the
    초기상담 clock; 접수 is assumed requested on the counselling day and taken at once.
    Service delivery has no fixed length, so closure and 사후관리 cannot be projected.
    """
    if household_type is HouseholdType.NOT_SELECTED:
        raise ValueError("a 미선정 household has no schedule after selection")
    counselled = due_on(ClockId.INITIAL_COUNSELLING, received_on, calendar)
    taken_in = due_on(ClockId.INTAKE, counselled, calendar)
    surveyed = due_on(ClockId.ASSESSMENT, taken_in, calendar)
    registered = due_on(ClockId.ASSESSMENT_ENTRY, surveyed, calendar)
    selected = due_on(ClockId.SELECTION, registered, calendar)
    assumed = CaseMilestones(
        referred_on=received_on,
        initial_counselling_on=counselled,
        intake_requested_on=counselled,
        intake_on=taken_in,
        assessment_conducted_on=surveyed,
        assessment_registered_on=registered,
        selected_on=selected,
        household_type=household_type,
    )
    return [
        replace(d, completed_on=None, projected=d.clock is not ClockId.INITIAL_COUNSELLING)
        for d in due_dates(assumed, calendar)
    ]


def overdue(deadlines: Iterable[Deadline], today: date) -> list[Deadline]:
    """Open deadlines whose due day has passed (the due day itself is still in time).

    Usual durations are included — the caller decides how loudly to show them
    (``kind``); they are targets, not breaches."""
    return [d for d in deadlines if d.is_open and today > d.due]


def due_soon(
    deadlines: Iterable[Deadline],
    today: date,
    *,
    within_working_days: int = 2,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> list[Deadline]:
    """Open deadlines not yet overdue with at most ``within_working_days`` working days
    left, today and the due day included (2 = due today or on the next working day)."""
    return [
        d
        for d in deadlines
        if d.is_open and today <= d.due and calendar.count_working_days(today, d.due) <= within_working_days
    ]


class MonitoringFrequency(CatalogEnum):
    """Plan frequencies of 모니터 상담 in 행복이음: "주, 월, 분기, 반기" (L10143)."""

    __prefix__ = "clock.monitoring"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"

    def next_after(self, day: date) -> date:
        if self is MonitoringFrequency.WEEKLY:
            return date.fromordinal(day.toordinal() + 7)
        return add_months(day, _FREQUENCY_MONTHS[self])


_FREQUENCY_MONTHS = {
    MonitoringFrequency.MONTHLY: 1,
    MonitoringFrequency.QUARTERLY: 3,
    MonitoringFrequency.HALF_YEARLY: 6,
}


def suggested_monitoring_frequency(
    household_type: HouseholdType, *, in_aftercare: bool, high_risk: bool = False
) -> MonitoringFrequency:
    """How often to contact a household, by type and phase (part2 §3.7).

    After closure (사후관리): quarterly meets both rules — 사례관리 가구 first within 3 months
    and twice within 9 months, 서비스 연계 가구 once within 3 months (L10095–10097) — and
    high-risk households are seen monthly, "종결 직후 빠른 시일 내" (L10099) but never more
    often than the minimum cycle of 1 month (L10095–10097).
    During 서비스 제공 및 점검 the guide sets no frequency (L9753); monthly is our default,
    weekly for high-risk households; 서비스 연계 가구 need a check within 1–3 months of the
    link (L9190), which monthly contact covers.
    """
    if household_type is HouseholdType.NOT_SELECTED:
        raise ValueError("a 미선정 household is not monitored by the case team")
    if in_aftercare:
        return MonitoringFrequency.MONTHLY if high_risk else MonitoringFrequency.QUARTERLY
    return MonitoringFrequency.WEEKLY if high_risk else MonitoringFrequency.MONTHLY


def suggested_next_contact(
    milestones: CaseMilestones,
    last_contact_on: date,
    *,
    high_risk: bool = False,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> date:
    """Next follow-up contact after ``last_contact_on``, on a working day.

    In 사후관리 the date is pulled forward to the next open 사후관리 deadline and kept at
    least one month after the previous 사후관리 contact (L10095–10097)."""
    if milestones.household_type is None:
        raise ValueError("the household type is decided at selection; no follow-up before it")
    in_aftercare = milestones.closed_on is not None or milestones.linkage_ended_on is not None
    frequency = suggested_monitoring_frequency(
        milestones.household_type, in_aftercare=in_aftercare, high_risk=high_risk
    )
    proposed = frequency.next_after(last_contact_on)
    if not in_aftercare:
        return calendar.next_working_day(proposed)
    aftercare_clocks = (ClockId.AFTERCARE, ClockId.AFTERCARE_SECOND)
    open_aftercare = [d for d in due_dates(milestones, calendar) if d.is_open and d.clock in aftercare_clocks]
    if not open_aftercare:
        return calendar.next_working_day(proposed)
    target = open_aftercare[0]
    if target.not_before is not None and proposed < target.not_before:
        proposed = target.not_before
    if proposed >= target.due:
        return calendar.previous_working_day(target.due)
    return calendar.next_working_day(proposed)


def message_keys() -> set[str]:
    """Every catalog key this module can hand to the presentation layer."""
    keys = {c.label_key for c in ClockId} | {k.label_key for k in DeadlineKind}
    keys |= {h.label_key for h in HouseholdType} | {f.label_key for f in MonitoringFrequency}
    return keys
