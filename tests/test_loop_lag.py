"""The event-loop lag probe (integrations/loop_lag.py) and how the bench reads it from /metrics
(bench/run.py). Lags are fed in, never timed: no timed assertions in unit tests."""
from __future__ import annotations

import asyncio

from bench.run import lag_text, parse_lag, window_lag
from integrations import loop_lag


def test_the_probe_keeps_the_largest_lag_and_counts_every_sample() -> None:
    probe = loop_lag.LagProbe()
    for lag in (0.001, 0.030, -0.002, 0.004):  # a negative reading (clock rounding) counts as none
        probe.observe(lag)
    assert probe.samples == 4 and probe.max_lag == 0.030


async def test_the_probe_runs_on_the_loop_and_can_be_stopped() -> None:
    probe, task = loop_lag.start()
    for _ in range(50):
        if probe.samples:
            break
        await asyncio.sleep(probe.interval)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert probe.samples >= 1 and task.cancelled()


async def test_metrics_export_the_lag_histogram_and_its_maximum(service) -> None:
    text = (await service.client.get("/metrics")).text
    lag = parse_lag(text)
    assert lag is not None and "salpim_event_loop_lag_seconds_bucket" in text
    assert set(lag["buckets"]) >= {0.02, float("inf")}


BEFORE = """salpim_event_loop_lag_seconds_bucket{le="0.01"} 10.0
salpim_event_loop_lag_seconds_bucket{le="0.02"} 10.0
salpim_event_loop_lag_seconds_bucket{le="0.05"} 11.0
salpim_event_loop_lag_seconds_bucket{le="+Inf"} 11.0
salpim_event_loop_lag_max_seconds 0.045
"""


def test_the_window_maximum_is_exact_when_it_is_a_new_maximum_and_bounded_otherwise() -> None:
    new_max = BEFORE.replace('"0.05"} 11.0', '"0.05"} 11.0').replace('"+Inf"} 11.0', '"+Inf"} 13.0') \
        .replace("0.045", "0.3")
    lag = window_lag(parse_lag(BEFORE), parse_lag(new_max))
    assert lag == {"max_ms": 300.0, "exact": True, "samples": 2, "over_20ms": 2}
    assert lag_text(lag) == "300"
    quiet = BEFORE.replace('"0.01"} 10.0', '"0.01"} 15.0').replace('"0.02"} 10.0', '"0.02"} 16.0') \
        .replace('"0.05"} 11.0', '"0.05"} 17.0').replace('"+Inf"} 11.0', '"+Inf"} 17.0')
    lag = window_lag(parse_lag(BEFORE), parse_lag(quiet))
    assert lag == {"max_ms": 20.0, "exact": False, "samples": 6, "over_20ms": 0}
    assert lag_text(lag) == "≤ 20"
    assert parse_lag("salpim_updates_total 3.0") is None
