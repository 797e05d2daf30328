"""Referrals as FHIR R4 resources: each referral is a `ServiceRequest` (what is asked of whom)
and a `Task` (the closed loop: its status is our referral state, FHIR Task's own codes, as HL7
Gravity SDOH uses them), gathered in one `collection` Bundle. The codes are documented in
docs/fhir.md.

Minimal personal data: the person is `Patient/case-<case id>` (a reference, never a name, phone
or address); the request's free text is not exported; the referring 읍면동 and the receiving
organisation are `Organization/<code>`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from state.referrals import ReferralRecord
from welfare.referral_lifecycle import ReferralState

BASE = "https://salpim.kr/fhir"
NEED_SYSTEM = f"{BASE}/CodeSystem/need-domain"  # the guide's 11 need domains (welfare/followup_checklist.py)
STATE_SYSTEM = f"{BASE}/CodeSystem/referral-state"  # our states, one more than Task's: referred-onward
REJECT_SYSTEM = f"{BASE}/CodeSystem/referral-reject-reason"
OUTCOME_SYSTEM = f"{BASE}/CodeSystem/referral-outcome"
FLAG_SYSTEM = f"{BASE}/CodeSystem/household-flag"
HOUSEHOLD_SYSTEM = f"{BASE}/CodeSystem/household-type"
REFERRAL_ID_SYSTEM = f"{BASE}/referral-id"

# FHIR Task.status for each referral state: the same word, except "referred onward", which ends
# this Task (completed) and is said in businessStatus; the next organisation's Task is new.
TASK_STATUS = {s: s.value for s in ReferralState} | {ReferralState.REFERRED_ONWARD: "completed"}
# ServiceRequest.status: active while the loop is open, completed when it closed with a service,
# revoked when it was rejected, cancelled or passed on.
REQUEST_STATUS = {
    ReferralState.REQUESTED: "active", ReferralState.RECEIVED: "active", ReferralState.ACCEPTED: "active",
    ReferralState.IN_PROGRESS: "active", ReferralState.COMPLETED: "completed", ReferralState.REJECTED: "revoked",
    ReferralState.CANCELLED: "revoked", ReferralState.REFERRED_ONWARD: "revoked",
}


def _instant(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"  # stored as naive UTC (state/timeutil.py)


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def service_request(r: ReferralRecord) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": f"referral-{r.id}",
        "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": str(r.id)}],
        "status": REQUEST_STATUS[r.state], "intent": "order",
        "code": _coding(NEED_SYSTEM, r.need),
        "subject": {"reference": f"Patient/case-{r.case_id}"},
        "authoredOn": _instant(r.sent_at),
        "requester": {"reference": f"Organization/dong-{r.from_dong_code}"},
        "performer": [{"reference": f"Organization/{r.to_org_code}"}],
    }
    categories = [_coding(HOUSEHOLD_SYSTEM, r.household_type)] if r.household_type else []
    categories += [_coding(FLAG_SYSTEM, f) for f in r.flags]
    if categories:
        resource["category"] = categories
    if r.previous_id is not None:  # referred onward: this request takes the previous one's place
        resource["replaces"] = [{"reference": f"ServiceRequest/referral-{r.previous_id}"}]
    return resource


def task(r: ReferralRecord) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": f"referral-{r.id}-task",
        "basedOn": [{"reference": f"ServiceRequest/referral-{r.id}"}],
        "focus": {"reference": f"ServiceRequest/referral-{r.id}"},
        "for": {"reference": f"Patient/case-{r.case_id}"},
        "status": TASK_STATUS[r.state], "intent": "order",
        "businessStatus": _coding(STATE_SYSTEM, r.state.value),
        "authoredOn": _instant(r.sent_at),
        "requester": {"reference": f"Organization/dong-{r.from_dong_code}"},
        "owner": {"reference": f"Organization/{r.to_org_code}"},
        # The reply deadline (working-day calendar): the Task should be answered by the end of it.
        "restriction": {"period": {"end": r.due_on.isoformat()}},
    }
    if r.reject_reason:
        resource["statusReason"] = _coding(REJECT_SYSTEM, r.reject_reason)
    if r.outcome:
        resource["output"] = [{"type": {"text": "outcome"}, "valueCodeableConcept": _coding(OUTCOME_SYSTEM, r.outcome)}]
    return resource


def bundle(referrals: list[ReferralRecord], now: datetime) -> dict[str, Any]:
    entries = []
    for r in referrals:
        entries += [{"resource": service_request(r)}, {"resource": task(r)}]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _instant(now), "entry": entries}
