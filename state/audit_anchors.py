"""Anchors of the audit chain, kept outside the database: now and then the number of entries
and the newest hash go to an append-only file (one JSON object a line) and to the log. A
chain cut short below an anchor's count, or carrying another hash at an anchored position,
fails `salpim admin verify-audit` even though it is whole in itself.

Who can rewrite the database cannot rewrite these as easily: the log lines leave the machine
with the logs, and the file belongs to the service's user, not the database's. A re-chain
(key rotation, adoption of unkeyed entries) writes an anchor marked `rechained`; earlier
anchors then bound only the length, since the hashes they name were replaced.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from state import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    at: str
    count: int
    head: str
    key_id: str | None = None
    rechained: bool = False


class AnchorFileDamaged(ValueError):
    """A line of the anchor file is not an anchor: someone edited the file."""


def read_anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            anchors.append(Anchor(str(data["at"]), int(data["count"]), str(data["head"]), data.get("key_id"),
                                  bool(data.get("rechained", False))))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise AnchorFileDamaged(f"{path.name}, line {number}") from None
    return anchors


def append_anchor(path: Path, anchor: Anchor) -> None:
    """One line, appended (O_APPEND: workers sharing the file never interleave a line), made
    owner-only, flushed to disk before the call returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, orjson.dumps(asdict(anchor)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    # The same anchor in the log: a second copy out of the database's reach (ids and hashes only).
    log.info("audit anchor: entries=%d head=%s key=%s%s", anchor.count, anchor.head, anchor.key_id,
             " (re-chained)" if anchor.rechained else "")


async def write_anchor(conn: AsyncConnection, path: Path, now: datetime, *, rechained: bool = False) -> Anchor:
    count, head, key_id = await audit.head(conn)
    anchor = Anchor(now.isoformat(), count, head, key_id, rechained)
    append_anchor(path, anchor)
    return anchor


async def anchor_if_due(conn: AsyncConnection, path: Path, now: datetime, every: timedelta) -> Anchor | None:
    """Anchor the head when the chain grew and the last anchor is at least `every` old."""
    try:
        anchors = read_anchors(path)
    except AnchorFileDamaged:
        log.error("audit anchor file is damaged; appending anyway, verify-audit will report it")
        anchors = []
    last = anchors[-1] if anchors else None
    if last is not None and datetime.fromisoformat(last.at) > now - every:
        return None
    count, head, _ = await audit.head(conn)
    if count == 0 or (last is not None and last.count == count and last.head == head):
        return None
    return await write_anchor(conn, path, now)


async def verify_with_anchors(conn: AsyncConnection, path: Path) -> audit.AuditCheck:
    try:
        anchors = read_anchors(path)
    except AnchorFileDamaged:
        check = await audit.verify(conn)
        return check._replace(intact=False, problem="anchor_file_damaged")
    return await audit.verify(conn, anchors=anchors)
