"""The audit log for auditors and 시군구 admins: read-only, filtered by who, what and subject.
Reading it is itself audited (core/audit_trail.py `read_log`)."""
from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core import audit_trail
from integrations.office import guard
from integrations.office.rendering import page

router = APIRouter()
FILTER = re.compile(r"[A-Za-z0-9:_-]{0,64}")
SCAN = 1000  # the latest entries the filters look through


@router.get("/office/audit")
async def audit(request: Request, actor: str = "", action: str = "", subject: str = "") -> Response:
    who = await guard.caller(request)
    wanted = {k: (v.strip() if FILTER.fullmatch(v.strip()) else "") for k, v in
              (("actor", actor), ("action", action), ("subject", subject))}
    async with guard.tx(request) as work:
        entries = await audit_trail.read_log(work, who.actor, SCAN)
    shown = [e for e in entries
             if (not wanted["actor"] or e.get("actor") == wanted["actor"])
             and (not wanted["action"] or e.get("action") == wanted["action"])
             and (not wanted["subject"] or str(e.get("subject", "")).startswith(wanted["subject"]))]
    return page(request, "audit.html", actor=who.actor, csrf=who.csrf, entries=shown[:300], wanted=wanted,
                total=len(shown))
