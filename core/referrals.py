"""Linkage actions: record a 서식2 consent, refer a case to an organisation, answer a referral
(접수, 수락, 반려, 시작, 완료, 재의뢰), cancel it, read it, and the lists of who owes whom.

A referral runs beside its case and never ends it. Personal data goes only where the case's
current consent names the receiving organisation under 제3자 제공 (L8655): without that the
referral is refused, saying to record a new consent first (L9636–9640). Every change is a case
event and an audit entry in the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core import audit_trail
from core import resources as core_resources
from core.actor import Actor
from core.permissions import RECORD_READERS, Action, check, visible_dongs
from core.refusals import NO_SUCH_CASE, Refused, RefusalKind, conflict, invalid, not_found
from core.work import Work
from state import cases, consents, reports
from state import organisations as org_store
from state import referrals as store
from welfare.consent import Consent, ConsentPart, consent_from
from welfare.followup_checklist import DOMAIN_IDS
from welfare.korea_time import kst_today
from welfare.organisations import OrgType, Organisation, Organisations
from welfare.resources import DEFAULT_MAX_AGE_DAYS
from welfare.referral_lifecycle import (
    Outcome, Party, ReferralAction, ReferralRefused, ReferralState, RejectReason, apply,
)

NO_SUCH_REFERRAL = "referral.error.no_such_referral"
CONSENT_MISSING = "referral.error.consent_missing"
NO_SUCH_ORG = "referral.error.no_such_org"
FLAGS = ("disabled", "multicultural", "north_korean_defector")  # 서식6: 장애인, 다문화, 북한이탈주민
MAX_REQUEST = 2000


@dataclass(frozen=True, slots=True)
class ReferralView:
    """A referral as its reader may see it: the personal details only as far as consent went
    (`details` is empty for anyone but the receiving organisation and the case's own team)."""

    referral: store.ReferralRecord
    organisation: Organisation | None
    receipt_no: str
    request: str
    details: dict[str, Any] = field(default_factory=dict)


async def _orgs(work: Work) -> Organisations:
    return await org_store.read_organisations(work.conn)


async def _case(work: Work, case_id: int, *, lock: bool = False) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id, lock=lock)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    return record


async def _referral(work: Work, referral_id: int, *, lock: bool = False) -> store.ReferralRecord:
    record = await store.load(work.conn, referral_id, lock=lock, db=work.db)
    if record is None:
        raise not_found(NO_SUCH_REFERRAL)
    return record


# -- consent ------------------------------------------------------------------------------------
async def record_consent(work: Work, actor: Actor, case_id: int, parts: Mapping[str, bool], recipients: list[str],
                         given_on: date | None = None) -> Consent:
    """A new 서식2 consent for the case (never an edit): four parts and the named recipients."""
    record = await _case(work, case_id, lock=True)
    check(actor, Action.RECORD_CONSENT, dong_code=record.dong_code, manager_id=record.manager_member_id)
    orgs = await _orgs(work)
    if any(orgs.get(code) is None for code in recipients):
        raise invalid(NO_SUCH_ORG)
    on = given_on or kst_today(work.now)
    if on > kst_today(work.now):
        raise invalid("case.error.date_in_future")
    try:
        consent = consent_from(parts, recipients, on, actor.member_id)
    except (ValueError, TypeError):
        raise invalid("consent.error.unknown_part") from None
    consent_id = await consents.record(work.conn, record.id, consent, work.now)
    # The lifecycle's guards read one yes/no: it follows the general-data part (L8653–8655).
    assert actor.member_id is not None
    summary = {"consent": consent_id, "parts": {p.value: v for p, v in consent.parts.items()},
               "recipients": list(consent.recipients), "given_on": on.isoformat()}
    await consents.event(work.conn, record.id, record.state.step.value, actor.member_id, work.now, summary)
    general = consent.agreed(ConsentPart.GENERAL_DATA)
    if general != record.facts.personal_data_consent:
        await cases.set_facts(work.db, work.conn, record, {"personal_data_consent": general}, actor.member_id,
                              work.now)
    await audit_trail.write(work, actor, "record_consent", f"case:{record.id}", summary)
    return consent


