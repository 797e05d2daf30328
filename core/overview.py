"""The 시군구's overview for the coordinator (희망복지지원단) and the 시군구 admin: every 읍면동's open
cases with their context (caseworkers, case mix), hard cases, overdue clocks, the week's
reports, open and overdue referrals, and where people give up in the report and finder
dialogs. Counts and case numbers only — never a person, and never a ranking of people or of
reporters (the Jeju and Seoul notes warn against the numbers trap; LINKAGE.md 7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.actor import Actor
from core.cases import CLOSED_STEPS
from core.permissions import Action, visible_dongs
from core.work import Work
from state import cases, drop_offs
from state import overview as store
from state import referrals as referral_store
from state.cases import CaseRecord
from welfare.case_clocks import HouseholdType
from welfare.korea_time import kst_today, to_kst

WEEK_DAYS = 7
DROP_OFF_DAYS = 30
MAX_CASES = 5000


@dataclass
class DongFigures:
    dong_code: str
    caseworkers: int = 0
    open_cases: int = 0
    case_managed: int = 0  # 사례관리 가구
    service_linkage: int = 0  # 서비스 연계 가구
    undecided: int = 0  # not yet selected
    hard_cases: int = 0  # 고난도
    overdue_clocks: int = 0  # open cases with a statutory clock past due
    reports_week: int = 0
    urgent_week: int = 0
    referrals_open: int = 0
    referrals_overdue: int = 0

    @property
    def managed_per_worker(self) -> float | None:
        """Context for the case mix (the guide's ~15 households per worker, L3761), not a score."""
        return round(self.case_managed / self.caseworkers, 1) if self.caseworkers else None


@dataclass(frozen=True, slots=True)
class Day:
    on: date
    reports: int
    urgent: int


@dataclass
class Overview:
    today: date
    dongs: list[DongFigures]
    week: list[Day]
    hard: list[CaseRecord]
    drop_offs: list[drop_offs.DropOffCount]
    drop_off_since: date
    reports_in_drop_off_period: int = 0
    totals: DongFigures = field(default_factory=lambda: DongFigures("all"))


def _overdue(record: CaseRecord, today: date) -> bool:
    return any(d.is_open and d.due < today for d in record.deadlines())


async def overview(work: Work, actor: Actor) -> Overview:
    """The figures of every 읍면동 in the actor's scope (no personal data, so not audited)."""
    dongs = visible_dongs(actor, Action.OVERSEE)
    today = kst_today(work.now)
    figures = {code: DongFigures(code) for code in dongs}
    for code, n in (await store.caseworkers_by_dong(work.conn, dongs)).items():
        figures[code].caseworkers = n
    found = await cases.list_cases(work.conn, dong_codes=dongs, limit=MAX_CASES) if dongs else []
    open_cases = [c for c in found if c.state.step.value not in CLOSED_STEPS]
    for record in open_cases:
        f = figures[record.dong_code]
        f.open_cases += 1
        household = record.state.milestones.household_type
        if household is HouseholdType.CASE_MANAGED:
            f.case_managed += 1
        elif household is HouseholdType.SERVICE_LINKAGE:
            f.service_linkage += 1
        else:
            f.undecided += 1
        f.hard_cases += record.state.hard_case
        f.overdue_clocks += _overdue(record, today)
    first_day = today - timedelta(days=WEEK_DAYS - 1)
    drop_since = today - timedelta(days=DROP_OFF_DAYS - 1)
    since = datetime.combine(min(first_day, drop_since), datetime.min.time()) - timedelta(hours=9)  # KST midnight
    per_day = {first_day + timedelta(days=n): [0, 0] for n in range(WEEK_DAYS)}
    in_drop_period = 0
    for code, at, urgent in await store.reports_since(work.conn, dongs, since):
        day = to_kst(at).date()
        in_drop_period += day >= drop_since
        if day in per_day:
            per_day[day][0] += 1
            per_day[day][1] += urgent
            figures[code].reports_week += 1
            figures[code].urgent_week += urgent
    if dongs:
        for r in await referral_store.listing(work.conn, sent_by_dongs=dongs, states=referral_store.OPEN,
                                              limit=MAX_CASES):
            figures[r.from_dong_code].referrals_open += 1
            figures[r.from_dong_code].referrals_overdue += r.overdue(work.now)
    totals = DongFigures("all")
    for f in figures.values():
        for name in ("caseworkers", "open_cases", "case_managed", "service_linkage", "undecided", "hard_cases",
                     "overdue_clocks", "reports_week", "urgent_week", "referrals_open", "referrals_overdue"):
            setattr(totals, name, getattr(totals, name) + getattr(f, name))
    return Overview(today, [figures[c] for c in dongs], [Day(d, n, u) for d, (n, u) in per_day.items()],
                    [c for c in open_cases if c.state.hard_case],
                    await drop_offs.since(work.conn, drop_since), drop_since, in_drop_period, totals)
