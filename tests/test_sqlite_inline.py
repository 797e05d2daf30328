"""A held SQLite write transaction runs its statements on the loop's thread (state/sqlite_inline.py);
its BEGIN, reads and everything outside it still go through aiosqlite's thread."""
from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import event, text

from state.db import Database


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")

    @event.listens_for(database.engine.sync_engine, "connect")
    def _thread_function(dbapi_connection, _record) -> None:
        # SELECT tid() answers the thread that really executes the statement
        dbapi_connection.create_function("tid", 0, threading.get_ident)

    async with database.transaction() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield database
    await database.dispose()


async def _tid(conn) -> int:
    return (await conn.execute(text("SELECT tid()"))).scalar_one()


@pytest.mark.asyncio
async def test_statements_of_a_held_transaction_run_inline_and_reads_on_the_thread(db) -> None:
    loop_thread = threading.get_ident()
    async with db.transaction() as conn:
        assert await _tid(conn) == loop_thread
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    async with db.read() as conn:
        assert await _tid(conn) != loop_thread
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1


@pytest.mark.asyncio
async def test_another_task_reading_meanwhile_is_not_inlined(db) -> None:
    loop_thread = threading.get_ident()
    held, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
            held.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await held.wait()
    async with db.read() as conn:  # WAL: the reader does not see the uncommitted row, nor wait
        assert await _tid(conn) != loop_thread
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    release.set()
    await task
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1


@pytest.mark.asyncio
async def test_a_failed_transaction_rolls_back_and_the_next_one_begins_normally(db) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
            raise RuntimeError("boom")
    loop_thread = threading.get_ident()
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
        assert await _tid(conn) != loop_thread  # the switch was reset with the transaction
    async with db.transaction() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('d')"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT v FROM t"))).scalars().all() == ["d"]


@pytest.mark.asyncio
async def test_a_task_started_inside_a_transaction_is_not_inlined(db) -> None:
    """A task inherits the context it was created in; it must not run inline (its BEGIN could
    wait for another process on the loop's thread)."""
    loop_thread = threading.get_ident()

    async def reader() -> int:
        async with db.read() as conn:
            return await _tid(conn)

    async with db.transaction() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('e')"))
        child = asyncio.create_task(reader())
        assert await _tid(conn) == loop_thread
    assert await child != loop_thread
