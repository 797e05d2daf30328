"""One unit of work: the open transaction and what every action of the core needs with it.

A channel opens the transaction (a Telegram turn already has one, holding the update's claim
and the conversation; an API route opens its own) and passes it in, so an action, its case
event and its audit entry commit together with whatever else the channel writes — or not at all.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.db import Database
from state.timeutil import utcnow
from welfare.directory import Directory


@dataclass(frozen=True, slots=True)
class Work:
    db: Database
    conn: AsyncConnection
    cipher: FieldCipher
    directory: Directory
    now: datetime


@asynccontextmanager
async def transaction(db: Database, cipher: FieldCipher, directory: Directory,
                      now: datetime | None = None) -> AsyncIterator[Work]:
    async with db.transaction() as conn:
        yield Work(db, conn, cipher, directory, now or utcnow())


@asynccontextmanager
async def reading(db: Database, cipher: FieldCipher, directory: Directory,
                  now: datetime | None = None) -> AsyncIterator[Work]:
    """For lists that write nothing (no personal data, so no audit entry either)."""
    async with db.read() as conn:
        yield Work(db, conn, cipher, directory, now or utcnow())
