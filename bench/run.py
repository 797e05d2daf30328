"""`salpim bench`: Salpim and the reference bots, side by side, under the same load.

Everything runs on this machine, on loopback: one fake Bot API process (bot/fake_bot_api.py,
counting only, with its sendMessage event stream), each system in turn as a server subprocess on
a free port, and the load generator as a process of its own (bench/loadgen.py). CPU time and
memory are read from outside with psutil for the server's whole process tree (the uvicorn
supervisor and its workers), and also for the fake and the load generator so that the harness
shows how much of the machine it took. The Korean analyser process that `salpim serve` runs once
per machine (integrations/analyser_process.py) counts in the server's CPU but not in its memory
per worker: its resident memory is shown on a line of its own.

Runs (names for --only):
  harness        the harness's own ceiling: the load generator against a do-nothing FastAPI
                 endpoint, and against the fake Bot API alone (sendMessage + event stream)
  salpim_sqlite  Salpim, SQLite, one process
  salpim_pg1     Salpim, PostgreSQL (127.0.0.1:5432), one process    (skipped if no answer)
  salpim_pg2     Salpim, PostgreSQL, two worker processes            (skipped if no answer)
  echo_stock     (a) stock PTB echo bot                         \\
  echo_body      (b) fastest PTB echo: reply in the webhook body  | bench/reference_bots.py
  echo_aiohttp   (b') PTB echo on the aiohttp request backend     |
  conv_stock     (c) stock ConversationHandler, report dialog    /
  rate300        Salpim SQLite at a fixed 300 updates/s: p99 latency
  rate_half      Salpim SQLite at a fixed rate of half the throughput salpim_sqlite reached: the
                 latency and the event loop's lag when it is not saturated, on the mix and on each
                 of its scripts alone (RATE_MIXES: report, finder, follow-up)
                 latency when it is not saturated
  memory         Salpim SQLite: RSS before/after 10,000 idle conversations open at question 1
  screening      welfare/bench_screening.py measure(n), if that module exists
  growth         Salpim SQLite on 1,000, 10,000 and 100,000 seeded reports and cases (--seed): the
                 heavy staff views' p95, CPU per update and the views' query plans, flat from the
                 smallest to the largest (bench/growth.py)
  memory_conv    (only on request) the same memory run on the stock ConversationHandler

Load mixes (bench/scripts.py): Salpim plays `--mix` (default: report, service finder, follow-up
checklist, browse); before the warm-up of a Salpim run whose mix has the follow-up, the casework
set-up (bench/casework_setup.py) registers a pool of caseworkers and gives each a case. The
reference bots and the harness's endpoint play MIXES["reference"] (report and browse: the stock
ConversationHandler implements only the report dialog) unless `--mix` is one they can play.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench import casework_setup
from bench.scripts import FOLLOWUP_SAVED_STEP, MIXES, REPORT_FILED_STEP, SCRIPTS, seats_needed

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-webhook-secret"
PG_ADMIN_URL = os.environ.get("SALPIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WEBHOOK = "/telegram/webhook"
ALL_RUNS = ("harness", "salpim_sqlite", "salpim_pg1", "salpim_pg2", "echo_stock", "echo_body", "echo_aiohttp",
            "conv_stock", "rate300", "rate_half", "memory", "screening", "growth")
EXTRA_RUNS = ("memory_conv",)  # only with --only
LABELS = {
    "noop": "harness: do-nothing FastAPI endpoint",
    "fake_alone": "harness: fake Bot API alone (sendMessage)",
    "salpim_sqlite": "Salpim, SQLite, 1 process",
    "salpim_pg1": "Salpim, PostgreSQL, 1 process",
    "salpim_pg2": "Salpim, PostgreSQL, 2 workers",
    "echo_stock": "(a) stock PTB echo (HTTPXRequest, update queue)",
    "echo_body": "(b) fastest PTB echo (reply in webhook body)",
    "echo_aiohttp": "(b') PTB echo, aiohttp Bot API client",
    "conv_stock": "(c) stock PTB ConversationHandler, report dialog",
    "rate300": "Salpim, SQLite, fixed rate (--rate, 300 updates/s)",
    "rate_half": "Salpim, SQLite, fixed rate at half its max",
}
REFERENCE_MIX = "reference"
# rate_half runs the bench's mix and then each of these alone at the same rate (issue 16: "at half
# of capacity on every mix, p99 < 30 ms and the loop never lags more than 20 ms").
RATE_MIXES = ("report", "finder", "followup")
HALF_P99_MS, HALF_LAG_MS = 30.0, 20.0


def rate_half_names(results: dict[str, Any]) -> list[str]:
    return [n for n in results if n == "rate_half" or n.startswith("rate_half:")]


def label_of(name: str, r: dict[str, Any]) -> str:
    if name.startswith("rate_half"):
        return f"Salpim, SQLite, fixed {r.get('rate', 0):.0f} updates/s (half its max)"
    return LABELS[name]
# The scripts the reference bots implement (bench/reference_bots.py): the report dialog, and the
# menu, /help and /status of `browse`; the finder and the follow-up are Salpim's alone.
REFERENCE_SCRIPTS = frozenset({"report", "browse", "open", "botapi"})


def reference_mix(mix: str) -> str:
    """The mix a reference bot plays in a bench whose Salpim mix is `mix`."""
    return mix if set(MIXES[mix]) <= REFERENCE_SCRIPTS else REFERENCE_MIX


def describe_mix(mix: str) -> str:
    """'report 3 : finder 2 : …' (chats), and each script's share of the updates."""
    chats = Counter(MIXES[mix])
    updates = {name: n * len(SCRIPTS[name].steps) for name, n in chats.items()}
    total = sum(updates.values())
    return (" : ".join(f"{name} {n}" for name, n in chats.items()) + " chats; updates "
            + ", ".join(f"{name} {100 * u / total:.0f}%" for name, u in updates.items()))


@dataclass
class Options:
    duration: float = 10.0
    warmup: float = 2.0
    concurrency: int = 32
    quick: bool = False
    only: set[str] = field(default_factory=lambda: set(ALL_RUNS))
    json_file: Path | None = None
    profile_dir: Path | None = None
    idle_conversations: int = 10_000
    rate: float = 300.0
    mix: str = "default"
    growth_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)


def say(text: str) -> None:
    print(text, flush=True)


# -- processes ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_by_pid(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots by the processes alive at the second (a process
    born in between counts from zero)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def postgres_procs() -> list[psutil.Process]:
    """The PostgreSQL server's processes (its CPU is the database's share of a run)."""
    found = []
    for p in psutil.process_iter(["name"]):
        if (p.info.get("name") or "").startswith("postgres"):
            found.append(p)
    return found


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop, run while nothing else of the bench runs: on a
    shared (virtual) machine the CPU itself gets slower when the neighbours are busy, which no
    CPU% column shows. Compare it across runs before comparing their throughput."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return round((time.perf_counter() - started) * 1000, 1)


