"""The 통합사례관리 process (L3668–3674) as one ``transitions`` state machine.

The machine is built once at import with ``model=None``. :func:`apply` runs one trigger
against a throw-away ``_Attempt`` object by calling ``machine.events[action].trigger``
directly — exactly what a model's bound trigger method does — so no model is ever
added to the shared machine. Measured: ~17 µs per ``apply`` (guards and dataclass copies
included), against ~68 µs just to add and remove a model on this 25-event machine.
Guards run as the transition's condition and name the first failing rule, which
:func:`apply` raises as :class:`TransitionRefused`. Nothing here does I/O: callers
persist the returned :class:`CaseState`.

Guards taken from the guide (part2 §3): the 사례관리팀장 decides selection (L3761,
L9143–9145); the 팀장 or a 선임공무원 approves the first service plan (L9610–9618, L9687)
and the closure (L9974, L10012–10029); no intervention without 개인정보활용 동의
(L8653–8655) — the consent is taken during the survey visit (L8647–8657), so it guards
registering the survey and every step after it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

from transitions import EventData, Machine, MachineError

from welfare.case_clocks import CaseMilestones, CatalogEnum, HouseholdType
from welfare.working_days import add_months


class CaseStep(CatalogEnum):
    __prefix__ = "case.step"
    DISCOVERED = "discovered"  # 발굴·신고 접수 (L7945–8016)
    INITIAL_COUNSELLING = "initial_counselling"  # 초기상담 (L8017–8127)
    INTAKE = "intake"  # 대상자 접수 (L8361–8489)
    ASSESSMENT = "assessment"  # 욕구 및 위기도 조사 (L8496–8705)
    CASE_MEETING = "case_meeting"  # 사례회의 개최 (L8706–9081)
    SELECTION = "selection"  # 대상자 구분 및 선정 (L9082–9384)
    SERVICE_PLAN = "service_plan"  # 서비스 제공계획 수립 (L9385–9691)
    SERVICE_DELIVERY = "service_delivery"  # 서비스 제공 및 점검 (L9692–9854)
    NEEDS_RESURVEY = "needs_resurvey"  # 욕구 재조사 from a check, then a re-plan (L9799–9806)
    CLOSURE = "closure"  # 종결 (L9855–10029)
    AFTERCARE = "aftercare"  # 사후관리 (L10030–10181)
    # 초기상담 종결 (서비스 제외, L7118–7120, L11272–11284): not the closure type 자체 종결
    # (L9937), so its label and export code differ (see :func:`outcome_code`).
    CLOSED_EARLY = "closed_early"
    REFERRED_OUT = "referred_out"  # 타 사례관리 사업·기관 의뢰 (L9198–9330, L11280)
    NOT_SELECTED = "not_selected"  # 미선정 (L9163–9165)
    AFTERCARE_DONE = "aftercare_done"  # required 사후관리 contacts made (L10095–10097)


class CaseAction(CatalogEnum):
    __prefix__ = "case.action"
    ASSIGN_COUNSELLOR = "assign_counsellor"  # "담당자 지정 후 접수" (L8012–8014)
    REQUEST_CASE_MANAGEMENT = "request_case_management"  # 판정 "서비스 연계·통합사례관리" (L11278)
    RETURN_FOR_COMPLETION = "return_for_completion"  # 시군구 보완 요청 (L8458)
    ACCEPT_INTAKE = "accept_intake"
    COMPLETE_ASSESSMENT = "complete_assessment"
    HOLD_SELECTION_MEETING = "hold_selection_meeting"
    SELECT_CASE_MANAGEMENT = "select_case_management"
    SELECT_SERVICE_LINKAGE = "select_service_linkage"
    SELECT_NOT_SELECTED = "select_not_selected"
    CONFIRM_SERVICE_PLAN = "confirm_service_plan"
    REVISE_SERVICE_PLAN = "revise_service_plan"  # 서비스 제공계획 재수립 (L9808–9818)
    LINK_SERVICE = "link_service"
    END_LINKAGE = "end_linkage"
    BEGIN_CLOSURE = "begin_closure"  # 종결을 위한 사례관리 평가 (L9820–9828)
    HOLD_CLOSING_MEETING = "hold_closing_meeting"
    REGISTER_CLOSURE_REVIEW = "register_closure_review"
    REJECT_CLOSURE_REVIEW = "reject_closure_review"  # 반려 (L10025–10027)
    APPROVE_CLOSURE = "approve_closure"
    ORDER_REASSESSMENT = "order_reassessment"  # 종결심사 결과 "재조사" (L10004, L12517–12520)
    RECORD_AFTERCARE_CONTACT = "record_aftercare_contact"
    COMPLETE_AFTERCARE = "complete_aftercare"
    CLOSE_INTERNALLY = "close_internally"
    REFER_ELSEWHERE = "refer_elsewhere"
    ESCALATE_HARD_CASE = "escalate_hard_case"
    REOPEN = "reopen"  # 재개입 / 재의뢰 (L10081–10083, L3709, L9165)
    # Added after the first release: buttons carry an action as its position here
    # (dialogs/callback_data.py), so new actions go at the end.
    SUBMIT_SERVICE_PLAN = "submit_service_plan"  # 승인요청 of the first plan (L9687–9689)
    RETURN_SERVICE_PLAN = "return_service_plan"  # 반려 while 승인대기: back to the plan (L9689–9691)
    RESURVEY_NEEDS = "resurvey_needs"  # 점검 결과 욕구 재조사 (L9799–9806)
    COMPLETE_RESURVEY = "complete_resurvey"  # 재조사 done: the plan is re-made (L9808–9812)


class ActorRole(CatalogEnum):
    __prefix__ = "case.role"
    CASE_MANAGER = "case_manager"  # 주사례관리자 / 사례관리 담당자
    TEAM_LEADER = "team_leader"  # 사례관리팀장 (L8576–8578)
    SENIOR_OFFICIAL = "senior_official"  # 선임공무원: may approve plans and closures (L9612, L10012)


class ClosureReason(CatalogEnum):
    """종결 유형 (L9916–9937; 서식7 ⑥ L12522–12542)."""

    __prefix__ = "case.closure"
    LONG_TERM_GOAL_ACHIEVED = "long_term_goal_achieved"  # 장기목표 달성 (L9918, L12524)
    SHORT_TERM_GOAL_ACHIEVED = "short_term_goal_achieved"  # 단기목표 달성 (L9918–9926, L12526)
    SITUATION_IMPROVED = "situation_improved"  # 상황호전 (L9918–9922, L12528–12530)
    REFUSED_OR_GAVE_UP = "refused_or_gave_up"  # 거절 및 포기 (L9935, L12532–12534)
    NO_CONTACT_3_MONTHS = "no_contact_3_months"  # 3개월 이상 연락두절 (L9935, L12536)
    MOVED_OUT = "moved_out"  # 타 시군구 전출 (L9929, L12538)
    DIED = "died"  # 대상자 사망(1인가구) (L9931–9933, L12538–12540)
    INTERNAL_CLOSURE = "internal_closure"  # 자체 종결 (L9937, L12542)

    @property
    def crisis_resurvey_exempt(self) -> bool:
        """위기도 조사 예외사항 (L8643–8645)."""
        return self not in _POSITIVE_CLOSURES

    @property
    def positive_change(self) -> bool:
        """"대상가구의 긍정적 변화에 의한 종결" (L9918), 위기상황 해소율's numerator."""
        return self in _POSITIVE_CLOSURES


