"""The household key is a keyed hash, never the identifier (property test, SQLite and
PostgreSQL): whatever addresses households have, after support is recorded and read for
them, neither the address nor its normalised form nor the identity string that is hashed
appears anywhere in the database or in the logs — only the HMAC does."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core import cases as core_cases
from core import reports as core_reports
from core import support as core_support
from core.actor import Actor, Channel, member_actor
from core.work import Work
from state import members
from state.models import Base, SupportEntry
from state.timeutil import utcnow
from tests.harness import make_settings, running_app
from welfare.crisis_report import CrisisReport
from welfare.support import household_identity, load_support_kinds, normalise_address

HYEHWA = "1111065000"
syllables = st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=3, max_size=6)
addresses = st.builds(lambda road, number, sep, unit: f"{road}길{sep}{number}{sep}{unit}",
                      syllables, st.integers(1, 999), st.sampled_from([" ", ", ", "", "-", " · "]),
                      st.sampled_from(["", "2층", "101동 1203호", "(반지하)"]))
households = st.lists(st.tuples(addresses, st.sampled_from(load_support_kinds().ids)), min_size=5, max_size=5,
                      unique_by=lambda h: normalise_address(h[0]))


def _report(address: str) -> CrisisReport:
    return CrisisReport(reporter_kind="neighbour", reporter_type="resident", situations=("isolation",),
                        dong_code=HYEHWA, description="며칠째 안 보여요", contact="anonymous", consent_version="v1",
                        consent_at=datetime(2026, 11, 30, 9, 0), address=address)


async def _scenario(db_url: str, tmp, batch: list[tuple[str, str]]) -> tuple[str, list[tuple[str, int, str]]]:
    async with running_app(make_settings(db_url, None, tmp)) as service:
        s = service.services
        async with s.db.transaction() as conn:
            member = await members.create_member(conn, s.cipher, role="caseworker", dong_code=HYEHWA,
                                                 sigungu_code="11110", now=utcnow())
        made: list[tuple[str, int, str]] = []
        for address, kind in batch:
            for _ in range(2):  # two cases of one household: the second is matched by the key
                async with s.db.transaction() as conn:
                    work = Work(s.db, conn, s.cipher, s.runner.directory, utcnow())
                    cw = member_actor(await members.member_by_id(conn, member), s.runner.directory, Channel.API)
                    filed = await core_reports.file_report(work, Actor(Channel.TELEGRAM, chat_id="n"),
                                                           _report(address), per_hour=10**6)
                    case = (await core_cases.take_report(work, cw, filed.id)).case.id
                    outcome = await core_support.record_support(work, cw, case, kind, national_checked=True)
                    if isinstance(outcome, core_support.NeedsConfirmation):
                        outcome = await core_support.record_support(work, cw, case, kind, national_checked=True,
                                                                    confirm=True, reason="case_meeting")
                    assert isinstance(outcome, core_support.Recorded)
                    assert (await core_support.who_serves(work, cw, case)).serving
                    made.append((address, case, s.cipher.lookup_hash(household_identity(address=address,
                                                                                        case_id=case))))
        dump: list[str] = []
        async with s.db.read() as conn:
            for table in Base.metadata.sorted_tables:
                dump += [repr(tuple(row)) for row in await conn.execute(select(table))]
            stored = set((await conn.execute(select(SupportEntry.household_hash))).scalars())
        assert {h for _, _, h in made} <= stored
        return "\n".join(dump), made


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=households)
def test_the_household_key_never_appears_in_clear(batch, db_url, tmp_path_factory, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    dump, made = asyncio.run(_scenario(db_url, tmp_path_factory.mktemp("privacy"), batch))
    logs = caplog.text
    for address, case, key in made:
        identity = household_identity(address=address, case_id=case)
        for clear in (address, normalise_address(address), identity):
            assert clear not in dump, (clear, "in the database")
            assert clear not in logs, (clear, "in the logs")
        assert key in dump  # what is kept instead: the keyed hash
    # Two cases of one household carry one key.
    keys = {}
    for address, _, key in made:
        keys.setdefault(normalise_address(address), set()).add(key)
    assert all(len(k) == 1 for k in keys.values())


OLD_KEY, NEW_KEY = "old-key-at-least-32-bytes-long-000", "new-key-at-least-32-bytes-long-000"


async def _kimjang(service, member: int, address: str) -> object:
    s = service.services
    async with s.db.transaction() as conn:
        work = Work(s.db, conn, s.cipher, s.runner.directory, utcnow())
        cw = member_actor(await members.member_by_id(conn, member), s.runner.directory, Channel.API)
        filed = await core_reports.file_report(work, Actor(Channel.TELEGRAM, chat_id="n"), _report(address),
                                               per_hour=10**6)
        case = (await core_cases.take_report(work, cw, filed.id)).case.id
        return await core_support.record_support(work, cw, case, "kimjang", amount="20포기")


async def test_after_a_key_rotation_households_still_match_and_retention_unlinks_them(db_url, tmp_path):
    from state import retention, rotation
    from state.crypto import FieldCipher
    from state.models import Case
    async with running_app(make_settings(db_url, None, tmp_path, secret_key=OLD_KEY)) as service:
        async with service.services.db.transaction() as conn:
            member = await members.create_member(conn, service.services.cipher, role="caseworker",
                                                 dong_code=HYEHWA, sigungu_code="11110", now=utcnow())
        assert isinstance(await _kimjang(service, member, "명륜길 12"), core_support.Recorded)
    async with running_app(make_settings(db_url, None, tmp_path, secret_key=NEW_KEY, old_secret_keys=OLD_KEY),
                           migrate=False) as service:
        async with service.services.db.transaction() as conn:
            counts = await rotation.rotate(conn, service.services.cipher)
        assert counts["support_ledger.household_hash"] == 1 and counts["support_ledger.amount_enc"] == 1
    # The old key is gone: a second 김장 at the same address still meets the first.
    async with running_app(make_settings(db_url, None, tmp_path, secret_key=NEW_KEY), migrate=False) as service:
        again = await _kimjang(service, member, "명륜길12")
        assert isinstance(again, core_support.NeedsConfirmation) and len(again.earlier) == 1
        async with service.services.db.read() as conn:
            entry = (await conn.execute(select(SupportEntry.__table__))).mappings().one()
        assert entry["household_hash"] == FieldCipher(NEW_KEY).lookup_hash(
            household_identity(address="명륜길 12", case_id=entry["case_id"]))
        assert FieldCipher(NEW_KEY).decrypt(entry["amount_enc"], "support_ledger.amount") == "20포기"
        # Five years after the case ended, retention unlinks its entries from the household.
        async with service.services.db.transaction() as conn:
            from sqlalchemy import update
            await conn.execute(update(Case.__table__).values(step="closed_early", updated_at=datetime(2019, 1, 1)))
            await retention.anonymise_due(conn, service.services.cipher, utcnow(), report_days=365, case_days=5 * 365)
            kept = (await conn.execute(select(SupportEntry.__table__))).mappings().all()
        assert [(e["household_hash"], e["amount_enc"], e["kind"]) for e in kept] == [("", None, "kimjang")]
