"""The quick follow-up call checklist: its versioned template and the pure evaluation of
one call (data in ``welfare/data/followup_checklist_v1.toml``, wording in casework.po).

A call records: reached or not and after how many attempts, who answered, each of the 11
need domains (better / same / worse / not applicable), new risk signs, services received,
a note and the next contact date (DOMAIN.md "Follow-up calls and checklists"; domains of
초기상담 L8128–8360 and of 서식8 L12807–12815).

Escalation (:func:`evaluate_submission`):
* ``max_unanswered_attempts`` (3) unanswered attempts → team leader, plan a home visit;
  fewer → call again on the next working day.
* ``worse`` in a domain flagged ``escalate_when_worse`` (안전, 정신적 건강) → team leader,
  urgent, with that domain's guidance (안전: "전문기관으로 즉시 신고 또는 의뢰", L3702–3707).
* a new risk sign flagged ``escalate`` → team leader (urgent when flagged ``urgent``).
* any ``worse`` domain or new risk sign → a needs re-survey is suggested (L9803–9806).

Next contact: a retry or a planned visit on the next working day; after an urgent call the
next calendar day, holidays included; otherwise the date the worker chose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from welfare.case_clocks import CatalogEnum
from welfare.danger import screen as screen_for_danger
from welfare.service_checks import (
    CheckMethod, ClosureTrigger, HouseholdChange, ServiceCheck, ServiceCheckError, closure_triggers, parse_checks,
    refusing, replan_needed,
)
from welfare.service_checks import message_keys as service_checks_message_keys
from welfare.working_days import DEFAULT_CALENDAR, WorkingCalendar

TEMPLATE_PATH = Path(__file__).resolve().parent / "data" / "followup_checklist_v1.toml"
SUPPORTED_VERSIONS = frozenset({1})
# Stable ids of the 11 욕구영역, in the guide's order (L8132–8360).
DOMAIN_IDS = (
    "economy", "care", "physical_health", "mental_health", "housing", "employment",
    "childcare_education", "relationships", "safety", "legal_rights", "culture_leisure",
)  # fmt: skip
# Asked on their own in every call, never pre-answered (the guide: a check must look at the
# safety of a household with a 안전 problem, not only at whether services arrive, L16583–16597).
EXPLICIT_DOMAINS = ("safety", "mental_health")
QUESTION_KEYS = tuple(
    f"checklist.question.{q}"
    for q in (
        "reached", "attempts", "answered_by", "domains", "new_risk_signs",
        "services_received", "note", "next_contact_on",
    )
)  # fmt: skip


class Answerer(CatalogEnum):
    __prefix__ = "checklist.answered_by"
    SELF = "self"  # 본인
    FAMILY = "family"  # 가족
    NEIGHBOUR = "neighbour"  # 이웃
    OTHER = "other"  # 기타


class DomainStatus(CatalogEnum):
    __prefix__ = "checklist.status"
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"
    NOT_APPLICABLE = "not_applicable"


class Guidance(CatalogEnum):
    __prefix__ = "checklist.guidance"
    REPORT_TO_SPECIALIST_BODY = "report_to_specialist_body"  # 경찰·아동/노인보호전문기관 (L3702–3707)
    EMERGENCY_112_119 = "emergency_112_119"  # L4883, L5137
    MENTAL_HEALTH_CRISIS_LINE = "mental_health_crisis_line"  # 1577-0199 (L10492–10498); 109
    REFER_MENTAL_HEALTH_CENTRE = "refer_mental_health_centre"  # 정신건강복지센터 (L9273–9287)
    PLAN_HOME_VISIT = "plan_home_visit"  # "원칙적으로 … 방문상담" (L10110)
    CONSIDER_NEEDS_REASSESSMENT = "consider_needs_reassessment"  # 욕구 재조사 (L9803–9806)
    RETRY_CALL = "retry_call"
    CONSIDER_REPLANNING = "consider_replanning"  # 서비스 제공계획 재수립 (L9808–9818)
    CONSIDER_CLOSURE_REVIEW = "consider_closure_review"  # 종결을 위한 사례관리 평가 (L9819–9824)


# What a worker does at once for danger found in their own note, by kind (welfare/danger.py).
_DANGER_GUIDANCE = {"suicide": Guidance.MENTAL_HEALTH_CRISIS_LINE, "violence": Guidance.REPORT_TO_SPECIALIST_BODY,
                    "medical": Guidance.EMERGENCY_112_119}


class EscalationReason(CatalogEnum):
    __prefix__ = "checklist.escalation"
    UNANSWERED_ATTEMPTS = "unanswered_attempts"  # params: attempts
    DOMAIN_WORSE = "domain_worse"  # params: domain (a Message)
    RISK_SIGN = "risk_sign"  # params: sign (a Message)
    DANGER_IN_NOTE = "danger_in_note"  # the worker's own note shows danger (welfare/danger.py)


class ErrorCode(CatalogEnum):
    __prefix__ = "checklist.error"
    UNKNOWN_FIELD = "unknown_field"
    VERSION_MISMATCH = "version_mismatch"
    REACHED_MISSING = "reached_missing"
    ATTEMPTS_INVALID = "attempts_invalid"
    ANSWERED_BY_INVALID = "answered_by_invalid"
    NOT_REACHED_WITH_ANSWERS = "not_reached_with_answers"
    DOMAIN_MISSING = "domain_missing"
    DOMAIN_UNKNOWN = "domain_unknown"
    DOMAIN_STATUS_INVALID = "domain_status_invalid"
    RISK_SIGN_UNKNOWN = "risk_sign_unknown"
    SERVICES_INVALID = "services_invalid"
    NOTE_TOO_LONG = "note_too_long"
    NEXT_CONTACT_INVALID = "next_contact_invalid"
    NEXT_CONTACT_IN_PAST = "next_contact_in_past"
    METHOD_INVALID = "method_invalid"
    SERVICE_CHECK_INVALID = "service_check_invalid"
    HOUSEHOLD_CHANGE_INVALID = "household_change_invalid"


@dataclass(frozen=True, slots=True)
class Message:
    """A catalog key with str.format parameters; a value may itself be a Message
    (same shape as the bot's ``dialogs.replies.Msg``)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    term_ko: str
    lines: str
    escalate_when_worse: bool
    guidance: tuple[Guidance, ...]

    @property
    def label_key(self) -> str:
        return f"checklist.domain.{self.id}"


@dataclass(frozen=True, slots=True)
class RiskSign:
    id: str
    term_ko: str
    lines: str
    escalate: bool
    urgent: bool
    guidance: tuple[Guidance, ...]

    @property
    def label_key(self) -> str:
        return f"checklist.risk_sign.{self.id}"


@dataclass(frozen=True, slots=True)
class ChecklistTemplate:
    id: str
    version: int
    max_unanswered_attempts: int
    note_max_chars: int
    services_max_items: int
    domains: tuple[Domain, ...]
    risk_signs: tuple[RiskSign, ...]

    def domain(self, domain_id: str) -> Domain:
        return next(d for d in self.domains if d.id == domain_id)

    def risk_sign(self, sign_id: str) -> RiskSign:
        return next(s for s in self.risk_signs if s.id == sign_id)

    def message_keys(self) -> set[str]:
        """Every catalog key the form and the evaluation of this template can show."""
        keys = {"checklist.title", *QUESTION_KEYS}
        keys |= {d.label_key for d in self.domains} | {s.label_key for s in self.risk_signs}
        for enum in (Answerer, DomainStatus, Guidance, EscalationReason, ErrorCode):
            keys |= {member.label_key for member in enum}
        keys |= service_checks_message_keys()
        return keys


class TemplateError(ValueError):
    """The template file is malformed (a developer error, reported in English)."""


def _ids_in_order(entries: list[dict[str, Any]], expected: tuple[str, ...], what: str, source: str) -> None:
    found = tuple(entry.get("id") for entry in entries)
    if found != expected:
        raise TemplateError(f"{source}: {what} must be {list(expected)} in this order, found {list(found)}")


def _guidance(entry: dict[str, Any], source: str) -> tuple[Guidance, ...]:
    try:
        return tuple(Guidance(g) for g in entry.get("guidance", []))
    except ValueError as exc:
        raise TemplateError(f"{source}: {entry.get('id')}: {exc}") from None


def _flag(entry: dict[str, Any], name: str, source: str) -> bool:
    value = entry.get(name)
    if not isinstance(value, bool):
        raise TemplateError(f"{source}: {entry.get('id')}: '{name}' must be true or false")
    return value


def _text(entry: dict[str, Any], name: str, source: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{source}: {entry.get('id')}: '{name}' must be a non-empty string")
    return value


def parse_template(text: str, source: str = "<string>") -> ChecklistTemplate:
    """Parse and validate a checklist template (TOML text)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: {exc}") from None
    head = data.get("checklist", {})
    if head.get("version") not in SUPPORTED_VERSIONS:
        raise TemplateError(f"{source}: unsupported version {head.get('version')!r}")
    limits = {}
    for name in ("max_unanswered_attempts", "note_max_chars", "services_max_items"):
        value = head.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise TemplateError(f"{source}: checklist.{name} must be a positive integer")
        limits[name] = value
    _ids_in_order(data.get("answerer", []), tuple(a.value for a in Answerer), "answerer ids", source)
    _ids_in_order(data.get("status", []), tuple(s.value for s in DomainStatus), "status ids", source)
    _ids_in_order(data.get("domain", []), DOMAIN_IDS, "domain ids", source)
    domains = tuple(
        Domain(
            id=entry["id"],
            term_ko=_text(entry, "term_ko", source),
            lines=_text(entry, "lines", source),
            escalate_when_worse=_flag(entry, "escalate_when_worse", source),
            guidance=_guidance(entry, source),
        )
        for entry in data["domain"]
    )
    signs = []
    for entry in data.get("risk_sign", []):
        sign_id = entry.get("id")
        if not isinstance(sign_id, str) or not sign_id.isidentifier() or sign_id in {s.id for s in signs}:
            raise TemplateError(f"{source}: risk_sign id {sign_id!r} is missing, malformed or repeated")
        urgent = _flag(entry, "urgent", source)
        escalate = _flag(entry, "escalate", source)
        if urgent and not escalate:
            raise TemplateError(f"{source}: {sign_id}: an urgent sign must also escalate")
        guidance = _guidance(entry, source)
        signs.append(RiskSign(sign_id, _text(entry, "term_ko", source), _text(entry, "lines", source),
                              escalate, urgent, guidance))  # fmt: skip
    return ChecklistTemplate(
        id=_text(head, "id", source),
        version=head["version"],
        domains=domains,
        risk_signs=tuple(signs),
        **limits,
    )


@lru_cache(maxsize=1)
def _default_template() -> ChecklistTemplate:
    return parse_template(TEMPLATE_PATH.read_text(encoding="utf-8"), str(TEMPLATE_PATH))


def load_template(path: Path | None = None) -> ChecklistTemplate:
    """The shipped template (parsed once) or the one at ``path``."""
    if path is None:
        return _default_template()
    return parse_template(path.read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: ErrorCode

    @property
    def label_key(self) -> str:
        return self.code.label_key


class InvalidSubmission(ValueError):
    def __init__(self, errors: tuple[FieldError, ...]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code.value}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Submission:
    """One follow-up call, validated against a template version."""

    version: int
    reached: bool
    attempts: int
    answered_by: Answerer | None = None
    domains: Mapping[str, DomainStatus] = field(default_factory=dict)
    new_risk_signs: tuple[str, ...] = ()
    services_received: tuple[str, ...] = ()
    note: str = ""
    next_contact_on: date | None = None
    # 서식5 ⑪–⑮ per planned service and what the call learnt of the household (service_checks.py)
    method: CheckMethod = CheckMethod.PHONE
    services: tuple[ServiceCheck, ...] = ()
    household_changes: tuple[HouseholdChange, ...] = ()


_FIELDS = frozenset(Submission.__dataclass_fields__)


def parse_submission(answers: Mapping[str, Any], template: ChecklistTemplate, *, today: date) -> Submission:
    """Check a submitted form (as JSON-like values) and return it typed; collect every error."""
    errors: list[FieldError] = []

    def error(name: str, code: ErrorCode) -> None:
        errors.append(FieldError(name, code))

    errors.extend(FieldError(str(k), ErrorCode.UNKNOWN_FIELD) for k in answers if k not in _FIELDS)
    if answers.get("version") != template.version:
        error("version", ErrorCode.VERSION_MISMATCH)
    reached = answers.get("reached")
    if not isinstance(reached, bool):
        error("reached", ErrorCode.REACHED_MISSING)
    attempts = answers.get("attempts")
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        error("attempts", ErrorCode.ATTEMPTS_INVALID)
    answered_by = answers.get("answered_by")
    domains, signs = answers.get("domains") or {}, answers.get("new_risk_signs") or []
    checks_raw, changes_raw = answers.get("services"), answers.get("household_changes") or []
    if reached is False and (answered_by is not None or domains or signs or checks_raw or changes_raw):
        error("reached", ErrorCode.NOT_REACHED_WITH_ANSWERS)  # answers from a call nobody took
    typed_answerer = None
    if reached is True:
        try:
            typed_answerer = Answerer(answered_by)
        except ValueError:
            error("answered_by", ErrorCode.ANSWERED_BY_INVALID)
    typed_domains: dict[str, DomainStatus] = {}
    if not isinstance(domains, Mapping):
        error("domains", ErrorCode.DOMAIN_STATUS_INVALID)
        domains = {}
    for domain_id in domains:
        if domain_id not in DOMAIN_IDS:
            error(f"domains.{domain_id}", ErrorCode.DOMAIN_UNKNOWN)
    for domain_id in DOMAIN_IDS if reached is True else ():
        if domain_id not in domains:
            error(f"domains.{domain_id}", ErrorCode.DOMAIN_MISSING)
            continue
        try:
            typed_domains[domain_id] = DomainStatus(domains[domain_id])
        except ValueError:
            error(f"domains.{domain_id}", ErrorCode.DOMAIN_STATUS_INVALID)
    known_signs = {s.id for s in template.risk_signs}
    if not isinstance(signs, (list, tuple)) or any(s not in known_signs for s in signs):
        error("new_risk_signs", ErrorCode.RISK_SIGN_UNKNOWN)
        signs = []
    services = answers.get("services_received") or []
    if (
        not isinstance(services, (list, tuple))
        or len(services) > template.services_max_items
        or any(not isinstance(s, str) or not s.strip() or len(s) > template.note_max_chars for s in services)
    ):
        error("services_received", ErrorCode.SERVICES_INVALID)
        services = []
    note = answers.get("note") or ""
    if not isinstance(note, str) or len(note) > template.note_max_chars:
        error("note", ErrorCode.NOTE_TOO_LONG)
    next_contact = _date_or_none(answers.get("next_contact_on"))
    if next_contact is False:
        error("next_contact_on", ErrorCode.NEXT_CONTACT_INVALID)
    elif next_contact is not None and next_contact < today:
        error("next_contact_on", ErrorCode.NEXT_CONTACT_IN_PAST)
    try:
        method = CheckMethod(answers.get("method") or CheckMethod.PHONE)
    except ValueError:
        error("method", ErrorCode.METHOD_INVALID)
        method = CheckMethod.PHONE
    try:
        checks = parse_checks(checks_raw)
    except ServiceCheckError as bad:
        error(bad.field, ErrorCode.SERVICE_CHECK_INVALID)
        checks = ()
    try:
        if not isinstance(changes_raw, (list, tuple)):
            raise ValueError(changes_raw)
        changes = tuple(dict.fromkeys(HouseholdChange(c) for c in changes_raw))
    except ValueError:
        error("household_changes", ErrorCode.HOUSEHOLD_CHANGE_INVALID)
        changes = ()
    if errors:
        raise InvalidSubmission(tuple(errors))
    return Submission(
        method=method,
        services=checks,
        household_changes=changes,
        version=template.version,
        reached=bool(reached),
        attempts=int(attempts),  # type: ignore[arg-type]
        answered_by=typed_answerer,
        domains=typed_domains,
        new_risk_signs=tuple(dict.fromkeys(signs)),
        services_received=tuple(s.strip() for s in services),
        note=note,
        next_contact_on=next_contact or None,
    )


def _date_or_none(value: Any) -> date | None | bool:
    """A date, None when absent, or False when the value is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else False
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Outcome:
    escalate_to_team_leader: bool
    urgent: bool  # today: show the guidance at once and alert the team leader
    retry_call: bool
    reassessment_suggested: bool
    reasons: tuple[Message, ...]
    guidance: tuple[Guidance, ...]
    worse_domains: tuple[str, ...]
    next_contact_on: date | None
    replan_suggested: bool = False  # a service 불이행 or changed: 재계획 (L9808–9818)
    refusing: bool = False  # the household refuses a service on this call
    closure_review: tuple[ClosureTrigger, ...] = ()  # 종결 검토 (L9819–9824)


def evaluate_submission(
    answers: Mapping[str, Any] | Submission,
    *,
    today: date,
    template: ChecklistTemplate | None = None,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
    refusing_since: date | None = None,
    last_reached_on: date | None = None,
) -> Outcome:
    """What follows from one call. Raises :class:`InvalidSubmission` for a bad form.

    ``refusing_since``: when the household's current run of refusals began (None if the last
    call did not refuse); ``last_reached_on``: the last call that got through, else the day the
    case began — both from the case's history, for the closure-review triggers."""
    template = template or load_template()
    call = answers if isinstance(answers, Submission) else parse_submission(answers, template, today=today)
    unknown_signs = set(call.new_risk_signs) - {s.id for s in template.risk_signs}
    if unknown_signs or set(call.domains) - set(DOMAIN_IDS):
        code = ErrorCode.RISK_SIGN_UNKNOWN if unknown_signs else ErrorCode.DOMAIN_UNKNOWN
        raise InvalidSubmission((FieldError("submission", code),))
    tomorrow = calendar.working_days_after(today, 1)
    if not call.reached:
        closure = closure_triggers(today=today, reached=False, changes=(), refusing_now=False, refusing_since=None,
                                   last_reached_on=last_reached_on)
        if call.attempts >= template.max_unanswered_attempts:
            reason = Message(EscalationReason.UNANSWERED_ATTEMPTS.label_key, {"attempts": call.attempts})
            visit = min(call.next_contact_on or tomorrow, tomorrow)
            return Outcome(True, False, False, False, (reason,), (Guidance.PLAN_HOME_VISIT,), (), visit,
                           closure_review=closure)
        retry = call.next_contact_on or tomorrow
        return Outcome(False, False, True, False, (), (Guidance.RETRY_CALL,), (), retry, closure_review=closure)

    reasons: list[Message] = []
    guidance: list[Guidance] = []
    escalate = urgent = False
    worse = tuple(d for d in DOMAIN_IDS if call.domains.get(d) is DomainStatus.WORSE)
    for domain in (template.domain(d) for d in worse):
        if domain.escalate_when_worse:
            escalate = urgent = True
            label = Message(domain.label_key)
            reasons.append(Message(EscalationReason.DOMAIN_WORSE.label_key, {"domain": label}))
            guidance.extend(domain.guidance)
    for sign in (template.risk_sign(s) for s in call.new_risk_signs):
        if sign.escalate:
            escalate = True
            urgent = urgent or sign.urgent
            reasons.append(Message(EscalationReason.RISK_SIGN.label_key, {"sign": Message(sign.label_key)}))
        guidance.extend(sign.guidance)
    # What the worker wrote is screened like every free text: danger there is urgent even when
    # no box was ticked (a note "할머니가 죽고 싶다고 하셨어요" must not wait for the next call).
    danger = screen_for_danger(call.note)
    if danger:
        escalate = urgent = True
        reasons.append(Message(EscalationReason.DANGER_IN_NOTE.label_key))
        guidance.extend(_DANGER_GUIDANCE[kind.value] for kind in danger.kinds)
    reassess = bool(worse or call.new_risk_signs or danger)
    if reassess:
        guidance.append(Guidance.CONSIDER_NEEDS_REASSESSMENT)
    next_contact = call.next_contact_on
    if urgent:
        # A safety or suicide risk does not wait for the office to reopen after 설날 or
        # 추석: the duty team calls back the next calendar day.
        next_day = date.fromordinal(today.toordinal() + 1)
        next_contact = min(next_contact or next_day, next_day)
    replan = replan_needed(call.services)
    if replan:
        guidance.append(Guidance.CONSIDER_REPLANNING)
    refuses = refusing(call.services, call.household_changes)
    closure = closure_triggers(today=today, reached=True, changes=call.household_changes, refusing_now=refuses,
                               refusing_since=(refusing_since or today) if refuses else None,
                               last_reached_on=last_reached_on)
    if closure:
        guidance.append(Guidance.CONSIDER_CLOSURE_REVIEW)
    unique_guidance = tuple(dict.fromkeys(guidance))
    return Outcome(escalate, urgent, False, reassess, tuple(reasons), unique_guidance, worse, next_contact,
                   replan, refuses, closure)
