"""The referral machine (FHIR Task states), 서식2 consent and the reply deadlines."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from welfare.consent import ConsentPart, consent_from
from welfare.organisations import (
    OrgType, Organisation, OrganisationError, default_reply_days, load_organisations_csv, parse_organisations_csv,
)
from welfare.referral_lifecycle import (
    RULES, Outcome, Party, ReferralAction as A, ReferralRefusal, ReferralRefused, ReferralState as S,
    RejectReason, allowed_actions, apply,
)


def _args(action: A) -> dict:
    return {"reason": RejectReason.NO_CAPACITY} if action is A.REJECT else \
        {"outcome": Outcome.SERVICE_PROVIDED} if action is A.COMPLETE else {}


@pytest.mark.parametrize("action,source,dest,party", [(a, s, d, p) for a, sources, d, p in RULES for s in sources])
def test_every_transition_goes_where_the_table_says(action, source, dest, party):
    assert apply(source, action, party, **_args(action)) is dest


@pytest.mark.parametrize("action,source,party", [(a, s, p) for a, sources, _, p in RULES for s in sources])
def test_the_other_party_is_refused(action, source, party):
    other = Party.SENDER if party is Party.RECEIVER else Party.RECEIVER
    if any(a is action and source in sources and p is other for a, sources, _, p in RULES):
        return  # both parties may (refer onward from different states only, so never both)
    with pytest.raises(ReferralRefused) as refused:
        apply(source, action, other, **_args(action))
    assert refused.value.refusal is ReferralRefusal.WRONG_PARTY


@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("state", list(S))
def test_an_action_from_a_state_without_a_rule_is_refused(action, state):
    if any(a is action and state in sources for a, sources, _, _ in RULES):
        return
    for party in Party:
        with pytest.raises(ReferralRefused) as refused:
            apply(state, action, party, **_args(action))
        assert refused.value.refusal is ReferralRefusal.NOT_FROM_STATE


def test_closed_states_take_nothing():
    for state in (S.COMPLETED, S.CANCELLED, S.REFERRED_ONWARD):
        assert not state.is_open
        assert allowed_actions(state, Party.RECEIVER) == allowed_actions(state, Party.SENDER) == []


def test_a_rejection_needs_its_reason_and_a_completion_its_outcome():
    with pytest.raises(ReferralRefused) as refused:
        apply(S.RECEIVED, A.REJECT, Party.RECEIVER)
    assert refused.value.refusal is ReferralRefusal.REASON_MISSING
    with pytest.raises(ReferralRefused) as refused:
        apply(S.IN_PROGRESS, A.COMPLETE, Party.RECEIVER)
    assert refused.value.refusal is ReferralRefusal.OUTCOME_MISSING


def test_the_whole_closed_loop_and_an_onward_referral_after_rejection():
    state = S.REQUESTED
    for action in (A.RECEIVE, A.ACCEPT, A.START, A.COMPLETE):
        state = apply(state, action, Party.RECEIVER, **_args(action))
    assert state is S.COMPLETED
    rejected = apply(S.RECEIVED, A.REJECT, Party.RECEIVER, reason=RejectReason.OUT_OF_AREA)
    assert allowed_actions(rejected, Party.SENDER) == [A.REFER_ONWARD]
    assert apply(rejected, A.REFER_ONWARD, Party.SENDER) is S.REFERRED_ONWARD


def test_unknown_action_is_refused():
    with pytest.raises(ReferralRefused):
        apply(S.REQUESTED, "shred", Party.RECEIVER)


# -- reply deadlines on the working-day calendar ----------------------------------------------------
def _org(org_type: OrgType, days: int | None = None) -> Organisation:
    return Organisation("x", "x", org_type, "11110", reply_days=days)


def test_default_deadlines_are_the_guides():
    assert default_reply_days(OrgType.HOPE_SUPPORT) == 3  # 129 transfer, L10958
    assert default_reply_days(OrgType.FOOD_BANK) == 10  # L9366
    assert default_reply_days(OrgType.MENTAL_HEALTH) == 14  # other programmes, L14651
    assert _org(OrgType.MENTAL_HEALTH, days=5).reply_within_days == 5


def test_deadlines_skip_seollal_and_weekends():
    friday_before_seollal = date(2026, 2, 13)
    # 3 days (§19①: after the day): 02-16..18 설날, so 19, 20, 23.
    assert _org(OrgType.HOPE_SUPPORT).reply_due(friday_before_seollal) == date(2026, 2, 23)
    # 10 days (§19②, first day counted): 13, 19, 20, 23–27, (03-02 대체공휴일), 3, 4.
    assert _org(OrgType.FOOD_BANK).reply_due(friday_before_seollal) == date(2026, 3, 4)
    # 14 days from 추석 eve 2026-09-23: 23, (24–26 추석), 28–30, 10-01, 02, (05 대체 개천절), 6–8,
    # (09 한글날), 12–16.
    assert _org(OrgType.MENTAL_HEALTH).reply_due(date(2026, 9, 23)) == date(2026, 10, 16)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), st.sampled_from(list(OrgType)))
def test_a_deadline_is_a_working_day_after_the_sending(sent_on, org_type):
    from welfare.working_days import is_working_day
    due = _org(org_type).reply_due(sent_on)
    assert due >= sent_on and is_working_day(due)


# -- consent (서식2) --------------------------------------------------------------------------------
def test_consent_names_the_recipient_and_limits_what_goes():
    consent = consent_from({"general_data": True, "sensitive_data": False, "third_party": True}, ["jn-mental"],
                           date(2026, 12, 1), 3)
    assert consent.names("jn-mental") and not consent.names("jn-food")
    assert consent.shareable_with("jn-mental") == ("address", "phone", "household", "age_band")
    assert consent.shareable_with("jn-food") == ()
    assert not consent.agreed(ConsentPart.UNIQUE_IDENTIFIERS)
    without_third_party = consent_from({"general_data": True}, ["jn-mental"], date(2026, 12, 1))
    assert not without_third_party.names("jn-mental")
    with pytest.raises(ValueError):
        consent_from({"everything": True}, [], date(2026, 12, 1))


# -- the organisation directory file -----------------------------------------------------------------
HEADER = "code,name,type,sigungu_code,area,needs,phone,chat_id,reply_days\n"


def test_the_shipped_directory_loads_with_its_hope_support_team():
    orgs = load_organisations_csv(known_dongs=None)
    assert [o.code for o in orgs.of_type(OrgType.HOPE_SUPPORT)] == ["jn-hope"]
    suggested = orgs.suggested("mental_health", "1111065000", "11110")
    assert suggested[0].type is OrgType.MENTAL_HEALTH
    assert all(o.type is not OrgType.HOPE_SUPPORT for o in suggested)
    assert "jn-welfare" not in [o.code for o in suggested]  # serves 창신·숭인 only


@pytest.mark.parametrize("row,says", [
    ("a,센터,clinic,11110,,,,,", "row 2: type"),
    ("a,센터,mental_health,1111,,,,,", "row 2: sigungu_code"),
    ("a b,센터,mental_health,11110,,,,,", "row 2: code"),
    ("a,,mental_health,11110,,,,,", "row 2: name"),
    ("a,센터,mental_health,11110,9999999999,,,,", "row 2: area: unknown"),
    ("a,센터,mental_health,11110,,wellbeing,,,", "row 2: needs: unknown domain wellbeing"),
    ("a,센터,mental_health,11110,,,,chat,", "row 2: chat_id"),
    ("a,센터,mental_health,11110,,,,,0", "row 2: reply_days"),
])
def test_a_bad_row_is_named(row, says):
    with pytest.raises(OrganisationError, match=says):
        parse_organisations_csv(HEADER + row + "\n", known_dongs={"1111065000"})


def test_a_duplicate_code_and_missing_columns_are_named():
    with pytest.raises(OrganisationError, match="row 3: code: a appears twice"):
        parse_organisations_csv(HEADER + "a,가,other,11110,,,,,\na,나,other,11110,,,,,\n")
    with pytest.raises(OrganisationError, match="missing columns: type"):
        parse_organisations_csv("code,name,sigungu_code\n")
