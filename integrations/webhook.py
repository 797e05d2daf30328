"""POST /telegram/webhook as a plain ASGI handler in front of the web framework.

Telegram's updates are the hot path (every tap of every reporter); FastAPI's routing, request
object and response classes cost more per update than the whole dialog engine, so this path
reads the body and answers directly. Everything else (playground, API, health) goes on to
FastAPI. Answers: 200 (processed, or a redelivery), 400 (not an update), 403 (wrong or missing
secret, compared in constant time), 404 (no Telegram configured), 405, 413 (oversized), 503
(the store is unavailable: nothing was committed, so Telegram's redelivery is safe). An update
that cannot be processed otherwise is a dead letter (bot/chat_changes.py), answered 200.
"""
from __future__ import annotations

import hmac
import logging
import time

import orjson
from prometheus_client import Counter, Histogram

from bot.telegram_transport import TRANSIENT_ERRORS, WEBHOOK_PATH, NotAnUpdate

log = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 256 * 1024  # a Telegram update is a few KB; anything bigger is not one
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
UPDATES = Counter("salpim_updates_total", "Telegram updates received", ["outcome"])
TURN_SECONDS = Histogram("salpim_webhook_seconds", "Webhook handling time, receipt to replies sent",
                         buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
# Only a passing store failure asks Telegram for the update again; the channel turns anything
# else into a dead letter (answered 200), so no update is redelivered forever.
STORE_ERRORS = TRANSIENT_ERRORS


class TelegramWebhook:
    def __init__(self, app, *, state_holder, secret: str | None) -> None:
        self.app = app
        self.state_holder = state_holder  # the FastAPI app: its .state.services is set at start-up
        self.secret = (secret or "").encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH:
            return await self.app(scope, receive, send)
        status, body = await self._handle(scope, receive)
        headers = [(b"content-type", b"application/json")] if body else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope, receive) -> tuple[int, bytes]:
        if scope["method"] != "POST":
            return 405, b""
        services = self.state_holder.state.services
        if services.telegram is None:
            return 404, b""
        given = next((v for k, v in scope["headers"] if k == SECRET_HEADER), b"")
        if not self.secret or not hmac.compare_digest(given, self.secret):
            UPDATES.labels("forbidden").inc()
            return 403, b""
        raw = await _read_body(receive)
        if raw is None:
            UPDATES.labels("too_large").inc()
            return 413, b""
        started = time.perf_counter()
        try:
            ack = await services.telegram.handle_update(orjson.loads(raw))
        except (orjson.JSONDecodeError, NotAnUpdate):
            UPDATES.labels("bad_request").inc()
            return 400, b""
        except STORE_ERRORS:
            log.warning("webhook: store unavailable, asking Telegram to redeliver", exc_info=True)
            UPDATES.labels("unavailable").inc()
            return 503, b""
        TURN_SECONDS.observe(time.perf_counter() - started)
        UPDATES.labels("ok").inc()
        return 200, orjson.dumps(ack) if ack is not None else b""


async def _read_body(receive) -> bytes | None:
    """The request body, or None once it passes MAX_UPDATE_BYTES (stops reading there)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_UPDATE_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
