"""The audit log: append-only and keyed. Each entry's hash is an HMAC-SHA256, under a sub-key of
the master secret (state/crypto.py: the database never holds it), over the entry and the hash
before it, so an edit, a reordering or a deletion in the middle breaks the chain, and nobody
with only the database can recompute it. Deleting the newest entries leaves a shorter chain
that is still whole: anchors kept outside the table catch that (state/audit_anchors.py).
Entries name who and what (ids, receipt numbers), never personal data.

Entries written before the chain was keyed (key_id NULL, the old plain SHA-256 rule) are
re-chained under the key once, at the service's next start, after they verified under the
old rule (`adopt_unkeyed`); from then on only the keyed rule is accepted.
"""
from __future__ import annotations

import hashlib
import hmac
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from state.models import AuditEntry

T = AuditEntry.__table__
GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x5A1_A0D17  # any constant: the advisory lock that orders audit appends


@dataclass(frozen=True)
class ChainKeys:
    """The key new entries are chained under, and every key an older entry may name."""

    current_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    @classmethod
    def of(cls, audit_keys: tuple[str, Mapping[str, bytes]]) -> ChainKeys:
        """From `FieldCipher.audit_keys()`."""
        return cls(audit_keys[0], dict(audit_keys[1]))


class AuditCheck(NamedTuple):
    intact: bool
    entries: int
    first_broken_id: int | None
    problem: str | None = None  # edited | unkeyed | unknown_key | truncated | anchor_mismatch
    head: str = GENESIS


class AuditBroken(Exception):
    """The chain does not verify, so it is not re-chained (that would hide the damage)."""


# The keys of each database, bound once at start-up (integrations/services.py, the CLI): every
# caller of `record` keeps its signature, and two databases in one process keep their own keys.
_BOUND: weakref.WeakKeyDictionary[Engine, ChainKeys] = weakref.WeakKeyDictionary()


def bind_keys(engine: AsyncEngine, keys: ChainKeys) -> None:
    _BOUND[engine.sync_engine] = keys


def keys_of(conn: AsyncConnection) -> ChainKeys:
    keys = _BOUND.get(conn.sync_engine)
    if keys is None:  # fail closed: never an unkeyed entry
        raise RuntimeError("no audit keys bound to this database (state.audit.bind_keys)")
    return keys


def _body(prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]) -> bytes:
    return orjson.dumps([prev_hash, at.isoformat(), actor, action, subject, detail], option=orjson.OPT_SORT_KEYS)


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]) -> str:
    """The old, unkeyed rule: only for checking entries written before the chain was keyed."""
    return hashlib.sha256(_body(prev_hash, at, actor, action, subject, detail)).hexdigest()


def keyed_hash(key: bytes, key_id: str, prev_hash: str, at: datetime, actor: str, action: str, subject: str,
               detail: dict[str, Any]) -> str:
    body = key_id.encode() + b"\n" + _body(prev_hash, at, actor, action, subject, detail)
    return hmac.new(key, body, hashlib.sha256).hexdigest()


