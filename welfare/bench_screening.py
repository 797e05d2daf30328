"""Tiny measurement of :func:`welfare.eligibility.screen` (for the benchmark harness, not a test).

``measure(n)`` screens ``n`` households — a varied mix, from a complete answer to almost
nothing known — over the whole bundled catalogue and returns microseconds per household.
Loading the catalogue and parameters happens once, outside the timing, as in the bot.
"""
from __future__ import annotations

import datetime as dt
import time

from welfare.eligibility import screen
from welfare.eligibility_parameters import load_parameters
from welfare.service_catalogue import load_catalogue

ON = dt.date(2026, 6, 1)
HOUSEHOLDS: tuple[dict[str, object], ...] = (
    {"members": [{"age": 72, "disability": False}], "monthly_income": 500_000, "assets": 0,
     "housing": "monthly_rent", "situations": ["isolation"]},
    {"members": [{"age": 41}, {"age": 39}, {"age": 12}, {"age": 8}], "monthly_income": 1_800_000,
     "assets": 30_000_000, "financial_assets": 2_000_000, "housing": "jeonse", "region": "metropolitan",
     "situations": ["job_loss", "money_basics"]},
    {"members": [{"age": 35, "disability": True, "severe_disability": True}, {"age": 63}],
     "monthly_income": 2_000_000, "assets": 150_000_000, "couple": False, "situations": ["health"]},
    {"members": [{"age": 29}, {"age": 3}], "monthly_income": 1_500_000, "situations": ["single_parent"]},
    {"members": [{"age": 19}, {"age": 52, "disability": True}], "situations": ["young_carer", "care_gap"]},
    {"members": [{}]},
    {"members": [{"age": 68}, {"age": 66}], "monthly_income": 3_000_000, "assets": 400_000_000,
     "receives": ["basic_pension"], "situations": []},
)


def measure(n: int = 5_000) -> float:
    """Microseconds per screened household (whole catalogue), averaged over ``n`` runs."""
    if n < 1:
        raise ValueError("n must be at least 1")
    catalogue = load_catalogue()
    parameters = load_parameters()
    for household in HOUSEHOLDS:  # warm caches and the parameter lookup
        screen(household, catalogue, parameters, ON)
    count = len(HOUSEHOLDS)
    start = time.perf_counter()
    for index in range(n):
        screen(HOUSEHOLDS[index % count], catalogue, parameters, ON)
    elapsed = time.perf_counter() - start
    return elapsed / n * 1_000_000


if __name__ == "__main__":  # pragma: no cover
    print(f"{measure():.1f} µs per household")
