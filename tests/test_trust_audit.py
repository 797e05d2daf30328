"""The audit log is keyed and anchored: whoever holds only the database cannot cut, edit,
reorder or recompute it unseen; an untouched log verifies; entries from before keying are
adopted once; a key rotation moves the chain to the new key; reading the log is itself audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from salpim import settings as settings_module
from salpim.cli import main
from state import audit, audit_anchors, members
from state.migrate import upgrade
from state.models import AuditEntry
from state.timeutil import utcnow
from tests.harness import make_settings, running_app

T = AuditEntry.__table__


async def _write(service, n: int) -> None:
    async with service.services.db.transaction() as conn:
        for i in range(n):
            await audit.record(conn, actor=f"member:{i % 3 + 1}", action="read", subject=f"report:SP-{i:04d}",
                               now=utcnow(), detail={"via": "api"})


async def _anchor(service) -> None:
    async with service.services.db.read() as conn:
        await audit_anchors.write_anchor(conn, service.services.settings.audit_anchor_file, utcnow())


async def _check(service) -> audit.AuditCheck:
    async with service.services.db.read() as conn:
        return await audit_anchors.verify_with_anchors(conn, service.services.settings.audit_anchor_file)


async def test_an_untouched_log_verifies_against_its_anchors(service):
    await _write(service, 5)
    await _anchor(service)
    await _write(service, 3)
    check = await _check(service)
    assert check.intact and check.entries == 8 and check.problem is None


async def test_deleting_the_newest_entries_is_caught_by_the_anchor(service):
    await _write(service, 6)
    await _anchor(service)
    async with service.services.db.transaction() as conn:
        await conn.execute(delete(T).where(T.c.id > 4))
    check = await _check(service)
    assert not check.intact and check.problem == "truncated" and check.entries == 4


async def test_deleting_and_recomputing_with_the_public_rule_is_caught(service):
    await _write(service, 6)
    await _anchor(service)
    async with service.services.db.transaction() as conn:
        await conn.execute(delete(T).where(T.c.id == 3))
        rows = list(await conn.execute(select(T).order_by(T.c.id)))
        prev = audit.GENESIS
        for row in rows:  # what an intruder can do with state.audit.entry_hash and no key
            digest = audit.entry_hash(prev, row.at, row.actor, row.action, row.subject, row.detail)
            await conn.execute(update(T).where(T.c.id == row.id).values(prev_hash=prev, hash=digest))
            prev = digest
    check = await _check(service)
    assert not check.intact and check.first_broken_id == 1 and check.problem == "edited"
    # Claiming the rows predate keying does not help either.
    async with service.services.db.transaction() as conn:
        await conn.execute(update(T).values(key_id=None))
    check = await _check(service)
    assert not check.intact and check.problem == "unkeyed"


async def test_an_edited_entry_is_caught(service):
    await _write(service, 4)
    async with service.services.db.transaction() as conn:
        await conn.execute(update(T).where(T.c.id == 3).values(subject="report:SP-9999"))
    check = await _check(service)
    assert not check.intact and check.first_broken_id == 3 and check.problem == "edited"


async def test_reordered_entries_are_caught(service):
    await _write(service, 4)
    async with service.services.db.transaction() as conn:
        two, three = (await conn.execute(select(T).where(T.c.id.in_((2, 3))).order_by(T.c.id))).all()
        for target, source in ((2, three), (3, two)):  # swap the contents, hashes and all
            await conn.execute(update(T).where(T.c.id == target).values(
                at=source.at, actor=source.actor, action=source.action, subject=source.subject,
                detail=source.detail, prev_hash=f"tmp{target}", hash=f"tmp{target}"))
        for target, source in ((2, three), (3, two)):
            await conn.execute(update(T).where(T.c.id == target).values(prev_hash=source.prev_hash,
                                                                          hash=source.hash))
    check = await _check(service)
    assert not check.intact and check.first_broken_id == 2


async def test_an_anchor_naming_another_hash_at_its_position_is_caught(service):
    await _write(service, 3)
    audit_anchors.append_anchor(service.services.settings.audit_anchor_file,
                                audit_anchors.Anchor(utcnow().isoformat(), 2, "f" * 64))
    check = await _check(service)
    assert not check.intact and check.problem == "anchor_mismatch"


async def test_the_service_anchors_the_head_now_and_then(service):
    path = service.services.settings.audit_anchor_file
    await _write(service, 2)
    async with service.services.db.read() as conn:
        first = await audit_anchors.anchor_if_due(conn, path, utcnow(), timedelta(seconds=60))
    assert first is not None and first.count == 2
    await _write(service, 1)
    async with service.services.db.read() as conn:
        assert await audit_anchors.anchor_if_due(conn, path, utcnow(), timedelta(seconds=60)) is None  # too soon
        later = await audit_anchors.anchor_if_due(conn, path, utcnow() + timedelta(minutes=2), timedelta(seconds=60))
    assert later is not None and later.count == 3
    assert [a.count for a in audit_anchors.read_anchors(path)] == [2, 3]


async def test_entries_from_before_keying_are_adopted_once_at_start(tmp_path, sqlite_url):
    await _legacy_rows(sqlite_url, 4)
    settings = make_settings(sqlite_url, None, tmp_path)
    async with running_app(settings) as service:
        async with service.services.db.read() as conn:
            key_ids = {r.key_id for r in await conn.execute(select(T))}
        assert key_ids == {service.services.cipher.current_key_id}
        check = await _check(service)
        assert check.intact and check.entries == 4
        assert audit_anchors.read_anchors(settings.audit_anchor_file)[-1].rechained


async def test_a_broken_log_from_before_keying_is_not_adopted(tmp_path, sqlite_url):
    await _legacy_rows(sqlite_url, 4, tamper_id=2)
    async with running_app(make_settings(sqlite_url, None, tmp_path)) as service:
        check = await _check(service)
    assert not check.intact and check.problem == "unkeyed" and check.first_broken_id == 1


async def _legacy_rows(url: str, n: int, tamper_id: int | None = None) -> None:
    import asyncio

    from state.db import Database
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as conn:
            prev, now = audit.GENESIS, utcnow()
            for i in range(1, n + 1):
                digest = audit.entry_hash(prev, now, "system", "create", f"report:L{i}", {})
                subject = "report:EDITED" if i == tamper_id else f"report:L{i}"
                await conn.execute(insert(T).values(at=now, actor="system", action="create", subject=subject,
                                                    detail={}, prev_hash=prev, hash=digest, key_id=None))
                prev = digest
    finally:
        await db.dispose()


async def test_reading_and_verifying_the_audit_log_over_the_api_are_audited(service):
    async with service.services.db.transaction() as conn:
        auditor = await members.create_member(conn, service.services.cipher, role="auditor", dong_code=None,
                                              sigungu_code="11110", now=utcnow())
        token = await members.create_api_token(conn, service.services.cipher, auditor, utcnow())
    headers = {"Authorization": f"Bearer {token}"}
    assert (await service.client.get("/api/audit", headers=headers)).status_code == 200
    verified = await service.client.get("/api/audit/verify", headers=headers)
    assert verified.json()["intact"] is True
    async with service.services.db.read() as conn:
        rows = [(r.actor, r.action, r.subject) for r in await conn.execute(select(T).order_by(T.c.id))]
    assert (f"member:{auditor}", "read", "audit_log") in rows
    assert (f"member:{auditor}", "verify_audit", "audit_log") in rows


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "first-master-key-of-32-bytes-or-more")
    monkeypatch.setenv("SALPIM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    settings_module.get_settings.cache_clear()
    yield url
    settings_module.get_settings.cache_clear()


def test_verify_audit_cli_anchors_and_then_catches_a_cut(cli_env, tmp_path, capsys):
    import sqlite3
    for _ in range(3):
        assert main(["admin", "verify-audit"]) == 0  # each run audits itself and anchors
    assert "intact" in capsys.readouterr().out
    assert len(audit_anchors.read_anchors(tmp_path / "anchors.jsonl")) == 3
    with sqlite3.connect(tmp_path / "cli.db") as raw:
        raw.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert main(["admin", "verify-audit"]) == 1
    assert "BROKEN: truncated" in capsys.readouterr().out


def test_rotating_the_key_moves_the_chain_to_the_new_key(cli_env, monkeypatch, capsys):
    assert main(["admin", "verify-audit"]) == 0
    monkeypatch.setenv("SALPIM_SECRET_KEY", "second-master-key-of-32-bytes-or-more")
    monkeypatch.setenv("SALPIM_OLD_SECRET_KEYS", "first-master-key-of-32-bytes-or-more")
    settings_module.get_settings.cache_clear()
    assert main(["admin", "rotate-key"]) == 0
    monkeypatch.setenv("SALPIM_OLD_SECRET_KEYS", "")  # the old key dropped: the chain still verifies
    settings_module.get_settings.cache_clear()
    assert main(["admin", "verify-audit"]) == 0
    assert "intact" in capsys.readouterr().out.splitlines()[-1]