_POSITIVE_CLOSURES = frozenset(
    {
        ClosureReason.LONG_TERM_GOAL_ACHIEVED,
        ClosureReason.SHORT_TERM_GOAL_ACHIEVED,
        ClosureReason.SITUATION_IMPROVED,
    }
)


class EarlyClosureReason(CatalogEnum):
    """상담결과 판정의견 that end the case at 초기상담/접수 (L11272–11284, L7118–7120)."""

    __prefix__ = "case.early_closure"
    BENEFIT_APPLICATION = "benefit_application"  # 사회보장급여 신청 (L11276)
    INFORMATION_ONLY = "information_only"  # 단순 정보제공으로 해결 (L11282)
    SERVICE_REFUSED = "service_refused"  # 서비스 거절 (L11282–11284)
    COUNSELLING_REFUSED = "counselling_refused"  # 상담 거부 (L11282–11284)


class PlanReturnReason(CatalogEnum):
    """Why the approver sends a plan back (반려, L9689–9691): what the approval checks (L9614–9618)
    and the plan errors the guide lists (L16483–16512). A choice, so no free text (no PII) is stored."""

    __prefix__ = "case.plan_return"
    GOALS_NOT_SPECIFIC = "goals_not_specific"  # 목표가 모호하거나 서비스가 목표로 적힘 (L16483–16489)
    NEEDS_NOT_COVERED = "needs_not_covered"  # 조사된 욕구가 계획에 빠짐 (L16500–16512)
    SERVICES_NOT_LINKED = "services_not_linked"  # 목표와 서비스가 이어지지 않음 (L9614–9618)
    DETAILS_MISSING = "details_missing"  # 제공기관·내용·횟수·시기 누락 (L9554)


class NotSelectedReason(CatalogEnum):
    """미선정 (L9163–9165); the household is told in writing, with the reason (L9194–9196)."""

    __prefix__ = "case.not_selected"
    NOT_NEEDED = "not_needed"  # 통합사례관리 사업이 불필요한 경우
    UNREACHABLE_OR_REFUSED = "unreachable_or_refused"  # 연락두절·거부로 기한 내 욕구조사 불가


