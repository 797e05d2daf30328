"""The 시군구 overview (희망복지지원단 coordinator, 시군구 admin): every 읍면동's open cases with their
context (caseworkers, case mix), hard cases, replies owed by organisation with their age, the
week's reports and the overdue clocks per 읍면동 as charts, and where people give up in the
report and finder dialogs. The figures are the core's (core/overview.py, core/referrals.py)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core import overview as core_overview
from core import referrals as core_referrals
from core.permissions import Action, may
from integrations.office import charts, guard
from integrations.office.rendering import Words, page

router = APIRouter()
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def drop_off_table(found, flows) -> dict[str, list[dict]]:
    """Per flow, its questions in the order they are asked, with the give-ups at each."""
    table: dict[str, list[dict]] = {}
    for flow in ("report", "finder"):
        order = list(flows[flow].questions) if flow in flows else []
        counts: dict[str, dict[str, int]] = {}
        for c in found:
            if c.flow == flow:
                counts.setdefault(c.question, {"cancelled": 0, "expired": 0})[c.how] = c.count
        extra = sorted(q for q in counts if q not in order)
        table[flow] = [{"question": q, **counts[q], "total": sum(counts[q].values())}
                       for q in [*order, *extra] if q in counts]
    return table


@router.get("/office/overview")
async def overview(request: Request) -> Response:
    who = await guard.caller(request)
    async with guard.read(request) as work:
        figures = await core_overview.overview(work, who.actor)
        by_org, late = await core_referrals.coordination(work, who.actor, overdue_only=True)
        orgs = await core_referrals.directory(work, who.actor)
        now = work.now
    words = Words(request)
    week = charts.columns([(d.on.strftime("%m-%d"), words.t(f"office2.weekday.{WEEKDAYS[d.on.weekday()]}"),
                            d.reports, d.urgent) for d in figures.week])
    clocks = charts.rows([(words.dong(f.dong_code), f.overdue_clocks, f.open_cases) for f in figures.dongs])
    flows = request.app.state.services.engine.flows
    return page(request, "overview.html", actor=who.actor, csrf=who.csrf, o=figures, by_org=by_org, late=late,
                orgs=orgs, now=now, week=week, clocks=clocks, drop_offs=drop_off_table(figures.drop_offs, flows),
                may_read_case=may(who.actor, Action.READ_CASE))
