"""The referrals of the actor's scope for an export (FHIR, integrations/fhir.py): audited like
the CSV export of cases, with its size. Only codes leave: the case id stands for the person."""
from __future__ import annotations

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, visible_dongs
from core.work import Work
from state import referrals as store


async def export_referrals(work: Work, actor: Actor, *, dong: str | None = None,
                           limit: int = 10_000) -> list[store.ReferralRecord]:
    """Every referral sent from a 읍면동 in scope, oldest first."""
    dongs = visible_dongs(actor, Action.EXPORT_REFERRALS, dong)
    found = await store.listing(work.conn, sent_by_dongs=dongs, limit=limit) if dongs else []
    found.sort(key=lambda r: r.id)
    await audit_trail.write(work, actor, "export", "referrals.fhir.json", {"rows": len(found), "dongs": dongs[:50]})
    return found