class ReferralTarget(CatalogEnum):
    __prefix__ = "case.referral"
    DREAM_START = "dream_start"  # 드림스타트 (L9202–9212)
    MEDICAL_AID_CASE_MANAGEMENT = "medical_aid_case_management"  # 의료급여사례관리 (L9214–9222)
    SELF_SUFFICIENCY_CASE_MANAGEMENT = "self_sufficiency_case_management"  # 자활사례관리 (L9224–9228)
    CHILD_PROTECTION = "child_protection"  # 아동보호전담요원 / 112 (L9244–9260)
    ELDER_PROTECTION = "elder_protection"  # 노인보호전문기관 (L9262–9272)
    MENTAL_HEALTH_CENTRE = "mental_health_centre"  # 정신건강복지센터 (L9273–9287)
    ADDICTION_CENTRE = "addiction_centre"  # 중독관리통합지원센터 (L9289–9303)
    DISABILITY_HEALTH_CENTRE = "disability_health_centre"  # 지역장애인보건의료센터 (L9305–9323)
    OTHER_AGENCY = "other_agency"  # 타 기관 업무 (L2904–2906)


class HardCaseReason(CatalogEnum):
    """고난도 사례 examples (L8107–8111, L8431–8433); the 시군구 checks the 근거 (L8460)."""

    __prefix__ = "case.hard_case"
    SAFETY_AND_MENTAL_HEALTH = "safety_and_mental_health"  # '안전'과 '정신건강' 모두
    BEYOND_EMERGENCY_AID = "beyond_emergency_aid"  # 긴급지원만으로는 해결이 어려운 복합적 문제
    LOCAL_RESOURCES_LACKING = "local_resources_lacking"  # 지역 자원 부족·협력체계 미흡


class ReporterStage(CatalogEnum):
    """What a reporter may see: 접수됨 → 확인 중 → 상담·지원 연계 → 종결, nothing more."""

    __prefix__ = "case.reporter_stage"
    RECEIVED = "received"
    CHECKING = "checking"
    LINKED = "linked"
    CLOSED = "closed"


