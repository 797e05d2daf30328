"""The growth bench's seeder (bench/growth_seed.py) makes a database the app works on: seeded
small, every staff view the bench times answers, as the seated staff, with the seeded rows."""
from __future__ import annotations

import asyncio

from bench import growth_seed, growth_views
from state.migrate import upgrade
from tests.harness import make_settings, running_app
from tests.office_world import OfficeWorld


async def test_a_seeded_database_answers_the_staff_views(db_url, tmp_path):
    settings = make_settings(db_url, None, tmp_path)
    await asyncio.to_thread(upgrade, db_url)
    creds = await growth_seed.seed(50, settings=settings)
    assert creds["rows"]["cases"] == 50 and creds["rows"]["reports"] == 50 + min(growth_seed.INBOX, 50)
    async with running_app(settings, migrate=False) as service:
        captured = await growth_views.capture(service.client, service.services, creds)
        assert {name: v["status"] for name, v in captured.items()} == {v.name: 200 for v in growth_views.VIEWS}

        def get(seat: str, path: str):
            return service.client.get(path, headers={"Authorization": f"Bearer {creds['tokens'][seat]}"})
        mine = (await get("caseworker", "/api/cases?mine=true")).json()
        assert mine and {c["manager_member_id"] for c in mine} == {creds["members"]["caseworker"]}
        assert (await get("team_leader", f"/api/reports?dong={creds['dong']}")).json()
        overdue = (await get("admin", "/api/cases?overdue=true")).json()
        assert overdue and all(c["overdue"] for c in overdue)
        coordination = (await get("coordinator", "/api/referrals/coordination")).json()
        assert "by_organisation" in coordination
        # Reports are filed on top of the seeded ones (the bench's load does): their ids go on after.
        filed = await OfficeWorld(service.services).file(dong=creds["dong"])
        assert filed.id > creds["rows"]["reports"]
