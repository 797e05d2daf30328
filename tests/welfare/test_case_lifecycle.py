"""The 통합사례관리 state machine: happy paths, every exit, every refused guard."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from welfare import case_lifecycle
from welfare.case_clocks import ClockId, HouseholdType, due_dates
from welfare.case_lifecycle import (
    ActorRole,
    CaseAction,
    CaseFacts,
    CaseState,
    CaseStep,
    ClosureReason,
    EarlyClosureReason,
    HardCaseReason,
    NotSelectedReason,
    PlanReturnReason,
    ReferralTarget,
    Refusal,
    ReporterStage,
    TransitionRefused,
    allowed_actions,
    apply,
    new_case,
    outcome_code,
    reporter_stage,
)

D = date
A = CaseAction
LEADER, WORKER, SENIOR = ActorRole.TEAM_LEADER, ActorRole.CASE_MANAGER, ActorRole.SENIOR_OFFICIAL
# A 사례회의 that decided selection is on file (core/conferences.py records it).
CONSENTED = CaseFacts(personal_data_consent=True, service_use_consent=True, selection_conference_on=D(2026, 3, 4))
LOCALES = Path(__file__).resolve().parents[2] / "locales"


def run(state: CaseState, steps: list[tuple[CaseAction, ActorRole, date]], facts: CaseFacts = CONSENTED) -> CaseState:
    for action, role, on in steps:
        state = apply(state, action, facts, role, on)
    return state


def at_selection(referred_on: date = D(2026, 2, 9)) -> CaseState:
    return run(
        new_case(referred_on),
        [
            (A.ASSIGN_COUNSELLOR, WORKER, D(2026, 2, 10)),
            (A.REQUEST_CASE_MANAGEMENT, WORKER, D(2026, 2, 12)),
            (A.ACCEPT_INTAKE, WORKER, D(2026, 2, 12)),
            (A.COMPLETE_ASSESSMENT, WORKER, D(2026, 2, 26)),
            (A.HOLD_SELECTION_MEETING, LEADER, D(2026, 3, 4)),
        ],
    )


def at_closure() -> CaseState:
    state = run(
        at_selection(),
        [
            (A.SELECT_CASE_MANAGEMENT, LEADER, D(2026, 3, 4)),
            (A.CONFIRM_SERVICE_PLAN, LEADER, D(2026, 3, 19)),
            (A.BEGIN_CLOSURE, WORKER, D(2026, 9, 1)),
        ],
    )
    assert state.step is CaseStep.CLOSURE
    return state


def refusal(state: CaseState, action: CaseAction | str, facts: CaseFacts, role: ActorRole, on: date) -> Refusal:
    with pytest.raises(TransitionRefused) as caught:
        apply(state, action, facts, role, on)
    assert caught.value.reason_key == caught.value.reason.label_key
    return caught.value.reason


def test_full_case_managed_path_from_report_to_aftercare() -> None:
    state = new_case(D(2026, 2, 9))
    assert state.step is CaseStep.DISCOVERED and reporter_stage(state) is ReporterStage.RECEIVED
    state = at_selection()
    assert state.step is CaseStep.SELECTION and reporter_stage(state) is ReporterStage.CHECKING
    m = state.milestones
    assert (m.initial_counselling_on, m.intake_requested_on, m.intake_on) == (D(2026, 2, 12),) * 3
    assert m.assessment_registered_on == D(2026, 2, 26)
    state = apply(state, A.SELECT_CASE_MANAGEMENT, CONSENTED, LEADER, D(2026, 3, 4))
    assert state.step is CaseStep.SERVICE_PLAN and state.household_type is HouseholdType.CASE_MANAGED
    assert reporter_stage(state) is ReporterStage.LINKED
    state = apply(state, A.CONFIRM_SERVICE_PLAN, CONSENTED, LEADER, D(2026, 3, 19))
    assert state.step is CaseStep.SERVICE_DELIVERY and state.plan_approved
    # Every clock up to the plan was met; the 30-day limit ran from 02-12 to 03-31
    # (설날 02-16..18 and the 대체공휴일 03-02 are not counted).
    deadlines = {d.clock: d for d in due_dates(state.milestones)}
    assert deadlines[ClockId.SERVICE_PLAN_LIMIT].due == D(2026, 3, 31)
    assert all(d.met for d in deadlines.values())
    closing = CaseFacts(personal_data_consent=True, closure_reason=ClosureReason.LONG_TERM_GOAL_ACHIEVED,
                        crisis_resurveyed=True)  # fmt: skip
    state = run(
        state,
        [
            (A.REVISE_SERVICE_PLAN, WORKER, D(2026, 5, 4)),
            (A.CONFIRM_SERVICE_PLAN, WORKER, D(2026, 5, 6)),  # a revision needs no approval (L9687)
        ],
    )
    state = run(
        state,
        [
            (A.BEGIN_CLOSURE, WORKER, D(2026, 9, 1)),
            (A.HOLD_CLOSING_MEETING, LEADER, D(2026, 9, 22)),
            (A.REGISTER_CLOSURE_REVIEW, WORKER, D(2026, 9, 30)),
            (A.APPROVE_CLOSURE, SENIOR, D(2026, 10, 2)),
        ],
        closing,
    )
    assert state.step is CaseStep.AFTERCARE and state.closure_reason is ClosureReason.LONG_TERM_GOAL_ACHIEVED
    assert reporter_stage(state) is ReporterStage.CLOSED
    assert state.milestones.service_plan_on == D(2026, 3, 19)  # the first plan date stays for the clock
    review = next(d for d in due_dates(state.milestones) if d.clock is ClockId.CLOSURE_REVIEW)
    assert review.due == D(2026, 10, 1) and review.met  # 5 days after 09-22 across 추석
    state = run(
        state,
        [
            (A.RECORD_AFTERCARE_CONTACT, WORKER, D(2026, 12, 1)),
            (A.RECORD_AFTERCARE_CONTACT, WORKER, D(2027, 3, 2)),
            (A.COMPLETE_AFTERCARE, WORKER, D(2027, 3, 2)),
        ],
    )
    assert state.step is CaseStep.AFTERCARE_DONE and reporter_stage(state) is ReporterStage.CLOSED
    assert state.milestones.aftercare_contacts == (D(2026, 12, 1), D(2027, 3, 2))


def test_service_linkage_path_skips_plan_and_closure_review() -> None:
    state = apply(at_selection(), A.SELECT_SERVICE_LINKAGE, CONSENTED, LEADER, D(2026, 3, 4))
    assert state.step is CaseStep.SERVICE_DELIVERY
    assert A.BEGIN_CLOSURE not in allowed_actions(state, CONSENTED)
    state = run(state, [(A.LINK_SERVICE, WORKER, D(2026, 3, 10)), (A.END_LINKAGE, WORKER, D(2026, 4, 30))])
    assert state.step is CaseStep.AFTERCARE
    assert state.milestones.linkage_ended_on == state.milestones.closed_on == D(2026, 4, 30)
    state = run(
        state, [(A.RECORD_AFTERCARE_CONTACT, WORKER, D(2026, 6, 1)), (A.COMPLETE_AFTERCARE, WORKER, D(2026, 6, 1))]
    )
    assert state.step is CaseStep.AFTERCARE_DONE


@pytest.mark.parametrize("step", [A.ASSIGN_COUNSELLOR, A.REQUEST_CASE_MANAGEMENT])
@pytest.mark.parametrize("reason", list(EarlyClosureReason))
def test_exit_closed_internally_after_counselling_or_at_intake(step: CaseAction, reason: EarlyClosureReason) -> None:
    state = new_case(D(2026, 2, 9))
    state = run(state, [(A.ASSIGN_COUNSELLOR, WORKER, D(2026, 2, 9))])
    if step is A.REQUEST_CASE_MANAGEMENT:
        state = apply(state, step, CONSENTED, WORKER, D(2026, 2, 10))
    closed = apply(state, A.CLOSE_INTERNALLY, CaseFacts(early_closure_reason=reason), WORKER, D(2026, 2, 11))
    assert closed.step is CaseStep.CLOSED_EARLY and closed.early_closure_reason is reason
    assert closed.milestones.initial_counselling_on is not None
    assert reporter_stage(closed) is ReporterStage.CLOSED


@pytest.mark.parametrize(
    "prefix",
    [[], [A.ASSIGN_COUNSELLOR], [A.ASSIGN_COUNSELLOR, A.REQUEST_CASE_MANAGEMENT], "selection"],
)
def test_exit_referred_elsewhere(prefix) -> None:
    if prefix == "selection":
        state = at_selection()
    else:
        state = run(new_case(D(2026, 2, 9)), [(a, WORKER, D(2026, 2, 10)) for a in prefix])
    facts = CaseFacts(referral_target=ReferralTarget.MENTAL_HEALTH_CENTRE)
    referred = apply(state, A.REFER_ELSEWHERE, facts, WORKER, D(2026, 3, 5))
    assert referred.step is CaseStep.REFERRED_OUT
    assert referred.referral_target is ReferralTarget.MENTAL_HEALTH_CENTRE


def test_exit_not_selected_after_the_meeting_and_before_the_survey() -> None:
    facts = CaseFacts(not_selected_reason=NotSelectedReason.NOT_NEEDED)
    after_meeting = apply(at_selection(), A.SELECT_NOT_SELECTED, facts, LEADER, D(2026, 3, 4))
    assert after_meeting.step is CaseStep.NOT_SELECTED
    assert after_meeting.household_type is HouseholdType.NOT_SELECTED
    assert after_meeting.not_selected_reason is NotSelectedReason.NOT_NEEDED
    surveying = run(new_case(D(2026, 2, 9)), [(a, WORKER, D(2026, 2, 10)) for a in
                    (A.ASSIGN_COUNSELLOR, A.REQUEST_CASE_MANAGEMENT, A.ACCEPT_INTAKE)])  # fmt: skip
    unreachable = CaseFacts(not_selected_reason=NotSelectedReason.UNREACHABLE_OR_REFUSED)
    assert apply(surveying, A.SELECT_NOT_SELECTED, unreachable, LEADER, D(2026, 2, 27)).step is CaseStep.NOT_SELECTED


def test_hard_case_escalation_is_a_flag_not_a_step() -> None:
    state = run(new_case(D(2026, 2, 9)), [(A.ASSIGN_COUNSELLOR, WORKER, D(2026, 2, 10))])
    facts = CaseFacts(hard_case_reason=HardCaseReason.SAFETY_AND_MENTAL_HEALTH)
    escalated = apply(state, A.ESCALATE_HARD_CASE, facts, WORKER, D(2026, 2, 11))
    assert escalated.step is CaseStep.INITIAL_COUNSELLING and escalated.hard_case
    assert escalated.hard_case_reason is HardCaseReason.SAFETY_AND_MENTAL_HEALTH
    assert refusal(escalated, A.ESCALATE_HARD_CASE, facts, WORKER, D(2026, 2, 12)) is Refusal.ALREADY_HARD_CASE


@pytest.mark.parametrize("ended", ["closed_early", "referred_out", "not_selected", "aftercare", "aftercare_done"])
def test_reopen_after_any_end_starts_a_new_cycle_at_initial_counselling(ended: str) -> None:
    state = replace(at_selection(), step=CaseStep(ended), hard_case=True)
    reopened = apply(state, A.REOPEN, CaseFacts(), WORKER, D(2026, 11, 2))
    assert reopened.step is CaseStep.INITIAL_COUNSELLING and reopened.cycle == 2
    assert reopened.milestones.referred_on == D(2026, 11, 2) and reopened.milestones.intake_on is None
    assert not reopened.hard_case
    counselling = next(d for d in due_dates(reopened.milestones) if d.clock is ClockId.INITIAL_COUNSELLING)
    assert counselling.due == D(2026, 11, 9)


def test_closure_review_can_be_rejected_and_reassessment_restarts_the_survey() -> None:
    facts = CaseFacts(personal_data_consent=True, closure_reason=ClosureReason.REFUSED_OR_GAVE_UP)
    state = run(at_closure(), [(A.HOLD_CLOSING_MEETING, LEADER, D(2026, 9, 8)),
                               (A.REGISTER_CLOSURE_REVIEW, WORKER, D(2026, 9, 9))], facts)  # fmt: skip
    assert state.milestones.closure_review_registered_on == D(2026, 9, 9)
    state = apply(state, A.REJECT_CLOSURE_REVIEW, facts, LEADER, D(2026, 9, 10))
    assert state.step is CaseStep.CLOSURE and state.milestones.closure_review_registered_on is None
    state = apply(state, A.ORDER_REASSESSMENT, facts, WORKER, D(2026, 9, 11))
    assert state.step is CaseStep.ASSESSMENT and state.closure_reason is None
    assert state.milestones.intake_requested_on == D(2026, 9, 11)
    assert state.milestones.assessment_registered_on is None and state.milestones.closing_meeting_on is None


GUARD_CASES = {
    Refusal.UNKNOWN_ACTION: lambda: (new_case(D(2026, 2, 9)), "fly_to_the_moon", CaseFacts(), WORKER, D(2026, 2, 9)),
    Refusal.NOT_ALLOWED_FROM_STEP: lambda: (new_case(D(2026, 2, 9)), A.APPROVE_CLOSURE, CaseFacts(), LEADER, D(2026, 2, 9)),
    Refusal.DATE_OUT_OF_ORDER: lambda: (new_case(D(2026, 2, 9)), A.ASSIGN_COUNSELLOR, CaseFacts(), WORKER, D(2026, 2, 6)),
    Refusal.TEAM_LEADER_REQUIRED: lambda: (at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, SENIOR, D(2026, 3, 4)),
    Refusal.APPROVER_REQUIRED: lambda: (
        apply(at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, LEADER, D(2026, 3, 4)),
        A.CONFIRM_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 3, 19)),
    Refusal.PERSONAL_DATA_CONSENT_MISSING: lambda: (
        run(new_case(D(2026, 2, 9)), [(a, WORKER, D(2026, 2, 10)) for a in
            (A.ASSIGN_COUNSELLOR, A.REQUEST_CASE_MANAGEMENT, A.ACCEPT_INTAKE)]),
        A.COMPLETE_ASSESSMENT, CaseFacts(), WORKER, D(2026, 2, 24)),
    Refusal.SERVICE_USE_CONSENT_MISSING: lambda: (
        apply(at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, LEADER, D(2026, 3, 4)),
        A.CONFIRM_SERVICE_PLAN, CaseFacts(personal_data_consent=True), LEADER, D(2026, 3, 19)),
    Refusal.NOT_CASE_MANAGED_HOUSEHOLD: lambda: (
        apply(at_selection(), A.SELECT_SERVICE_LINKAGE, CONSENTED, LEADER, D(2026, 3, 4)),
        A.BEGIN_CLOSURE, CONSENTED, WORKER, D(2026, 4, 1)),
    Refusal.NOT_SERVICE_LINKAGE_HOUSEHOLD: lambda: (
        run(at_selection(), [(A.SELECT_CASE_MANAGEMENT, LEADER, D(2026, 3, 4)),
                             (A.CONFIRM_SERVICE_PLAN, LEADER, D(2026, 3, 19))]),
        A.LINK_SERVICE, CONSENTED, WORKER, D(2026, 4, 1)),
    Refusal.NOT_SELECTED_REASON_MISSING: lambda: (at_selection(), A.SELECT_NOT_SELECTED, CONSENTED, LEADER, D(2026, 3, 4)),
    Refusal.NOT_SELECTED_BEFORE_SURVEY: lambda: (
        run(new_case(D(2026, 2, 9)), [(a, WORKER, D(2026, 2, 10)) for a in
            (A.ASSIGN_COUNSELLOR, A.REQUEST_CASE_MANAGEMENT, A.ACCEPT_INTAKE)]),
        A.SELECT_NOT_SELECTED, CaseFacts(not_selected_reason=NotSelectedReason.NOT_NEEDED), LEADER, D(2026, 2, 20)),
    Refusal.SERVICE_NOT_LINKED: lambda: (
        apply(at_selection(), A.SELECT_SERVICE_LINKAGE, CONSENTED, LEADER, D(2026, 3, 4)),
        A.END_LINKAGE, CONSENTED, WORKER, D(2026, 4, 1)),
    Refusal.CLOSING_MEETING_MISSING: lambda: (
        at_closure(), A.REGISTER_CLOSURE_REVIEW,
        CaseFacts(closure_reason=ClosureReason.MOVED_OUT), WORKER, D(2026, 9, 2)),
    Refusal.CLOSURE_REASON_MISSING: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.REGISTER_CLOSURE_REVIEW, CONSENTED, WORKER, D(2026, 9, 9)),
    Refusal.CRISIS_RESURVEY_MISSING: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.REGISTER_CLOSURE_REVIEW, CaseFacts(closure_reason=ClosureReason.SITUATION_IMPROVED), WORKER, D(2026, 9, 9)),
    Refusal.DEATH_CLOSURE_NOT_SINGLE_PERSON: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.REGISTER_CLOSURE_REVIEW, CaseFacts(closure_reason=ClosureReason.DIED, household_size=3),
        WORKER, D(2026, 9, 9)),
    Refusal.SHORT_TERM_REASON_MISSING: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.REGISTER_CLOSURE_REVIEW,
        CaseFacts(closure_reason=ClosureReason.SHORT_TERM_GOAL_ACHIEVED, crisis_resurveyed=True),
        WORKER, D(2026, 9, 9)),
    Refusal.NO_CONTACT_UNDER_3_MONTHS: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.REGISTER_CLOSURE_REVIEW,
        CaseFacts(closure_reason=ClosureReason.NO_CONTACT_3_MONTHS, last_contact_on=D(2026, 6, 10)),
        WORKER, D(2026, 9, 9)),
    Refusal.CLOSURE_REVIEW_NOT_REGISTERED: lambda: (
        apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8)),
        A.APPROVE_CLOSURE, CONSENTED, LEADER, D(2026, 9, 9)),
    Refusal.AFTERCARE_INTERVAL_UNDER_1_MONTH: lambda: (
        replace(at_closure(), step=CaseStep.AFTERCARE, milestones=replace(
            at_closure().milestones, closed_on=D(2026, 9, 10), aftercare_contacts=(D(2026, 10, 15),))),
        A.RECORD_AFTERCARE_CONTACT, CaseFacts(), WORKER, D(2026, 11, 13)),
    Refusal.AFTERCARE_CONTACTS_INCOMPLETE: lambda: (
        replace(at_closure(), step=CaseStep.AFTERCARE, milestones=replace(
            at_closure().milestones, closed_on=D(2026, 9, 10), aftercare_contacts=(D(2026, 10, 15),))),
        A.COMPLETE_AFTERCARE, CaseFacts(), WORKER, D(2026, 11, 16)),
    Refusal.ALREADY_HARD_CASE: lambda: (
        replace(at_selection(), hard_case=True), A.ESCALATE_HARD_CASE,
        CaseFacts(hard_case_reason=HardCaseReason.LOCAL_RESOURCES_LACKING), WORKER, D(2026, 3, 4)),
    Refusal.EARLY_CLOSURE_REASON_MISSING: lambda: (
        apply(new_case(D(2026, 2, 9)), A.ASSIGN_COUNSELLOR, CaseFacts(), WORKER, D(2026, 2, 9)),
        A.CLOSE_INTERNALLY, CaseFacts(), WORKER, D(2026, 2, 10)),
    Refusal.REFERRAL_TARGET_MISSING: lambda: (new_case(D(2026, 2, 9)), A.REFER_ELSEWHERE, CaseFacts(), WORKER, D(2026, 2, 9)),
    Refusal.HARD_CASE_REASON_MISSING: lambda: (at_selection(), A.ESCALATE_HARD_CASE, CaseFacts(), WORKER, D(2026, 3, 4)),
    Refusal.SELECTION_CONFERENCE_MISSING: lambda: (
        run(new_case(D(2026, 2, 9)), [(A.ASSIGN_COUNSELLOR, WORKER, D(2026, 2, 10)),
                                     (A.REQUEST_CASE_MANAGEMENT, WORKER, D(2026, 2, 12)),
                                     (A.ACCEPT_INTAKE, WORKER, D(2026, 2, 12)),
                                     (A.COMPLETE_ASSESSMENT, WORKER, D(2026, 2, 26))]),
        A.HOLD_SELECTION_MEETING, replace(CONSENTED, selection_conference_on=None), LEADER, D(2026, 3, 4)),
    Refusal.PLAN_NOT_AWAITING_APPROVAL: lambda: (at_plan(), A.RETURN_SERVICE_PLAN, RETURNED, LEADER, D(2026, 3, 10)),
    Refusal.PLAN_ALREADY_SUBMITTED: lambda: (submitted(), A.SUBMIT_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 3, 11)),
    Refusal.PLAN_RETURN_REASON_MISSING: lambda: (submitted(), A.RETURN_SERVICE_PLAN, CONSENTED, LEADER, D(2026, 3, 11)),
}  # fmt: skip
RETURNED = replace(CONSENTED, plan_return_reason=PlanReturnReason.NEEDS_NOT_COVERED)


def at_plan() -> CaseState:
    return apply(at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, LEADER, D(2026, 3, 4))


def submitted() -> CaseState:
    return apply(at_plan(), A.SUBMIT_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 3, 10))


def test_a_plan_awaiting_approval_is_returned_with_a_reason_by_the_team_leader() -> None:
    """반려 while 승인대기 re-opens the plan step (L9689–9691); the worker submits again."""
    waiting = submitted()
    assert waiting.step is CaseStep.SERVICE_PLAN and waiting.plan_submitted_on == D(2026, 3, 10)
    assert refusal(waiting, A.RETURN_SERVICE_PLAN, RETURNED, WORKER, D(2026, 3, 11)) is Refusal.APPROVER_REQUIRED
    assert A.RETURN_SERVICE_PLAN not in allowed_actions(waiting, RETURNED, actor_role=WORKER)
    returned = apply(waiting, A.RETURN_SERVICE_PLAN, RETURNED, LEADER, D(2026, 3, 11))
    assert returned.step is CaseStep.SERVICE_PLAN and returned.plan_submitted_on is None
    assert returned.plan_return_reason is PlanReturnReason.NEEDS_NOT_COVERED and not returned.plan_approved
    again = apply(returned, A.SUBMIT_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 3, 13))
    approved = apply(again, A.CONFIRM_SERVICE_PLAN, CONSENTED, LEADER, D(2026, 3, 16))
    assert approved.step is CaseStep.SERVICE_DELIVERY and approved.plan_approved
    # An approved plan is never 반려'd: a revised one needs no approval (L9687).
    revised = apply(approved, A.REVISE_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 4, 1))
    assert refusal(revised, A.RETURN_SERVICE_PLAN, RETURNED, LEADER, D(2026, 4, 2)) is Refusal.PLAN_NOT_AWAITING_APPROVAL


def test_a_check_steps_back_from_delivery_to_a_needs_resurvey_then_a_new_plan() -> None:
    """점검 결과 욕구 재조사 (L9799–9806), then 서비스 제공계획 재수립 (L9808–9812)."""
    delivering = apply(submitted(), A.CONFIRM_SERVICE_PLAN, CONSENTED, LEADER, D(2026, 3, 16))
    assert A.RESURVEY_NEEDS in allowed_actions(delivering, CONSENTED, actor_role=WORKER)
    resurvey = apply(delivering, A.RESURVEY_NEEDS, CONSENTED, WORKER, D(2026, 5, 4))
    assert resurvey.step is CaseStep.NEEDS_RESURVEY and resurvey.resurveys == 1
    assert reporter_stage(resurvey) is ReporterStage.LINKED
    offered = set(allowed_actions(resurvey, CONSENTED, actor_role=WORKER))
    assert A.COMPLETE_RESURVEY in offered and not offered & {A.BEGIN_CLOSURE, A.REVISE_SERVICE_PLAN}
    assert refusal(resurvey, A.COMPLETE_RESURVEY, CaseFacts(), WORKER, D(2026, 5, 8)) is \
        Refusal.PERSONAL_DATA_CONSENT_MISSING
    replanning = apply(resurvey, A.COMPLETE_RESURVEY, CONSENTED, WORKER, D(2026, 5, 8))
    assert replanning.step is CaseStep.SERVICE_PLAN and replanning.plan_approved
    back = apply(replanning, A.CONFIRM_SERVICE_PLAN, CONSENTED, WORKER, D(2026, 5, 11))  # no approval again
    assert back.step is CaseStep.SERVICE_DELIVERY
    linked = apply(at_selection(), A.SELECT_SERVICE_LINKAGE, CONSENTED, LEADER, D(2026, 3, 4))
    assert refusal(linked, A.RESURVEY_NEEDS, CONSENTED, WORKER, D(2026, 4, 1)) is Refusal.NOT_CASE_MANAGED_HOUSEHOLD


def test_exits_after_counselling_never_share_a_code_with_the_closure_type_internal_closure() -> None:
    """사회보장급여 신청 and the other 초기상담 exits (L11272–11284) vs 자체 종결 (L9937)."""
    counselled = apply(new_case(D(2026, 2, 9)), A.ASSIGN_COUNSELLOR, CaseFacts(), WORKER, D(2026, 2, 9))
    codes = {outcome_code(apply(counselled, A.CLOSE_INTERNALLY, CaseFacts(early_closure_reason=r), WORKER,
                                D(2026, 2, 10))) for r in EarlyClosureReason}
    assert codes == {f"initial_exit.{r.value}" for r in EarlyClosureReason}
    closing = apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8))
    internal = CaseFacts(closure_reason=ClosureReason.INTERNAL_CLOSURE)
    closed = run(closing, [(A.REGISTER_CLOSURE_REVIEW, WORKER, D(2026, 9, 9)),
                           (A.APPROVE_CLOSURE, LEADER, D(2026, 9, 10))], internal)
    assert outcome_code(closed) == "closure.internal_closure" and not codes & {outcome_code(closed)}
    assert outcome_code(at_selection()) == ""
    ko = catalog("ko")
    assert ko[CaseStep.CLOSED_EARLY.label_key] != ko[ClosureReason.INTERNAL_CLOSURE.label_key]
    assert ko[A.CLOSE_INTERNALLY.label_key] != ko[ClosureReason.INTERNAL_CLOSURE.label_key]
    assert "자체 종결" not in ko[CaseStep.CLOSED_EARLY.label_key] + ko[A.CLOSE_INTERNALLY.label_key]


@pytest.mark.parametrize("expected", list(GUARD_CASES), ids=lambda r: r.value)
def test_every_guard_refuses_with_its_reason(expected: Refusal) -> None:
    state, action, facts, role, on = GUARD_CASES[expected]()
    before = state
    assert refusal(state, action, facts, role, on) is expected
    assert state == before  # refusing changes nothing


def test_every_refusal_is_exercised() -> None:
    assert set(GUARD_CASES) == set(Refusal)


def test_refused_guards_pass_once_the_fact_is_on_file() -> None:
    closing = apply(at_closure(), A.HOLD_CLOSING_MEETING, CONSENTED, LEADER, D(2026, 9, 8))
    died = CaseFacts(closure_reason=ClosureReason.DIED, household_size=1)  # no 위기도 재조사 needed
    assert apply(closing, A.REGISTER_CLOSURE_REVIEW, died, WORKER, D(2026, 9, 9)).closure_reason is ClosureReason.DIED
    silent = CaseFacts(closure_reason=ClosureReason.NO_CONTACT_3_MONTHS, last_contact_on=D(2026, 6, 9))
    assert apply(closing, A.REGISTER_CLOSURE_REVIEW, silent, WORKER, D(2026, 9, 9)).step is CaseStep.CLOSURE
    short = CaseFacts(closure_reason=ClosureReason.SHORT_TERM_GOAL_ACHIEVED, crisis_resurveyed=True,
                      short_term_reason_recorded=True)  # fmt: skip
    assert apply(closing, A.REGISTER_CLOSURE_REVIEW, short, WORKER, D(2026, 9, 9)).step is CaseStep.CLOSURE


def test_allowed_actions_reflect_step_facts_and_role() -> None:
    selection = at_selection()
    # 미선정, referral and escalation each need their reason on file first.
    assert set(allowed_actions(selection, CONSENTED)) == {A.SELECT_CASE_MANAGEMENT, A.SELECT_SERVICE_LINKAGE}
    with_reason = CaseFacts(personal_data_consent=True, not_selected_reason=NotSelectedReason.NOT_NEEDED,
                            referral_target=ReferralTarget.DREAM_START)  # fmt: skip
    assert set(allowed_actions(selection, with_reason)) == {
        A.SELECT_CASE_MANAGEMENT, A.SELECT_SERVICE_LINKAGE, A.SELECT_NOT_SELECTED, A.REFER_ELSEWHERE
    }
    assert set(allowed_actions(selection, with_reason, actor_role=WORKER)) == {A.REFER_ELSEWHERE}
    assert allowed_actions(selection, CaseFacts(), actor_role=LEADER) == []
    assert allowed_actions(selection, with_reason, on_date=D(2026, 1, 1)) == []  # before the last date


def test_case_managed_and_linkage_actions_in_delivery() -> None:
    managed = run(at_selection(), [(A.SELECT_CASE_MANAGEMENT, LEADER, D(2026, 3, 4)),
                                   (A.CONFIRM_SERVICE_PLAN, LEADER, D(2026, 3, 19))])  # fmt: skip
    assert set(allowed_actions(managed, CONSENTED)) == {A.REVISE_SERVICE_PLAN, A.RESURVEY_NEEDS, A.BEGIN_CLOSURE}
    linked = apply(at_selection(), A.SELECT_SERVICE_LINKAGE, CONSENTED, LEADER, D(2026, 3, 4))
    assert set(allowed_actions(linked, CONSENTED)) == {A.LINK_SERVICE}


def test_reporter_sees_only_four_stages() -> None:
    stages = {reporter_stage(replace(new_case(D(2026, 2, 9)), step=step)) for step in CaseStep}
    assert stages == set(ReporterStage)
    for step in (CaseStep.CLOSED_EARLY, CaseStep.REFERRED_OUT, CaseStep.NOT_SELECTED, CaseStep.AFTERCARE):
        assert reporter_stage(replace(new_case(D(2026, 2, 9)), step=step)) is ReporterStage.CLOSED


def test_the_machine_is_shared_and_stays_empty_and_apply_is_cheap() -> None:
    machine = case_lifecycle._MACHINE
    state = at_selection()
    started = time.perf_counter()
    for _ in range(1_000):
        apply(state, A.SELECT_CASE_MANAGEMENT, CONSENTED, LEADER, D(2026, 3, 4))
    elapsed = time.perf_counter() - started
    assert case_lifecycle._MACHINE is machine and machine.models == []
    assert elapsed < 1.0  # ~17 µs each, dataclass copies included


def catalog(lang: str) -> dict[str, str]:
    """casework.po, and the domains that add refusals of their own (conferences.po, process.po)."""
    merged: dict[str, str] = {}
    for domain in ("casework", "conferences", "process"):
        with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
            merged |= {m.id: m.string for m in read_po(fh) if m.id}
    return merged


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_lifecycle_key_has_a_translation(lang: str) -> None:
    messages = catalog(lang)
    keys = case_lifecycle.message_keys()
    assert {r.label_key for r in Refusal} <= keys and {s.label_key for s in CaseStep} <= keys
    for key in sorted(keys):
        assert messages.get(key, "").strip(), f"{key} missing in {lang}"


def test_closure_reasons_follow_the_guide() -> None:
    exempt = {r for r in ClosureReason if r.crisis_resurvey_exempt}
    assert exempt == {ClosureReason.MOVED_OUT, ClosureReason.DIED, ClosureReason.REFUSED_OR_GAVE_UP,
                      ClosureReason.NO_CONTACT_3_MONTHS, ClosureReason.INTERNAL_CLOSURE}  # L8643–8645
    assert {r for r in ClosureReason if r.positive_change} == set(ClosureReason) - exempt
    assert catalog("ko")[ClosureReason.NO_CONTACT_3_MONTHS.label_key] == "3개월 이상 연락두절"


def test_apply_needs_a_real_role() -> None:
    with pytest.raises(ValueError):
        apply(at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, None, D(2026, 3, 4))  # type: ignore[arg-type]
    assert apply(at_selection(), A.SELECT_CASE_MANAGEMENT, CONSENTED, "team_leader", D(2026, 3, 4)).step is (
        CaseStep.SERVICE_PLAN
    )


def test_selection_needs_a_conference_that_decided_it_after_the_survey():
    """The meeting selection requires (L8753, L8899–8901) is a recorded conference decision."""
    at_meeting = run(new_case(D(2026, 2, 9)), [(A.ASSIGN_COUNSELLOR, WORKER, D(2026, 2, 10)),
                                              (A.REQUEST_CASE_MANAGEMENT, WORKER, D(2026, 2, 12)),
                                              (A.ACCEPT_INTAKE, WORKER, D(2026, 2, 12)),
                                              (A.COMPLETE_ASSESSMENT, WORKER, D(2026, 2, 26))])
    for facts in (replace(CONSENTED, selection_conference_on=None),
                  replace(CONSENTED, selection_conference_on=D(2026, 2, 25))):  # before the survey: not it
        with pytest.raises(TransitionRefused) as refused:
            apply(at_meeting, A.HOLD_SELECTION_MEETING, facts, LEADER, D(2026, 3, 4))
        assert refused.value.reason is Refusal.SELECTION_CONFERENCE_MISSING
        assert A.HOLD_SELECTION_MEETING not in allowed_actions(at_meeting, facts)
    held = apply(at_meeting, A.HOLD_SELECTION_MEETING, replace(CONSENTED, selection_conference_on=D(2026, 2, 26)),
                 LEADER, D(2026, 3, 4))
    assert held.step is CaseStep.SELECTION


def test_a_step_that_answers_what_a_call_suggested_clears_the_suggestion() -> None:
    from welfare.case_lifecycle import settle_suggestions
    found = replace(CONSENTED, replan_suggested=True, closure_review_triggers=("moved_away",))
    assert not settle_suggestions(A.REVISE_SERVICE_PLAN, found).replan_suggested
    assert settle_suggestions(A.REVISE_SERVICE_PLAN, found).closure_review_triggers == ("moved_away",)
    assert settle_suggestions(A.BEGIN_CLOSURE, found).closure_review_triggers == ()
    assert settle_suggestions(A.REOPEN, found) == CONSENTED
    assert settle_suggestions("fly_to_the_moon", found) == found  # refused by apply, untouched here