class Refusal(CatalogEnum):
    """Why :func:`apply` refused an action; the key is shown to the worker."""

    __prefix__ = "case.refused"
    UNKNOWN_ACTION = "unknown_action"
    NOT_ALLOWED_FROM_STEP = "not_allowed_from_step"
    DATE_OUT_OF_ORDER = "date_out_of_order"
    TEAM_LEADER_REQUIRED = "team_leader_required"
    APPROVER_REQUIRED = "approver_required"
    PERSONAL_DATA_CONSENT_MISSING = "personal_data_consent_missing"
    SERVICE_USE_CONSENT_MISSING = "service_use_consent_missing"
    NOT_CASE_MANAGED_HOUSEHOLD = "not_case_managed_household"
    NOT_SERVICE_LINKAGE_HOUSEHOLD = "not_service_linkage_household"
    NOT_SELECTED_REASON_MISSING = "not_selected_reason_missing"
    NOT_SELECTED_BEFORE_SURVEY = "not_selected_before_survey"
    SERVICE_NOT_LINKED = "service_not_linked"
    CLOSING_MEETING_MISSING = "closing_meeting_missing"
    CLOSURE_REASON_MISSING = "closure_reason_missing"
    CRISIS_RESURVEY_MISSING = "crisis_resurvey_missing"
    DEATH_CLOSURE_NOT_SINGLE_PERSON = "death_closure_not_single_person"
    SHORT_TERM_REASON_MISSING = "short_term_reason_missing"
    NO_CONTACT_UNDER_3_MONTHS = "no_contact_under_3_months"
    CLOSURE_REVIEW_NOT_REGISTERED = "closure_review_not_registered"
    AFTERCARE_INTERVAL_UNDER_1_MONTH = "aftercare_interval_under_1_month"
    AFTERCARE_CONTACTS_INCOMPLETE = "aftercare_contacts_incomplete"
    ALREADY_HARD_CASE = "already_hard_case"
    EARLY_CLOSURE_REASON_MISSING = "early_closure_reason_missing"
    REFERRAL_TARGET_MISSING = "referral_target_missing"
    HARD_CASE_REASON_MISSING = "hard_case_reason_missing"
    SELECTION_CONFERENCE_MISSING = "selection_conference_missing"  # core/conferences.py records it
    PLAN_NOT_AWAITING_APPROVAL = "plan_not_awaiting_approval"
    PLAN_ALREADY_SUBMITTED = "plan_already_submitted"
    PLAN_RETURN_REASON_MISSING = "plan_return_reason_missing"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What is on file when an action is taken; callers load it, this module only reads it."""

    personal_data_consent: bool = False  # 서식2 개인정보 수집·이용, 제공 동의 (L8647–8657)
    service_use_consent: bool = False  # 서비스 이용 동의 (L9175–9177; co-signed plan L9626–9634)
    crisis_resurveyed: bool = False  # 위기도 재조사 before closure (L8565–8567, L9941)
    short_term_reason_recorded: bool = False  # 종결심사의견_특이사항 (L9924–9926)
    household_size: int | None = None
    last_contact_on: date | None = None
    assessment_conducted_on: date | None = None
    closure_reason: ClosureReason | None = None
    early_closure_reason: EarlyClosureReason | None = None
    not_selected_reason: NotSelectedReason | None = None
    referral_target: ReferralTarget | None = None
    hard_case_reason: HardCaseReason | None = None
    # The day a recorded 사례회의 decided 대상자 선정 (core/conferences.py; never set by hand).
    selection_conference_on: date | None = None
    plan_return_reason: PlanReturnReason | None = None
    # What follow-up calls found (state/followups.py): a service 불이행 (re-plan, L9808–9818)
    # and the closure-review triggers (L9819–9824), shown on the case card until acted on.
    replan_suggested: bool = False
    closure_review_triggers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseState:
    step: CaseStep
    milestones: CaseMilestones
    updated_on: date
    hard_case: bool = False  # 고난도: the 희망복지지원단 is 주사례관리기관 (L8101–8105)
    hard_case_reason: HardCaseReason | None = None
    plan_approved: bool = False  # only the first plan needs approval (L9687)
    closure_reason: ClosureReason | None = None
    early_closure_reason: EarlyClosureReason | None = None
    not_selected_reason: NotSelectedReason | None = None
    referral_target: ReferralTarget | None = None
    cycle: int = 1  # +1 at each 재개입
    plan_submitted_on: date | None = None  # 승인요청 of the first plan; None again after 반려
    plan_return_reason: PlanReturnReason | None = None  # the last 반려's reason
    resurveys: int = 0  # 욕구 재조사 rounds during service delivery

    @property
    def household_type(self) -> HouseholdType | None:
        return self.milestones.household_type


class TransitionRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.label_key)
        self.reason = reason
        self.reason_key = reason.label_key


def new_case(referred_on: date) -> CaseState:
    """A report that reached the 읍면동 on ``referred_on``: the 초기상담 clock starts."""
    return CaseState(CaseStep.DISCOVERED, CaseMilestones(referred_on=referred_on), referred_on)


class _Attempt:
    """Throw-away model for one trigger run; the machine itself keeps no models."""

    __slots__ = ("state", "case", "facts", "role", "on_date", "refusal", "result")

    def __init__(
        self, case: CaseState, facts: CaseFacts, role: ActorRole | None, on_date: date | None
    ) -> None:
        self.state: str = case.step.value
        self.case, self.facts, self.role, self.on_date = case, facts, role, on_date
        self.refusal: Refusal | None = None
        self.result: CaseState | None = None


Guard = Callable[[_Attempt], Refusal | None]


def _team_leader(a: _Attempt) -> Refusal | None:
    return Refusal.TEAM_LEADER_REQUIRED if a.role not in (None, ActorRole.TEAM_LEADER) else None


def _approver(a: _Attempt) -> Refusal | None:
    approvers = (None, ActorRole.TEAM_LEADER, ActorRole.SENIOR_OFFICIAL)
    return Refusal.APPROVER_REQUIRED if a.role not in approvers else None


def _first_plan_approver(a: _Attempt) -> Refusal | None:
    return None if a.case.plan_approved else _approver(a)


def _fact(attribute: str, refusal: Refusal) -> Guard:
    """Refuse unless the fact on file is set (a consent given, a reason chosen)."""
    return lambda a: None if getattr(a.facts, attribute) else refusal


def _milestone(attribute: str, refusal: Refusal) -> Guard:
    """Refuse unless the case already recorded that date."""
    return lambda a: None if getattr(a.case.milestones, attribute) else refusal


def _household(kind: HouseholdType) -> Guard:
    refusal = Refusal(f"not_{kind.value}_household")
    return lambda a: None if a.case.household_type is kind else refusal


_personal_data_consent = _fact("personal_data_consent", Refusal.PERSONAL_DATA_CONSENT_MISSING)
_service_use_consent = _fact("service_use_consent", Refusal.SERVICE_USE_CONSENT_MISSING)
# 사례회의 is compulsory at closure (L8753, L8899–8901, L9947–9949).
_closing_meeting_held = _milestone("closing_meeting_on", Refusal.CLOSING_MEETING_MISSING)
_closure_review_registered = _milestone("closure_review_registered_on", Refusal.CLOSURE_REVIEW_NOT_REGISTERED)


def _selection_conference(a: _Attempt) -> Refusal | None:
    """Selection needs a 사례회의 (L8753, L8899–8901) held after the survey was registered: met
    by a conference's recorded decision, not by a button of its own."""
    held, surveyed = a.facts.selection_conference_on, a.case.milestones.assessment_registered_on
    if held is None or surveyed is not None and held < surveyed:
        return Refusal.SELECTION_CONFERENCE_MISSING
    return None


