"""The bench's `growth` run (issue 16, "flat as the data grows"): Salpim on SQLite with 1,000,
10,000 and 100,000 reports and cases already in the database (bench/growth_seed.py), each size
on a fresh database; per size:

1. the plans of every query the heavy staff views run (bench/growth_views.py), taken in a probe
   process on the seeded database before the server starts;
2. each view's p50/p95 over REQUESTS sequential requests after WARMUP, through the running
   server (`salpim serve`): the API's team inbox, a caseworker's cases, the overdue cases, the
   coordinator's referrals, and the web office's inbox and my-work pages;
3. a short load of the bench's mix (the casework set-up first, as in the other Salpim runs):
   the server's CPU ms per update.

The target: every figure within FLAT_RATIO from the smallest size to the largest, and no query
scanning or sorting a table that grows (the plans' flags).
"""
from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import orjson

from bench.growth_views import ORIGIN, VIEWS, headers

FLAT_RATIO = 1.2
SIZES, QUICK_SIZES = (1_000, 10_000, 100_000), (1_000, 10_000)
REQUESTS, WARMUP = 100, 10
LOAD_SECONDS = 5.0
CPU_ROW = "CPU ms/update (mix load)"


async def _python(module: str, env: dict[str, str], *args: str, stdin: bytes = b"") -> Any:
    """Run a bench module in the server's environment; its last stdout line is JSON."""
    from bench.run import PY, ROOT
    proc = await asyncio.create_subprocess_exec(PY, "-m", module, *args, cwd=ROOT, env=env,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate(stdin)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{err.decode(errors='replace')[-2000:]}")
    return orjson.loads(out.decode().strip().splitlines()[-1])


async def time_views(url: str, creds: dict[str, Any], server_cpu: Callable[[], float], requests: int = REQUESTS,
                     warmup: int = WARMUP) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) of each view, one request at a time, as its seat (signed in for the office),
    and the server's CPU ms per request (less at the mercy of a busy machine than the p95)."""
    import aiohttp
    out: dict[str, dict[str, float]] = {}
    jar = aiohttp.CookieJar(unsafe=True)  # the office's session cookie on 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as session:
        signed_in = None
        for view in VIEWS:
            if view.office and signed_in != view.seat:
                jar.clear()
                async with session.post(url + "/office/sign-in", data={"token": creds["office_links"][view.seat]},
                                        headers={"Origin": ORIGIN}, allow_redirects=False) as r:
                    if r.status != 303:
                        raise RuntimeError(f"office sign-in as {view.seat} answered {r.status}")
                signed_in = view.seat
            took: list[float] = []
            cpu = 0.0
            for k in range(warmup + requests):
                if k == warmup:
                    cpu = server_cpu()
                started = time.perf_counter()
                async with session.get(url + view.url(creds), headers=headers(view, creds)) as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"{view.name}: {view.url(creds)} answered {r.status}")
                if k >= warmup:
                    took.append(1000 * (time.perf_counter() - started))
            cuts = statistics.quantiles(took, n=20)
            out[view.name] = {"p50": round(statistics.median(took), 2), "p95": round(cuts[18], 2),
                              "cpu_ms": round(1000 * (server_cpu() - cpu) / requests, 2)}
    return out


async def run_size(opts: Any, fake: Any, work: Path, n: int, base: int) -> dict[str, Any]:
    from bench import run
    seeded: dict[str, Any] = {}

    async def seed_and_explain(db: Any, env: dict[str, str]) -> None:
        started = time.monotonic()
        seeded["creds"] = await _python("bench.growth_seed", env, str(n))
        seeded["seed_s"] = round(time.monotonic() - started, 1)
        probe_env = {k: v for k, v in env.items() if k not in ("SALPIM_TELEGRAM_TOKEN", "SALPIM_PUBLIC_URL")}
        seeded["plans"] = await _python("bench.growth_views", probe_env, stdin=orjson.dumps(seeded["creds"]))

    async with run.salpim(fake, work, "sqlite", 1, f"growth_{n}", before_start=seed_and_explain) as (server, db):
        phase = "timing the views"
        try:
            views = await time_views(server.url, seeded["creds"], lambda: run.cpu_seconds(server.procs()))
            phase = "the casework set-up"
            staff, setup = await run.seat_caseworkers(opts, server, db, opts.mix, opts.concurrency, base)
            phase = "the mix load"
            load = await run.drive(opts, fake, server, server.url + run.WEBHOOK, duration=LOAD_SECONDS,
                                   chat_base=base, update_base=base, staff=staff)
        except Exception as exc:  # the server's log says why; it goes with the temporary directory
            raise RuntimeError(f"{n:,}, {phase}: {exc}\nserver log:\n{server.log_tail(15)}") from exc
    creds = seeded["creds"]
    return {"size": n, "rows": creds["rows"], "open_cases": creds["open_cases"], "seed_s": seeded["seed_s"],
            "insert_s": creds["insert_s"], "views_ms": views, "plans": seeded["plans"],
            "cpu_ms_per_update": load["server_cpu_ms_per_update"], "updates_per_s": load["updates_per_s"],
            "load_errors": load["errors"], "cpu_pct": load["cpu_pct"], "speed_probe_ms": load["speed_probe_ms"],
            "casework_setup": setup}


