"""Per-chat message limits: a token bucket per chat (in this process), generous enough that a
person typing and tapping never meets it, tight enough that a script cannot flood the store."""
from __future__ import annotations

import time

BURST = 20
WARN_EVERY = 10.0  # seconds between two "please slow down" notices to the same chat
MAX_TRACKED = 50_000


class FloodGuard:
    def __init__(self, per_second: float, burst: int = BURST) -> None:
        self.rate, self.burst = per_second, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._warned: dict[str, float] = {}

    def allow(self, chat_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.get(chat_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
        allowed = tokens >= 1
        self._buckets[chat_id] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > MAX_TRACKED:  # forget the quietest half; they refill anyway
            for key in list(self._buckets)[: MAX_TRACKED // 2]:
                del self._buckets[key]
        return allowed

    def should_warn(self, chat_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now - self._warned.get(chat_id, -WARN_EVERY) < WARN_EVERY:
            return False
        self._warned[chat_id] = now
        if len(self._warned) > MAX_TRACKED:
            self._warned.clear()
        return True
