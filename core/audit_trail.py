"""Writing and reading the audit log through the core: entries name the actor and the record
(ids, receipt numbers, codes), never personal data, and reading the log is itself recorded."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core.actor import Actor
from core.permissions import Action, check
from core.refusals import Refused
from core.work import Work
from state import audit, audit_anchors


async def write(work: Work, actor: Actor, action: str, subject: str, detail: dict[str, Any] | None = None) -> None:
    body = {"via": actor.channel.value, **(detail or {})}
    await audit.record(work.conn, actor=actor.label, action=action, subject=subject, now=work.now, detail=body)


async def denied(work: Work, actor: Actor, subject: str, refused: Refused, action: str = "denied_read") -> Refused:
    """Record a refused read (or edit) by a registered member (it is audited, in the open
    transaction) and return the refusal carrying the entry, for a channel that rolls back on refusals."""
    entry = {"actor": actor.label, "action": action, "subject": subject,
             "detail": {"via": actor.channel.value, "refusal": refused.key}}
    await audit.record(work.conn, now=work.now, **entry)
    refused.audit = entry
    return refused


async def keep_denied(db, refused: Refused, now) -> None:
    """A refusal that `denied` recorded, written again in a transaction of its own: for a channel
    whose transaction rolled back with the refusal (the API), so the attempt stays on the log."""
    if refused.audit is None:
        return
    async with db.transaction() as conn:
        await audit.record(conn, now=now, **refused.audit)


async def read_log(work: Work, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    check(actor, Action.READ_AUDIT)
    await write(work, actor, "read", "audit_log", {"limit": limit})
    return await audit.latest(work.conn, limit)


async def verify_log(work: Work, actor: Actor, anchor_file: Path) -> audit.AuditCheck:
    """The keyed chain checked against every anchor kept outside the database."""
    check(actor, Action.READ_AUDIT)
    result = await audit_anchors.verify_with_anchors(work.conn, anchor_file)
    await write(work, actor, "verify_audit", "audit_log", {"intact": result.intact})
    return result


async def search_log(work: Work, actor: Actor, *, who: str = "", action: str = "", subject: str = "",
                     since=None, until=None, limit: int = 300) -> tuple[list[dict[str, Any]], bool]:
    """The audit log filtered by who, what, subject (a prefix) and a time range (UTC, `until`
    excluded), newest first; the search itself is an entry (with its filters, no personal data)."""
    check(actor, Action.READ_AUDIT)
    filters = {k: v for k, v in {"actor": who, "action": action, "subject": subject,
                                 "since": since.isoformat() if since else "",
                                 "until": until.isoformat() if until else ""}.items() if v}
    await write(work, actor, "read", "audit_log", {"limit": limit, **filters})
    return await audit.search(work.conn, actor=who, action=action, subject_prefix=subject, since=since,
                              until=until, limit=limit)
