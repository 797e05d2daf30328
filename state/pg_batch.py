"""Group commit for the everyday turn on PostgreSQL (the queue: state/group_commit.py).

Through SQLAlchemy's asyncpg adapter a turn was one transaction of about seven round trips
(BEGIN, pool pre-ping, inbox claim, member, conversation FOR UPDATE, save, outbox, COMMIT), each
through SQLAlchemy's statement machinery and a greenlet switch: 3.5 ms of CPU a turn, against
SQLite's 2.0 (docs/performance.md, issue 16). Here, on asyncpg directly (its prepared-statement
cache, no SQLAlchemy in between):

- the turn's read is one statement (member and conversation joined) on a small set of reading
  connections, without a row lock: the save is ``UPDATE … WHERE version = :seen``, as on SQLite.
  Inside a process the per-chat lock orders a chat's turns; a turn of another worker that got
  there first is caught by the version check and the turn runs again;
- one writer connection commits every everyday turn queued meanwhile in one transaction, each
  in a SAVEPOINT; releasing one turn's savepoint and opening the next's is one round trip.

Errors of the connection (PostgreSQL down, the connection cut) are raised as SQLAlchemy's
OperationalError, so the callers treat them like the rest of the store's passing failures
(the webhook answers 503 and Telegram redelivers).
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from state.group_commit import CONVERSATION_COLUMNS, GroupWriter, TurnWrite

READERS = 4  # reading connections per process: a read is one short statement

_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(CONVERSATION_COLUMNS, start=1))
_N = len(CONVERSATION_COLUMNS)
_UPDATE_CONVERSATION = (f"UPDATE conversations SET {_SET} "
                        f"WHERE channel = ${_N + 1} AND chat_id = ${_N + 2} AND version = ${_N + 3}")
_INSERT_CONVERSATION = ("INSERT INTO conversations (channel, chat_id, " + ", ".join(CONVERSATION_COLUMNS)
                        + ") VALUES (" + ", ".join(f"${i}" for i in range(1, _N + 3)) + ") ON CONFLICT DO NOTHING")
_CLAIM = "INSERT INTO inbox (channel, update_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
_OUTBOX = ("INSERT INTO outbox (channel, chat_id, method, payload_enc, created_at, next_attempt_at, attempts, "
           "failed) VALUES ($1, $2, $3, $4, $5, $6, 0, false) RETURNING id")
# One row always (the outer SELECT 1): the member's columns are NULL when the sender is no
# active member (or there is no sender), the conversation's when the chat has none yet.
_READ = ("SELECT m.id AS member_id, m.role, m.dong_code, c.channel, c.chat_id, c.flow, c.state, c.answers_enc, "
         "c.version, c.failures, c.locale, c.expires_at "
         "FROM (SELECT 1) AS one "
         "LEFT JOIN members AS m ON m.telegram_user_id = $3 AND m.active "
         "LEFT JOIN conversations AS c ON c.channel = $1 AND c.chat_id = $2 "
         "LIMIT 1")
_NEXT_TURN = "RELEASE SAVEPOINT turn; SAVEPOINT turn"  # one round trip (simple query protocol)
# Another worker's batch holds a row this one needs, and the other way round: one of the two is
# cancelled by PostgreSQL. For the turn that is just another process having got there first.
_CONFLICTS = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
# The connection, not the statement, failed: the batch fails, the connection is dropped.
_CONNECTION_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
                      asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.InsufficientResourcesError)
CONNECT_TIMEOUT = 10


def asyncpg_dsn(url: str) -> str:
    """The libpq-style address asyncpg takes, from SQLAlchemy's `postgresql+asyncpg://…` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _Connections:
    """A few asyncpg connections, opened when first needed. asyncpg's own pool resets a
    connection on every release (a round trip); these only ever run one read statement."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn, self.size = dsn, size
        self._idle: list[asyncpg.Connection] = []
        self._opened = 0
        self._freed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self._acquire()
        try:
            yield conn
        except BaseException:
            await self._discard(conn)
            raise
        self._idle.append(conn)
        async with self._freed:
            self._freed.notify()

    async def _acquire(self) -> asyncpg.Connection:
        while True:
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._opened -= 1
            if self._opened < self.size:
                self._opened += 1
                try:
                    return await connect(self.dsn)
                except BaseException:
                    self._opened -= 1
                    raise
            async with self._freed:
                await self._freed.wait_for(lambda: bool(self._idle) or self._opened < self.size)

    async def _discard(self, conn: asyncpg.Connection) -> None:
        self._opened -= 1
        conn.terminate()
        async with self._freed:
            self._freed.notify()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            self._opened -= 1
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT, server_settings={"application_name": "salpim-turns"})


class PgBatchWriter(GroupWriter):
    def __init__(self, url: str, readers: int = READERS) -> None:
        super().__init__()
        self.dsn = asyncpg_dsn(url)
        self._readers = _Connections(self.dsn, readers)
        self._writer: asyncpg.Connection | None = None

    async def _commit(self, writes: list[TurnWrite]) -> None:
        try:
            if self._writer is None or self._writer.is_closed():
                self._writer = await connect(self.dsn)
            await self._write_batch(self._writer, writes)
        except _CONNECTION_ERRORS as exc:
            if self._writer is not None:
                self._writer.terminate()
                self._writer = None
            raise OperationalError("group commit", None, exc) from exc

    @staticmethod
    async def _write_batch(conn: asyncpg.Connection, writes: list[TurnWrite]) -> None:
        await conn.execute("BEGIN; SAVEPOINT turn")
        try:
            for index, write in enumerate(writes):
                if index:
                    await conn.execute(_NEXT_TURN)
                write.reset()
                try:
                    await _write_one(conn, write)
                except _CONFLICTS:
                    write.conflict = True
                except asyncpg.PostgresError as exc:
                    if isinstance(exc, _CONNECTION_ERRORS):
                        raise
                    write.error = exc
                if write.rolled_back:
                    await conn.execute("ROLLBACK TO SAVEPOINT turn")
            await conn.execute("COMMIT")
        except BaseException:
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
            raise

    async def read_turn(self, channel: str, chat_id: str, user_id: int | None) -> tuple[dict | None, dict | None]:
        try:
            async with self._readers.connection() as conn:
                row = await conn.fetchrow(_READ, channel, chat_id, user_id)
        except _CONNECTION_ERRORS as exc:
            raise OperationalError("read turn", None, exc) from exc
        member = ({"id": row["member_id"], "role": row["role"], "dong_code": row["dong_code"]}
                  if row["member_id"] is not None else None)
        conversation = None
        if row["channel"] is not None:
            conversation = {key: row[key] for key in ("channel", "chat_id", "flow", "state", "answers_enc", "version",
                                                      "failures", "locale", "expires_at")}
        return member, conversation

    async def close(self) -> None:
        await super().close()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer.close(timeout=2)
            self._writer = None
        await self._readers.close()


async def _write_one(conn: asyncpg.Connection, w: TurnWrite) -> None:
    if w.update_id is not None and await conn.execute(_CLAIM, w.channel, w.update_id, w.received_at) != "INSERT 0 1":
        w.duplicate = True
        return
    values = [w.conversation[c] for c in CONVERSATION_COLUMNS]
    if w.exists:
        status = await conn.execute(_UPDATE_CONVERSATION, *values, w.channel, w.chat_id, w.seen_version)
        changed = status == "UPDATE 1"
    else:
        changed = await conn.execute(_INSERT_CONVERSATION, w.channel, w.chat_id, *values) == "INSERT 0 1"
    if not changed:
        w.conflict = True
        return
    for row in w.outbox:
        w.outbox_ids.append(await conn.fetchval(_OUTBOX, row["channel"], row["chat_id"], row["method"],
                                                row["payload_enc"], row["created_at"], row["next_attempt_at"]))
