"""The web application: Telegram webhook, playground, health and metrics (and, later, the
back-office API). Routes stay thin; the work happens in bot/ and state/."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
import sqlite3
import time
from collections.abc import AsyncIterator

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bot.telegram_transport import WEBHOOK_PATH, NotAnUpdate
from integrations import housekeeping, playground
from state.conversations import ConversationChanged
from integrations.api import routes as api_routes
from integrations.api import screen as screen_api
from integrations.services import Services, start_services, stop_services
from salpim.logging_setup import quiet_payload_loggers
from salpim.settings import Settings, get_settings

log = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 256 * 1024  # a Telegram update is a few KB; anything bigger is not one
UPDATES = Counter("salpim_updates_total", "Telegram updates received", ["outcome"])
TURN_SECONDS = Histogram("salpim_webhook_seconds", "Webhook handling time, receipt to replies sent",
                         buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
}


class SecurityHeaders:
    """Adds the security headers to every HTTP response. A plain ASGI middleware: Starlette's
    BaseHTTPMiddleware costs a task group and streams per request (0.19 ms of each update)."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in present)]
            await send(message)
        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, *, strict_catalogs: bool = False, telegram_bot=None,
               poll: bool = True) -> FastAPI:
    settings = settings or get_settings()
    quiet_payload_loggers()  # also when run by uvicorn directly, not through `salpim serve`

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await start_services(settings, strict_catalogs=strict_catalogs, telegram_bot=telegram_bot,
                                        poll=poll)
        app.state.services = services
        # Start-up objects (catalogs, catalogue, SQLAlchemy metadata, the analyser) live as long
        # as the process: keep them out of the garbage collector's full scans (the p99 pauses).
        gc.collect()
        gc.freeze()
        keeper = asyncio.create_task(housekeeping.run_forever(services), name="housekeeping")
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            await stop_services(services)

    app = FastAPI(title="Salpim back office", version="0.1.0", lifespan=lifespan,
                  description="살핌: crisis reports, casework and service screening for 읍면동 teams.")

    app.add_middleware(SecurityHeaders)

    @app.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        services: Services = request.app.state.services
        if services.telegram is None:
            return Response(status_code=404)
        expected = settings.webhook_secret or ""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            UPDATES.labels("forbidden").inc()
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            UPDATES.labels("too_large").inc()
            return Response(status_code=413)
        started = time.perf_counter()
        try:
            data = orjson.loads(body)
            ack = await services.telegram.handle_update(data)
        except (orjson.JSONDecodeError, NotAnUpdate):
            UPDATES.labels("bad_request").inc()
            return Response(status_code=400)
        except (SQLAlchemyError, sqlite3.Error, OSError, asyncio.TimeoutError, ConversationChanged):
            # The store is unreachable: nothing was committed; 503 makes Telegram deliver again.
            log.warning("webhook: store unavailable, asking Telegram to redeliver", exc_info=True)
            UPDATES.labels("unavailable").inc()
            return Response(status_code=503)
        TURN_SECONDS.observe(time.perf_counter() - started)
        UPDATES.labels("ok").inc()
        if ack is None:
            return Response(status_code=200)
        return Response(orjson.dumps(ack), media_type="application/json")

    @app.get("/healthz", tags=["operations"])
    async def healthz(request: Request) -> JSONResponse:
        ok = await request.app.state.services.db.ping()
        return JSONResponse({"status": "ok" if ok else "database unreachable"}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(api_routes.router)
    app.include_router(screen_api.router)
    if settings.playground:
        app.include_router(playground.router(settings))
    return app