async def _lock(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        # Appends queue behind one another until commit, so concurrent workers extend the chain
        # in turn instead of colliding (SQLite's single writer already does this).
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


async def record(conn: AsyncConnection, *, actor: str, action: str, subject: str, now: datetime,
                 detail: dict[str, Any] | None = None) -> None:
    detail = detail or {}
    keys = keys_of(conn)
    await _lock(conn)
    last = (await conn.execute(select(T.c.hash).order_by(T.c.id.desc()).limit(1))).scalar()
    prev = last or GENESIS
    digest = keyed_hash(keys.keys[keys.current_id], keys.current_id, prev, now, actor, action, subject, detail)
    # And should two appends ever race, the unique prev_hash makes one fail: never a fork.
    await conn.execute(insert(T).values(at=now, actor=actor, action=action, subject=subject, detail=detail,
                                        prev_hash=prev, hash=digest, key_id=keys.current_id))


def _expected(row, prev: str, keys: ChainKeys) -> tuple[str | None, str | None]:
    """(the hash the row should carry, or None with the reason it cannot be checked)."""
    if row.key_id is None:
        return None, "unkeyed"
    key = keys.keys.get(row.key_id)
    if key is None:
        return None, "unknown_key"
    return keyed_hash(key, row.key_id, prev, row.at, row.actor, row.action, row.subject, row.detail or {}), None


async def verify(conn: AsyncConnection, keys: ChainKeys | None = None, anchors: Iterable[Any] = ()) -> AuditCheck:
    """Walk the chain under the keyed rule, then hold it against the anchors (objects with
    `count`, `head` and `rechained`, oldest first: state/audit_anchors.py)."""
    keys = keys or keys_of(conn)
    anchors = list(anchors)
    # Hashes written before the last re-chain (key rotation, adoption) no longer exist: those
    # anchors still bound the length, the later ones also the hash at their position.
    last_rechain = max((i for i, a in enumerate(anchors) if a.rechained), default=0)
    heads_at: dict[int, set[str]] = {}
    for a in anchors[last_rechain:]:
        heads_at.setdefault(a.count, set()).add(a.head)
    prev, count, broken_at = GENESIS, 0, None
    for row in await conn.execute(select(T).order_by(T.c.id)):
        expected, why = _expected(row, prev, keys)
        if why or row.prev_hash != prev or row.hash != expected:
            return AuditCheck(False, count, row.id, why or "edited", prev)
        prev, count = row.hash, count + 1
        if count in heads_at and heads_at[count] != {row.hash}:
            broken_at = broken_at or row.id
    if broken_at is not None:
        return AuditCheck(False, count, broken_at, "anchor_mismatch", prev)
    longest = max((a.count for a in anchors), default=0)
    if count < longest:
        return AuditCheck(False, count, None, "truncated", prev)
    return AuditCheck(True, count, None, None, prev)


async def head(conn: AsyncConnection) -> tuple[int, str, str | None]:
    """(entries, the newest entry's hash, its key id): what an anchor records."""
    count = (await conn.execute(select(func.count()).select_from(T))).scalar_one()
    last = (await conn.execute(select(T.c.hash, T.c.key_id).order_by(T.c.id.desc()).limit(1))).first()
    return count, (last.hash if last else GENESIS), (last.key_id if last else None)


_RECHAIN = (update(T).where(T.c.id == bindparam("row_id"))
            .values(prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"), key_id=bindparam("new_key")))


async def _rechain(conn: AsyncConnection, keys: ChainKeys) -> int:
    key, prev, changes = keys.keys[keys.current_id], GENESIS, []
    for row in await conn.execute(select(T).order_by(T.c.id)):
        digest = keyed_hash(key, keys.current_id, prev, row.at, row.actor, row.action, row.subject, row.detail or {})
        changes.append({"row_id": row.id, "new_prev": prev, "new_hash": digest, "new_key": keys.current_id})
        prev = digest
    for change in changes:  # one by one, in order: the unique columns never see a duplicate
        await conn.execute(_RECHAIN, change)
    return len(changes)


async def adopt_unkeyed(conn: AsyncConnection, keys: ChainKeys | None = None) -> int:
    """Re-chain entries from before keying under the current key, once: only if they verify
    under the old rule and all come before every keyed entry. Returns how many were re-chained
    (0 when there is nothing to adopt); raises AuditBroken otherwise."""
    keys = keys or keys_of(conn)
    await _lock(conn)
    first_keyed = (await conn.execute(select(func.min(T.c.id)).where(T.c.key_id.is_not(None)))).scalar()
    last_unkeyed = (await conn.execute(select(func.max(T.c.id)).where(T.c.key_id.is_(None)))).scalar()
    if last_unkeyed is None:
        return 0
    if first_keyed is not None and first_keyed < last_unkeyed:
        raise AuditBroken(f"unkeyed entry {last_unkeyed} after keyed entry {first_keyed}")
    prev = GENESIS
    for row in await conn.execute(select(T).order_by(T.c.id)):
        if row.key_id is None:
            expected = entry_hash(prev, row.at, row.actor, row.action, row.subject, row.detail or {})
        else:
            expected, _ = _expected(row, prev, keys)
        if row.prev_hash != prev or row.hash != expected:
            raise AuditBroken(f"entry {row.id} does not verify")
        prev = row.hash
    return await _rechain(conn, keys)


async def rechain_under_current_key(conn: AsyncConnection, keys: ChainKeys | None = None) -> int:
    """After a key rotation: the whole chain, verified under the keys it names, re-chained under
    the current key (so the old key can be dropped). Raises AuditBroken if it does not verify."""
    keys = keys or keys_of(conn)
    await _lock(conn)
    check = await verify(conn, keys)
    if not check.intact:
        raise AuditBroken(f"entry {check.first_broken_id}: {check.problem}")
    return await _rechain(conn, keys)


async def latest(conn: AsyncConnection, limit: int = 200) -> list[dict[str, Any]]:
    rows = await conn.execute(select(T).order_by(T.c.id.desc()).limit(limit))
    return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "subject": r.subject,
             "detail": r.detail, "hash": r.hash} for r in rows]


async def search(conn: AsyncConnection, *, actor: str = "", action: str = "", subject_prefix: str = "",
                 since: datetime | None = None, until: datetime | None = None,
                 limit: int = 300) -> tuple[list[dict[str, Any]], bool]:
    """The newest entries matching every filter given (`until` excluded); and whether more matched."""
    query = select(T).order_by(T.c.id.desc()).limit(limit + 1)
    if actor:
        query = query.where(T.c.actor == actor)
    if action:
        query = query.where(T.c.action == action)
    if subject_prefix:
        escaped = subject_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(T.c.subject.like(f"{escaped}%", escape="\\"))
    if since is not None:
        query = query.where(T.c.at >= since)
    if until is not None:
        query = query.where(T.c.at < until)
    rows = list(await conn.execute(query))
    return ([{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "subject": r.subject,
              "detail": r.detail, "hash": r.hash} for r in rows[:limit]], len(rows) > limit)
