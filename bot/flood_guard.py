"""Per-chat message limits: a token bucket per chat (in this process), generous enough that a
person typing and tapping never meets it, tight enough that a script cannot flood the store."""
from __future__ import annotations

import time

BURST = 20
WARN_EVERY = 10.0  # seconds between two "please slow down" notices to the same chat
MAX_TRACKED = 50_000
SWEEP_EVERY = 2_000


class FloodGuard:
    def __init__(self, per_second: float, burst: int = BURST) -> None:
        self.rate, self.burst = per_second, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._warned: dict[str, float] = {}
        self._calls = 0

    def allow(self, chat_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.get(chat_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
        allowed = tokens >= 1
        self._buckets[chat_id] = (tokens - 1 if allowed else tokens, now)
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0 or len(self._buckets) > MAX_TRACKED:
            self._forget_refilled(now)
        return allowed

    def _forget_refilled(self, now: float) -> None:
        """A bucket idle long enough to be full again says nothing: drop it (memory follows the
        chats active in the last seconds, not every chat ever seen)."""
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        self._warned = {k: t for k, t in self._warned.items() if now - t < WARN_EVERY}

    def should_warn(self, chat_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now - self._warned.get(chat_id, -WARN_EVERY) < WARN_EVERY:
            return False
        self._warned[chat_id] = now
        return True
