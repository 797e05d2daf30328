"""The SQLite write lock serves the group writer before queued casework transactions
(state/write_lock.py), keeps ordinary waiters in order, and survives cancellation."""
from __future__ import annotations

import asyncio

import pytest

from state.write_lock import WriteLock


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_the_group_writer_goes_before_queued_transactions_which_keep_their_order() -> None:
    lock, order = WriteLock(), []

    async def ordinary(name: str) -> None:
        async with lock:
            order.append(name)

    async def urgent(name: str) -> None:
        async with lock.urgent():
            order.append(name)

    await lock.acquire()
    tasks = [asyncio.create_task(ordinary("a"))]
    await _settle()
    tasks.append(asyncio.create_task(ordinary("b")))
    await _settle()
    tasks.append(asyncio.create_task(urgent("batch")))
    await _settle()
    assert order == [] and lock.locked()
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["batch", "a", "b"]
    assert not lock.locked()


@pytest.mark.asyncio
async def test_a_cancelled_waiter_neither_keeps_nor_loses_the_lock() -> None:
    lock, order = WriteLock(), []
    await lock.acquire()
    gone = asyncio.create_task(lock.acquire())
    await _settle()

    async def later() -> None:
        async with lock:
            order.append("later")
    after = asyncio.create_task(later())
    await _settle()
    gone.cancel()
    await _settle()
    lock.release()
    await after
    assert order == ["later"] and not lock.locked()
    with pytest.raises(asyncio.CancelledError):
        await gone


@pytest.mark.asyncio
async def test_cancelled_just_after_being_handed_the_lock_passes_it_on() -> None:
    lock = WriteLock()
    await lock.acquire()
    first = asyncio.create_task(lock.acquire())
    await _settle()
    second = asyncio.create_task(lock.acquire())
    await _settle()
    lock.release()  # handed to `first` ...
    first.cancel()  # ... which is cancelled before it runs: `second` must get it
    await asyncio.wait_for(second, timeout=5)
    assert lock.locked()
    lock.release()
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()
