"""Backup and restore, done once for real (docs/operators.md): a report is made through Telegram,
the database is backed up while the service runs (SQLite: `sqlite3 .backup`; PostgreSQL:
`pg_dump -Fc`), restored into a new database (a copy of the file; `pg_restore` into a fresh
database), and there the report is decryptable with the backed-up key and the audit chain
verifies against the backed-up anchors file (`salpim admin verify-audit`, as an operator runs it)."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select

from state import audit_anchors, reports
from state.crypto import FieldCipher
from state.db import Database
from state.models import Report
from state.timeutil import utcnow
from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.harness import TelegramUser, make_settings, running_app
from tests.test_voice_transcripts import finish, until_description

SECRET = "test-master-key-at-least-32-bytes-long"  # tests/harness.py make_settings: the key backed up
DESCRIPTION = "현관 앞에 우유가 일주일째 쌓여 있어요"


def libpq_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def backup(url: str, target) -> None:
    """What docs/operators.md tells an operator to run, while the service keeps running."""
    if url.startswith("sqlite"):
        source = url.split("///", 1)[1]
        run = await asyncio.create_subprocess_exec("sqlite3", source, f".backup '{target}'")
    else:
        run = await asyncio.create_subprocess_exec("pg_dump", "--format=custom", f"--file={target}", libpq_url(url))
    assert await run.wait() == 0


async def restore(url: str, dump, tmp_path) -> str:
    if url.startswith("sqlite"):
        restored = tmp_path / "restored.db"
        shutil.copyfile(dump, restored)
        return f"sqlite+aiosqlite:///{restored}"
    fresh = await _fresh_pg_database()
    run = await asyncio.create_subprocess_exec("pg_restore", "--no-owner", f"--dbname={libpq_url(fresh)}", str(dump))
    assert await run.wait() == 0
    return fresh


@pytest.mark.skipif(shutil.which("sqlite3") is None or shutil.which("pg_dump") is None,
                    reason="the sqlite3 and pg_dump command-line tools are needed")
async def test_backup_restore_keeps_reports_readable_and_the_audit_chain_intact(db_url, fake_api, tmp_path):
    settings = make_settings(db_url, fake_api, tmp_path)
    async with running_app(settings) as service:
        reporter = TelegramUser(service, fake_api, user_id=5560001)
        await until_description(reporter)
        await reporter.say(DESCRIPTION)
        await finish(reporter)
        async with service.services.db.transaction() as conn:  # the service anchors the chain every minute
            await audit_anchors.write_anchor(conn, settings.audit_anchor_file, utcnow())
        # The anchors file first, then the database: every anchor copied names entries the
        # database copy holds (an anchor newer than the database copy would not verify).
        anchors = tmp_path / "anchors-backup.jsonl"
        shutil.copyfile(settings.audit_anchor_file, anchors)
        dump = tmp_path / "backup.dump"
        await backup(db_url, dump)  # the service is still running
        await reporter.say("/start")  # and writing: the copy is consistent all the same
    restored = await restore(db_url, dump, tmp_path)
    try:
        db = Database(restored)
        try:
            async with db.read() as conn:
                report_id = (await conn.execute(select(Report.id))).scalar_one()
                full = await reports.read_full(conn, FieldCipher(SECRET), report_id)
        finally:
            await db.dispose()
        assert full is not None and full.description == DESCRIPTION  # readable with the backed-up key
        env = {**os.environ, "SALPIM_DATABASE_URL": restored, "SALPIM_SECRET_KEY": SECRET,
               "SALPIM_AUDIT_ANCHOR_FILE": str(anchors), "SALPIM_TELEGRAM_TOKEN": ""}
        env.pop("SALPIM_OLD_SECRET_KEYS", None)
        checked = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "salpim.cli", "admin", "verify-audit"],
                                          env=env, capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "audit log intact" in checked.stdout
    finally:
        if not restored.startswith("sqlite"):
            await _drop_pg_database(restored)
