"""Group commit for the everyday turn on SQLite (the queue: state/group_commit.py).

Done through SQLAlchemy on aiosqlite, each statement is a round trip to a worker thread, and the
single SQLite writer lock is held across all of them while the event loop serves other requests
in between: one process topped out near 400 turns/s with the CPU idle (docs/performance.md).

Here the turn's two reads (member, conversation) are one call on a reader thread, and the
writer runs a whole batch in ONE call on its own thread: BEGIN IMMEDIATE, each turn inside a
SAVEPOINT, one COMMIT. Turns that do more (filing a report, casework) keep the ordinary
SQLAlchemy path; both share the database's write lock, where this writer goes first
(state/write_lock.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from state.group_commit import CONVERSATION_COLUMNS as _CONVERSATION_COLUMNS, GroupWriter, TurnWrite
from state.write_lock import WriteLock

__all__ = ["SqliteBatchWriter", "TurnWrite", "parse_sqlite_time", "sqlite_time"]
# A statement of one turn that fails this way is rolled back alone; anything else (the disk, a
# lock held too long) fails the batch.
_TURN_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError, sqlite3.ProgrammingError)


def sqlite_time(moment: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores, so both paths compare alike."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if moment is not None else None


def parse_sqlite_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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


class SqliteBatchWriter(GroupWriter):
    def __init__(self, path: str, write_lock: WriteLock) -> None:
        super().__init__()
        self.path = path
        self.write_lock = write_lock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-batch")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-read")
        self._conn: sqlite3.Connection | None = None
        self._read_conn: sqlite3.Connection | None = None

    async def _commit(self, writes: list[TurnWrite]) -> None:
        async with self.write_lock.urgent():  # ahead of queued casework transactions
            await asyncio.get_running_loop().run_in_executor(self._executor, self._write_batch, writes)

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
                write.reset()
                conn.execute("SAVEPOINT turn")
                try:
                    self._write_one(conn, write)
                except _TURN_ERRORS as exc:
                    write.error = exc
                if write.rolled_back:
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
        """On a reader thread of its own (WAL: readers never wait for the writer)."""
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
        await super().close()
        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._conn.close)
            self._conn = None
        if self._read_conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._reader, self._read_conn.close)
            self._read_conn = None
        self._executor.shutdown(wait=False)
        self._reader.shutdown(wait=False)
