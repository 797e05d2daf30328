"""The heavy staff views the growth bench times (issue 16), and the probe that shows the query
plans they run: the same requests made in-process through the real app with a listener on the
engine (before_cursor_execute), so the SQL is what the views run, with their parameters, not a
retyped copy. Each captured statement is then explained (SQLite: EXPLAIN QUERY PLAN) and flagged
when it scans a table that grows with the history or sorts one in a temporary B-tree.

Run in the server's environment on a seeded database (bench/growth_seed.py):
``python -m bench.growth_views < credentials.json`` prints the plans as JSON.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

import orjson

ORIGIN = "http://127.0.0.1"


@dataclass(frozen=True)
class View:
    name: str
    seat: str      # bench/growth_seed.py's seats: caseworker, team_leader, coordinator, admin
    office: bool   # the web office (signed-in session) rather than the API (bearer token)
    path: str      # {dong}: the seated staff's 읍면동
    # False: shown, not held to the flat target — a list of the whole history, which grows with
    # it until it fills its page (200 rows), then stays flat
    target: bool = True

    def url(self, creds: dict[str, Any]) -> str:
        return self.path.format(dong=creds["dong"])


VIEWS = (
    View("api: team inbox", "team_leader", False, "/api/reports?dong={dong}"),
    View("api: my open cases", "caseworker", False, "/api/cases?mine=true&open=true"),
    View("api: my case history (a page)", "caseworker", False, "/api/cases?mine=true", target=False),
    View("api: overdue cases", "admin", False, "/api/cases?overdue=true"),
    View("api: referral coordination", "coordinator", False, "/api/referrals/coordination"),
    View("office: inbox", "team_leader", True, "/office/inbox"),
    View("office: my work", "caseworker", True, "/office/my-work"),
)
# Tables that grow with the years of history (a scan or a sort of one is not flat).
GROWING = ("reports", "cases", "referrals", "case_events", "report_status_history", "audit_log", "timers",
           "support_ledger", "followup_submissions", "photos", "outbox")
_SCAN = re.compile(r"\bSCAN (\w+)")


# Index keys that find open work only: an overdue case has a running clock (an ended one's
# next_due is NULL), an open referral is in an open state. Sorting what such a search found sorts
# today's open work, whose size does not grow with the years (the overdue cases, the open referrals).
OPEN_WORK_KEYS = ("next_due<", "state=")


def flags(plan: list[str], sql: str) -> list[str]:
    """What is not flat in a SQLite plan: a SCAN of a growing table, a temp B-tree over one
    (unless every growing table was searched on a key of open work only)."""
    found = [line for line in plan if (m := _SCAN.search(line)) and m.group(1) in GROWING]
    touches = [t for t in GROWING if re.search(rf"\b(FROM|JOIN)\s+{t}\b", sql)]
    searches = [line for line in plan if line.startswith("SEARCH ") and line.split()[1] in GROWING
                and "INTEGER PRIMARY KEY" not in line]
    open_work = bool(searches) and all(any(k in line.replace(" ", "") for k in OPEN_WORK_KEYS) for line in searches)
    if touches and not open_work:
        found += [f"{line} (over {', '.join(touches)})" for line in plan if "USE TEMP B-TREE" in line]
    return found


def headers(view: View, creds: dict[str, Any]) -> dict[str, str]:
    return {} if view.office else {"Authorization": f"Bearer {creds['tokens'][view.seat]}"}


async def capture(client: Any, services: Any, creds: dict[str, Any]) -> dict[str, Any]:
    """Each view requested once through `client` (an httpx client on the app of `services`):
    its status and the statements it ran, with their parameters."""
    from sqlalchemy import event

    from bench.growth_seed import office_link
    from core.work import Work
    from state.timeutil import utcnow

    seen: list[tuple[str, Any]] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append((statement, parameters))

    engine = services.db.engine.sync_engine
    out: dict[str, Any] = {}
    signed_in: str | None = None
    for view in VIEWS:
        if view.office and signed_in != view.seat:  # a fresh link per seat: links are single-use
            async with services.db.transaction() as conn:
                link = await office_link(Work(services.db, conn, services.cipher, services.runner.directory,
                                              utcnow()), creds["members"][view.seat])
            client.cookies.clear()
            await client.post("/office/sign-in", data={"token": link}, headers={"Origin": ORIGIN})
            signed_in = view.seat
        seen.clear()
        event.listen(engine, "before_cursor_execute", listen)
        try:
            response = await client.get(view.url(creds), headers=headers(view, creds))
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        out[view.name] = {"status": response.status_code, "bytes": len(response.content),
                          "statements": list(dict.fromkeys((s, _plain(p)) for s, p in seen))}
    return out


def _plain(parameters: Any) -> Any:
    return tuple(parameters) if isinstance(parameters, (list, tuple)) else parameters


async def explain(services: Any, captured: dict[str, Any]) -> dict[str, Any]:
    """The plan of every captured statement (SQLite: EXPLAIN QUERY PLAN's detail lines)."""
    plans: dict[str, Any] = {}
    async with services.db.read() as conn:
        for name, found in captured.items():
            rows = []
            for sql, params in found["statements"]:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                result = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
                plan = [str(r[-1]) for r in result]
                rows.append({"sql": " ".join(sql.split()), "plan": plan, "flags": flags(plan, sql)})
            plans[name] = {"status": found["status"], "queries": rows}
    return plans


async def probe(creds: dict[str, Any]) -> dict[str, Any]:
    """The app in this process, on the settings' (seeded) database: each view's plans."""
    import httpx

    from integrations.app import create_app
    from salpim.settings import get_settings

    app = create_app(get_settings(), poll=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            services = app.state.services
            if not services.db.is_sqlite:
                raise SystemExit("the plans are SQLite's EXPLAIN QUERY PLAN; PostgreSQL is not done yet")
            return await explain(services, await capture(client, services, creds))


def main() -> int:
    creds = orjson.loads(sys.stdin.buffer.read())
    sys.stdout.write(orjson.dumps(asyncio.run(probe(creds))).decode() + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SALPIM_LOG_LEVEL", "WARNING")
    for name in ("SALPIM_TELEGRAM_TOKEN", "SALPIM_PUBLIC_URL"):  # the probe serves no Telegram
        os.environ.pop(name, None)
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
