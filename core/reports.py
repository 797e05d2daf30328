"""Reports: filing one, the reporter's own view of it (stages only) and its withdrawal, and
staff's lists and full reads. A reporter is known by the chat they filed from; staff by role
and scope (core/permissions.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check, require_role, visible_dongs
from core.refusals import NO_SUCH_REPORT, not_found
from core.work import Work
from state import reports
from welfare.crisis_report import CrisisReport


@dataclass(frozen=True, slots=True)
class TooMany:
    """Over the per-reporter limit (never applied to an urgent report)."""

    limit: int


async def file_report(work: Work, actor: Actor, report: CrisisReport, *,
                      per_hour: int) -> reports.FiledReport | TooMany:
    check(actor, Action.FILE_REPORT)
    assert actor.chat_id is not None, "a report is filed from a chat (or a playground session)"
    if not report.urgent:  # life comes before abuse limits
        recent = await reports.count_recent_by_reporter(work.conn, work.cipher, actor.channel.value, actor.chat_id,
                                                        work.now - timedelta(hours=1))
        if recent >= per_hour:
            return TooMany(per_hour)
    filed = await reports.file_report(work.conn, work.cipher, channel=actor.channel.value, chat_id=actor.chat_id,
                                      member_id=actor.member_id, report=report, now=work.now)
    await audit_trail.write(work, actor, "create", f"report:{filed.receipt_no}",
                            {"dong": filed.dong_code, "urgent": filed.urgent})
    return filed


async def own_status(work: Work, actor: Actor, receipt_no: str) -> reports.ReporterView | None:
    """The stage of a report this chat filed; None for any other receipt number (existing or not)."""
    check(actor, Action.READ_OWN_REPORTS)
    assert actor.chat_id is not None
    view = await reports.status_for_reporter(work.conn, work.cipher, receipt_no, actor.channel.value, actor.chat_id)
    if view is not None:
        await audit_trail.write(work, actor, "read_status", f"report:{view.receipt_no}")
    return view


async def own_reports(work: Work, actor: Actor) -> list[reports.ReporterView]:
    check(actor, Action.READ_OWN_REPORTS)
    assert actor.chat_id is not None
    return await reports.reports_of_reporter(work.conn, work.cipher, actor.channel.value, actor.chat_id)


async def withdraw(work: Work, actor: Actor, receipt_no: str) -> str | None:
    """Consent withdrawn for a report this chat filed: the outcome ("erased" or
    "contact_removed"), or None when this chat filed no such report."""
    check(actor, Action.WITHDRAW_OWN_REPORT)
    assert actor.chat_id is not None
    outcome = await reports.withdraw_consent(work.conn, work.cipher, receipt_no, actor.channel.value, actor.chat_id,
                                             work.now)
    if outcome is not None:
        await audit_trail.write(work, actor, "consent_withdrawn", f"report:{receipt_no}", {"outcome": outcome})
    return outcome


async def list_reports(work: Work, actor: Actor, *, dong: str | None = None, status: str | None = None,
                       urgent: bool | None = None, limit: int = 100) -> list[Any]:
    """Reports in scope without personal data, urgent first."""
    dongs = visible_dongs(actor, Action.LIST_REPORTS, dong)
    return await reports.list_in_dongs(work.conn, dongs, status=status, urgent=urgent, limit=limit)


async def report_by_receipt(work: Work, actor: Actor, action: Action, receipt_no: str) -> Any:
    """The report row for a receipt number, if the actor may do `action` on it; otherwise the
    same refusal as for a receipt number that does not exist."""
    require_role(actor, action)
    row = await reports.by_receipt(work.conn, receipt_no)
    if row is None:
        raise not_found(NO_SUCH_REPORT)
    check(actor, action, dong_code=row.dong_code, missing=NO_SUCH_REPORT)
    return row


async def read_report(work: Work, actor: Actor, report_id: int) -> reports.FullRecord:
    """The full intake record (personal data), for staff of its 읍면동. Audited."""
    require_role(actor, Action.READ_REPORT)
    record = await reports.read_full(work.conn, work.cipher, report_id)
    if record is None:
        raise not_found(NO_SUCH_REPORT)
    check(actor, Action.READ_REPORT, dong_code=record.dong_code, missing=NO_SUCH_REPORT)
    await audit_trail.write(work, actor, "read", f"report:{record.receipt_no}")
    return record
