"""Per-service 점검 (서식5 ⑪–⑮, L9840–9842) and what a call leads to: 재계획 (L9808–9818) or a
종결 검토 (L9819–9824) — pure, through the checklist's own evaluation."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from welfare.followup_checklist import DOMAIN_IDS, ErrorCode, Guidance, InvalidSubmission, evaluate_submission
from welfare.service_checks import ClosureTrigger, ServiceCheckError, parse_checks

TODAY = date(2026, 12, 7)
SAME = {d: "same" for d in DOMAIN_IDS}


def call(**extra):
    return {"version": 1, "reached": True, "attempts": 1, "answered_by": "self", "domains": SAME, **extra}


def test_a_service_not_delivered_suggests_replanning():
    outcome = evaluate_submission(call(services=[{"service": "referral:3", "status": "not_delivered",
                                                  "reason": "provider_conditions"}]), today=TODAY)
    assert outcome.replan_suggested and Guidance.CONSIDER_REPLANNING in outcome.guidance
    assert not outcome.closure_review and not outcome.escalate_to_team_leader


def test_delivered_as_planned_suggests_nothing_and_a_deviation_needs_its_reason():
    outcome = evaluate_submission(call(services=[{"service": "referral:3", "status": "in_progress",
                                                  "frequency": "as_planned"}]), today=TODAY)
    assert not outcome.replan_suggested and not outcome.closure_review
    for bad in ({"service": "referral:3", "status": "not_delivered"},  # 불이행 without 변경사유
                {"service": "referral:3", "status": "in_progress", "frequency": "less"},
                {"service": "referral:3", "status": "not_delivered", "frequency": "less", "reason": "unreachable"}):
        with pytest.raises(InvalidSubmission) as caught:
            evaluate_submission(call(services=[bad]), today=TODAY)
        assert caught.value.errors[0].code is ErrorCode.SERVICE_CHECK_INVALID


def test_closure_review_triggers_follow_the_guide():
    moved = evaluate_submission(call(household_changes=["moved_away"]), today=TODAY)
    assert moved.closure_review == (ClosureTrigger.MOVED_AWAY,) and not moved.replan_suggested
    refusing = call(household_changes=["refusing_services"])
    assert evaluate_submission(refusing, today=TODAY).closure_review == ()  # the first refusal: not yet
    assert evaluate_submission(refusing, today=TODAY, refusing_since=date(2026, 11, 20)).closure_review == ()
    assert evaluate_submission(refusing, today=TODAY, refusing_since=date(2026, 11, 7)).closure_review == (
        ClosureTrigger.REFUSED_A_MONTH,)  # "1개월 이상 … 거절 또는 포기" (L9823–9824)
    unreached = {"version": 1, "reached": False, "attempts": 1}
    assert evaluate_submission(unreached, today=TODAY, last_reached_on=date(2026, 9, 8)).closure_review == ()
    assert evaluate_submission(unreached, today=TODAY, last_reached_on=date(2026, 9, 7)).closure_review == (
        ClosureTrigger.NO_CONTACT_3_MONTHS,)
    with pytest.raises(InvalidSubmission):  # what a call nobody took cannot say
        evaluate_submission({**unreached, "household_changes": ["moved_away"]}, today=TODAY)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=12))
def test_any_submitted_service_list_is_parsed_or_refused_cleanly(raw):
    try:
        checks = parse_checks(raw)
    except ServiceCheckError as refused:
        assert refused.field.startswith("services")
    else:
        assert all(c.reason is not None for c in checks if c.deviates)
