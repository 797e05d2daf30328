"""The web application: Telegram webhook (integrations/webhook.py), playground, health, metrics
and the back-office API. Routes stay thin; the work happens in bot/ and state/."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from core.refusals import Refused
from integrations import alerting_health, docs, guides, housekeeping, loop_lag, office, playground
from integrations.body_limits import BodyLimits
from integrations.local_requests import is_local
from integrations.api import conference_routes, referral_routes, resource_routes, support_routes
from integrations.api import routes as api_routes
from integrations.api import screen as screen_api
from integrations.services import start_services, stop_services
from integrations.webhook import TelegramWebhook
from salpim.logging_setup import quiet_payload_loggers
from salpim.settings import Settings, get_settings
from state import dead_letters

log = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
}


NO_STORE = (b"cache-control", b"no-store")
# Static assets may be cached; every other answer may carry personal data and never is.
CACHEABLE_PREFIXES = ("/playground/static/", "/docs/static/", "/office/static/")
MAX_ERRORS_SHOWN = 20


class SecurityHeaders:
    """Adds the security headers, and Cache-Control: no-store unless the route set its own, to
    every HTTP response. A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task
    group and streams per request (0.19 ms of each update)."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = self.headers if scope["path"].startswith(CACHEABLE_PREFIXES) else [*self.headers, NO_STORE]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in headers if h[0] not in present)]
            await send(message)
        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, *, strict_catalogs: bool = False, telegram_bot=None,
               poll: bool = True) -> "Front":
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
        app.state.loop_lag, lag_task = loop_lag.start()  # /metrics: salpim_event_loop_lag_*
        try:
            yield
        finally:
            keeper.cancel()
            lag_task.cancel()
            await asyncio.gather(keeper, lag_task, return_exceptions=True)
            await stop_services(services)

    app = FastAPI(title="Salpim back office", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="살핌: crisis reports, casework and service screening for 읍면동 teams.")

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer echoes each invalid value ("input"): a 10 MB field came back
        # whole. Say where and what, never the value.
        errors = [{"loc": e.get("loc", ()), "msg": str(e.get("msg", ""))[:200], "type": e.get("type", "")}
                  for e in exc.errors()[:MAX_ERRORS_SHOWN]]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.get("/healthz", tags=["operations"])
    async def healthz(request: Request) -> JSONResponse:
        services = request.app.state.services
        ok = await services.db.ping()
        # Alerting that cannot reach anyone is a degraded state: still 200 (the service works and
        # must keep taking reports), with the failing checks named.
        body = {"status": "ok" if ok else "database unreachable",
                **alerting_health.health_fields(services.settings, services.runner.directory)}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if settings.metrics_token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
            allowed = hmac.compare_digest(given, settings.metrics_token.encode())
        else:
            allowed = is_local(request)
        if not allowed:
            raise HTTPException(status_code=404)  # as if there were none
        await _count_dead_letters(request.app.state.services)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(api_routes.router)
    app.include_router(referral_routes.router)
    app.include_router(resource_routes.router)
    app.include_router(support_routes.router)
    app.include_router(conference_routes.router)
    app.add_exception_handler(Refused, api_routes.refusal_response)  # the core's refusals, for every route
    app.include_router(screen_api.router)
    app.include_router(docs.router())
    app.include_router(office.router(settings))
    app.include_router(guides.router)  # /guide: the printable guides (docs/guides)
    office.install(app, api_routes.refusal_response)  # HTML refusals under /office, JSON elsewhere
    if settings.playground != "off":
        app.include_router(playground.router(settings))
    return Front(app, settings)


class Front:
    """What the HTTP server calls: body limits, outermost (no route, the webhook included, ever
    reads an unbounded or endless body), then Telegram's webhook, then the FastAPI app.

    Both sit outside FastAPI's own middleware stack (its error, telemetry and body-limit layers
    run on every request, and the telemetry layer looks up environment variables each time):
    a Telegram update, the hot path, passes through none of them (issue 16). Everything else
    reaches FastAPI unchanged; attributes (state, routes, dependency_overrides) are FastAPI's."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.fastapi = app
        self._chain = BodyLimits(TelegramWebhook(app, state_holder=app, secret=settings.webhook_secret),
                                 default_limit=settings.max_body_bytes, timeout=settings.body_timeout_seconds)

    async def __call__(self, scope, receive, send) -> None:
        await self._chain(scope, receive, send)

    def __getattr__(self, name: str):
        return getattr(self.fastapi, name)


DEAD_LETTERS_STORED = Gauge("salpim_dead_letters_stored", "Updates recorded as dead letters (all workers, from the store)")


async def _count_dead_letters(services) -> None:
    try:
        async with services.db.read() as conn:
            DEAD_LETTERS_STORED.set(await dead_letters.count(conn))
    except Exception:  # noqa: BLE001 - metrics must answer even when the store does not
        log.warning("could not count dead letters for /metrics")
