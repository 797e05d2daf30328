"""Working-day calendar for the casework clocks.

The guide counts its periods the way 「민원 처리에 관한 법률」 제19조 counts a 민원's
processing period (guide L325–331, repeated at L3696–3700):

    "민원의 처리기간을 6일 이상으로 정한 경우에는 “일” 단위로 계산하고 첫날을 산입하되,
     공휴일과 토요일은 산입하지 아니한다."

The guide quotes only paragraph ② of §19. The other paragraphs of the same article are
needed too, because most of the guide's clocks are shorter than 6 days or are stated in
months:

* ① a period of **5 days or less** is counted in working *hours* from the time of receipt
  (1 day = 8 working hours), without Saturdays and public holidays. At date granularity
  this means: the period ends on the n-th working day *after* the start day
  (:func:`working_days_after`). Received Monday 10:00, 5 days → next Monday 10:00;
  received Saturday → the hours start Monday 09:00 and run out on Friday.
* ② a period of **6 days or more** is counted in days, the first day included, without
  Saturdays and public holidays (:func:`add_working_days`).
* ③ "즉시" (immediately) means within 3 working hours (:func:`immediate_due`).
* ④ a period in **weeks, months or years** includes the first day, follows the calendar,
  ends the day before the corresponding day of the last month (or on that month's last
  day when there is no corresponding day), and moves to the next day when it would end on
  a Saturday or public holiday (:func:`months_period_end`).

Public holidays are Korea's 공휴일 from the ``holidays`` package (``holidays.KR``): it has
설날 and 추석 (three days each), the substitute holidays (대체공휴일) of the 공휴일에 관한 법률,
election days for elections at the end of a term, and the temporary holidays declared so
far. Checked for 2025–2027 against the package (holidays 0.109), see the tests:

* 2025: 임시공휴일 01-27; 설날 01-28..30; 삼일절 → 대체 03-03; 어린이날/부처님오신날 05-05 →
  대체 05-06; 제21대 대통령 선거 06-03 (a special election, listed by hand in the package);
  추석 10-05..07 with 대체 10-08, then 한글날 10-09.
* 2026: 설날 02-16..18; 삼일절 (Sun) → 대체 03-02; 노동절 05-01 and 제헌절 07-17 (public
  holidays from 2026 by the 2026 amendment of the 공휴일에 관한 법률; holidays 0.109 has
  them, older releases do not — the tests fail loudly on such a release);
  부처님오신날 (Sun) → 대체 05-25; 지방선거 06-03; 광복절 → 대체 08-17; 추석 09-24..26
  (the 26th is a Saturday: 추석 only gets a substitute for a Sunday, so none);
  개천절 → 대체 10-05.
* 2027: 설날 02-06..08 with 대체 02-09; 대체 05-03, 07-19, 08-16, 10-04, 10-11, 12-27.

Gaps the package cannot close by itself: a 임시공휴일 is declared by the Cabinet a few weeks
ahead, and an early (special) presidential election is not computable; both appear only
after a package release. :class:`WorkingCalendar` therefore takes ``extra_holidays`` so an
operator can add such a day without waiting for a release. 근로자의 날 before 2026 was not a
public holiday for public offices and is correctly *not* a holiday here.

Hot path: the holiday set of each year is built once and cached (``_public_holidays``).
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

_SATURDAY = 5
_SUNDAY = 6
_ONE_DAY = timedelta(days=1)

# Paragraph ① of §19 applies up to this many days; from 6 days paragraph ② applies.
HOURS_RULE_MAX_DAYS = 5


@lru_cache(maxsize=128)
def _public_holidays(year: int) -> frozenset[date]:
    """Korea's public holidays of one year, built once per process per year."""
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def public_holidays(year: int) -> frozenset[date]:
    """The public holidays (공휴일) of ``year`` according to the ``holidays`` package."""
    return _public_holidays(year)


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Working days of a Korean public office: not Saturday, not a public holiday.

    ``extra_holidays`` are days declared after the installed ``holidays`` release
    (a new 임시공휴일, an early election day). Every Sunday is a 공휴일 by law, but the
    package lists only named days, so Sundays are recognised by weekday.
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def is_holiday(self, day: date) -> bool:
        return day.weekday() == _SUNDAY or day in _public_holidays(day.year) or day in self.extra_holidays

    def is_working_day(self, day: date) -> bool:
        return day.weekday() != _SATURDAY and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """Last day of a period of ``n`` working days that begins on ``start`` (§19②).

        The first day is counted when it is a working day. Example: 10 days from
        Monday 2026-02-09 count 02-09..02-13 (5), skip 설날 02-16..18, count 02-19,
        02-20 (7) and 02-23..25 (10): the period ends on Wednesday 2026-02-25.
        From Saturday 2026-02-14 the first counted day is 02-19, so 10 days end on 03-05
        (03-02 is the 대체공휴일 for 삼일절).
        """
        if n < 1:
            raise ValueError(f"a period has at least one day, got {n}")
        day = self.next_working_day(start)
        counted = 1
        while counted < n:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_after(self, start: date, n: int) -> date:
        """The n-th working day after ``start``, ``start`` itself not counted.

        This is §19① (periods of 5 days or less run in working hours from receipt)
        read at date granularity: 5 days from Monday 2026-02-09 end on 02-19,
        because 02-16..18 are 설날.
        """
        if n < 1:
            raise ValueError(f"a period has at least one day, got {n}")
        return self.add_working_days(start + _ONE_DAY, n)

    def days_period_end(self, start: date, days: int) -> date:
        """End of a period stated in days, with the counting rule §19 gives its length."""
        if days <= HOURS_RULE_MAX_DAYS:
            return self.working_days_after(start, days)
        return self.add_working_days(start, days)

    def immediate_due(self, requested_on: date) -> date:
        """"즉시" = within 3 working hours (§19③); at date granularity the request day,
        or the next working day when the request arrives on a day off."""
        return self.next_working_day(requested_on)

    def months_period_end(self, start: date, months: int) -> date:
        """End of a period of ``months`` counted from ``start`` (§19④).

        The first day is included, so the period ends the day before the corresponding
        day of the last month; without a corresponding day (e.g. 30 Feb) it ends on the
        last day of that month; an end on a Saturday or holiday moves to the next working
        day. Example: 3 months from 2026-01-15 end on 2026-04-14 (a Tuesday).
        """
        if months < 1:
            raise ValueError(f"a period has at least one month, got {months}")
        year, month = _shift_month(start.year, start.month, months)
        if start.day <= _gregorian.monthrange(year, month)[1]:
            end = date(year, month, start.day) - _ONE_DAY
        else:
            end = date(year, month, _gregorian.monthrange(year, month)[1])
        return self.next_working_day(end)

    def count_working_days(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included (0 if last < first)."""
        count = 0
        day = first
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def add_months(day: date, months: int) -> date:
    """Same day of the month ``months`` later (or earlier), clamped to the month's end.

    Plain calendar arithmetic, no working-day rule: 2026-01-31 + 1 → 2026-02-28.
    Used for intervals such as "사후관리 주기는 최소 1개월 이상" (L10095–10097).
    """
    year, month = _shift_month(day.year, day.month, months)
    return date(year, month, min(day.day, _gregorian.monthrange(year, month)[1]))


# The calendar every clock uses unless a caller passes its own.
DEFAULT_CALENDAR = WorkingCalendar()


def is_working_day(day: date) -> bool:
    return DEFAULT_CALENDAR.is_working_day(day)


def next_working_day(day: date) -> date:
    return DEFAULT_CALENDAR.next_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return DEFAULT_CALENDAR.add_working_days(start, n)


def working_days_after(start: date, n: int) -> date:
    return DEFAULT_CALENDAR.working_days_after(start, n)


def days_period_end(start: date, days: int) -> date:
    return DEFAULT_CALENDAR.days_period_end(start, days)


def months_period_end(start: date, months: int) -> date:
    return DEFAULT_CALENDAR.months_period_end(start, months)


def immediate_due(requested_on: date) -> date:
    return DEFAULT_CALENDAR.immediate_due(requested_on)
