"""API tokens run out (90 days unless `--days` says otherwise) and can be revoked at once."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from salpim import settings as settings_module
from salpim.cli import main
from state import members
from state.migrate import upgrade
from state.timeutil import utcnow


async def _staff_token(service, **kwargs) -> str:
    async with service.services.db.transaction() as conn:
        cipher = service.services.cipher
        member = await members.create_member(conn, cipher, role="caseworker", dong_code="1111065000",
                                             sigungu_code="11110", now=utcnow())
        return await members.create_api_token(conn, cipher, member, **kwargs)


async def test_a_token_past_its_days_is_refused(service):
    fresh = await _staff_token(service, now=utcnow())
    stale = await _staff_token(service, now=utcnow() - timedelta(days=91))
    short = await _staff_token(service, now=utcnow() - timedelta(days=2), valid_for=timedelta(days=1))
    answers = [(await service.client.get("/api/cases", headers={"Authorization": f"Bearer {t}"})).status_code
               for t in (fresh, stale, short)]
    assert answers == [200, 401, 401]


def test_revoke_token_ends_access_at_once(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'tokens.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "a-master-key-of-thirty-two-bytes-or-more")
    monkeypatch.setenv("SALPIM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    settings_module.get_settings.cache_clear()
    try:
        from salpim.settings import DEFAULT_DIRECTORY
        assert main(["load-directory", str(DEFAULT_DIRECTORY)]) == 0  # a 시군구 account names a known 시군구
        capsys.readouterr()
        assert main(["admin", "create-staff", "--role", "auditor", "--sigungu", "11110"]) == 0
        member_id = int(capsys.readouterr().out.split()[2])
        assert main(["admin", "token", "--member", str(member_id), "--days", "5"]) == 0
        first = capsys.readouterr().out.strip()
        assert main(["admin", "token", "--member", str(member_id)]) == 0
        second = capsys.readouterr().out.strip()

        async def holder(token: str):
            from integrations.services import build_cipher
            from state.db import Database
            settings = settings_module.get_settings()
            db = Database(url)
            try:
                async with db.read() as conn:
                    return await members.member_by_token(conn, build_cipher(settings), token)
            finally:
                await db.dispose()
        assert asyncio.run(holder(first)).id == member_id
        assert main(["admin", "revoke-token", "--token", first]) == 0
        assert asyncio.run(holder(first)) is None and asyncio.run(holder(second)) is not None
        assert main(["admin", "revoke-token", "--token", first]) == 1  # already revoked: says so
        assert main(["admin", "revoke-token", "--member", str(member_id)]) == 0
        assert asyncio.run(holder(second)) is None
    finally:
        settings_module.get_settings.cache_clear()
