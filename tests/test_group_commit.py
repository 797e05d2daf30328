"""The group writer of everyday turns (state/group_commit.py), on each engine: a duplicate or a
conflict rolls back alone, one turn's failure does not spoil the others committed with it, a
chat's turns queued together are written in their order, and a caller hears only after COMMIT."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from state.db import Database
from state.group_commit import TurnWrite
from state.migrate import upgrade
from state.models import ConversationRow, InboxEntry, OutboxMessage
from state.pg_batch import PgBatchWriter
from state.sqlite_batch import SqliteBatchWriter
from state.timeutil import utcnow


@pytest.fixture
async def db(db_url):
    await asyncio.to_thread(upgrade, db_url)
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.dispose()


def turn(chat: str, update_id: int | None, version: int, *, seen: int | None = None, exists: bool | None = None,
         replies: int = 1, method: str | None = "sendMessage") -> TurnWrite:
    now = utcnow()
    seen = version - 1 if seen is None else seen
    return TurnWrite("telegram", chat, update_id, now,
                     {"flow": "report", "state": f"q{version}", "answers_enc": None, "version": version,
                      "failures": 0, "locale": "ko", "expires_at": now + timedelta(hours=1), "updated_at": now},
                     seen, seen > 0 if exists is None else exists,
                     [{"channel": "telegram", "chat_id": chat, "method": method, "payload_enc": f"reply {version}.{i}",
                       "created_at": now, "next_attempt_at": now} for i in range(replies)])


async def count(db: Database, table, *where) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def version_of(db: Database, chat: str) -> int | None:
    async with db.read() as conn:
        return (await conn.execute(select(ConversationRow.version).where(ConversationRow.chat_id == chat))).scalar()


async def test_each_engine_has_its_group_writer(db):
    assert isinstance(db.batch_writer, SqliteBatchWriter if db.is_sqlite else PgBatchWriter)


async def test_a_written_turn_is_committed_before_its_caller_hears(db):
    done = await db.batch_writer.submit(turn("1", 100, 1, exists=False))
    assert not done.duplicate and not done.conflict and len(done.outbox_ids) == 1
    assert await version_of(db, "1") == 1  # another connection sees it: committed
    assert await count(db, OutboxMessage, OutboxMessage.id == done.outbox_ids[0]) == 1
    member, conversation = await db.batch_writer.read_turn("telegram", "1", 999)
    assert member is None and conversation["version"] == 1 and conversation["state"] == "q1"
    assert conversation["expires_at"] > utcnow()


async def test_a_duplicate_update_writes_nothing(db):
    await db.batch_writer.submit(turn("1", 100, 1, exists=False))
    again = await db.batch_writer.submit(turn("1", 100, 2))
    assert again.duplicate and again.outbox_ids == []
    assert await version_of(db, "1") == 1
    assert await count(db, OutboxMessage) == 1


async def test_a_conflict_rolls_back_its_claim_too(db):
    await db.batch_writer.submit(turn("1", 100, 1, exists=False))
    stale = await db.batch_writer.submit(turn("1", 101, 2, seen=0, exists=True))  # read before turn 100 saved
    assert stale.conflict and stale.outbox_ids == []
    assert await count(db, InboxEntry, InboxEntry.update_id == 101) == 0  # run again, it can claim
    assert (await db.batch_writer.submit(turn("1", 101, 2))).outbox_ids
    assert await version_of(db, "1") == 2


async def test_a_new_chat_made_meanwhile_elsewhere_is_a_conflict(db):
    await db.batch_writer.submit(turn("1", 100, 1, exists=False))
    assert (await db.batch_writer.submit(turn("1", 101, 1, exists=False))).conflict


async def test_one_failing_turn_does_not_spoil_the_batch(db):
    good_a, bad, good_b = turn("1", 100, 1, exists=False), turn("2", 200, 1, exists=False, method=None), \
        turn("3", 300, 1, exists=False)
    results = await asyncio.gather(*(db.batch_writer.submit(w) for w in (good_a, bad, good_b)),
                                   return_exceptions=True)
    assert isinstance(results[1], Exception)  # the outbox's method is NOT NULL
    assert results[0] is good_a and results[2] is good_b
    assert await version_of(db, "1") == 1 and await version_of(db, "3") == 1
    assert await version_of(db, "2") is None  # rolled back whole: no conversation...
    assert await count(db, InboxEntry, InboxEntry.update_id == 200) == 0  # ...and the update unclaimed
    assert await count(db, OutboxMessage) == 2


async def test_a_chats_turns_queued_together_are_written_in_order(db):
    writes = [turn("1", 100, 1, exists=False, replies=2), turn("1", 101, 2), turn("1", 102, 3)]
    done = await asyncio.gather(*(db.batch_writer.submit(w) for w in writes))
    assert [d.conflict or d.duplicate for d in done] == [False, False, False]
    ids = [i for d in done for i in d.outbox_ids]
    assert ids == sorted(ids) and len(ids) == 4
    assert await version_of(db, "1") == 3


async def test_many_chats_in_one_batch(db):
    writes = [turn(str(chat), 1000 + chat, 1, exists=False) for chat in range(50)]
    done = await asyncio.gather(*(db.batch_writer.submit(w) for w in writes))
    assert all(len(d.outbox_ids) == 1 for d in done)
    assert await count(db, ConversationRow) == 50 and await count(db, InboxEntry) == 50
