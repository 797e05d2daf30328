"""What the referral pages offer (the web office): the answers this person can give a referral
now, from the referral lifecycle and the one table — so a page shows only buttons the core will
accept. Doing any of them is `core.referrals.reply`."""
from __future__ import annotations

from core.actor import Actor
from core.permissions import Action, check
from core.refusals import Refused
from state import cases
from state.referrals import ReferralRecord
from core.work import Work
from welfare.referral_lifecycle import Party, ReferralAction, allowed_actions


def _allowed(actor: Actor, action: Action, **scope) -> bool:
    try:
        check(actor, action, **scope)
    except Refused:
        return False
    return True


async def offered(work: Work, actor: Actor, referral: ReferralRecord) -> list[ReferralAction]:
    """The receiving organisation's answers (접수, 수락, 반려, 시작, 완료, 재의뢰), or the sender's
    (취소; 재의뢰 after a rejection) for the case's manager and team leader."""
    if actor.org_code is not None and actor.org_code == referral.to_org_code:
        if _allowed(actor, Action.REPLY_REFERRAL, org_code=referral.to_org_code):
            return allowed_actions(referral.state, Party.RECEIVER)
        return []
    record = await cases.load(work.db, work.conn, referral.case_id)
    if record is None:
        return []
    scope = {"dong_code": record.dong_code, "manager_id": record.manager_member_id}
    found = []
    for step in allowed_actions(referral.state, Party.SENDER):
        needed = Action.CANCEL_REFERRAL if step is ReferralAction.CANCEL else Action.REFER
        if _allowed(actor, needed, **scope):
            found.append(step)
    return found