async def run_growth(opts: Any, fake: Any, work: Path) -> dict[str, Any]:
    from bench.run import say
    sizes: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for i, n in enumerate(opts.growth_sizes):
        started = time.monotonic()
        try:
            sizes[str(n)] = r = await run_size(opts, fake, work, n, 1_900_000_000 + i * 10_000_000)
        except Exception as exc:  # noqa: BLE001 - once more: the set-up's posts failed now and then (report)
            say(f"  {n:,}: FAILED, trying once more: {exc}")
            failed[str(n)] = str(exc)
            try:
                sizes[str(n)] = r = await run_size(opts, fake, work, n, 1_950_000_000 + i * 10_000_000)
            except Exception as again:  # noqa: BLE001 - the other sizes still tell something
                say(f"  {n:,}: FAILED again: {again}")
                continue
        say(f"  {n:,}: seeded {r['rows']} in {r['seed_s']} s (insert {r['insert_s']} s); "
            + ", ".join(f"{v} p95 {t['p95']} ms" for v, t in r["views_ms"].items())
            + f"; {r['cpu_ms_per_update']} CPU ms/update at {r['updates_per_s']:.0f} updates/s "
              f"(speed probe {r['speed_probe_ms']} ms, other CPU {r['cpu_pct'].get('other')}%) "
              f"({time.monotonic() - started:.0f} s)")
    return {"sizes": sizes, "failed": failed}


def figures(growth: dict[str, Any], key: str = "p95") -> dict[str, list[float | None]]:
    """Each view's p95 (or `key`: cpu_ms) by size, smallest first; with the p95, the CPU per update."""
    runs = [growth["sizes"][k] for k in sorted(growth["sizes"], key=int)]
    rows: dict[str, list[float | None]] = {v.name: [r["views_ms"].get(v.name, {}).get(key) for r in runs]
                                           for v in VIEWS}
    if key == "p95":
        rows[CPU_ROW] = [r.get("cpu_ms_per_update") for r in runs]
    return rows


def ratio(values: list[float | None]) -> float | None:
    return round(values[-1] / values[0], 2) if len(values) > 1 and values[0] and values[-1] is not None else None


def table(growth: dict[str, Any], key: str = "p95", title: str = "p95 ms (CPU: ms/update)") -> list[str]:
    sizes = sorted(growth["sizes"], key=int)
    head = (title, *(f"{int(s):,}" for s in sizes), "largest ÷ smallest", f"≤ {FLAT_RATIO:g}×")
    rows = [head]
    for name, values in figures(growth, key).items():
        r = ratio(values)
        rows.append((name, *("-" if v is None else f"{v:.2f}" for v in values), "-" if r is None else f"{r:.2f}×",
                     "" if r is None else ("✓" if r <= FLAT_RATIO else "✗")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def ratio_lines(growth: dict[str, Any] | None) -> tuple[list[str], dict[str, float]]:
    """The target lines for bench/run.py's `ratios`: each view and the CPU per update flat."""
    if not growth or len(growth.get("sizes", {})) < 2:
        return [], {}
    sizes = sorted(growth["sizes"], key=int)
    lines, values = [], {}
    untargeted = {v.name for v in VIEWS if not v.target}
    for name, figs in figures(growth).items():
        r = ratio(figs)
        if r is None or name in untargeted:
            continue
        values[f"growth {name} ratio"] = r
        lines.append(f"  flat as the data grows, {name}: {figs[-1]:.2f} at {int(sizes[-1]):,} ÷ {figs[0]:.2f} at "
                     f"{int(sizes[0]):,} = {r:.2f}×  target ≤ {FLAT_RATIO:g}× {'✓ met' if r <= FLAT_RATIO else '✗ MISSED'}")
    flagged = sum(len(q["flags"]) for q in _queries(growth))
    values["growth plans flagged"] = flagged
    lines.append(f"  every query of the staff views on an index (plans at {int(sizes[-1]):,}): {flagged} flagged  "
                 f"target 0 {'✓ met' if not flagged else '✗ MISSED'}")
    return lines, values


def _queries(growth: dict[str, Any]) -> list[dict[str, Any]]:
    largest = growth["sizes"][max(growth["sizes"], key=int)]
    return [q for view in largest["plans"].values() for q in view["queries"]]


def short_sql(sql: str) -> str:
    """A statement without its column list and its long IN lists: enough to tell which it is."""
    import re
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql)
    return re.sub(r"\((\?, )+\?\)", "(…)", sql)


def plan_lines(growth: dict[str, Any]) -> list[str]:
    """Each view's distinct queries at the largest size, with their plans; ✗ marks a flag."""
    largest = growth["sizes"][max(growth["sizes"], key=int)]
    lines = []
    for name, view in largest["plans"].items():
        lines.append(f"  {name} (HTTP {view['status']}):")
        seen: dict[str, int] = {}
        for q in view["queries"]:
            key = short_sql(q["sql"]) + " ⇒ " + "; ".join(q["plan"])
            seen[key] = seen.get(key, 0) + 1
        for q in view["queries"]:
            key = short_sql(q["sql"]) + " ⇒ " + "; ".join(q["plan"])
            if key not in seen:
                continue
            times = seen.pop(key)
            lines.append(f"    {'✗' if q['flags'] else '·'} {short_sql(q['sql'])}" + (f"  (×{times})" if times > 1 else ""))
            lines.append(f"        {'; '.join(q['plan'])}")
    return lines


def report_lines(growth: dict[str, Any] | None) -> list[str]:
    if not growth or not growth.get("sizes"):
        return []
    return ["", "Flat as the data grows (issue 16): staff views' p95 and CPU per update by size of the history "
            "(bench/growth.py)", *table(growth), "", "The server's CPU per request of the same views:",
            *table(growth, "cpu_ms", "server CPU ms per request"), "", "Query plans of those views (SQLite EXPLAIN QUERY PLAN; "
            "✗: a scan of, or a temporary B-tree over, a table that grows):", *plan_lines(growth)]