def machine_busy_seconds() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)


ANALYSER_MODULE = "integrations.analyser_process"


def is_analyser(proc: psutil.Process) -> bool:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        return ANALYSER_MODULE in proc.cmdline()
    return False


def rss_bytes(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += p.memory_info().rss
    return total


class Server:
    """A server subprocess with its log in a file; stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, port: int) -> None:
        self.name, self.argv, self.env, self.port = name, argv, env, port
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    async def wait_idle(self, below: float = 5.0, timeout: float = 30.0) -> None:
        """Wait until start-up work in the background (Salpim warms its Korean analyser up in a
        thread) is over: the process tree uses less than `below` % of a core for half a second."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            procs = self.procs()
            first = cpu_seconds(procs)
            await asyncio.sleep(0.5)
            if 100 * (cpu_seconds(procs) - first) / 0.5 < below:
                return

    async def wait_ready(self, path: str = "/healthz", timeout: float = 60.0) -> None:
        import aiohttp
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                    async with session.get(self.url + path, timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def procs(self) -> list[psutil.Process]:
        return tree(self.proc.pid) if self.proc else []

    def worker_procs(self) -> list[psutil.Process]:
        """The tree without the analyser process: what a worker costs, for memory per worker."""
        return [p for p in self.procs() if not is_analyser(p)]

    def analyser_procs(self) -> list[psutil.Process]:
        return [p for p in self.procs() if is_analyser(p)]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        family = self.procs()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # Workers the supervisor did not take down; the analyser process stops by itself within a
        # second of its parent (and removes its socket): a moment for that first.
        _, left = psutil.wait_procs(family[1:], timeout=3)
        for p in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# -- the fake Bot API --------------------------------------------------------------------------
class Fake:
    def __init__(self, log_dir: Path) -> None:
        self.port, self.events_port = free_port(), free_port()
        self.server = Server("fake_bot_api", [PY, "-m", "bot.fake_bot_api", "--port", str(self.port),
                                              "--no-record", "--events-port", str(self.events_port), "--uvloop"],
                             dict(os.environ), log_dir, self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events(self) -> str:
        return f"127.0.0.1:{self.events_port}"

    async def start(self) -> None:
        self.server.start()
        await self.server.wait_ready("/_stats")

    async def stats(self) -> dict[str, Any]:
        import aiohttp
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/_stats") as response:
            return await response.json()


# -- one measured load run ---------------------------------------------------------------------
async def drive(opts: Options, fake: Fake, server: Server | None, target: str, *, mix: str | None = None,
                rate: float = 0.0, count: int = 0, duration: float | None = None, warmup: float | None = None,
                concurrency: int | None = None, chat_base: int = 100_000_000, update_base: int = 1,
                profile: Path | None = None, staff: Path | None = None) -> dict[str, Any]:
    """Run the load generator process once; watch CPU and memory of the server tree, the fake
    and the generator during the measured window."""
    duration = opts.duration if duration is None else duration
    warmup = opts.warmup if warmup is None else warmup
    probe = speed_probe()
    argv = [PY, "-m", "bench.loadgen", "--target", target, "--secret", SECRET, "--events", fake.events,
            "--duration", str(duration), "--warmup", str(warmup),
            "--concurrency", str(concurrency or opts.concurrency), "--mix", mix or opts.mix,
            "--rate", str(rate), "--count", str(count), "--chat-base", str(chat_base),
            "--update-base", str(update_base)]
    if staff is not None:
        argv += ["--staff", str(staff)]
    gen = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                               stderr=asyncio.subprocess.PIPE, limit=1 << 22)

    def groups() -> dict[str, list[psutil.Process]]:
        return {"server": server.procs() if server else [], "fake": fake.server.procs(), "loadgen": tree(gen.pid),
                "postgres": postgres_procs()}
    watched = groups()
    before: dict[str, dict[int, float]] = {}
    after: dict[str, dict[int, float]] = {}
    machine_before = machine_after = 0.0
    threads_before: dict[str, float] = {}
    threads_after: dict[str, float] = {}
    peak = analyser_peak = 0
    sampling = False
    result: dict[str, Any] | None = None
    t_start = t_end = 0.0
    spy: subprocess.Popen | None = None
    probe_lag = server is not None and server.name.startswith("salpim")
    lag_before = lag_after = None

    async def sample() -> None:
        nonlocal peak, analyser_peak
        while True:
            if sampling and server:
                peak = max(peak, rss_bytes(server.worker_procs()))
                analyser_peak = max(analyser_peak, rss_bytes(server.analyser_procs()))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    assert gen.stdout is not None and gen.stderr is not None
    stderr_task = asyncio.create_task(gen.stderr.read())
    try:
        while True:
            line = await gen.stdout.readline()
            if not line:
                break
            text = line.decode().strip()
            if text == "MEASURE start":
                if probe_lag:
                    lag_before = await scrape_lag(server)
                watched = groups()
                before = {k: cpu_by_pid(v) for k, v in watched.items()}
                machine_before = machine_busy_seconds()
                threads_before = thread_cpu(server) if server else {}
                t_start, sampling = time.monotonic(), True
                if profile is not None and server is not None:
                    spy = start_profiler(server, profile, duration)
            elif text == "MEASURE end":
                t_end, sampling = time.monotonic(), False
                watched = groups()
                after = {k: cpu_by_pid(v) for k, v in watched.items()}
                machine_after = machine_busy_seconds()
                threads_after = thread_cpu(server) if server else {}
                if server:
                    peak = max(peak, rss_bytes(server.worker_procs()))
                    analyser_peak = max(analyser_peak, rss_bytes(server.analyser_procs()))
                if probe_lag:
                    lag_after = await scrape_lag(server)
            elif text.startswith("RESULT "):
                result = orjson.loads(text[7:])
        await gen.wait()
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
        if spy is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=duration + 30)
    err = (await stderr_task).decode(errors="replace")
    if result is None:
        raise RuntimeError(f"load generator failed ({gen.returncode}):\n{err[-3000:]}")
    window = max(t_end - t_start, 1e-9)
    cpu = {k: round(100 * cpu_delta(before.get(k, {}), after.get(k, {})) / window, 1) for k in watched}
    # Anything else that ran on the machine meanwhile (another test suite, say) makes the run noisy.
    busy = 100 * (machine_after - machine_before) / window
    cpu["other"] = round(max(0.0, busy - sum(cpu.values())), 1)
    result["cpu_pct"] = cpu  # percent of one core, averaged over the measured window
    result["speed_probe_ms"] = probe
    if threads_after:  # the server's event-loop threads vs its other threads (aiosqlite's, executors)
        result["server_threads_cpu_pct"] = {k: round(100 * (threads_after[k] - threads_before.get(k, 0)) / window, 1)
                                            for k in threads_after}
    server_cpu_s = cpu_delta(before.get("server", {}), after.get("server", {}))
    result["server_cpu_ms_per_update"] = round(1000 * server_cpu_s / result["updates"], 3) if result["updates"] else None
    result["peak_rss_mb"] = round(peak / 2**20, 1) if server else None  # without the analyser process
    if server:
        result["rss_hwm_mb"] = round(sum(_hwm(p) for p in server.worker_procs()) / 2**20, 1)
    if analyser_peak:
        result["analyser_rss_mb"] = round(analyser_peak / 2**20, 1)
    if lag_before is not None and lag_after is not None:
        result["loop_lag"] = window_lag(lag_before, lag_after)
    return result


# -- the service's event-loop lag probe (integrations/loop_lag.py), read from /metrics ----------
LAG_MAX_METRIC = "salpim_event_loop_lag_max_seconds"
LAG_BUCKET_METRIC = "salpim_event_loop_lag_seconds_bucket"


async def scrape_lag(server: Server) -> dict[str, Any] | None:
    """The lag probe's figures from the server's /metrics (one worker's, with several), or None."""
    import aiohttp
    try:
        async with aiohttp.ClientSession() as session, session.get(
                server.url + "/metrics", timeout=aiohttp.ClientTimeout(total=5)) as response:
            if response.status != 200:
                return None
            text = await response.text()
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
        return None
    return parse_lag(text)


def parse_lag(text: str) -> dict[str, Any] | None:
    max_lag, buckets = None, {}
    for line in text.splitlines():
        if line.startswith(LAG_MAX_METRIC + " "):
            max_lag = float(line.split()[-1])
        elif line.startswith(LAG_BUCKET_METRIC + "{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(line.split()[-1])
    return None if max_lag is None else {"max_s": max_lag, "buckets": buckets}


def window_lag(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The largest lag inside the measured window: exact when it set a new process maximum,
    otherwise bounded by the histogram bucket of the largest lag seen in the window."""
    below = {le: after["buckets"].get(le, 0) - before["buckets"].get(le, 0) for le in after["buckets"]}
    samples = below.get(float("inf"), 0)
    over_20ms = samples - below.get(0.02, 0)
    if after["max_s"] > before["max_s"]:
        max_ms, exact = round(1000 * after["max_s"], 1), True
    else:  # the smallest bucket bound that holds every sample of the window
        bound = min((le for le, n in below.items() if n >= samples), default=float("inf"))
        max_ms, exact = (round(1000 * bound, 1) if bound != float("inf") else None), False
    return {"max_ms": max_ms, "exact": exact, "samples": int(samples), "over_20ms": int(over_20ms)}


def lag_text(lag: dict[str, Any] | None) -> str:
    if not lag or lag.get("max_ms") is None:
        return "-"
    return f"{'' if lag['exact'] else '≤ '}{lag['max_ms']:g}"


def thread_cpu(server: Server) -> dict[str, float]:
    """CPU seconds of the server's main threads (one per process: the event loop) and of all
    its other threads together."""
    out = {"event_loops": 0.0, "other_threads": 0.0}
    for p in server.procs():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            for t in p.threads():
                key = "event_loops" if t.id == p.pid else "other_threads"
                out[key] += t.user_time + t.system_time
    return out


def _hwm(proc: psutil.Process) -> int:
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# -- py-spy profile of a run (optional) ----------------------------------------------------------
def start_profiler(server: Server, out_dir: Path, duration: float) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(PY).with_name("py-spy"))
    if not Path(spy).exists():
        say("  (py-spy is not installed: no profile; `pip install py-spy` into the venv)")
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = [p for p in server.procs() if not is_analyser(p)]
    pid = workers[-1].pid if workers else server.proc.pid  # the worker (not the analyser process)
    raw = out_dir / f"{server.name}.collapsed"
    argv = [spy, "record", "--pid", str(pid), "--duration", str(max(1, int(duration))), "--rate", "250",
            "--format", "raw", "--threads", "--gil", "-o", str(raw)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Where an update's CPU goes, in Salpim's own terms: each sample is charged to the deepest frame
# of the stack that matches one of these (function name, file) pairs.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("webhook: HTTP server (uvicorn, httptools)", "", "uvicorn/protocols/"),
    ("webhook: Starlette/FastAPI routing", "", "starlette/routing.py"),
    ("webhook: Starlette/FastAPI routing", "", "fastapi/routing.py"),
    ("webhook: @app.middleware('http') (BaseHTTPMiddleware, anyio)", "", "starlette/middleware/base.py"),
    ("webhook: route body (secret check, orjson)", "telegram_webhook", "integrations/app.py"),
    ("parse update", "parse_update", "bot/telegram_updates.py"),
    ("per-chat lock", "ChatLocks.hold", "bot/chat_lock.py"),
    ("turn: BEGIN IMMEDIATE / COMMIT / write lock", "Database.transaction", "state/db.py"),
    ("turn: inbox claim (INSERT … ON CONFLICT)", "claim", "state/inbox.py"),
    ("turn: member lookup (SELECT)", "member_by_telegram", "state/members.py"),
    ("turn: load conversation (SELECT + decrypt + JSON)", "load_for_turn", "state/conversations.py"),
    ("turn: dialog engine (dialogs/)", "Engine.handle", "dialogs/engine.py"),
    ("turn: typed label → press (renders the labels)", "_typed_label_as_press", "bot/turns.py"),
    ("turn: effects (file report, status, audit)", "run_commands", "bot/effects.py"),
    ("turn: save conversation (encrypt + UPDATE)", "save", "state/conversations.py"),
    ("turn: render replies (Babel catalogs, keyboards)", "render_reply", "bot/render.py"),
    ("turn: render replies (Babel catalogs, keyboards)", "send_message_payload", "bot/keyboards.py"),
    ("turn: outbox INSERT … RETURNING", "enqueue", "state/outbox.py"),
    ("send: PTB Bot.send_message over aiohttp (build request, parse Message)", "Sender.deliver", "bot/sender.py"),
    ("send: rate limiter", "RateLimiter.wait", "bot/sender.py"),
    ("send: mark sent (batched UPDATE)", "Sender.flush", "bot/sender.py"),
    ("SQLite thread (aiosqlite worker, SQLite C code)", "_connection_worker_thread", "aiosqlite/core.py"),
    ("background: outbox sweeper", "_sweep_forever", "bot/telegram_transport.py"),
    ("background: housekeeping", "run_forever", "integrations/housekeeping.py"),
)


# Stacks with none of the frames above (SQLAlchemy runs each statement in a greenlet, whose
# stack does not show the caller) are charged by the package of their deepest frames.
FALLBACKS: tuple[tuple[str, str], ...] = (
    ("SQLAlchemy statement execution (greenlet: cache key, compile, bind params, result)", "sqlalchemy/"),
    ("SQLite thread (aiosqlite worker, SQLite C code)", "aiosqlite/"),
    ("asyncpg driver (protocol, codecs)", "asyncpg/"),
    ("python-telegram-bot (outside the send path)", "telegram/"),
    ("aiohttp client (outside the send path)", "aiohttp/"),
)


def categorise(frames: list[str]) -> str:
    for frame in reversed(frames):
        name, _, where = frame.partition(" (")
        for label, func, path in CATEGORIES:
            if path in where and (not func or name == func or name.endswith("." + func) or
                                  name.startswith(func + ".")):
                return label
    for frame in reversed(frames):
        where = frame.partition(" (")[2]
        for label, path in FALLBACKS:
            if path in where:
                return label
    return "event loop and other (uvloop, asyncio, anyio scheduling)"


def summarise_profile(raw: Path, top: int = 25, cpu_ms_per_update: float | None = None) -> str:
    """Shares of py-spy samples (taken only while a thread held the GIL, i.e. CPU in Python)
    per Salpim step, per package, and per function, from collapsed stacks ('a;b;c count')."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = stack.split(";")[1:]  # the first "frame" is the thread
        if not frames:
            continue
        total += count
        categories[categorise(frames)] += count
        for name in {_short(frame) for frame in frames}:
            inclusive[name] += count
        self_[_short(frames[-1])] += count
        packages[_package(frames[-1])] += count
    if not total:
        return "(empty profile)"

    def share(c: int) -> str:
        extra = f"  ≈{cpu_ms_per_update * c / total:5.2f} ms/update" if cpu_ms_per_update else ""
        return f"{100 * c / total:5.1f}%{extra}"
    out = [f"samples: {total} (GIL held)", "", "by step of the update path (deepest matching frame):"]
    out += [f"  {share(c)}  {k}" for k, c in categories.most_common()]
    out += ["", "self time by package:"]
    out += [f"  {share(c)}  {p}" for p, c in packages.most_common(15)]
    out += ["", f"inclusive by function (top {top}):"]
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in inclusive.most_common(top)]
    out += ["", f"self by function (top {top}):"]
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in self_.most_common(top)]
    return "\n".join(out)


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", str(ROOT) + "/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def _package(frame: str) -> str:
    path = frame.partition(" (")[2].rsplit(":", 1)[0]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if str(ROOT) in path:
        return "salpim:" + path.split(str(ROOT) + "/", 1)[1].split("/", 1)[0]
    if "python3" in path:
        rest = path.split("python3.11/", 1)[-1]
        return "stdlib:" + rest.split("/", 1)[0].removesuffix(".py")
    return path or frame


# -- the systems -------------------------------------------------------------------------------
def salpim_env(fake: Fake, db_url: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "SALPIM_DATABASE_URL": db_url, "SALPIM_TELEGRAM_TOKEN": TOKEN, "SALPIM_TELEGRAM_API_URL": fake.url,
        "SALPIM_WEBHOOK_SECRET": SECRET, "SALPIM_PUBLIC_URL": "http://127.0.0.1:1",
        "SALPIM_SECRET_KEY": "bench-master-key-not-for-production", "SALPIM_SEND_RATE_PER_SECOND": "100000",
        # Abuse limits off, as for the tests: a script answers faster than a person can, and each
        # chat files one report. (The per-chat flood guard's burst of 20 is above any script's
        # length anyway.)
        "SALPIM_REPORTS_PER_HOUR": "1000000", "SALPIM_MESSAGES_PER_SECOND": "1000", "SALPIM_LOG_LEVEL": "WARNING",
        # The bundled service catalogue only: services a developer loaded into var/services would
        # change the finder's questions and replies.
        "SALPIM_SERVICES_DIR": str(work / "no-extra-services"),
    })
    return env


