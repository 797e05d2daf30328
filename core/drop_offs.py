"""Where people give up in the report and finder dialogs: a count per (flow, question, how, day),
written by the service itself (no person acts, nothing about anyone is kept), read by the
coordinator's overview (core/overview.py) so the flows can be improved."""
from __future__ import annotations

from core.work import Work
from state import drop_offs as store
from welfare.korea_time import kst_today

HOW = ("cancelled", "expired")


async def count(work: Work, flow: str, question: str, how: str) -> None:
    if how in HOW:
        await store.add(work.db, work.conn, flow, question, how, kst_today(work.now))
