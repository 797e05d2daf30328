"""The database: one async engine, transactions that serialise writers the right way.

SQLite (the embedded default) runs in WAL mode; a write transaction starts with BEGIN IMMEDIATE
so two writers never deadlock on a lock upgrade, and inside one process writers also queue on an
asyncio lock instead of spinning on SQLite's busy timeout. PostgreSQL needs neither.
On both engines everyday turns are read in one statement and committed in groups by
`batch_writer` (state/group_commit.py), outside SQLAlchemy.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from state import sqlite_inline
from state.group_commit import GroupWriter
from state.pg_batch import PgBatchWriter
from state.private_files import ensure_private_dir
from state.sqlite_batch import SqliteBatchWriter
from state.write_lock import WriteLock


READ_OPTION = "salpim_sqlite_read"  # this connection only reads: a deferred BEGIN (_on_begin)
READ_ONLY_OPTION = "salpim_read_only"  # and must not write: NeedsWriteLock (_refuse_writes)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class NeedsWriteLock(Exception):
    """Work tried on a read-only connection (Database.read_only) wants to write."""


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # hide_parameters: an exception or log line shows the SQL, never the values (they can be
        # chat ids, receipt numbers or hashes of personal data).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        path = url.split("///", 1)[-1] if self.is_sqlite else ""
        self._inline = bool(path) and path != ":memory:" and not path.startswith("file:")
        if self.is_sqlite:
            ensure_sqlite_dir(url)
            if self._inline:  # a file: a held write transaction's statements run inline (sqlite_inline)
                kwargs["async_creator"] = sqlite_inline.creator(path, timeout=30)
            else:
                kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._write_lock = WriteLock() if self.is_sqlite else None
        # None for an in-memory SQLite database (the writer's own connections would not see it):
        # its turns go through SQLAlchemy.
        self.batch_writer: GroupWriter | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            if self._inline:
                self.batch_writer = SqliteBatchWriter(path, self._write_lock)
        elif self.engine.dialect.driver == "asyncpg":
            self.batch_writer = PgBatchWriter(url)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: commits on success, rolls back on any error."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock:
            token = None
            try:
                async with self.engine.begin() as conn:  # BEGIN IMMEDIATE: on aiosqlite's thread
                    if self._inline:  # then ours alone: the statements and the COMMIT run inline
                        token = sqlite_inline.begin()
                    yield conn
            finally:
                if token is not None:
                    sqlite_inline.end(token)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading. On SQLite its transaction is a plain (deferred) BEGIN: a
        WAL reader takes no lock, where BEGIN IMMEDIATE would take the single writer's lock
        behind the write lock's back and hold up the group writer (issue 16)."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.execution_options(**{READ_OPTION: True})
            yield conn

    @contextlib.asynccontextmanager
    async def read_only(self) -> AsyncIterator[AsyncConnection]:
        """A reading connection that refuses to write: an INSERT, UPDATE, DELETE (or DDL) raises
        NeedsWriteLock before it runs, so a caller can try work that usually only reads
        without the write lock and run it again under the lock when it turns out to write."""
        async with self.read() as conn:
            await conn.execution_options(**{READ_ONLY_OPTION: True})
            yield conn

    def insert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT DO NOTHING on either engine."""
        return (sqlite.insert if self.is_sqlite else postgresql.insert)(table)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        if self.batch_writer is not None:
            await self.batch_writer.close()
        await self.engine.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """The SQLite file's folder (var/ by default) is made owner-only when missing: the database
    holds encrypted personal data and the keyed hashes that find it."""
    if not url.startswith("sqlite"):
        return
    path = url.split("///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        ensure_private_dir(Path(path).parent)



def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a crash of the process (not of the machine's
        # power, where the last commits may be lost); FULL would fsync every commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_OPTION) else "BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _refuse_writes(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY_OPTION) and statement.lstrip()[:7].upper().startswith(WRITES):
            raise NeedsWriteLock()
