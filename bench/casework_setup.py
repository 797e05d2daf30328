"""The casework set-up a Salpim run needs before its warm-up when its mix has caseworker scripts
(the follow-up checklist, `seat="caseworker"` in bench/scripts.py).

What a follow-up call needs is what an office has: caseworkers and a team leader registered with
their Telegram ids in a 읍면동, and a case per caseworker that has reached 서비스 제공 및 점검 (a
follow-up needs the household type, decided at selection). It is made the way the office makes it:

1. staff accounts, in the server's environment: ``python -m bench.casework_setup create-staff``
   does what ``salpim admin create-staff --role caseworker --dong D --telegram-user-id N`` does
   (salpim/cli_admin.py), for all accounts in one process (the CLI costs about a second each).
   Run after the server started: the 읍면동 directory is in the database from then on. One
   caseworker per chat in flight (a pool: two chats never share a caseworker's private chat),
   spread over the 17 읍면동 of the directory, and one team leader per 읍면동 used;
2. one report per caseworker, filed by a resident through the whole report dialog (the REPORT
   script) in that caseworker's 읍면동;
3. the caseworker takes it by pressing the team alert's button (``cb.take(report id)``), the
   읍면동's team leader designates them 주사례관리자 (``cb.assign_to``, L8576–8578), and the
   caseworker moves the case on with the case card's buttons (``cb.act(case, version, action)``,
   ``cb.toggle_fact(case, fact)``, dialogs/callback_data.py): 담당자 지정, 서비스 연계 및 사례관리 요청,
   대상자 접수, the two consents, 욕구 및 위기도 조사 등록; a 사례회의 that decides 대상자 선정 is recorded
   through the core in the server's environment (``record-selection``: the 🗓 사례회의 dialog's
   outcome, core/conferences.py); the team leader selects it as a 사례관리 가구 and confirms the
   service plan. Every chat's updates are sent strictly in order;
4. the database is checked (every case at ``service_delivery``, managed by its caseworker) and
   the seats are written to a JSON file for the load generator (``--staff``).

Nothing of this is measured; the reports it files are counted in the run's report check.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dialogs import callback_data as cb
from dialogs.callback_data import encode_callback
from bench.scripts import DONGS, REPORT, callback

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ROOT = Path(__file__).resolve().parent.parent

# The caseworker's presses, in order, from a freshly taken case (step 발굴 → 서비스 제공계획 수립 is
# the team leader's), and then the team leader's. Each act names the case's version, read just before.
CASEWORKER_STEPS = ("assign_counsellor", "request_case_management", "accept_intake", "fact:personal_data_consent",
                    "fact:service_use_consent", "complete_assessment")
TEAM_LEADER_STEPS = ("select_case_management", "confirm_service_plan")
READY_STEP = "service_delivery"  # 서비스 제공 및 점검: where follow-up calls happen

Query = Callable[[str], Awaitable[list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class Plan:
    """Who is who: Telegram ids (= private chat ids) of the staff and of the residents who report."""

    caseworkers: tuple[tuple[int, str], ...]   # (telegram user id, 읍면동 code)
    team_leaders: dict[str, int]               # 읍면동 code → telegram user id
    reporter_base: int

    @classmethod
    def make(cls, count: int, staff_base: int, reporter_base: int) -> Plan:
        caseworkers = tuple((staff_base + 1000 + k, DONGS[k % len(DONGS)]) for k in range(count))
        used = sorted({dong for _, dong in caseworkers}, key=DONGS.index)
        return cls(caseworkers, {dong: staff_base + DONGS.index(dong) for dong in used}, reporter_base)

    def staff_spec(self) -> list[dict[str, Any]]:
        return ([{"role": "team_leader", "dong": d, "telegram_user_id": u} for d, u in self.team_leaders.items()]
                + [{"role": "caseworker", "dong": d, "telegram_user_id": u} for u, d in self.caseworkers])


class _Webhook:
    def __init__(self, target: str, secret: str, update_base: int) -> None:
        self.target, self.secret = target, secret
        self._ids = itertools.count(update_base)
        self._session: Any = None

    async def __aenter__(self) -> _Webhook:
        import aiohttp
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    def next_id(self) -> int:
        return next(self._ids)

    async def post(self, update: dict[str, Any]) -> None:
        headers = {SECRET_HEADER: self.secret, "Content-Type": "application/json"}
        async with self._session.post(self.target, data=orjson.dumps(update), headers=headers) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"casework set-up: update answered {response.status}: {body[:200]!r}")

    async def press(self, user_id: int, data: str) -> None:
        await self.post(callback(user_id, self.next_id(), data))


async def _in_server_env(env: dict[str, str], command: str, payload: Any) -> str:
    """Run `python -m bench.casework_setup COMMAND` in the server's environment (its database and
    key), the payload as JSON on stdin; its output, or RuntimeError with the output's tail."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.casework_setup", command, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate(orjson.dumps(payload))
    if proc.returncode != 0:
        raise RuntimeError(f"casework set-up: {command} failed:\n{out.decode(errors='replace')[-2000:]}")
    return out.decode()