def _not_selected_reason(a: _Attempt) -> Refusal | None:
    reason = a.facts.not_selected_reason
    if reason is None:
        return Refusal.NOT_SELECTED_REASON_MISSING
    # Before any survey, only "no contact or refusal in time" can justify 미선정 (L9163–9165).
    if a.case.step is CaseStep.ASSESSMENT and reason is not NotSelectedReason.UNREACHABLE_OR_REFUSED:
        return Refusal.NOT_SELECTED_BEFORE_SURVEY
    return None


def _closure_review_acceptable(a: _Attempt) -> Refusal | None:
    reason, facts = a.facts.closure_reason, a.facts
    if reason is None:
        return Refusal.CLOSURE_REASON_MISSING
    if not reason.crisis_resurvey_exempt and not facts.crisis_resurveyed:
        return Refusal.CRISIS_RESURVEY_MISSING
    if reason is ClosureReason.DIED and facts.household_size != 1:
        return Refusal.DEATH_CLOSURE_NOT_SINGLE_PERSON  # L9931–9933
    if reason is ClosureReason.SHORT_TERM_GOAL_ACHIEVED and not facts.short_term_reason_recorded:
        return Refusal.SHORT_TERM_REASON_MISSING
    if reason is ClosureReason.NO_CONTACT_3_MONTHS:
        last = facts.last_contact_on
        if last is None or a.on_date is not None and a.on_date < add_months(last, 3):
            return Refusal.NO_CONTACT_UNDER_3_MONTHS  # "3개월 이상 연락을 끊는 경우" (L12536)
    return None


def _aftercare_interval(a: _Attempt) -> Refusal | None:
    contacts = a.case.milestones.aftercare_contacts
    if a.on_date is None or not contacts or a.case.household_type is not HouseholdType.CASE_MANAGED:
        return None
    # "사후관리 주기는 최소 1개월 이상" (L10095–10097)
    return Refusal.AFTERCARE_INTERVAL_UNDER_1_MONTH if a.on_date < add_months(max(contacts), 1) else None


def _aftercare_contacts_made(a: _Attempt) -> Refusal | None:
    needed = 2 if a.case.household_type is HouseholdType.CASE_MANAGED else 1  # L10095–10097
    made = len(a.case.milestones.aftercare_contacts)
    return None if made >= needed else Refusal.AFTERCARE_CONTACTS_INCOMPLETE


def _plan_awaiting_approval(a: _Attempt) -> Refusal | None:
    """반려 is possible only while 승인대기 (L9689–9691): a first plan submitted, not yet approved."""
    awaiting = a.case.plan_submitted_on is not None and not a.case.plan_approved
    return None if awaiting else Refusal.PLAN_NOT_AWAITING_APPROVAL


def _plan_not_submitted(a: _Attempt) -> Refusal | None:
    if a.case.plan_approved:
        return Refusal.PLAN_NOT_AWAITING_APPROVAL  # a revised plan needs no approval (L9687)
    return Refusal.PLAN_ALREADY_SUBMITTED if a.case.plan_submitted_on is not None else None


def _not_yet_hard_case(a: _Attempt) -> Refusal | None:
    return Refusal.ALREADY_HARD_CASE if a.case.hard_case else None


_A, _S = CaseAction, CaseStep
_CHECKING = [_S.INITIAL_COUNSELLING, _S.INTAKE, _S.ASSESSMENT, _S.CASE_MEETING, _S.SELECTION]
_ACTIVE = [*_CHECKING, _S.SERVICE_PLAN, _S.SERVICE_DELIVERY, _S.NEEDS_RESURVEY]
_ENDED = [_S.AFTERCARE, _S.AFTERCARE_DONE, _S.CLOSED_EARLY, _S.REFERRED_OUT, _S.NOT_SELECTED]
_CM, _SL = _household(HouseholdType.CASE_MANAGED), _household(HouseholdType.SERVICE_LINKAGE)
_consent, _use_consent = _personal_data_consent, _service_use_consent