# -- referring ----------------------------------------------------------------------------------
async def refer(work: Work, actor: Actor, case_id: int, to_org: str, *, need: str, request: str = "",
                flags: list[str] | None = None, is_change: bool = False,
                previous: store.ReferralRecord | None = None) -> store.ReferralRecord:
    """의뢰하기 (서식6): refused unless consent names `to_org`; the reply clock starts."""
    record = await _case(work, case_id)
    check(actor, Action.REFER, dong_code=record.dong_code, manager_id=record.manager_member_id)
    return await _send(work, actor, record, to_org, need=need, request=request, flags=flags or [],
                       is_change=is_change, previous=previous)


async def _send(work: Work, actor: Actor, record: cases.CaseRecord, to_org: str, *, need: str, request: str,
                flags: list[str], is_change: bool, previous: store.ReferralRecord | None) -> store.ReferralRecord:
    org = (await _orgs(work)).get(to_org)
    if org is None:
        raise invalid(NO_SUCH_ORG)
    if need not in DOMAIN_IDS or any(f not in FLAGS for f in flags) or len(request) > MAX_REQUEST:
        raise invalid("referral.error.invalid")
    consent = await consents.current(work.conn, record.id)
    if consent is None or not consent.names(org.code):
        raise Refused(RefusalKind.CONFLICT, CONSENT_MISSING)
    full = await reports.read_full(work.conn, work.cipher, record.report_id)
    referral = await store.create(
        work.db, work.conn, work.cipher, case_id=record.id, from_dong_code=record.dong_code,
        from_member_id=previous.from_member_id if previous else actor.member_id, to_org_code=org.code, need=need,
        household_type=full.household if full else None, flags=flags, is_change=is_change, request=request,
        shared=list(consent.shareable_with(org.code)), due_on=org.reply_due(kst_today(work.now)),
        previous_id=previous.id if previous else None, now=work.now)
    detail = {"due": referral.due_on.isoformat(), "need": need, "previous": referral.previous_id}
    await store.event(work.conn, referral, work.now, actor.member_id, "requested", record.state.step.value, detail)
    await audit_trail.write(work, actor, "refer", f"referral:{referral.id}",
                            {"case": record.id, "org": org.code, "shared": list(referral.shared), **detail})
    return referral


# -- answering, cancelling, referring onward ------------------------------------------------------
REASONED = {ReferralAction.REJECT, ReferralAction.COMPLETE}


@dataclass(frozen=True, slots=True)
class Moved:
    referral: store.ReferralRecord
    onward: store.ReferralRecord | None = None  # the new referral of a "refer onward"
    lead: str | None = None  # the organisation that became the case's lead with this step