async def create_staff(env: dict[str, str], spec: Sequence[dict[str, Any]]) -> list[int]:
    """Register the staff accounts (in the server's environment: its database and key)."""
    out = await _in_server_env(env, "create-staff", list(spec))
    return orjson.loads(out.strip().splitlines()[-1])


async def record_selection(env: dict[str, str], items: Sequence[dict[str, int]]) -> None:
    """The selection 사례회의 of every case, as its caseworker (in the server's environment)."""
    await _in_server_env(env, "record-selection", list(items))


async def prepare(*, target: str, secret: str, env: dict[str, str], query: Query, count: int, staff_base: int,
                  reporter_base: int, update_base: int, out: Path, parallel: int = 32) -> dict[str, Any]:
    """Make `count` caseworker seats on a running Salpim; write them to `out`; return a summary."""
    started = time.monotonic()
    plan = Plan.make(count, staff_base, reporter_base)
    member_ids = await create_staff(env, plan.staff_spec())
    # create-staff answers the ids in the spec's order: the team leaders first, then the caseworkers.
    member_of = {user: member_ids[len(plan.team_leaders) + k] for k, (user, _) in enumerate(plan.caseworkers)}
    limit = asyncio.Semaphore(parallel)
    leader_locks = {dong: asyncio.Lock() for dong in plan.team_leaders}  # a leader's chat: one update at a time

    # Only the reports the set-up files are taken: a seeded database (bench/growth_seed.py) has others.
    filed_before = int((await query("SELECT coalesce(max(id), 0) FROM reports"))[0][0])
    async with _Webhook(target, secret, update_base) as hook:
        async def file_report(k: int, dong: str) -> None:
            reporter = reporter_base + k
            async with limit:
                for step in REPORT.steps:  # the chat index picks the 읍면동 button (DONGS[index % 17])
                    await hook.post(step(reporter, hook.next_id(), DONGS.index(dong)))
        await asyncio.gather(*(file_report(k, dong) for k, (_, dong) in enumerate(plan.caseworkers)))

        filed = await query(f"SELECT id, dong_code FROM reports WHERE id > {filed_before:d} ORDER BY id")
        free: dict[str, list[int]] = {}
        for report_id, dong in filed:
            free.setdefault(dong, []).append(int(report_id))

        async def make_case(user: int, dong: str) -> None:
            if not free.get(dong):
                raise RuntimeError(f"casework set-up: no report filed in {dong} for caseworker {user}")
            report_id = free[dong].pop(0)
            async with limit:
                await hook.press(user, encode_callback(None, cb.take(report_id)))
                found = await query(f"SELECT id, version FROM cases WHERE report_id = {report_id:d}")
                if not found:
                    raise RuntimeError(f"casework set-up: caseworker {user} could not take report {report_id} "
                                       "(see the server log)")
                case_id = int(found[0][0])
                async with leader_locks[dong]:  # the taker is only proposed: the team leader designates
                    await hook.press(plan.team_leaders[dong], encode_callback(None, cb.assign_to(report_id,
                                                                                                 member_of[user])))

                async def version() -> int:  # read, not counted: whether a fact moves it is the core's business
                    return int((await query(f"SELECT version FROM cases WHERE id = {case_id:d}"))[0][0])
                for step in CASEWORKER_STEPS:
                    if step.startswith("fact:"):
                        await hook.press(user, encode_callback(None, cb.toggle_fact(case_id, step[5:])))
                    else:
                        await hook.press(user, encode_callback(None, cb.act(case_id, await version(), step)))
                cases_of[user] = case_id

        async def select(user: int, dong: str) -> None:
            case_id = cases_of[user]

            async def version() -> int:
                return int((await query(f"SELECT version FROM cases WHERE id = {case_id:d}"))[0][0])
            async with limit, leader_locks[dong]:
                for step in TEAM_LEADER_STEPS:
                    await hook.press(plan.team_leaders[dong],
                                     encode_callback(None, cb.act(case_id, await version(), step)))

        cases_of: dict[int, int] = {}
        await asyncio.gather(*(make_case(user, dong) for user, dong in plan.caseworkers))
        await record_selection(env, [{"case": cases_of[user], "member": member_of[user]}
                                     for user, _ in plan.caseworkers])
        await asyncio.gather(*(select(user, dong) for user, dong in plan.caseworkers))

    rows = await query("SELECT c.id, m.telegram_user_id, c.step FROM cases c "
                       "JOIN members m ON m.id = c.manager_member_id ORDER BY c.id")
    seats = {int(user): int(case) for case, user, step in rows if step == READY_STEP}
    missing = [user for user, _ in plan.caseworkers if user not in seats]
    if missing:
        steps = {int(user): step for _, user, step in rows}
        raise RuntimeError(f"casework set-up: {len(missing)} of {count} cases did not reach {READY_STEP} "
                           f"(e.g. caseworker {missing[0]}: {steps.get(missing[0], 'no case')}; see the server log)")
    out.write_bytes(orjson.dumps({
        "caseworkers": [[user, seats[user]] for user, _ in plan.caseworkers],
        "team_leaders": plan.team_leaders, "dongs": sorted(plan.team_leaders, key=DONGS.index)}))
    return {"caseworkers": count, "team_leaders": len(plan.team_leaders), "reports": len(plan.caseworkers),
            "cases_ready": len(seats), "seconds": round(time.monotonic() - started, 1), "file": str(out)}


