"""The growth bench's seeder (bench/growth_seed.py) makes a database the app works on: seeded
small, every staff view the bench times answers, as the seated staff, with the seeded rows."""
from __future__ import annotations

import asyncio

from state.retention import ENDED_STEPS
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
        working = (await get("caseworker", "/api/cases?mine=true&open=true")).json()
        ended = {c["id"] for c in mine if c["step"] in ENDED_STEPS}
        assert ended and {c["id"] for c in working} == {c["id"] for c in mine} - ended  # open=true: the caseload
        assert (await get("team_leader", f"/api/reports?dong={creds['dong']}")).json()
        overdue = (await get("admin", "/api/cases?overdue=true")).json()
        assert overdue and all(c["overdue"] for c in overdue)
        coordination = (await get("coordinator", "/api/referrals/coordination")).json()
        assert "by_organisation" in coordination
        # Reports are filed on top of the seeded ones (the bench's load does): their ids go on after.
        filed = await OfficeWorld(service.services).file(dong=creds["dong"])
        assert filed.id > creds["rows"]["reports"]


def test_a_scan_or_a_sort_of_a_growing_table_is_flagged():
    sql = "SELECT cases.id FROM cases JOIN reports ON reports.id = cases.report_id ORDER BY cases.id"
    assert growth_views.flags(["SEARCH cases USING INDEX ix_cases_manager_member_id (manager_member_id=?)"], sql) == []
    assert growth_views.flags(["SCAN members"], "SELECT id FROM members") == []  # staff: not history
    assert growth_views.flags(["SCAN reports"], sql) == ["SCAN reports"]
    assert growth_views.flags(["USE TEMP B-TREE FOR ORDER BY"], sql) == ["USE TEMP B-TREE FOR ORDER BY (over reports, cases)"]


def test_the_growth_lines_compare_the_largest_size_with_the_smallest():
    from bench import growth
    from bench.run import growth_sizes

    assert growth_sizes(None, quick=False) == (1_000, 10_000, 100_000)
    assert growth_sizes("100000, 1000", quick=False) == (1_000, 100_000)

    def size(p95: float) -> dict:
        views = {v.name: {"p95": p95, "cpu_ms": 1.0} for v in growth_views.VIEWS}
        return {"views_ms": views, "cpu_ms_per_update": 2.0, "plans": {"v": {"status": 200, "queries": []}}}
    lines, values = growth.ratio_lines({"sizes": {"1000": size(10.0), "100000": size(11.0)}})
    assert values["growth api: my open cases ratio"] == 1.1 and values["growth plans flagged"] == 0
    assert "growth api: my case history (a page) ratio" not in values  # shown, not held to the target
    assert all("✓ met" in line for line in lines)
    assert "✗" in growth.table({"sizes": {"1000": size(10.0), "100000": size(13.0)}})[2]