async def reply(work: Work, actor: Actor, referral_id: int, action: str, *, reason: str | None = None,
                outcome: str | None = None, onward_to: str | None = None, request: str = "",
                expected_version: int | None = None) -> Moved:
    """One step of the referral by the receiving organisation, or (cancel, onward after a
    rejection) by the sender's team."""
    try:
        step = ReferralAction(action)
    except ValueError:
        raise invalid("referral.error.invalid") from None
    referral = await _referral(work, referral_id, lock=True)
    record = await _case(work, referral.case_id)
    party = party_for(actor, step, referral, record)
    if expected_version is not None and expected_version != referral.version:
        raise conflict("referral.error.stale")
    try:
        reject = RejectReason(reason) if step is ReferralAction.REJECT and reason else None
        result = Outcome(outcome) if step is ReferralAction.COMPLETE and outcome else None
    except ValueError:
        raise invalid("referral.error.invalid") from None
    try:
        state = apply(referral.state, step, party, reason=reject, outcome=result)
    except ReferralRefused as refused:
        raise conflict(refused.refusal.key) from None
    onward = None
    if step is ReferralAction.REFER_ONWARD:
        if not onward_to or onward_to == referral.to_org_code:
            raise invalid("referral.error.onward_org")
        onward = await _send(work, actor, record, onward_to, need=referral.need, request=request or
                             store.request_text(work.cipher, referral), flags=list(referral.flags),
                             is_change=referral.is_change, previous=referral)
    try:
        moved = await store.move(work.conn, referral, state, work.now, reject_reason=reject.value if reject else None,
                                 outcome=result.value if result else None,
                                 taken_by=actor.member_id if party is Party.RECEIVER else None)
    except store.StaleReferral:
        raise conflict("referral.error.stale") from None
    detail = {k: v for k, v in {"reason": reject and reject.value, "outcome": result and result.value,
                                "onward": onward and onward.id}.items() if v}
    await store.event(work.conn, moved, work.now, actor.member_id, step.value, record.state.step.value, detail)
    await audit_trail.write(work, actor, step.value, f"referral:{moved.id}", {"state": state.value, **detail})
    lead = None
    if step is ReferralAction.ACCEPT:
        org = (await _orgs(work)).get(moved.to_org_code)
        if org is not None and org.type is OrgType.HOPE_SUPPORT:
            # A 고난도 case the 희망복지지원단 accepts: it becomes the 주사례관리기관 (L8101–8111, L8425–8433).
            lead = await _set_lead(work, actor, record, org.code)
    return Moved(moved, onward, lead)


async def _set_lead(work: Work, actor: Actor, record: cases.CaseRecord, org_code: str | None) -> str | None:
    before = await store.set_lead(work.conn, record.id, org_code, actor.member_id, record.state.step.value, work.now)
    await audit_trail.write(work, actor, "lead", f"case:{record.id}", {"from": before, "to": org_code})
    return org_code


async def reassign_lead(work: Work, actor: Actor, case_id: int, org_code: str | None) -> str | None:
    """The coordinator names the case's 주사례관리기관 (None: back to its 읍면동 team)."""
    record = await _case(work, case_id, lock=True)
    check(actor, Action.REASSIGN_LEAD, dong_code=record.dong_code)
    if org_code is not None and (await _orgs(work)).get(org_code) is None:
        raise invalid(NO_SUCH_ORG)
    await _set_lead(work, actor, record, org_code)
    return org_code


async def lead_of(work: Work, actor: Actor, case_id: int) -> str | None:
    """Who leads a case the actor may read (None: the 읍면동 team)."""
    record = await _case(work, case_id)
    check(actor, Action.READ_CASE, dong_code=record.dong_code)
    return await store.lead_of(work.conn, record.id)


def party_for(actor: Actor, step: ReferralAction, referral: store.ReferralRecord, record: cases.CaseRecord) -> Party:
    """The receiving organisation answers; the sender's team cancels, and sends a rejected
    referral onward. Someone who is neither gets the answer of a referral that does not exist."""
    if actor.org_code is not None and actor.org_code == referral.to_org_code and step is not ReferralAction.CANCEL:
        check(actor, Action.REPLY_REFERRAL, org_code=referral.to_org_code, missing=NO_SUCH_REFERRAL)
        return Party.RECEIVER
    if step is ReferralAction.CANCEL:
        check(actor, Action.CANCEL_REFERRAL, dong_code=record.dong_code, manager_id=record.manager_member_id,
              missing=NO_SUCH_REFERRAL)
        return Party.SENDER
    if step is ReferralAction.REFER_ONWARD and referral.state is ReferralState.REJECTED and actor.may_see(record.dong_code):
        check(actor, Action.REFER, dong_code=record.dong_code, manager_id=record.manager_member_id,
              missing=NO_SUCH_REFERRAL)
        return Party.SENDER
    check(actor, Action.REPLY_REFERRAL, org_code=referral.to_org_code, missing=NO_SUCH_REFERRAL)
    return Party.RECEIVER