# (action, sources, destination or None for an internal transition, guards in order)
_RULES: list[tuple[CaseAction, list[CaseStep], CaseStep | None, tuple[Guard, ...]]] = [
    (_A.ASSIGN_COUNSELLOR, [_S.DISCOVERED], _S.INITIAL_COUNSELLING, ()),
    (_A.REQUEST_CASE_MANAGEMENT, [_S.INITIAL_COUNSELLING], _S.INTAKE, ()),
    (_A.RETURN_FOR_COMPLETION, [_S.INTAKE], _S.INITIAL_COUNSELLING, ()),
    (_A.ACCEPT_INTAKE, [_S.INTAKE], _S.ASSESSMENT, ()),
    (_A.COMPLETE_ASSESSMENT, [_S.ASSESSMENT], _S.CASE_MEETING, (_consent,)),
    # "개인정보 활용 동의서 징구 여부 확인(미비 시 구비)" before a meeting (L8942–8944)
    (_A.HOLD_SELECTION_MEETING, [_S.CASE_MEETING], _S.SELECTION, (_consent, _selection_conference)),
    (_A.SELECT_CASE_MANAGEMENT, [_S.SELECTION], _S.SERVICE_PLAN, (_team_leader, _consent)),
    (_A.SELECT_SERVICE_LINKAGE, [_S.SELECTION], _S.SERVICE_DELIVERY, (_team_leader, _consent)),
    (_A.SELECT_NOT_SELECTED, [_S.ASSESSMENT, _S.SELECTION], _S.NOT_SELECTED,
     (_team_leader, _not_selected_reason)),
    (_A.CONFIRM_SERVICE_PLAN, [_S.SERVICE_PLAN], _S.SERVICE_DELIVERY,
     (_first_plan_approver, _consent, _use_consent)),
    (_A.SUBMIT_SERVICE_PLAN, [_S.SERVICE_PLAN], None, (_plan_not_submitted, _consent)),
    (_A.RETURN_SERVICE_PLAN, [_S.SERVICE_PLAN], None,
     (_approver, _plan_awaiting_approval, _fact("plan_return_reason", Refusal.PLAN_RETURN_REASON_MISSING))),
    (_A.REVISE_SERVICE_PLAN, [_S.SERVICE_DELIVERY], _S.SERVICE_PLAN, (_CM,)),
    # A check finds a changed environment or a serious new need: 욕구 재조사 (L9799–9806), then
    # the plan is re-made (서비스 제공계획 재수립, L9808–9812); a re-made plan needs no approval (L9687).
    (_A.RESURVEY_NEEDS, [_S.SERVICE_DELIVERY], _S.NEEDS_RESURVEY, (_CM,)),
    (_A.COMPLETE_RESURVEY, [_S.NEEDS_RESURVEY], _S.SERVICE_PLAN, (_consent,)),
    (_A.LINK_SERVICE, [_S.SERVICE_DELIVERY], None, (_SL, _use_consent)),
    (_A.END_LINKAGE, [_S.SERVICE_DELIVERY], _S.AFTERCARE,
     (_SL, _milestone("service_linked_on", Refusal.SERVICE_NOT_LINKED))),
    (_A.BEGIN_CLOSURE, [_S.SERVICE_DELIVERY], _S.CLOSURE, (_CM,)),
    (_A.HOLD_CLOSING_MEETING, [_S.CLOSURE], None, ()),
    (_A.REGISTER_CLOSURE_REVIEW, [_S.CLOSURE], None, (_closing_meeting_held, _closure_review_acceptable)),
    (_A.REJECT_CLOSURE_REVIEW, [_S.CLOSURE], None, (_approver, _closure_review_registered)),
    (_A.APPROVE_CLOSURE, [_S.CLOSURE], _S.AFTERCARE, (_approver, _closure_review_registered)),
    (_A.ORDER_REASSESSMENT, [_S.CLOSURE], _S.ASSESSMENT, (_closing_meeting_held,)),
    (_A.RECORD_AFTERCARE_CONTACT, [_S.AFTERCARE], None, (_aftercare_interval,)),
    (_A.COMPLETE_AFTERCARE, [_S.AFTERCARE], _S.AFTERCARE_DONE, (_aftercare_contacts_made,)),
    (_A.CLOSE_INTERNALLY, [_S.INITIAL_COUNSELLING, _S.INTAKE], _S.CLOSED_EARLY,
     (_fact("early_closure_reason", Refusal.EARLY_CLOSURE_REASON_MISSING),)),
    (_A.REFER_ELSEWHERE, [_S.DISCOVERED, _S.INITIAL_COUNSELLING, _S.INTAKE, _S.SELECTION], _S.REFERRED_OUT,
     (_fact("referral_target", Refusal.REFERRAL_TARGET_MISSING),)),
    (_A.ESCALATE_HARD_CASE, _ACTIVE, None,
     (_not_yet_hard_case, _fact("hard_case_reason", Refusal.HARD_CASE_REASON_MISSING))),
    (_A.REOPEN, _ENDED, _S.INITIAL_COUNSELLING, ()),
]  # fmt: skip
_GUARDS: dict[str, tuple[Guard, ...]] = {action.value: guards for action, _, _, guards in _RULES}
_SELECTED = {
    _A.SELECT_CASE_MANAGEMENT: HouseholdType.CASE_MANAGED,
    _A.SELECT_SERVICE_LINKAGE: HouseholdType.SERVICE_LINKAGE,
    _A.SELECT_NOT_SELECTED: HouseholdType.NOT_SELECTED,
}


