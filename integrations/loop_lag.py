"""The event loop's lag, measured from inside the service (issue 16: "no stall").

One small task asks to wake every `interval` seconds and records how late it woke: that delay
is the time some other callback held the loop, i.e. what every chat waiting on this process
waited extra. Exported in /metrics as a histogram and as the largest lag since the process
started; the bench reads both before and after its measured window (bench/run.py).

Why a sleeping task and not a timer in a thread: the thread would measure the GIL, not the loop;
a coroutine is scheduled exactly like a webhook request's continuation.
"""
from __future__ import annotations

import asyncio

from prometheus_client import Gauge, Histogram

INTERVAL_S = 0.01  # 100 wake-ups a second: a stall of 20 ms (the target) cannot hide between two
LAG = Histogram("salpim_event_loop_lag_seconds", "How late the event loop ran a task that asked to wake up",
                buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
LAG_MAX = Gauge("salpim_event_loop_lag_max_seconds", "Largest event-loop lag seen since this process started")


class LagProbe:
    def __init__(self, interval: float = INTERVAL_S) -> None:
        self.interval = interval
        self.max_lag = 0.0
        self.samples = 0

    def observe(self, lag: float) -> None:
        lag = max(0.0, lag)
        self.samples += 1
        LAG.observe(lag)
        if lag > self.max_lag:
            self.max_lag = lag
            LAG_MAX.set(lag)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.observe(loop.time() - due)


def start() -> tuple[LagProbe, asyncio.Task]:
    probe = LagProbe()
    return probe, asyncio.create_task(probe.run(), name="event-loop-lag-probe")
