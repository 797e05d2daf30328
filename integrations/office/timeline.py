"""A case's timeline: everything that happened to it, oldest first, from several sources.

Each source turns one kind of record into entries; referrals, support and conferences (the
linkage issues) add a source to SOURCES and a template line in case.html's timeline, nothing
else changes.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.work import Work
from state import cases, followups
from state.cases import CaseRecord


# Case events of the linkage (core/referrals.py, core/transfers.py): a 서식2 consent recorded,
# the 주사례관리기관 changed, the case moved to another 읍면동, the 주사례관리자 designated by the
# team leader, a co-managing organisation joined or left (core/co_managers.py); support recorded
# (core/support.py); a 사례회의 decision, a 솔루션회의 asked for (core/conferences.py,
# core/solution_meetings.py).
LINKAGE_EVENTS = ("record_consent", "lead_changed", "transferred", "manager_designated", "co_manager_added",
                  "co_manager_removed", "record_support", "conference_decision", "request_solution_meeting")


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    kind: str  # "step", "consent", "taken", "linkage", "referral", "followup" (a template block each)
    detail: dict[str, Any] = field(default_factory=dict)


async def case_events(work: Work, record: CaseRecord) -> list[Entry]:
    entries = []
    for event in await cases.history(work.conn, record.id):
        at = datetime.fromisoformat(event["at"])
        if event["action"] in ("take", "assign"):
            entries.append(Entry(at, "taken", event))
        elif event["action"] == "set_fact":
            entries.append(Entry(at, "consent", event))
        elif event["action"] in LINKAGE_EVENTS:
            entries.append(Entry(at, "linkage", event))
        elif event["action"].startswith("referral_"):  # a referral's every change (state/referrals.py event)
            entries.append(Entry(at, "referral", event))
        else:
            entries.append(Entry(at, "step", event))
    return entries


async def followup_calls(work: Work, record: CaseRecord) -> list[Entry]:
    return [Entry(datetime.fromisoformat(f["submitted_at"]), "followup", f)
            for f in await followups.of_case(work.conn, work.cipher, record.id)]


Source = Callable[[Work, CaseRecord], Awaitable[list[Entry]]]
SOURCES: list[Source] = [case_events, followup_calls]


async def entries(work: Work, record: CaseRecord) -> list[Entry]:
    """Call only after the core has read (and audited) the case for this person."""
    found = [entry for source in SOURCES for entry in await source(work, record)]
    return sorted(found, key=lambda e: e.at)
