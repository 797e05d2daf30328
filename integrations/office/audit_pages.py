"""The audit log for auditors and 시군구 admins: read-only, filtered by who, what, subject (a
prefix) and a date range in KST. Reading it is itself audited (core/audit_trail.py `search_log`)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core import audit_trail
from integrations.office import guard
from integrations.office.rendering import page
from welfare.korea_time import kst_moment

router = APIRouter()
FILTER = re.compile(r"[A-Za-z0-9:_-]{0,64}")
SHOWN = 300


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _utc(day: date | None) -> datetime | None:
    """The start of a KST day as the store's naive UTC."""
    return kst_moment(day, time(0, 0)) if day is not None else None


@router.get("/office/audit")
async def audit(request: Request, actor: str = "", action: str = "", subject: str = "", since: str = "",
                until: str = "") -> Response:
    who = await guard.caller(request)
    wanted = {k: (v.strip() if FILTER.fullmatch(v.strip()) else "") for k, v in
              (("actor", actor), ("action", action), ("subject", subject))}
    first, last = _day(since), _day(until)
    async with guard.tx(request) as work:
        entries, more = await audit_trail.search_log(
            work, who.actor, who=wanted["actor"], action=wanted["action"], subject=wanted["subject"],
            since=_utc(first), until=_utc(last + timedelta(days=1)) if last else None, limit=SHOWN)
    wanted.update(since=first.isoformat() if first else "", until=last.isoformat() if last else "")
    return page(request, "audit.html", actor=who.actor, csrf=who.csrf, entries=entries, wanted=wanted,
                total=len(entries), more=more)
