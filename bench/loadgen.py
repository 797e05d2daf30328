"""The load generator: a process of its own that plays Telegram.

    python -m bench.loadgen --target http://127.0.0.1:PORT/telegram/webhook --secret S \\
        --events 127.0.0.1:EPORT --duration 10 --warmup 2 --concurrency 32 [--rate 300] [--count N]

Many chats at once (`--concurrency` of them in flight), each chat's updates strictly in
sequence: the next update of a chat is posted only when the previous one is *complete*, that is
when its POST has been answered AND all the replies it produces have reached the fake Bot API.

What the latency is. For each update: from the moment its POST starts until the later of (a) the
webhook's answer and (b) the arrival at the fake Bot API of the update's last reply. The fake
pushes one line per sendMessage, `<chat_id> <monotonic_ns>`, to this process over a TCP stream
(bot/fake_bot_api.py, `--events-port`); CLOCK_MONOTONIC is one clock for all processes of the
machine, so the fake's receive time and our POST start compare directly. A reply carried in the
webhook response body (`{"method": "sendMessage", ...}`, which Telegram accepts) counts as
arriving with the response. How many replies each step of a script produces is learnt per
system before the run (calibration: each script once, waiting until its replies settle), so
systems that answer before replying (Salpim sends, then answers the webhook) and systems that
answer first and reply later (PTB's update queue) are measured the same way.

With `--rate R` the updates are paced at R per second (open loop over the chats: a chat takes
the next slot when it is free) and latency is measured from the slot's scheduled time, so a
stalled server cannot hide its queue (no coordinated omission).

The last line printed is `RESULT {json}`; `MEASURE start` / `MEASURE end` lines mark the
measured window for whoever watches CPU and memory from outside (bench/run.py).

Scripts played by a caseworker (``seat="caseworker"`` in bench/scripts.py, the follow-up
checklist) need `--staff FILE`, written by bench/casework_setup.py after it registered the
caseworkers and gave each a case: such a script runs in the private chat of a caseworker taken
from that pool (their Telegram user id is the chat id) and no other chat uses that caseworker
until the script is over.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.scripts import MIXES, SCRIPTS, Script, register_seats, seats_needed

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NS = 1_000_000_000


@dataclass
class Config:
    target: str
    secret: str = ""
    events: str | None = None              # "host:port" of the fake Bot API's event stream
    duration: float = 10.0                 # measured seconds (after the warm-up)
    warmup: float = 2.0
    concurrency: int = 32                  # chats in flight at once
    rate: float = 0.0                      # updates per second; 0 = as fast as the server allows
    count: int = 0                         # stop after this many updates (0: no bound)
    mix: str = "default"
    chat_base: int = 100_000_000
    update_base: int = 1
    timeout: float = 10.0                  # an update whose replies have not come by then failed
    settle: float = 0.15                   # calibration: replies are done after this much quiet
    calibrate: bool = True
    staff: str | None = None               # JSON file of caseworker seats (bench/casework_setup.py)


@dataclass
class _Wait:
    """What one chat is waiting for: how many replies have arrived since its update was posted."""
    count: int = 0
    last: int = 0
    need: int = 1_000_000
    future: asyncio.Future | None = None


class EventFeed:
    """Reads the fake Bot API's stream of sendMessage arrivals and wakes the chat waiting."""

    def __init__(self) -> None:
        self.waits: dict[int, _Wait] = {}
        self.stray = 0          # replies for chats that were not waiting (extra or late replies)
        self.received = 0
        self._task: asyncio.Task | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        reader, self._writer = await asyncio.open_connection(host, int(port))
        self._task = asyncio.create_task(self._read(reader))
        await asyncio.sleep(0.05)  # let the fake register us before the first update

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._writer:
            self._writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        pending = b""
        waits = self.waits
        while True:
            chunk = await reader.read(1 << 16)
            if not chunk:
                return
            data = pending + chunk
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                chat, _, at = line.partition(b" ")
                try:
                    wait = waits.get(int(chat))
                except ValueError:
                    continue
                self.received += 1
                if wait is None:
                    self.stray += 1
                    continue
                wait.count += 1
                wait.last = int(at)
                if wait.count >= wait.need and wait.future is not None and not wait.future.done():
                    wait.future.set_result(None)


@dataclass
class Stats:
    window_start: int = 0
    window_end: int = 0
    latencies: list[int] = field(default_factory=list)      # ns, POST start (or slot) → last reply
    post_latencies: list[int] = field(default_factory=list)  # ns, POST start → webhook answer
    completed_in_window: int = 0
    completed_total: int = 0
    started_total: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    scripts_done: dict[str, int] = field(default_factory=dict)
    steps_done: dict[str, list[int]] = field(default_factory=dict)  # completed updates per script step
    replies: int = 0
    expected_replies: int = 0
    late_starts: int = 0  # rate mode: slots that began more than 10 ms after their schedule

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class _Pacer:
    def __init__(self, rate: float, start: int) -> None:
        self.interval = int(NS / rate)
        self.start = start
        self.k = 0

    async def slot(self) -> int:
        at = self.start + self.k * self.interval
        self.k += 1
        delay = (at - time.monotonic_ns()) / NS
        if delay > 0:
            await asyncio.sleep(delay)
        return at


