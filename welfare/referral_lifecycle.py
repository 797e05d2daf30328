"""A referral (의뢰, 서식6 서비스 의뢰서 L12309–12411) as one ``transitions`` machine, with the
states of FHIR's Task so an export maps onto the social-care referral standards (HL7 Gravity
SDOH):

    requested → received → accepted | rejected (coded reason) → in-progress
              → completed (coded outcome) | cancelled;  and referred onward.

The receiving organisation answers (receive, accept, reject, start, complete, refer onward);
the sender may cancel while the referral is open. A referral runs beside its case: it never
ends the case (the case lifecycle's 타 기관 의뢰 종결 is a separate decision).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from transitions import EventData, Machine, MachineError


class ReferralState(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFERRED_ONWARD = "referred-onward"  # FHIR: this Task ends, a new one goes to the next organisation

    @property
    def label_key(self) -> str:
        return f"referral.state.{self.value}"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES

    @property
    def awaits_reply(self) -> bool:
        """The receiving organisation has not answered yet: the reply clock runs."""
        return self in (ReferralState.REQUESTED, ReferralState.RECEIVED)


OPEN_STATES = frozenset({ReferralState.REQUESTED, ReferralState.RECEIVED, ReferralState.ACCEPTED,
                         ReferralState.IN_PROGRESS})


class ReferralAction(StrEnum):
    RECEIVE = "receive"  # 접수
    ACCEPT = "accept"  # 수락
    REJECT = "reject"  # 반려 (with a reason)
    START = "start"  # 서비스 시작
    COMPLETE = "complete"  # 완료 (with an outcome)
    CANCEL = "cancel"  # 의뢰 취소 (the sender)
    REFER_ONWARD = "refer_onward"  # 다른 기관으로 재의뢰

    @property
    def label_key(self) -> str:
        return f"referral.action.{self.value}"


class Party(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


class RejectReason(StrEnum):
    OUT_OF_AREA = "out_of_area"  # 관할·서비스 지역 밖
    NOT_ELIGIBLE = "not_eligible"  # 대상 기준에 맞지 않음
    NO_CAPACITY = "no_capacity"  # 정원·자원 부족
    DUPLICATE_SERVICE = "duplicate_service"  # 이미 같은 서비스를 받고 있음 (L9209–9210)
    PERSON_DECLINED = "person_declined"  # 본인 거부
    OTHER_AGENCY_FITS = "other_agency_fits"  # 다른 기관이 더 적합

    @property
    def label_key(self) -> str:
        return f"referral.reject.{self.value}"


class Outcome(StrEnum):
    SERVICE_PROVIDED = "service_provided"  # 서비스 제공 완료
    ONGOING_SERVICE = "ongoing_service"  # 지속 서비스로 연결 (자체 사례관리)
    PERSON_DECLINED = "person_declined"  # 본인 거부
    UNREACHABLE = "unreachable"  # 연락 두절
    NOT_NEEDED = "not_needed"  # 욕구 해소로 불필요

    @property
    def label_key(self) -> str:
        return f"referral.outcome.{self.value}"


class ReferralRefusal(StrEnum):
    NOT_FROM_STATE = "not_from_state"
    WRONG_PARTY = "wrong_party"
    REASON_MISSING = "reason_missing"
    OUTCOME_MISSING = "outcome_missing"

    @property
    def key(self) -> str:
        return f"referral.error.{self.value}"


class ReferralRefused(Exception):
    def __init__(self, refusal: ReferralRefusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


_S, _A = ReferralState, ReferralAction
# (action, from states, to state, who may)
RULES: tuple[tuple[ReferralAction, tuple[ReferralState, ...], ReferralState, Party], ...] = (
    (_A.RECEIVE, (_S.REQUESTED,), _S.RECEIVED, Party.RECEIVER),
    (_A.ACCEPT, (_S.REQUESTED, _S.RECEIVED), _S.ACCEPTED, Party.RECEIVER),
    (_A.REJECT, (_S.REQUESTED, _S.RECEIVED), _S.REJECTED, Party.RECEIVER),
    (_A.START, (_S.ACCEPTED,), _S.IN_PROGRESS, Party.RECEIVER),
    (_A.COMPLETE, (_S.ACCEPTED, _S.IN_PROGRESS), _S.COMPLETED, Party.RECEIVER),
    (_A.CANCEL, tuple(sorted(OPEN_STATES)), _S.CANCELLED, Party.SENDER),
    # Onward: the receiver passes it on instead of answering, or after rejecting it; the sender
    # may also send a rejected referral onward to another organisation.
    (_A.REFER_ONWARD, (_S.RECEIVED, _S.ACCEPTED, _S.IN_PROGRESS), _S.REFERRED_ONWARD, Party.RECEIVER),
    (_A.REFER_ONWARD, (_S.REJECTED,), _S.REFERRED_ONWARD, Party.SENDER),
)


@dataclass
class _Attempt:
    state: str
    party: Party
    reason: RejectReason | None
    outcome: Outcome | None
    refusal: ReferralRefusal | None = None


def _allowed(party: Party):
    def guard(event: EventData) -> bool:
        attempt: _Attempt = event.model
        if attempt.party is not party:
            attempt.refusal = ReferralRefusal.WRONG_PARTY
            return False
        action = ReferralAction(event.event.name)
        if action is _A.REJECT and attempt.reason is None:
            attempt.refusal = ReferralRefusal.REASON_MISSING
            return False
        if action is _A.COMPLETE and attempt.outcome is None:
            attempt.refusal = ReferralRefusal.OUTCOME_MISSING
            return False
        return True
    return guard


_GUARDS = {party: _allowed(party) for party in Party}
_MACHINE = Machine(
    model=None,
    states=[s.value for s in ReferralState],
    initial=ReferralState.REQUESTED.value,
    transitions=[{"trigger": action.value, "source": [s.value for s in sources], "dest": dest.value,
                  "conditions": [_GUARDS[party]]} for action, sources, dest, party in RULES],
    auto_transitions=False,
    send_event=True,
)


def apply(state: ReferralState, action: ReferralAction | str, party: Party, *, reason: RejectReason | None = None,
          outcome: Outcome | None = None) -> ReferralState:
    """The state after `action` by `party`, or ReferralRefused saying why not."""
    try:
        name = ReferralAction(action).value
    except ValueError:
        raise ReferralRefused(ReferralRefusal.NOT_FROM_STATE) from None
    attempt = _Attempt(ReferralState(state).value, party, reason, outcome)
    try:
        accepted = _MACHINE.events[name].trigger(attempt)
    except MachineError:
        raise ReferralRefused(ReferralRefusal.NOT_FROM_STATE) from None
    if not accepted:
        raise ReferralRefused(attempt.refusal or ReferralRefusal.NOT_FROM_STATE)
    return ReferralState(attempt.state)


def allowed_actions(state: ReferralState, party: Party) -> list[ReferralAction]:
    """What this party can do now (reasons and outcomes are asked for with the action)."""
    return list(dict.fromkeys(a for a, sources, _, who in RULES if who is party and state in sources))


def message_keys() -> set[str]:
    keys = {s.label_key for s in ReferralState} | {a.label_key for a in ReferralAction}
    keys |= {r.label_key for r in RejectReason} | {o.label_key for o in Outcome}
    return keys | {r.key for r in ReferralRefusal}