def _date_in_order(a: _Attempt) -> Refusal | None:
    return Refusal.DATE_OUT_OF_ORDER if a.on_date is not None and a.on_date < a.case.updated_on else None


def _guards_pass(event: EventData) -> bool:
    attempt: _Attempt = event.model
    for guard in (_date_in_order, *_GUARDS[event.event.name]):
        refusal = guard(attempt)
        if refusal is not None:
            attempt.refusal = refusal
            return False
    return True


def _record(event: EventData) -> None:
    attempt: _Attempt = event.model
    on = attempt.on_date or attempt.case.updated_on
    attempt.result = _effect(CaseAction(event.event.name), attempt.case, attempt.facts, on)


def _effect(action: CaseAction, current: CaseState, facts: CaseFacts, on: date) -> CaseState:
    """The new dates and reasons an accepted action records (the step is set by apply)."""
    m = current.milestones
    match action:
        case _A.REQUEST_CASE_MANAGEMENT:
            m = replace(m, initial_counselling_on=m.initial_counselling_on or on, intake_requested_on=on)
        case _A.RETURN_FOR_COMPLETION:
            m = replace(m, intake_requested_on=None)
        case _A.ACCEPT_INTAKE:
            m = replace(m, intake_on=on)
        case _A.COMPLETE_ASSESSMENT:
            conducted = facts.assessment_conducted_on or on
            m = replace(m, assessment_conducted_on=conducted, assessment_registered_on=on)
        case _A.SELECT_CASE_MANAGEMENT | _A.SELECT_SERVICE_LINKAGE | _A.SELECT_NOT_SELECTED:
            reason = facts.not_selected_reason if action is _A.SELECT_NOT_SELECTED else None
            current = replace(current, not_selected_reason=reason)
            m = replace(m, selected_on=on, household_type=_SELECTED[action])
        case _A.SUBMIT_SERVICE_PLAN:
            current = replace(current, plan_submitted_on=on)
        case _A.RETURN_SERVICE_PLAN:
            current = replace(current, plan_submitted_on=None, plan_return_reason=facts.plan_return_reason)
        case _A.RESURVEY_NEEDS:
            current = replace(current, resurveys=current.resurveys + 1)
        case _A.CONFIRM_SERVICE_PLAN:
            current = replace(current, plan_approved=True)
            m = replace(m, service_plan_on=m.service_plan_on or on)
        case _A.LINK_SERVICE:
            m = replace(m, service_linked_on=m.service_linked_on or on)
        case _A.END_LINKAGE:
            m = replace(m, linkage_ended_on=on, closed_on=on)
        case _A.HOLD_CLOSING_MEETING:
            m = replace(m, closing_meeting_on=on)
        case _A.REGISTER_CLOSURE_REVIEW:
            current = replace(current, closure_reason=facts.closure_reason)
            m = replace(m, closure_review_registered_on=on)
        case _A.REJECT_CLOSURE_REVIEW:
            m = replace(m, closure_review_registered_on=None)
        case _A.APPROVE_CLOSURE:
            m = replace(m, closed_on=on)
        case _A.ORDER_REASSESSMENT:
            # "재조사": the case restarts from 인적정보 (L10004); the survey clock restarts.
            current = replace(current, closure_reason=None)
            cleared = dict.fromkeys(("assessment_conducted_on", "assessment_registered_on", "selected_on"))
            cleared |= dict.fromkeys(("closing_meeting_on", "closure_review_registered_on"))
            m = replace(m, intake_requested_on=on, **cleared)
        case _A.RECORD_AFTERCARE_CONTACT:
            m = replace(m, aftercare_contacts=(*m.aftercare_contacts, on))
        case _A.CLOSE_INTERNALLY:
            current = replace(current, early_closure_reason=facts.early_closure_reason)
            m = replace(m, initial_counselling_on=m.initial_counselling_on or on)
        case _A.REFER_ELSEWHERE:
            current = replace(current, referral_target=facts.referral_target)
        case _A.ESCALATE_HARD_CASE:
            current = replace(current, hard_case=True, hard_case_reason=facts.hard_case_reason)
        case _A.REOPEN:
            fresh = CaseMilestones(referred_on=on)
            return CaseState(CaseStep.INITIAL_COUNSELLING, fresh, on, cycle=current.cycle + 1)
    return replace(current, milestones=m, updated_on=on)


_MACHINE = Machine(
    model=None,
    states=[step.value for step in CaseStep],
    initial=CaseStep.DISCOVERED.value,
    transitions=[
        {"trigger": action.value, "source": [s.value for s in sources], "dest": dest.value if dest else None,
         "conditions": [_guards_pass], "after": [_record]}
        for action, sources, dest, _ in _RULES
    ],  # fmt: skip
    auto_transitions=False,
    send_event=True,
)