class LoadGenerator:
    def __init__(self, config: Config) -> None:
        self.c = config
        self.mix: list[Script] = [SCRIPTS[name] for name in MIXES[config.mix]]
        self.feed = EventFeed()
        self.expected: dict[str, list[int]] = {}
        self.stats = Stats()
        self._chat_index = itertools.count()
        self._update_ids = itertools.count(config.update_base)
        self._stop = False
        self._session: aiohttp.ClientSession | None = None
        self._headers = {SECRET_HEADER: config.secret, "Content-Type": "application/json"}
        self.seat_ids = load_seats(config.staff) if config.staff else []
        needed = seats_needed(config.mix)
        if needed and not self.seat_ids:
            raise SystemExit(f"mix {config.mix!r} has scripts played by a {needed}: prepare the seats first "
                             "(bench/casework_setup.py) and pass --staff FILE, or use --mix reference")
        self._seats: asyncio.Queue[int] | None = None

    async def _take_seat(self, script: Script, fallback: int) -> int:
        """The chat a script is played in: its own (fallback), or a free caseworker's private chat."""
        if not script.seat:
            return fallback
        assert self._seats is not None
        return await self._seats.get()

    def _free_seat(self, script: Script, chat_id: int) -> None:
        if script.seat and self._seats is not None:
            self._seats.put_nowait(chat_id)

    # -- one update -----------------------------------------------------------------------------
    async def _post(self, chat_id: int, payload: dict[str, Any]) -> tuple[int, bool, int]:
        """POST the update; returns (status, a reply came in the body, answer time ns)."""
        assert self._session is not None
        body = orjson.dumps(payload)
        async with self._session.post(self.c.target, data=body, headers=self._headers) as response:
            content = await response.read()
            status = response.status
        return status, b"sendMessage" in content, time.monotonic_ns()

    async def _update(self, chat_id: int, payload: dict[str, Any], expected: int, started: int
                      ) -> tuple[int, int] | None:
        """One update, complete. Returns (latency ns from `started`, POST latency ns) or None."""
        wait = self.feed.waits[chat_id]
        wait.count, wait.last, wait.need, wait.future = 0, 0, 1_000_000, None
        post_start = time.monotonic_ns()
        try:
            status, in_body, answered = await self._post(chat_id, payload)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            self.stats.error(f"http:{exc.__class__.__name__}")
            return None
        if status != 200:
            self.stats.error(f"status:{status}")
            return None
        need = expected - (1 if in_body else 0)
        if wait.count < need:
            wait.need = need
            wait.future = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(wait.future, self.c.timeout)
            except asyncio.TimeoutError:
                self.stats.error("reply_timeout")
                return None
        self.stats.replies += wait.count + (1 if in_body else 0)
        self.stats.expected_replies += expected
        done = max(answered, wait.last)
        return done - started, answered - post_start

    # -- calibration: how many replies each step produces on this system ------------------------
    async def calibrate(self) -> None:
        names = sorted({s.name for s in self.mix})
        base = self.c.chat_base + 90_000_000  # calibration chats have ids of their own

        async def learn(offset: int, script: Script) -> None:
            chat_id = await self._take_seat(script, base + offset)
            wait = self.feed.waits.setdefault(chat_id, _Wait())
            counts = []
            try:
                for step in script.steps:
                    wait.count, wait.last, wait.need, wait.future = 0, 0, 1_000_000, None
                    status, in_body, _ = await self._post(chat_id, step(chat_id, next(self._update_ids), offset))
                    if status != 200:
                        raise RuntimeError(f"calibration: {script.name} step {len(counts) + 1} answered {status}")
                    seen = -1
                    while seen != wait.count:
                        seen = wait.count
                        await asyncio.sleep(self.c.settle)
                    counts.append(wait.count + (1 if in_body else 0))
            finally:
                del self.feed.waits[chat_id]
                self._free_seat(script, chat_id)
            self.expected[script.name] = counts

        await asyncio.gather(*(learn(i, SCRIPTS[n]) for i, n in enumerate(names)))

    # -- the chats ------------------------------------------------------------------------------
    def _should_stop(self) -> bool:
        if self._stop:
            return True
        if self.c.count and self.stats.started_total >= self.c.count:
            return True
        return False

    async def _chat_loop(self, pacer: _Pacer | None) -> None:
        stats = self.stats
        while not self._should_stop():
            index = next(self._chat_index)
            script = self.mix[index % len(self.mix)]
            expected = self.expected.get(script.name) or [1] * len(script.steps)
            chat_id = await self._take_seat(script, self.c.chat_base + index)
            self.feed.waits[chat_id] = _Wait()
            finished = True
            steps_done = stats.steps_done.setdefault(script.name, [0] * len(script.steps))
            try:
                for number, (step, want) in enumerate(zip(script.steps, expected, strict=True)):
                    if self._should_stop():
                        finished = False
                        break
                    stats.started_total += 1
                    payload = step(chat_id, next(self._update_ids), index)
                    if pacer is not None:
                        started = await pacer.slot()
                        if time.monotonic_ns() - started > 10_000_000:
                            stats.late_starts += 1
                    else:
                        started = time.monotonic_ns()
                    result = await self._update(chat_id, payload, want, started)
                    if result is None:
                        finished = False
                        break
                    now = time.monotonic_ns()
                    stats.completed_total += 1
                    steps_done[number] += 1
                    if stats.window_start <= started and (not stats.window_end or now <= stats.window_end):
                        stats.completed_in_window += 1
                        stats.latencies.append(result[0])
                        stats.post_latencies.append(result[1])
            finally:
                del self.feed.waits[chat_id]
                self._free_seat(script, chat_id)
            if finished:
                stats.scripts_done[script.name] = stats.scripts_done.get(script.name, 0) + 1

    async def run(self) -> dict[str, Any]:
        c = self.c
        connector = aiohttp.TCPConnector(limit=max(c.concurrency, 1), ttl_dns_cache=None)
        self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=c.timeout))
        self._seats = asyncio.Queue()
        for seat in self.seat_ids:
            self._seats.put_nowait(seat)
        try:
            if c.events:
                await self.feed.connect(c.events)
            if c.calibrate:
                await self.calibrate()
            t0 = time.monotonic_ns()
            self.stats.window_start = t0 + int(c.warmup * NS)
            pacer = _Pacer(c.rate, t0) if c.rate > 0 else None
            chats = [asyncio.create_task(self._chat_loop(pacer)) for _ in range(c.concurrency)]
            all_done = asyncio.gather(*chats)
            if c.warmup > 0:
                await asyncio.wait([all_done], timeout=c.warmup)
            _mark("start")
            measured_from = time.monotonic_ns()
            finished, _ = await asyncio.wait([all_done], timeout=c.duration if c.duration > 0 else None)
            self.stats.window_end = time.monotonic_ns()
            _mark("end")
            self._stop = True
            if not finished:  # let the updates in flight finish (they are not counted)
                await asyncio.wait([all_done], timeout=c.timeout + 1)
            window = max(self.stats.window_end - max(self.stats.window_start, measured_from), 1) / NS
            return self._result(window)
        finally:
            await self._session.close()
            await self.feed.close()

    def _result(self, window: float) -> dict[str, Any]:
        s = self.stats
        return {
            "target": self.c.target, "mix": self.c.mix, "concurrency": self.c.concurrency, "rate": self.c.rate,
            "window_s": round(window, 3),
            "updates": s.completed_in_window,
            "updates_per_s": round(s.completed_in_window / window, 1),
            "latency_ms": summary(s.latencies),
            "post_latency_ms": summary(s.post_latencies),
            "updates_started": s.started_total, "updates_completed": s.completed_total,
            "errors": s.errors, "scripts_done": s.scripts_done, "steps_done": s.steps_done,
            "replies": s.replies, "expected_replies": s.expected_replies,
            "stray_replies": self.feed.stray, "late_starts": s.late_starts,
            "replies_per_step": self.expected, "seats": len(self.seat_ids),
        }