# -- reading ----------------------------------------------------------------------------------------
async def read_referral(work: Work, actor: Actor, referral_id: int) -> ReferralView:
    """The referral; for the receiving organisation with what consent let it carry. Audited;
    a registered member refused (not theirs) is audited too."""
    referral = await store.load(work.conn, referral_id)
    try:
        if referral is None:
            raise not_found(NO_SUCH_REFERRAL)
        # The case's team follows its referrals: the 읍면동 that sent it, or the one the household
        # moved to since (a transfer, L10102–10106).
        case_dong = await cases.dong_of(work.conn, referral.case_id)
        seen_from = referral.from_dong_code if actor.may_see(referral.from_dong_code) else case_dong
        check(actor, Action.READ_REFERRAL, dong_code=seen_from, org_code=referral.to_org_code,
              missing=NO_SUCH_REFERRAL)
    except Refused as refused:
        if actor.member is not None and refused.kind is RefusalKind.NOT_FOUND:
            raise await audit_trail.denied(work, actor, f"referral:{referral_id}", refused) from None
        raise
    record = await _case(work, referral.case_id)
    receiver = actor.org_code == referral.to_org_code
    details: dict[str, Any] = {}
    # The consented details: for the receiving organisation, and for those who read the case's
    # full record anyway (its 읍면동 team, the 시군구 admin) — not for the coordinator watching
    # the 시군구's referrals, whom the consent does not name.
    if receiver or actor.role in RECORD_READERS and actor.may_see(record.dong_code):
        full = await reports.read_full(work.conn, work.cipher, record.report_id)
        if full is not None:
            details = {f: getattr(full, f) for f in referral.shared if hasattr(full, f)}
    await audit_trail.write(work, actor, "read", f"referral:{referral.id}", {"fields": sorted(details)})
    org = (await _orgs(work)).get(referral.to_org_code)
    return ReferralView(referral, org, record.receipt_no, store.request_text(work.cipher, referral), details)


async def of_case(work: Work, actor: Actor, record: cases.CaseRecord) -> list[store.ReferralRecord]:
    """The referrals of a case its reader may already see (the case card, no personal data)."""
    return await store.of_case(work.conn, record.id)


async def of_cases(work: Work, case_ids: list[int]) -> dict[int, list[store.ReferralRecord]]:
    """For an export the core already let through (export_cases): referrals by case."""
    found: dict[int, list[store.ReferralRecord]] = {}
    for r in await store.of_cases(work.conn, case_ids):
        found.setdefault(r.case_id, []).append(r)
    return found


async def sent(work: Work, actor: Actor, *, states: list[str] | None = None, overdue: bool = False,
               limit: int = 200) -> list[store.ReferralRecord]:
    """What I sent (a caseworker) or my 읍면동 sent (the team leader). No personal data."""
    check(actor, Action.LIST_REFERRALS)
    if actor.role is None or not actor.role.dong_scoped:
        return []
    mine = actor.member_id if actor.role.value == "caseworker" else None
    return await store.listing(work.conn, sent_by_dongs=sorted(actor.dongs), from_member_id=mine, states=states,
                               overdue_on=kst_today(work.now) if overdue else None, limit=limit)


async def owed(work: Work, actor: Actor, *, states: list[str] | None = None, overdue: bool = False,
               limit: int = 200) -> list[store.ReferralRecord]:
    """What my organisation owes an answer to (or is working on). No personal data."""
    check(actor, Action.LIST_REFERRALS)
    if actor.org_code is None:
        return []
    return await store.listing(work.conn, to_org=actor.org_code, states=states or store.OPEN,
                               overdue_on=kst_today(work.now) if overdue else None, limit=limit)


@dataclass(frozen=True, slots=True)
class OpenByOrganisation:
    org_code: str
    open: int
    overdue: int
    oldest_days: int


