"""Group commit of everyday turns, whatever the engine.

Most turns write only three rows: the update's inbox claim, the conversation, the reply's outbox
row. Written one transaction a turn, the fixed cost of a transaction (BEGIN, COMMIT, a round trip
per statement through SQLAlchemy) is most of a turn's database work. Here such turns queue their
rows; one task takes everything queued meanwhile and writes it in ONE transaction, each turn in
a SAVEPOINT: a duplicate update, a conversation that moved on, or a statement of one turn that
fails is rolled back alone. Durability is unchanged: a turn's caller is answered only after the
COMMIT that holds its rows.

`GroupWriter` is the queue and the answers; an engine's writer (state/sqlite_batch.py,
state/pg_batch.py) says how a batch is committed and how a turn's state is read in one call.
"""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_BATCH = 128
# The conversations row's columns a turn writes, in the order both writers bind them.
CONVERSATION_COLUMNS = ("flow", "state", "answers_enc", "version", "failures", "locale", "expires_at",
                        "updated_at")


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
    error: BaseException | None = None  # this turn's own failure (rolled back alone), raised to its caller

    def reset(self) -> None:
        """Before (each) writing: a batch that failed whole may be written again."""
        self.duplicate = self.conflict = False
        self.outbox_ids = []
        self.error = None

    @property
    def rolled_back(self) -> bool:
        return self.duplicate or self.conflict or self.error is not None


class GroupWriter:
    """`submit(TurnWrite)` returns the same TurnWrite with its results, after the COMMIT that
    holds it; a failure of the turn alone, or of the whole batch, is raised to the caller."""

    def __init__(self) -> None:
        self._queue: list[tuple[TurnWrite, asyncio.Future]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def submit(self, write: TurnWrite) -> TurnWrite:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"{type(self).__name__}")
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    await self._commit([w for w, _ in batch])
                except Exception as exc:  # the whole batch rolled back: every caller sees it fail
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for write, future in batch:
                    if future.done():
                        continue
                    if write.error is not None:
                        future.set_exception(write.error)
                    else:
                        future.set_result(write)

    async def _commit(self, writes: list[TurnWrite]) -> None:
        """Write every turn, each in a SAVEPOINT, in one transaction; fill in the results."""
        raise NotImplementedError

    async def read_turn(self, channel: str, chat_id: str, user_id: int | None) -> tuple[dict | None, dict | None]:
        """The member (id, role, dong_code; if the sender is an active one) and the conversation
        row, in one call and without a lock: the save checks the version instead."""
        raise NotImplementedError

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