def load_seats(path: str) -> list[int]:
    """Read bench/casework_setup.py's file: register each caseworker's case, return their ids."""
    data = orjson.loads(open(path, "rb").read())
    seats = [(int(user), int(case)) for user, case in data["caseworkers"]]
    register_seats(seats)
    return [user for user, _ in seats]


def _mark(what: str) -> None:
    print(f"MEASURE {what}", flush=True)


def percentile(sorted_values: list[int], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[rank]


def summary(values_ns: list[int]) -> dict[str, float]:
    values = sorted(values_ns)
    if not values:
        return {"n": 0}
    ms = 1e6
    return {"n": len(values), "p50": round(percentile(values, 50) / ms, 2), "p95": round(percentile(values, 95) / ms, 2),
            "p99": round(percentile(values, 99) / ms, 2), "max": round(values[-1] / ms, 2),
            "mean": round(sum(values) / len(values) / ms, 2)}


async def run_load(config: Config) -> dict[str, Any]:
    return await LoadGenerator(config).run()


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.split("\n\n")[0])
    p.add_argument("--target", required=True, help="webhook URL (or the fake's /bot<token>/sendMessage)")
    p.add_argument("--secret", default="")
    p.add_argument("--events", default=None, help="host:port of the fake Bot API's sendMessage event stream")
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--mix", default="default", choices=sorted(MIXES))
    p.add_argument("--chat-base", type=int, default=100_000_000)
    p.add_argument("--update-base", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--no-calibrate", action="store_true")
    p.add_argument("--staff", default=None, help="caseworker seats (JSON written by bench/casework_setup.py); "
                                                 "needed by mixes with a follow-up script")
    a = p.parse_args(argv)
    return Config(a.target, a.secret, a.events, a.duration, a.warmup, a.concurrency, a.rate, a.count, a.mix,
                  a.chat_base, a.update_base, a.timeout, calibrate=not a.no_calibrate, staff=a.staff)


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    result = runner(run_load(config))
    print("RESULT " + orjson.dumps(result).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