class Database:
    """A throw-away database for one Salpim run: a SQLite file or a PostgreSQL database."""

    def __init__(self, kind: str, work: Path) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.path = work / f"salpim-{uuid.uuid4().hex[:8]}.db"
            self.url = f"sqlite+aiosqlite:///{self.path}"
        else:
            self.name = f"salpim_bench_{uuid.uuid4().hex[:10]}"
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + self.name

    async def create(self, env: dict[str, str]) -> None:
        if self.kind == "pg":
            await _pg_execute(f'CREATE DATABASE "{self.name}"')
        proc = await asyncio.create_subprocess_exec(PY, "-m", "salpim", "migrate", cwd=ROOT, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"salpim migrate failed:\n{out.decode(errors='replace')[-2000:]}")

    async def scalar(self, sql: str) -> Any:
        return (await self.rows(sql))[0][0]

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                return conn.execute(sql).fetchall()
        import asyncpg
        conn = await asyncpg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    async def drop(self) -> None:
        if self.kind == "pg":
            with contextlib.suppress(Exception):
                await _pg_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(str(self.path) + suffix).unlink()


async def _pg_execute(sql: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def postgres_answers() -> str | None:
    """None if PostgreSQL answers; otherwise why not."""
    try:
        import asyncpg
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{exc.__class__.__name__}: {exc}"


@contextlib.asynccontextmanager
async def salpim(fake: Fake, work: Path, db_kind: str, workers: int, name: str, before_start=None):
    """A Salpim server on a fresh migrated database; `before_start(db, env)` runs between the
    migration and the start (the growth run seeds there)."""
    db = Database(db_kind, work)
    env = salpim_env(fake, db.url, work)
    await db.create(env)
    if before_start is not None:
        await before_start(db, env)
    port = free_port()
    server = Server(name, [PY, "-m", "salpim", "serve", "--host", "127.0.0.1", "--port", str(port),
                           "--workers", str(workers)], env, work, port)
    webhooks_before = (await fake.stats()).get("calls", {}).get("setWebhook", 0)
    try:
        server.start()
        await server.wait_ready()
        await _wait_workers(fake, webhooks_before, workers)
        await server.wait_idle()
        yield server, db
    finally:
        server.stop()
        await db.drop()


async def seat_caseworkers(opts: Options, server: Server, db: Database, mix: str, chats: int, base: int
                           ) -> tuple[Path | None, dict[str, Any] | None]:
    """Before the warm-up: the casework set-up (bench/casework_setup.py) when the mix has scripts
    played by a caseworker — one caseworker with a case per chat in flight. (None, None) if not."""
    if not seats_needed(mix):
        return None, None
    out = Path(server.log_path).with_name(f"{server.name}-seats-{uuid.uuid4().hex[:6]}.json")
    info = await casework_setup.prepare(
        target=server.url + WEBHOOK, secret=SECRET, env=server.env, query=db.rows, count=chats,
        staff_base=base + 80_000_000, reporter_base=base + 70_000_000, update_base=base + 70_000_000, out=out)
    await server.wait_idle()  # the set-up's sends and background work are over before the warm-up
    return out, info


async def check_stored(result: dict[str, Any], db: Database, setup: dict[str, Any] | None) -> None:
    """What the run stored: one report per completed `|q:file` (plus calibration's and the
    set-up's), one followup_submissions row per completed `|q:save` (plus calibration's)."""
    done = result.get("steps_done", {})
    calibrated = set(result.get("replies_per_step") or {})
    result["reports_filed"] = await db.scalar("SELECT count(*) FROM reports")
    report_done = done.get("report")
    result["reports_expected"] = ((report_done[REPORT_FILED_STEP] if report_done else 0)
                                  + ("report" in calibrated) + (setup or {}).get("reports", 0))
    if "followup" in calibrated:
        result["followups_saved"] = await db.scalar("SELECT count(*) FROM followup_submissions")
        followup_done = done.get("followup")
        result["followups_expected"] = (followup_done[FOLLOWUP_SAVED_STEP] if followup_done else 0) + 1


async def _wait_workers(fake: Fake, webhooks_before: int, workers: int, timeout: float = 60) -> None:
    """Each Salpim worker registers the webhook (setWebhook on the fake) at the end of its start-up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (await fake.stats()).get("calls", {}).get("setWebhook", 0) - webhooks_before >= workers:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"only some of the {workers} workers started within {timeout:.0f}s")


@contextlib.asynccontextmanager
async def reference(fake: Fake, work: Path, kind: str):
    port = free_port()
    server = Server(kind, [PY, "-m", "bench.reference_bots", kind, "--port", str(port), "--api", fake.url,
                           "--token", TOKEN, "--secret", SECRET], dict(os.environ), work, port)
    try:
        server.start()
        await server.wait_ready()
        await server.wait_idle()
        yield server
    finally:
        server.stop()


# -- the runs ----------------------------------------------------------------------------------
async def run_salpim(opts: Options, fake: Fake, work: Path, name: str, db_kind: str, workers: int,
                     base: int) -> dict[str, Any]:
    async with salpim(fake, work, db_kind, workers, name) as (server, db):
        staff, setup = await seat_caseworkers(opts, server, db, opts.mix, opts.concurrency, base)
        result = await drive(opts, fake, server, server.url + WEBHOOK, chat_base=base, update_base=base,
                             profile=opts.profile_dir if workers == 1 else None, staff=staff)
        result["mix"], result["casework_setup"] = opts.mix, setup
        await check_stored(result, db, setup)
        result["server_log_lines"] = len(server.log_tail(10_000).splitlines())
    return result


async def run_reference(opts: Options, fake: Fake, work: Path, kind: str, base: int) -> dict[str, Any]:
    async with reference(fake, work, kind) as server:
        result = await drive(opts, fake, server, server.url + WEBHOOK, mix=reference_mix(opts.mix), chat_base=base,
                             update_base=base)
    result["mix"] = reference_mix(opts.mix)
    return result


async def run_harness(opts: Options, fake: Fake, work: Path) -> dict[str, dict[str, Any]]:
    out = {"noop": await run_reference(opts, fake, work, "noop", 10_000_000)}
    out["fake_alone"] = await drive(opts, fake, None, f"{fake.url}/bot{TOKEN}/sendMessage", mix="botapi",
                                    chat_base=20_000_000)
    return out


async def run_rate(opts: Options, fake: Fake, work: Path, rate: float, base: int, mix: str | None = None
                   ) -> dict[str, Any]:
    chats = max(64, opts.concurrency)
    mix = mix or opts.mix
    async with salpim(fake, work, "sqlite", 1, "salpim_rate") as (server, db):
        staff, setup = await seat_caseworkers(opts, server, db, mix, chats, base)
        result = await drive(opts, fake, server, server.url + WEBHOOK, mix=mix, rate=rate, concurrency=chats,
                             chat_base=base, update_base=base, staff=staff)
        result["mix"], result["casework_setup"] = mix, setup
        await check_stored(result, db, setup)
    return result


async def run_memory(opts: Options, fake: Fake, work: Path, system: str = "salpim") -> dict[str, Any]:
    """Open N conversations at their first question, then leave them idle: how much did the
    server's resident memory grow? Warmed up first with N/10 of the same."""
    n = opts.idle_conversations
    async with contextlib.AsyncExitStack() as stack:
        if system == "salpim":
            server, db = await stack.enter_async_context(salpim(fake, work, "sqlite", 1, "salpim_memory"))
        else:
            server, db = await stack.enter_async_context(reference(fake, work, system)), None
        target = server.url + WEBHOOK
        await drive(opts, fake, server, target, mix="open", count=max(n // 10, 200), duration=0, warmup=0,
                    chat_base=400_000_000, update_base=400_000_000)
        before = await settled_rss(server)
        run = await drive(opts, fake, server, target, mix="open", count=n, duration=0, warmup=0,
                          chat_base=500_000_000, update_base=500_000_000)
        after = await settled_rss(server)
        analyser = rss_bytes(server.analyser_procs())
        open_rows = await db.scalar("SELECT count(*) FROM conversations WHERE flow IS NOT NULL") if db else None
    out = {"system": system, "conversations": n, "rss_before_mb": round(before / 2**20, 1),
           "rss_after_mb": round(after / 2**20, 1), "growth_mb": round((after - before) / 2**20, 2),
           "open_in_db": open_rows, "opened_per_s": run["updates_per_s"], "errors": run["errors"]}
    if analyser:
        out["analyser_rss_mb"] = round(analyser / 2**20, 1)
    return out


async def settled_rss(server: Server, seconds: float = 2.0) -> int:
    """The worker's resident memory once settled (the analyser process not counted)."""
    await asyncio.sleep(seconds)
    samples = []
    for _ in range(5):
        samples.append(rss_bytes(server.worker_procs()))
        await asyncio.sleep(0.2)
    return int(statistics.median(samples))


async def run_screening(quick: bool) -> dict[str, Any] | None:
    if not (ROOT / "welfare" / "bench_screening.py").exists():
        return None
    n = 300 if quick else 2000
    proc = await asyncio.create_subprocess_exec(
        PY, "-c", f"from welfare.bench_screening import measure; print(measure({n}))", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 180)
    except asyncio.TimeoutError:
        proc.kill()
        return {"error": "timed out after 180 s"}
    if proc.returncode != 0:
        return {"error": err.decode(errors="replace").strip().splitlines()[-1:] or "failed"}
    return {"households": n, "us_per_household": round(float(out.decode().split()[-1]), 1)}


# -- the report --------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import telegram
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "cpu": model, "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "ptb": telegram.__version__, "kernel": platform.release()}


def table(results: dict[str, Any]) -> str:
    head = ("system", "mix", "upd/s", "p50 ms", "p95 ms", "p99 ms", "loop lag max ms", "srv CPU%", "CPU ms/upd",
            "peak RSS MB", "gen CPU%", "fake CPU%", "PG CPU%", "other CPU%", "errors")
    rows = [head]
    for name in ("noop", "fake_alone", "salpim_sqlite", "salpim_pg1", "salpim_pg2", "echo_stock", "echo_body",
                 "echo_aiohttp", "conv_stock", "rate300", *rate_half_names(results)):
        r = results.get(name)
        if not r:
            continue
        if "skipped" in r or "failed" in r:
            rows.append((label_of(name, r), "", r.get("skipped") or f"FAILED: {r['failed'][:60]}", *[""] * 12))
            continue
        lat = r["latency_ms"]
        cpu = r["cpu_pct"]
        errors = sum(r["errors"].values())
        rows.append((label_of(name, r), r.get("mix", "-"), f"{r['updates_per_s']:.0f}", _f(lat.get("p50")),
                     _f(lat.get("p95")), _f(lat.get("p99")), lag_text(r.get("loop_lag")),
                     _f(cpu.get("server")) if r.get("peak_rss_mb") is not None else "-",
                     _f(r.get("server_cpu_ms_per_update"), 2) if r.get("peak_rss_mb") is not None else "-",
                     _f(r.get("peak_rss_mb")) if r.get("peak_rss_mb") is not None else "-",
                     _f(cpu.get("loadgen")), _f(cpu.get("fake")), _f(cpu.get("postgres")), _f(cpu.get("other")),
                     str(errors)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _f(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratios(results: dict[str, Any]) -> tuple[list[str], dict[str, float]]:
    def ups(name: str) -> float | None:
        r = results.get(name)
        return r.get("updates_per_s") if r and "updates_per_s" in r else None

    lines, values = [], {}
    s = ups("salpim_sqlite")
    fastest = max(((ups(n) or 0, n) for n in ("echo_body", "echo_aiohttp")), default=(0, None))
    checks = [("Salpim SQLite ÷ (a) stock echo", s, ups("echo_stock"), 4.0, "≥ 4×"),
              ("Salpim SQLite ÷ (c) stock ConversationHandler", s, ups("conv_stock"), 4.0, "≥ 4×"),
              (f"Salpim SQLite ÷ fastest echo ({fastest[1]})", s, fastest[0] or None, 0.7, "≥ 0.7×"),
              ("Salpim SQLite ÷ (b') aiohttp echo", s, ups("echo_aiohttp"), None, ""),
              ("Salpim PostgreSQL 1 process ÷ Salpim SQLite", ups("salpim_pg1"), s, 0.9, "≥ 0.9×"),
              ("Salpim PostgreSQL 2 workers ÷ 1 process", ups("salpim_pg2"), ups("salpim_pg1"), 1.3, "≥ 1.3×")]
    for label, a, b, goal, goal_text in checks:
        if not a or not b:
            lines.append(f"  {label}: n/a")
            continue
        ratio = a / b
        values[label] = round(ratio, 2)
        verdict = "" if goal is None else ("  target " + goal_text + (" ✓ met" if ratio >= goal else " ✗ MISSED"))
        lines.append(f"  {label}: {ratio:.2f}×{verdict}")
    mix_of = {n: (results.get(n) or {}).get("mix") for n in ("salpim_sqlite", "echo_aiohttp")}
    cpu_s = (results.get("salpim_sqlite") or {}).get("server_cpu_ms_per_update")
    cpu_echo = (results.get("echo_aiohttp") or {}).get("server_cpu_ms_per_update")
    if cpu_s and cpu_echo:
        ratio = cpu_s / cpu_echo
        values["CPU per update, Salpim SQLite ÷ (b') aiohttp echo"] = round(ratio, 2)
        like = "like for like" if mix_of["salpim_sqlite"] == mix_of["echo_aiohttp"] else \
            f"NOT like for like: run with --mix {REFERENCE_MIX} for that"
        lines.append(f"  CPU per update, Salpim SQLite ({cpu_s:.2f} ms, mix '{mix_of['salpim_sqlite']}') ÷ (b') aiohttp echo "
                     f"({cpu_echo:.2f} ms, mix '{mix_of['echo_aiohttp']}'; {like}): {ratio:.2f}×  target ≤ 1.3× "
                     f"{'✓ met' if ratio <= 1.3 else '✗ MISSED'}")
    for name in ("salpim_sqlite", "salpim_pg2"):
        r = results.get(name) or {}
        if r.get("peak_rss_mb") is not None:
            workers = 2 if name == "salpim_pg2" else 1
            per_worker = r["peak_rss_mb"] / workers  # the tree's sum (a supervisor is small) ÷ workers
            values[f"{name} RSS MB per worker"] = round(per_worker, 1)
            lines.append(f"  resident memory per worker, {LABELS[name]} (peak during the run, tree without the "
                         f"analyser process ÷ {workers}): {per_worker:.0f} MB  target ≤ 200 MB "
                         f"{'✓ met' if per_worker <= 200 else '✗ MISSED'}")
    for name, r in results.items():
        if isinstance(r, dict) and r.get("analyser_rss_mb") is not None:
            values[f"{name} analyser process RSS MB"] = r["analyser_rss_mb"]
            run = "idle-memory run" if name == "memory" else label_of(name, r)
            lines.append(f"  Korean analyser process, {run}: {r['analyser_rss_mb']:.0f} MB "
                         "(once per machine, for all workers; not in the figures per worker)")
    rate = results.get("rate300")
    if rate and "latency_ms" in rate:
        p99 = rate["latency_ms"].get("p99")
        ok = p99 is not None and p99 < 50 and rate["updates_per_s"] >= 0.95 * rate["rate"]
        lines.append(f"  p99 at {rate['rate']:.0f} updates/s: {p99} ms (achieved {rate['updates_per_s']:.0f}/s)"
                     f"  target < 50 ms {'✓ met' if ok else '✗ MISSED'}")
    for name in rate_half_names(results):
        half = results[name]
        if "latency_ms" not in half:
            continue
        p99, lag = half["latency_ms"].get("p99"), (half.get("loop_lag") or {}).get("max_ms")
        ok = (p99 is not None and p99 < HALF_P99_MS and lag is not None and lag <= HALF_LAG_MS
              and half["updates_per_s"] >= 0.95 * half["rate"])
        values[f"{name} p99 ms"], values[f"{name} loop lag max ms"] = p99, lag
        lines.append(f"  no stall, mix '{half['mix']}' at {half['rate']:.0f} updates/s (half of Salpim's maximum): "
                     f"p99 {p99} ms, loop lag max {lag_text(half.get('loop_lag'))} ms (achieved "
                     f"{half['updates_per_s']:.0f}/s)  target p99 < {HALF_P99_MS:g} ms and lag ≤ {HALF_LAG_MS:g} ms "
                     f"{'✓ met' if ok else '✗ MISSED'}")
    mem = results.get("memory")
    if mem and "growth_mb" in mem:
        lines.append(f"  memory growth over {mem['conversations']:,} idle conversations: {mem['growth_mb']} MB "
                     f"({mem['rss_before_mb']} → {mem['rss_after_mb']} MB)  target < 2 MB (issue 16; < 5 MB in issue 7) "
                     f"{'✓ met' if mem['growth_mb'] < 2 else '✗ MISSED'}")
    from bench import growth
    flat, flat_values = growth.ratio_lines(results.get("growth"))
    lines += flat
    values.update(flat_values)
    conv = results.get("memory_conv")
    if conv and "growth_mb" in conv:
        lines.append(f"  (for comparison) stock ConversationHandler over {conv['conversations']:,} idle conversations: "
                     f"{conv['growth_mb']} MB ({conv['rss_before_mb']} → {conv['rss_after_mb']} MB)")
    return lines, values


# -- orchestration -----------------------------------------------------------------------------
async def orchestrate(opts: Options) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "options": {
        "duration_s": opts.duration, "warmup_s": opts.warmup, "concurrency": opts.concurrency, "mix": opts.mix,
        "quick": opts.quick}}
    m = results["machine"]
    say(f"salpim bench · {m['date']} · {m['nproc']} CPUs ({m['cpu']}) · Python {m['python']} · PTB {m['ptb']}")
    say(f"load: {opts.concurrency} chats in flight, {opts.warmup:g} s warm-up + {opts.duration:g} s measured per run")
    say(f"  Salpim: mix '{opts.mix}' ({describe_mix(opts.mix)})")
    if seats_needed(opts.mix):
        say("    + casework set-up before each Salpim run's warm-up: a caseworker with a case per chat in flight, "
            "a team leader per 읍면동 (bench/casework_setup.py)")
    ref = reference_mix(opts.mix)
    if ref != opts.mix:
        say(f"  reference bots and the harness's endpoint: mix '{ref}' ({describe_mix(ref)}) — what they implement "
            "(the stock ConversationHandler has only the report dialog; the follow-up needs the casework set-up)")
    results["options"]["reference_mix"] = ref
    load1 = os.getloadavg()[0]
    results["machine"]["loadavg_1min_at_start"] = round(load1, 2)
    if load1 > 0.5:
        say(f"NOTE: the machine is already busy (load average {load1:.2f}); other work will make the figures noisy "
            "(see the 'other CPU%' column)")
    pg_problem = await postgres_answers() if opts.only & {"salpim_pg1", "salpim_pg2"} else None
    with tempfile.TemporaryDirectory(prefix="salpim-bench-") as tmp:
        work = Path(tmp)
        fake = Fake(work)
        await fake.start()
        try:
            plan: list[tuple[str, Any]] = []
            if "harness" in opts.only:
                plan.append(("harness", lambda: run_harness(opts, fake, work)))
            if "salpim_sqlite" in opts.only:
                plan.append(("salpim_sqlite", lambda: run_salpim(opts, fake, work, "salpim_sqlite", "sqlite", 1,
                                                                 1_000_000_000)))
            for name, workers, base in (("salpim_pg1", 1, 1_100_000_000), ("salpim_pg2", 2, 1_200_000_000)):
                if name in opts.only:
                    if pg_problem:
                        where = PG_ADMIN_URL.rsplit("@", 1)[-1]
                        results[name] = {"skipped": "skipped: PostgreSQL does not answer", "why": pg_problem}
                        say(f"▶ {name}: SKIPPED — PostgreSQL at {where} does not answer: {pg_problem}")
                    else:
                        plan.append((name, lambda n=name, w=workers, b=base:
                                     run_salpim(opts, fake, work, n, "pg", w, b)))
            for i, kind in enumerate(("echo_stock", "echo_body", "echo_aiohttp", "conv_stock")):
                if kind in opts.only:
                    plan.append((kind, lambda k=kind, b=1_300_000_000 + i * 50_000_000:
                                 run_reference(opts, fake, work, k, b)))
            if "rate300" in opts.only:
                plan.append(("rate300", lambda: run_rate(opts, fake, work, opts.rate, 300_000_000)))
            if "rate_half" in opts.only:
                def half_rate() -> float:
                    measured = (results.get("salpim_sqlite") or {}).get("updates_per_s")
                    return round(measured / 2) if measured else 100.0
                plan.append(("rate_half", lambda: run_rate(opts, fake, work, half_rate(), 350_000_000)))
                for i, one in enumerate(m for m in RATE_MIXES if m != opts.mix):
                    plan.append((f"rate_half:{one}", lambda m=one, b=360_000_000 + i * 10_000_000:
                                 run_rate(opts, fake, work, half_rate(), b, mix=m)))
            if "memory" in opts.only:
                plan.append(("memory", lambda: run_memory(opts, fake, work)))
            if "memory_conv" in opts.only:
                plan.append(("memory_conv", lambda: run_memory(opts, fake, work, "conv_stock")))
            if "growth" in opts.only:
                from bench import growth
                plan.append(("growth", lambda: growth.run_growth(opts, fake, work)))
            for name, job in plan:
                say(f"▶ {name} …")
                started = time.monotonic()
                try:
                    out = await job()
                except Exception as exc:  # noqa: BLE001 - one failed system must not stop the others
                    results[name] = {"failed": str(exc)}
                    say(f"  FAILED: {exc}")
                    continue
                if name == "harness":
                    results.update(out)
                    for sub, r in out.items():
                        say(f"  {sub}: {_line(r)}")
                elif name == "growth":
                    results[name] = out
                else:
                    results[name] = out
                    say(f"  {_line(out)}  ({time.monotonic() - started:.0f} s)")
        finally:
            fake.server.stop()
    if "screening" in opts.only:
        say("▶ screening …")
        screening = await run_screening(opts.quick)
        results["screening"] = screening or {"skipped": "welfare/bench_screening.py does not exist"}
        say(f"  {results['screening']}")
    return results


def _line(r: dict[str, Any]) -> str:
    if "updates_per_s" not in r:
        return ", ".join(f"{k}={v}" for k, v in r.items())
    lat = r["latency_ms"]
    extra = f", replies {r['replies']} (expected {r['expected_replies']})"
    if "reports_filed" in r:
        extra += f", reports filed {r['reports_filed']} (expected {r['reports_expected']})"
    if "followups_saved" in r:
        extra += f", follow-ups saved {r['followups_saved']} (expected {r['followups_expected']})"
    if r.get("casework_setup"):
        s = r["casework_setup"]
        extra += f", set-up {s['caseworkers']} caseworkers + {s['team_leaders']} team leaders in {s['seconds']} s"
    errors = f", errors {r['errors']}" if r["errors"] else ""
    if r.get("loop_lag"):
        extra += f", loop lag max {lag_text(r['loop_lag'])} ms ({r['loop_lag']['over_20ms']} samples > 20 ms)"
    if r.get("mix"):
        extra += f", mix {r['mix']}"
    return (f"{r['updates_per_s']:.0f} updates/s, p50 {lat.get('p50')} / p95 {lat.get('p95')} / p99 {lat.get('p99')} ms, "
            f"CPU {r['cpu_pct']}, speed probe {r.get('speed_probe_ms')} ms{extra}{errors}")


def report(results: dict[str, Any], opts: Options) -> None:
    say("")
    say("Throughput and latency (latency: POST start → last reply at the fake Bot API; CPU: % of one core)")
    say(table(results))
    from bench import growth
    for line in growth.report_lines(results.get("growth")):
        say(line)
    say("")
    say("Ratios against the targets of issues 7 and 16 (each line names the mix it used where it matters):")
    lines, values = ratios(results)
    results["ratios"] = values
    for line in lines:
        say(line)
    scr = results.get("screening")
    if scr and "us_per_household" in scr:
        say(f"  service finder: {scr['us_per_household']} µs to screen one household over the whole catalogue")
    noisy = [n for n, r in results.items() if isinstance(r, dict) and (r.get("cpu_pct") or {}).get("other", 0) > 20]
    if noisy:
        say(f"  NOTE: other processes used more than 20% of a core during {', '.join(noisy)}: those figures are noisy")
    probes = {n: r["speed_probe_ms"] for n, r in results.items() if isinstance(r, dict) and "speed_probe_ms" in r}
    if probes and max(probes.values()) > 1.15 * min(probes.values()):
        say(f"  NOTE: the CPU's speed varied during the bench (speed probe {min(probes.values())}–"
            f"{max(probes.values())} ms): neighbours on the host; ratios between runs are less certain")
    for name in ("salpim_sqlite", "salpim_pg1", "salpim_pg2", "rate300", *rate_half_names(results)):
        r = results.get(name)
        if r and "reports_filed" in r and r["reports_filed"] != r["reports_expected"]:
            say(f"  NOTE {name}: {r['reports_filed']} reports in the database, {r['reports_expected']} expected")
        if r and "followups_saved" in r and r["followups_saved"] != r["followups_expected"]:
            say(f"  NOTE {name}: {r['followups_saved']} follow-up calls in the database, "
                f"{r['followups_expected']} expected")
    for name, r in results.items():
        if isinstance(r, dict) and "expected_replies" in r and r["replies"] != r["expected_replies"]:
            say(f"  NOTE {name}: {r['replies']} replies received, {r['expected_replies']} expected")
    for name in ("salpim_sqlite", "salpim_pg1") if opts.profile_dir else ():
        raw = opts.profile_dir / f"{name}.collapsed"
        if raw.exists():
            per_update = (results.get(name) or {}).get("server_cpu_ms_per_update")
            summary = summarise_profile(raw, cpu_ms_per_update=per_update)
            (opts.profile_dir / f"{name}.summary.txt").write_text(summary)
            say("")
            say(f"Profile of {name} (py-spy, {raw}):")
            say(summary)
    if opts.json_file:
        opts.json_file.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        say(f"\nresults saved to {opts.json_file}")


def run(opts: Options) -> int:
    started = time.monotonic()
    try:
        import uvloop
        results = uvloop.run(orchestrate(opts))
    except ImportError:  # pragma: no cover
        results = asyncio.run(orchestrate(opts))
    report(results, opts)
    say(f"\n(bench took {time.monotonic() - started:.0f} s)")
    return 0


def options_from_args(args: argparse.Namespace) -> Options:
    only = set(ALL_RUNS)
    if args.only:
        only = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = only - set(ALL_RUNS) - set(EXTRA_RUNS)
        if unknown:
            raise SystemExit(f"unknown run(s) {sorted(unknown)}; choose from {', '.join(ALL_RUNS + EXTRA_RUNS)}")
    quick = args.quick
    duration = args.duration if args.duration is not None else (3.0 if quick else 10.0)
    return Options(duration=duration, warmup=1.0 if quick else 2.0, concurrency=args.concurrency, quick=quick,
                   only=only, json_file=args.json, profile_dir=args.profile,
                   idle_conversations=args.idle_conversations or (2_000 if quick else 10_000), mix=args.mix,
                   rate=args.rate, growth_sizes=growth_sizes(args.seed, quick))


def growth_sizes(text: str | None, quick: bool) -> tuple[int, ...]:
    from bench.growth import QUICK_SIZES, SIZES
    if not text:
        return QUICK_SIZES if quick else SIZES
    try:
        sizes = tuple(sorted({int(s.strip().replace("_", "")) for s in text.split(",") if s.strip()}))
    except ValueError:
        raise SystemExit(f"--seed takes sizes separated by commas, e.g. 1000,10000,100000 (not {text!r})") from None
    if not sizes or sizes[0] < 1:
        raise SystemExit("--seed sizes must be positive")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=None, help="measured seconds per run (default 10; 3 with --quick)")
    parser.add_argument("--concurrency", type=int, default=32, help="chats in flight at once (default 32)")
    parser.add_argument("--quick", action="store_true", help="short runs (3 s) and 2,000 idle conversations")
    parser.add_argument("--only", default=None, help=f"comma-separated runs: {', '.join(ALL_RUNS + EXTRA_RUNS)}")
    parser.add_argument("--json", type=Path, default=None, help="save all results to this JSON file")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="profile the one-process Salpim runs (SQLite, PostgreSQL) with py-spy; collapsed stacks and a summary go to DIR")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="updates/s of the fixed-rate run 'rate300' (default 300; e.g. --only rate300 --mix "
                             "followup --rate 96 for the follow-up stall of issue 16)")
    parser.add_argument("--seed", default=None, metavar="N,N,…",
                        help="the growth run's sizes: reports and cases seeded before the server starts "
                             "(default 1000,10000,100000; 1000,10000 with --quick)")
    parser.add_argument("--idle-conversations", type=int, default=None, help="for the memory run (default 10,000)")
    parser.add_argument("--mix", default="default", choices=sorted(n for n in MIXES if n not in ("open", "botapi")),
                        help="what Salpim's chats play (bench/scripts.py MIXES; default: report, finder, follow-up, "
                             "browse); 'reference' = the report/browse mix the reference bots play")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(options_from_args(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