# -- in the server's environment ------------------------------------------------------------------
async def _create_staff(spec: list[dict[str, Any]]) -> list[int]:
    """What `salpim admin create-staff` does (salpim/cli_admin.py), for a list of accounts."""
    from integrations.services import build_cipher
    from salpim.settings import get_settings
    from state import members
    from state.db import Database
    from state.directory_store import read_directory
    from state.timeutil import utcnow

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        async with db.transaction() as conn:
            directory = await read_directory(conn)
            cipher = build_cipher(settings)
            ids = []
            for account in spec:
                dong = directory.dong(account["dong"])
                if dong is None:
                    raise SystemExit(f"unknown 읍면동 code {account['dong']} (is the server's directory loaded?)")
                ids.append(await members.create_member(
                    conn, cipher, role=account["role"], dong_code=account["dong"], sigungu_code=dong.sigungu_code,
                    now=utcnow(), telegram_user_id=int(account["telegram_user_id"])))
            return ids
    finally:
        await db.dispose()


async def _record_selection(items: list[dict[str, int]]) -> None:
    """What the 🗓 사례회의 dialog records (core/conferences.py): a conference on each case that
    decided 대상자 선정, by the case's caseworker; the case moves to 선정 through the lifecycle."""
    from core import conferences
    from core.actor import Channel, member_actor
    from core.work import Work
    from integrations.services import build_cipher
    from salpim.settings import get_settings
    from state import audit, members
    from state.db import Database
    from state.directory_store import read_directory
    from state.timeutil import utcnow

    settings = get_settings()
    db = Database(settings.database_url)
    cipher = build_cipher(settings)
    audit.bind_keys(db.engine, audit.ChainKeys.of(cipher.audit_keys()))  # the conference is audited
    try:
        async with db.transaction() as conn:
            directory = await read_directory(conn)
            for item in items:
                actor = member_actor(await members.member_by_id(conn, item["member"]), directory, Channel.API)
                await conferences.record_conference(Work(db, conn, cipher, directory, utcnow()), actor, item["case"],
                                                    decisions=["selection"])
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["create-staff"], ["record-selection"]):
        print("usage: python -m bench.casework_setup create-staff|record-selection < items.json   "
              "(in the server's environment: SALPIM_DATABASE_URL, SALPIM_SECRET_KEY)", file=sys.stderr)
        return 2
    spec = orjson.loads(sys.stdin.buffer.read())
    if args == ["record-selection"]:
        asyncio.run(_record_selection(spec))
        return 0
    ids = asyncio.run(_create_staff(spec))
    sys.stdout.write(orjson.dumps(ids).decode() + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SALPIM_LOG_LEVEL", "WARNING")
    sys.exit(main())