async def coordination(work: Work, actor: Actor, *, overdue_only: bool = False,
                       limit: int = 2000) -> tuple[list[OpenByOrganisation], list[store.ReferralRecord]]:
    """The coordinator's view: open referrals of the 시군구 by organisation and age, and the
    overdue ones (counts and ids, never personal data)."""
    dongs = visible_dongs(actor, Action.COORDINATE_REFERRALS)
    found = await store.listing(work.conn, sent_by_dongs=dongs, states=store.OPEN, limit=limit)
    late = [r for r in found if r.overdue(work.now)]
    by_org: dict[str, list[store.ReferralRecord]] = {}
    for r in found:
        by_org.setdefault(r.to_org_code, []).append(r)
    rows = [OpenByOrganisation(code, len(rs), sum(r.overdue(work.now) for r in rs), max(r.age_days(work.now) for r in rs))
            for code, rs in sorted(by_org.items())]
    return rows, late if overdue_only else found


async def directory(work: Work, actor: Actor) -> Organisations:
    check(actor, Action.LIST_ORGANISATIONS)
    return await _orgs(work)


@dataclass(frozen=True, slots=True)
class DialogOptions:
    """What the referral dialog offers for a case: needs, suggested organisations per need, and
    per organisation the fields consent lets go (absent: consent does not name it)."""

    case: cases.CaseRecord
    needs: list[str]
    orgs: dict[str, list[list[str]]]
    covers: dict[str, list[str]]
    after_new_consent: list[str]
    # Per need, [org code, org name, resource name] of organisations with a verified resource
    # for it in the case's 읍면동 (core/resources.py): listed, and offered first.
    resources: dict[str, list[list[str]]] = field(default_factory=dict)


async def dialog_options(work: Work, actor: Actor, case_id: int, *,
                         resource_max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> DialogOptions:
    record = await _case(work, case_id)
    check(actor, Action.REFER, dong_code=record.dong_code, manager_id=record.manager_member_id)
    orgs = await _orgs(work)
    dong = work.directory.dong(record.dong_code)
    sigungu = dong.sigungu_code if dong else None
    consent = await consents.current(work.conn, record.id)
    suggested = {need: [[o.code, o.name] for o in orgs.suggested(need, record.dong_code, sigungu)]
                 for need in DOMAIN_IDS}
    # The 희망복지지원단 takes a hard case (고난도, L8101–8111): offered under every need, last.
    for hope in orgs.of_type(OrgType.HOPE_SUPPORT, sigungu):
        for need in DOMAIN_IDS:
            suggested[need].append([hope.code, hope.name])
    resources: dict[str, list[list[str]]] = {}
    by_need = await core_resources.suggestions(work, DOMAIN_IDS, record.dong_code, sigungu,
                                               max_age_days=resource_max_age_days)
    for need, found in by_need.items():
        first = {s.org_code: s for s in found}
        suggested[need] = [[s.org_code, s.org_name] for s in found] + [o for o in suggested[need] if o[0] not in first]
        if found:
            resources[need] = [[s.org_code, s.org_name, s.resource.name] for s in found]
    covers = {o.code: list(consent.shareable_with(o.code)) for o in orgs.all if consent and consent.names(o.code)}
    after = list(_with_recipient(consent, "-", work.now).shareable_with("-"))
    return DialogOptions(record, list(DOMAIN_IDS), suggested, covers, after, resources)


def _with_recipient(consent: Consent | None, org_code: str, now) -> Consent:
    """A new consent with the current one's parts, 제3자 제공 agreed and `org_code` named too."""
    parts = {p.value: (consent.agreed(p) if consent else p is ConsentPart.GENERAL_DATA) for p in ConsentPart}
    parts[ConsentPart.THIRD_PARTY.value] = True
    recipients = [*(consent.recipients if consent else ()), org_code]
    return consent_from(parts, recipients, kst_today(now))


async def record_consent_naming(work: Work, actor: Actor, case_id: int, org_code: str) -> Consent:
    """The worker has a new signed 서식2 that adds `org_code` to the recipients (L9636–9640)."""
    current = await consents.current(work.conn, case_id)
    new = _with_recipient(current, org_code, work.now)
    return await record_consent(work, actor, case_id, {p.value: v for p, v in new.parts.items()}, list(new.recipients))


async def org_of(work: Work, code: str) -> Organisation | None:
    """An organisation's public entry (name, chat): the directory has no personal data."""
    return (await _orgs(work)).get(code)
