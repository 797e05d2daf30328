"""What a hand-off button may offer, asked of the core before the menu is drawn: organisations
consent lets a referral go on to (재의뢰), who may lead a case (주사례관리기관), and the 읍면동 a
case may move to (이관). Each checks the same row of the table as the action it leads to, so a
menu never offers what the action would refuse. Menus hold codes and names of organisations and
읍면동 only: nothing of the household, and nothing is audited until the action is taken."""
from __future__ import annotations

from dataclasses import dataclass

from core.actor import Actor
from core.permissions import Action, check
from core.refusals import NO_SUCH_CASE, not_found
from core.referrals import NO_SUCH_REFERRAL, party_for
from core.work import Work
from state import cases, co_managers, consents
from state import organisations as org_store
from state import referrals as referral_store
from welfare.directory import Dong
from welfare.organisations import OrgType, Organisation
from welfare.referral_lifecycle import ReferralAction


@dataclass(frozen=True, slots=True)
class OnwardOptions:
    referral: referral_store.ReferralRecord
    organisations: list[Organisation]  # named by the case's consent, other than the current receiver


async def _case(work: Work, case_id: int) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    return record


async def onward_options(work: Work, actor: Actor, referral_id: int) -> OnwardOptions:
    """재의뢰: where the referral may go on to. Only organisations the consent names (the onward
    referral carries the same details, L8655), so a receiver is never offered a refusal."""
    referral = await referral_store.load(work.conn, referral_id)
    if referral is None:
        raise not_found(NO_SUCH_REFERRAL)
    record = await _case(work, referral.case_id)
    party_for(actor, ReferralAction.REFER_ONWARD, referral, record)  # refused as the action would be
    consent = await consents.current(work.conn, record.id)
    orgs = await org_store.read_organisations(work.conn)
    named = [o for o in orgs.all if o.code != referral.to_org_code and consent is not None and consent.names(o.code)]
    return OnwardOptions(referral, named)


async def lead_options(work: Work, actor: Actor, case_id: int) -> tuple[cases.CaseRecord, str | None,
                                                                         list[Organisation]]:
    """Who may lead the case: its 읍면동 team (None) or an organisation of its 시군구 that leads
    cases — the 희망복지지원단 (L8101–8111) or one already co-managing it."""
    record = await _case(work, case_id)
    check(actor, Action.REASSIGN_LEAD, dong_code=record.dong_code)
    dong = work.directory.dong(record.dong_code)
    orgs = await org_store.read_organisations(work.conn)
    co = {c.org_code for c in await co_managers.current(work.conn, work.cipher, record.id)}
    candidates = [o for o in orgs.all if o.sigungu_code == (dong.sigungu_code if dong else None)
                  and (o.type is OrgType.HOPE_SUPPORT or o.code in co)]
    return record, await referral_store.lead_of(work.conn, record.id), candidates


async def transfer_options(work: Work, actor: Actor, case_id: int) -> tuple[cases.CaseRecord, list[Dong]]:
    """이관: the other 읍면동 of the case's 시군구 (a move further away is a new report there)."""
    record = await _case(work, case_id)
    check(actor, Action.TRANSFER_CASE, dong_code=record.dong_code)
    here = work.directory.dong(record.dong_code)
    return record, [d for d in work.directory.dongs
                    if here is not None and d.sigungu_code == here.sigungu_code and d.code != record.dong_code]
