"""The calls before a new follow-up call, read in one statement (state/followups.call_history):
the unanswered streak, when the current run of refusals began, the last call that got through.
Voided calls do not count."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from state.followups import F, call_history


def _call(day: int, reached: bool, refusing: bool = False, voided: bool = False) -> dict:
    at = datetime(2026, 11, day, 3, tzinfo=timezone.utc)  # 12:00 KST the same day
    return {"case_id": 1, "template_version": 1, "answers_enc": "-", "reached": reached, "attempts": 1,
            "outcome": {"refusing": refusing}, "submitted_at": at, "voided_at": at if voided else None}


async def _history(calls: list[dict]):
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: F.create(sync))
        if calls:
            await conn.execute(insert(F), calls)
        history = await call_history(conn, 1)
    await engine.dispose()
    return history


@pytest.mark.asyncio
async def test_no_calls_yet() -> None:
    history = await _history([])
    assert (history.unanswered_streak, history.refusing_since, history.last_reached_on) == (0, None, None)


@pytest.mark.asyncio
async def test_streak_refusals_and_last_contact_from_one_read() -> None:
    history = await _history([
        _call(2, reached=True),                    # got through, no refusal
        _call(5, reached=True, refusing=True),     # the run of refusals begins
        _call(9, reached=False),
        _call(12, reached=True, refusing=True),    # last call that got through, still refusing
        _call(14, reached=False),
        _call(15, reached=True, voided=True),      # voided: as if never made
        _call(16, reached=False),
    ])
    assert history.unanswered_streak == 2
    assert history.refusing_since == date(2026, 11, 5)
    assert history.last_reached_on == date(2026, 11, 12)


@pytest.mark.asyncio
async def test_a_call_that_got_through_without_refusing_ends_the_run() -> None:
    history = await _history([_call(3, reached=True, refusing=True), _call(6, reached=True)])
    assert (history.unanswered_streak, history.refusing_since, history.last_reached_on) == (0, None, date(2026, 11, 6))


def test_next_contact_choices_count_from_the_korean_date() -> None:
    """At 05:00 KST it is still yesterday in UTC: "1주 뒤" is a week from the caseworker's date."""
    from dialogs.flow import Asking, TurnContext
    from dialogs.followup_flow import _next_contact_choices, parse_next_contact
    from dialogs.events import Text
    from dialogs.flow import Accept, Reject
    ctx = TurnContext(now=datetime(2026, 12, 7, 20, 0, tzinfo=timezone.utc), directory=None)  # 12-08 05:00 KST
    asking = Asking({"@suggested_next": "2026-12-16"}, ctx)
    assert dict(_next_contact_choices(asking))["week"] == date(2026, 12, 15)
    assert isinstance(parse_next_contact(Text("2026-12-08"), asking), Accept)  # today, in Korea
    assert isinstance(parse_next_contact(Text("2026-12-07"), asking), Reject)  # yesterday there
