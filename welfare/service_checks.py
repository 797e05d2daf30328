"""점검 of each planned service during a follow-up call, and what follows from it.

서식5 ⑪–⑮ (L12222–12308) asks per service: how it was checked (점검방법), whether it is
delivered as planned (이행여부: times delivered against the plan), what changed (변경내용) and
why (변경사유); the system records 점검방법 {전화, 내방, 방문} and 이행상태 {이행 중, 이행 종료,
불이행} (L9840–9842). Everything here is a choice, never free text, so no personal data is kept
in the outcome; the call's own note (screened for danger) carries the detail.

The outcomes of a check (L9799–9824):
* a service 불이행, or delivered more or less often than planned for a reason that changes
  the plan (client's request, provider's conditions) → 서비스 제공계획 재수립 (L9808–9818);
* the household moved away, refuses the service for a month or more, or has not been reached
  for 3 months → 종결을 위한 사례관리 평가 (L9819–9824; 3 months as in L9935, L12536).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from welfare.case_clocks import CatalogEnum
from welfare.working_days import add_months

MAX_SERVICES = 20


class CheckMethod(CatalogEnum):
    """점검방법 (L9840–9842)."""

    __prefix__ = "service_check.method"
    PHONE = "phone"  # 전화
    OFFICE_VISIT = "office_visit"  # 내방
    HOME_VISIT = "home_visit"  # 방문


class DeliveryStatus(CatalogEnum):
    """이행상태 (L9840–9842)."""

    __prefix__ = "service_check.status"
    IN_PROGRESS = "in_progress"  # 이행 중
    ENDED = "ended"  # 이행 종료
    NOT_DELIVERED = "not_delivered"  # 불이행


class DeliveryFrequency(CatalogEnum):
    """이행여부: times delivered against the plan (서식5 ⑫) — the 변경내용 (⑬) in one tap."""

    __prefix__ = "service_check.frequency"
    AS_PLANNED = "as_planned"
    LESS = "less"
    MORE = "more"


class ChangeReason(CatalogEnum):
    """변경사유 (서식5 ⑭), from the guide's reasons to re-plan and to close (L9808–9824)."""

    __prefix__ = "service_check.reason"
    CLIENT_REQUEST = "client_request"  # "서비스의 양 또는 횟수에 대해 대상자가 변경 요청 시"
    PROVIDER_CONDITIONS = "provider_conditions"  # "서비스 제공자의 여건 변화로 서비스 제공이 어려운 경우"
    NEED_CHANGED = "need_changed"  # 욕구 변화 ("서비스의 종류 변경이 필요한 경우")
    CLIENT_REFUSED = "client_refused"  # 거절 또는 포기 (L9823–9824)
    UNREACHABLE = "unreachable"  # 연락 두절 (L9821–9822)


class HouseholdChange(CatalogEnum):
    """Household-level facts a call can learn, ticked with the risk signs (no extra tap)."""

    __prefix__ = "service_check.household"
    MOVED_AWAY = "moved_away"  # "대상가구의 이사" (L9821–9822)
    REFUSING_SERVICES = "refusing_services"  # "사례관리 서비스를 거절 또는 포기" (L9823–9824)


class ClosureTrigger(CatalogEnum):
    """Why a 종결 검토 is suggested (L9819–9824)."""

    __prefix__ = "service_check.closure"
    MOVED_AWAY = "moved_away"
    REFUSED_A_MONTH = "refused_a_month"  # "1개월 이상 지속적인 … 거절 또는 포기"
    NO_CONTACT_3_MONTHS = "no_contact_3_months"  # "3개월 이상 연락두절" (L9935, L12536)


class ServiceCheckError(ValueError):
    """A malformed service check; ``field`` names where (for the form's error)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    service: str  # the planned service's id, e.g. "referral:12" (never a name)
    status: DeliveryStatus
    frequency: DeliveryFrequency | None = None  # None for 불이행: nothing was delivered
    reason: ChangeReason | None = None

    @property
    def deviates(self) -> bool:
        return self.status is DeliveryStatus.NOT_DELIVERED or self.frequency not in (None,
                                                                                     DeliveryFrequency.AS_PLANNED)

    def as_json(self) -> dict[str, Any]:
        return {"service": self.service, "status": self.status.value,
                "frequency": self.frequency.value if self.frequency else None,
                "reason": self.reason.value if self.reason else None}


def parse_checks(raw: Any) -> tuple[ServiceCheck, ...]:
    """Validate the submitted list; a deviation from the plan needs its reason (서식5 ⑭)."""
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)) or len(raw) > MAX_SERVICES:
        raise ServiceCheckError("services")
    checks, seen = [], set()
    for n, entry in enumerate(raw):
        where = f"services.{n}"
        if not isinstance(entry, Mapping) or set(entry) - {"service", "status", "frequency", "reason"}:
            raise ServiceCheckError(where)
        service = entry.get("service")
        if not isinstance(service, str) or not 1 <= len(service) <= 40 or service in seen:
            raise ServiceCheckError(where)
        seen.add(service)
        try:
            status = DeliveryStatus(entry.get("status"))
            frequency = DeliveryFrequency(entry["frequency"]) if entry.get("frequency") else None
            reason = ChangeReason(entry["reason"]) if entry.get("reason") else None
        except ValueError:
            raise ServiceCheckError(where) from None
        if status is DeliveryStatus.NOT_DELIVERED and frequency is not None:
            raise ServiceCheckError(where)
        check = ServiceCheck(service, status, frequency, reason)
        if check.deviates and reason is None:
            raise ServiceCheckError(where)
        checks.append(check)
    return tuple(checks)


def replan_needed(checks: Sequence[ServiceCheck]) -> bool:
    """불이행, or the amount changed for a reason that changes the plan (L9808–9818). A service
    refused or out of reach points to the closure review instead (L9819–9824)."""
    plan_reasons = {ChangeReason.CLIENT_REQUEST, ChangeReason.PROVIDER_CONDITIONS, ChangeReason.NEED_CHANGED}
    return any(c.status is DeliveryStatus.NOT_DELIVERED or (c.deviates and c.reason in plan_reasons)
               for c in checks)


def refusing(checks: Sequence[ServiceCheck], changes: Sequence[HouseholdChange]) -> bool:
    return HouseholdChange.REFUSING_SERVICES in changes or any(c.reason is ChangeReason.CLIENT_REFUSED
                                                               for c in checks)


def closure_triggers(*, today: date, reached: bool, changes: Sequence[HouseholdChange], refusing_now: bool,
                     refusing_since: date | None, last_reached_on: date | None) -> tuple[ClosureTrigger, ...]:
    """The 종결 검토 triggers this call completes. ``refusing_since``: the first call of the
    current run of refusals (this one if it starts the run); ``last_reached_on``: the last
    call that got through, or the day the case began when none has."""
    found = []
    if reached and HouseholdChange.MOVED_AWAY in changes:
        found.append(ClosureTrigger.MOVED_AWAY)
    if reached and refusing_now and refusing_since is not None and add_months(refusing_since, 1) <= today:
        found.append(ClosureTrigger.REFUSED_A_MONTH)
    if not reached and last_reached_on is not None and add_months(last_reached_on, 3) <= today:
        found.append(ClosureTrigger.NO_CONTACT_3_MONTHS)
    return tuple(found)


def message_keys() -> set[str]:
    enums = (CheckMethod, DeliveryStatus, DeliveryFrequency, ChangeReason, HouseholdChange, ClosureTrigger)
    return {member.label_key for enum in enums for member in enum}
