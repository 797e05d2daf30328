"""SQLite statements of a held write transaction run on the event loop's own thread.

aiosqlite runs every statement on a thread of its own and hands the result back through the
event loop's queue of ready callbacks: each statement of a transaction then waits behind
whatever other work the loop has ready. A report's filing runs 11 statements; under load the
transaction held the process's write lock 7 ms, most of it waiting to be resumed, and 64
reporters filing at once queued behind one another (issue 16: the report mix's p99 of 207 ms at
half of capacity, while the loop itself never lagged more than 5 ms).

Once a write transaction has begun (BEGIN IMMEDIATE, on aiosqlite's thread: it is the one
statement that may wait for another process), it owns SQLite's only write lock, so its
statements cannot wait for anyone: they run inline, at the cost of their own CPU time (tens of
microseconds each), and the COMMIT with them. Reads outside a write transaction keep going
through the thread: a long list must not hold the loop. Halved the filing's hold on a loaded machine (7.2 → 3.6 ms p50; the
wait for the lock 75 → 5 ms p50); docs/performance.md, issue 16.

The switch is a context variable set by state.db.Database.transaction to the task holding the
transaction, so it applies to that task only: not to another task that borrows the same pooled
connection, nor to a task started meanwhile (it inherits the variable, but it is not that task).
"""
from __future__ import annotations

import asyncio
import contextvars
import sqlite3
from functools import partial
from typing import Any

import aiosqlite

_INLINE: contextvars.ContextVar[asyncio.Task | None] = contextvars.ContextVar("salpim_sqlite_inline", default=None)


class InlineWhenHeld(aiosqlite.Connection):
    """An aiosqlite connection that runs a statement at once, on the calling thread, while the
    calling task holds a write transaction (``begin()``); through its thread otherwise."""

    async def _execute(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        holder = _INLINE.get()
        if holder is not None and holder is asyncio.current_task() and self._connection is not None:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def creator(path: str, **connect_args: Any):
    """`async_creator` for create_async_engine: like aiosqlite.connect, with our connection class.
    check_same_thread=False: the sqlite3 connection is used by aiosqlite's thread and, inside a
    held transaction, by the loop's thread — never by both at once (one statement at a time)."""
    async def connect() -> InlineWhenHeld:
        connection = InlineWhenHeld(partial(sqlite3.connect, path, check_same_thread=False, **connect_args), 64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        return await connection
    return connect


def begin() -> contextvars.Token:
    """From here on, this task's statements run inline (until end(token))."""
    return _INLINE.set(asyncio.current_task())


def end(token: contextvars.Token) -> None:
    _INLINE.reset(token)
