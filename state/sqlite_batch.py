"""Group commit for the everyday turn on SQLite.

Most turns write only three rows: the update's inbox claim, the conversation, the reply's outbox
row. Done through SQLAlchemy on aiosqlite, each statement is a round trip to a worker thread,
and the single SQLite writer lock is held across all of them while the event loop serves other
requests in between: one process tops out near 400 turns/s with the CPU idle (docs/performance.md).

Here the turn's two reads (member, conversation) are one call on a reader thread, and those
turns queue their writes; one writer takes everything queued, and in ONE call on its
own thread runs BEGIN IMMEDIATE, each turn inside a SAVEPOINT (a duplicate update or a
conversation that moved on is rolled back alone), and one COMMIT. Durability is unchanged: a
turn's caller gets its answer only after the commit. Turns that do more (filing a report,
casework) keep the ordinary SQLAlchemy path; both share the database's write lock, where this
writer goes first (state/write_lock.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from state.write_lock import WriteLock

MAX_BATCH = 128


def sqlite_time(moment: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores, so both paths compare alike."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if moment is not None else None


def parse_sqlite_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass
class TurnWrite:
    channel: str
    chat_id: str
    update_id: int | None
    received_at: datetime
    conversation: dict[str, Any]  # the conversations row's columns to write
    seen_version: int
    exists: bool
    outbox: list[dict[str, Any]] = field(default_factory=list)
    # Results, filled by the writer:
    duplicate: bool = False
    conflict: bool = False
    outbox_ids: list[int] = field(default_factory=list)


_CONVERSATION_COLUMNS = ("flow", "state", "answers_enc", "version", "failures", "locale", "expires_at",
                         "updated_at")
_UPDATE_CONVERSATION = ("UPDATE conversations SET " + ", ".join(f"{c} = ?" for c in _CONVERSATION_COLUMNS)
                        + " WHERE channel = ? AND chat_id = ? AND version = ?")
_INSERT_CONVERSATION = ("INSERT INTO conversations (channel, chat_id, " + ", ".join(_CONVERSATION_COLUMNS)
                        + ") VALUES (?, ?, " + ", ".join("?" for _ in _CONVERSATION_COLUMNS)
                        + ") ON CONFLICT DO NOTHING")
_MEMBER = ("SELECT id, role, dong_code, sigungu_code, active, telegram_user_id FROM members "
           "WHERE telegram_user_id = ? AND active = 1")
_CONVERSATION = "SELECT * FROM conversations WHERE channel = ? AND chat_id = ?"
_CLAIM = "INSERT INTO inbox (channel, update_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
_OUTBOX = ("INSERT INTO outbox (channel, chat_id, method, payload_enc, created_at, next_attempt_at, attempts, "
           "failed) VALUES (?, ?, ?, ?, ?, ?, 0, 0) RETURNING id")


class SqliteBatchWriter:
    def __init__(self, path: str, write_lock: WriteLock) -> None:
        self.path = path
        self.write_lock = write_lock
        self._queue: list[tuple[TurnWrite, asyncio.Future]] = []
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-batch")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-read")
        self._conn: sqlite3.Connection | None = None
        self._read_conn: sqlite3.Connection | None = None
        self._task: asyncio.Task | None = None

    async def submit(self, write: TurnWrite) -> TurnWrite:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sqlite-batch-writer")
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                writes = [w for w, _ in batch]
                try:
                    async with self.write_lock.urgent():  # ahead of queued casework transactions
                        await loop.run_in_executor(self._executor, self._write_batch, writes)
                except Exception as exc:  # the whole batch rolled back: every caller sees it fail
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for write, future in batch:
                    if not future.done():
                        future.set_result(write)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._conn = conn
        return self._conn

    def _write_batch(self, writes: list[TurnWrite]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for write in writes:
                write.duplicate = write.conflict = False
                write.outbox_ids = []
                conn.execute("SAVEPOINT turn")
                self._write_one(conn, write)
                if write.duplicate or write.conflict:
                    conn.execute("ROLLBACK TO turn")
                conn.execute("RELEASE turn")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _write_one(conn: sqlite3.Connection, w: TurnWrite) -> None:
        received = sqlite_time(w.received_at)
        if w.update_id is not None and conn.execute(_CLAIM, (w.channel, w.update_id, received)).rowcount != 1:
            w.duplicate = True
            return
        values = [sqlite_time(v) if isinstance(v, datetime) else v
                  for v in (w.conversation[c] for c in _CONVERSATION_COLUMNS)]
        if w.exists:
            changed = conn.execute(_UPDATE_CONVERSATION, (*values, w.channel, w.chat_id, w.seen_version)).rowcount
        else:
            changed = conn.execute(_INSERT_CONVERSATION, (w.channel, w.chat_id, *values)).rowcount
        if changed != 1:
            w.conflict = True
            return
        for row in w.outbox:
            cursor = conn.execute(_OUTBOX, (row["channel"], row["chat_id"], row["method"], row["payload_enc"],
                                            sqlite_time(row["created_at"]), sqlite_time(row["next_attempt_at"])))
            w.outbox_ids.append(cursor.fetchone()[0])

    async def read_turn(self, channel: str, chat_id: str, user_id: int | None) -> tuple[dict | None, dict | None]:
        """The member (if the sender is one) and the conversation row, read in one call on a
        reader thread of its own (WAL: readers never wait for the writer)."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, channel, chat_id, user_id)

    def _read(self, channel: str, chat_id: str, user_id: int | None) -> tuple[dict | None, dict | None]:
        if self._read_conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            self._read_conn = conn
        conn = self._read_conn
        member = None
        if user_id is not None:
            row = conn.execute(_MEMBER, (user_id,)).fetchone()
            member = dict(row) if row else None
        row = conn.execute(_CONVERSATION, (channel, chat_id)).fetchone()
        conversation = None
        if row is not None:
            conversation = dict(row)
            conversation["expires_at"] = parse_sqlite_time(conversation["expires_at"])
        return member, conversation

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._conn.close)
            self._conn = None
        if self._read_conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._reader, self._read_conn.close)
            self._read_conn = None
        self._executor.shutdown(wait=False)
        self._reader.shutdown(wait=False)
