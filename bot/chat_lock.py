"""One chat at a time, all chats at once: a lock per chat key, dropped when nobody holds it.

Without it, three quick answers from one person race and corrupt the form (a known failure of
bots that process updates concurrently). Across processes, the conversation row lock
(state/conversations.py) does the same job for the database part of a turn.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:  # asyncio.Lock is FIFO: waiters run in arrival order
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