def apply(
    state: CaseState, action: CaseAction | str, facts: CaseFacts, actor_role: ActorRole, on_date: date
) -> CaseState:
    """Run ``action`` on the case, or raise :class:`TransitionRefused` with the reason key."""
    try:
        name = CaseAction(action).value
    except ValueError:
        raise TransitionRefused(Refusal.UNKNOWN_ACTION) from None
    # A missing role would skip the role guards (allowed_actions' "any role" mode): refuse it.
    attempt = _Attempt(state, facts, ActorRole(actor_role), on_date)
    try:
        accepted = _MACHINE.events[name].trigger(attempt)
    except MachineError:
        raise TransitionRefused(Refusal.NOT_ALLOWED_FROM_STEP) from None
    if not accepted or attempt.result is None:
        raise TransitionRefused(attempt.refusal or Refusal.NOT_ALLOWED_FROM_STEP)
    return replace(attempt.result, step=CaseStep(attempt.state))


def allowed_actions(
    state: CaseState, facts: CaseFacts, *, actor_role: ActorRole | None = None, on_date: date | None = None
) -> list[CaseAction]:
    """Actions whose guards pass now. Without ``actor_role`` the role guards are not
    checked; without ``on_date`` neither are the date guards."""
    allowed = []
    for name in _MACHINE.get_triggers(state.step.value):
        attempt = _Attempt(state, facts, actor_role, on_date)
        if all(guard(attempt) is None for guard in (_date_in_order, *_GUARDS[name])):
            allowed.append(CaseAction(name))
    return allowed


_REPORTER_STAGE = {
    _S.DISCOVERED: ReporterStage.RECEIVED,
    **dict.fromkeys(_CHECKING, ReporterStage.CHECKING),
    **dict.fromkeys([_S.SERVICE_PLAN, _S.SERVICE_DELIVERY, _S.NEEDS_RESURVEY, _S.CLOSURE], ReporterStage.LINKED),
    # Every end of our process reads 종결 to the reporter, whatever the outcome: the stage
    # must not tell a neighbour whether the household refused, died or was referred.
    **dict.fromkeys(_ENDED, ReporterStage.CLOSED),
}


def reporter_stage(case_state: CaseState) -> ReporterStage:
    return _REPORTER_STAGE[case_state.step]


def settle_suggestions(action: CaseAction | str, facts: CaseFacts) -> CaseFacts:
    """A step that answers what a follow-up call suggested clears the suggestion: a re-plan or
    re-survey answers a 불이행 (L9808–9818); a closure evaluation, the end of a linkage or a
    재개입 answers a 종결 검토 (L9819–9824)."""
    try:
        action = CaseAction(action)
    except ValueError:
        return facts  # an unknown action is refused by apply, not here
    if action in (_A.REVISE_SERVICE_PLAN, _A.RESURVEY_NEEDS, _A.LINK_SERVICE, _A.REOPEN):
        facts = replace(facts, replan_suggested=False)
    if action in (_A.BEGIN_CLOSURE, _A.END_LINKAGE, _A.REOPEN):
        facts = replace(facts, closure_review_triggers=())
    return facts


def outcome_code(case_state: CaseState) -> str:
    """How a case ended, as a code statistics can count without mixing: an exit after 초기상담
    ("initial_exit.benefit_application", L11272–11284) is never the closure type 자체 종결
    ("closure.internal_closure", L9937, L12542). Empty while the case is open."""
    if case_state.step is CaseStep.CLOSED_EARLY and case_state.early_closure_reason is not None:
        return f"initial_exit.{case_state.early_closure_reason.value}"
    if case_state.step is CaseStep.NOT_SELECTED:
        reason = case_state.not_selected_reason
        return f"not_selected.{reason.value}" if reason else "not_selected"
    if case_state.step is CaseStep.REFERRED_OUT:
        target = case_state.referral_target
        return f"referred_out.{target.value}" if target else "referred_out"
    if case_state.closure_reason is not None and case_state.step in (CaseStep.AFTERCARE, CaseStep.AFTERCARE_DONE):
        return f"closure.{case_state.closure_reason.value}"
    if case_state.milestones.linkage_ended_on is not None and case_state.step in (CaseStep.AFTERCARE,
                                                                                   CaseStep.AFTERCARE_DONE):
        return "linkage_ended"
    return ""


def message_keys() -> set[str]:
    """Every catalog key this module can hand to the presentation layer."""
    enums = (CaseStep, CaseAction, ActorRole, ClosureReason, EarlyClosureReason, NotSelectedReason, PlanReturnReason)
    enums += (ReferralTarget, HardCaseReason, ReporterStage, HouseholdType, Refusal)
    return {member.label_key for enum in enums for member in enum}
