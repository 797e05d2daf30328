"""The SQLite write lock of one process, with the group writer first in line.

SQLite has one writer. Inside a process, writers queue on this lock instead of spinning on the
busy timeout (state/db.py). A plain FIFO lock made the everyday turns wait behind every casework
transaction queued before them: a burst of follow-up saves (each holding the lock across a dozen
statements) held up the group commit (state/sqlite_batch.py) that carries everyone else's short
turns — the follow-up mix's p99 of 399 ms at a fifth of capacity (issue 16, docs/performance.md).
Here a waiter that asks `urgent()` (the group writer: one quick commit for many turns) is served
before the ordinary ones; ordinary waiters keep their order among themselves. The group writer
cannot starve them: it holds the lock only while it has turns queued, and commits them all at
once (up to MAX_BATCH).
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator


class WriteLock:
    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future] = deque()
        self._ordinary: deque[asyncio.Future] = deque()

    def locked(self) -> bool:
        return self._held

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        waiter = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(waiter)
        try:
            await waiter  # the releaser hands the lock over: it stays held, now by us
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed to us just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(waiter)
            raise

    def release(self) -> None:
        if not self._held:
            raise RuntimeError("WriteLock released while not held")
        for queue in (self._urgent, self._ordinary):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._held = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc) -> None:
        self.release()

    @contextlib.asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        await self.acquire(urgent=True)
        try:
            yield
        finally:
            self.release()
