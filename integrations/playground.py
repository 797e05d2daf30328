"""The playground: a small web chat that drives the same dialogs as Telegram, with no token.

Bound to localhost unless SALPIM_EXPOSE_PLAYGROUND is set: it is for trying flows, not a
public channel. Each browser gets its own chat id (kept in its localStorage).
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from bot.turns import Inbound
from dialogs.events import Event, Location, Text
from dialogs.events import Choice as ChoiceEvent
from bot.telegram_updates import command_or_text
from dialogs.replies import Msg
from salpim.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
CHANNEL = "playground"
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "testclient"}
# The page's own words (header, composer, the reset question), from the catalogs like every reply.
PAGE_TEXTS = ("title", "subtitle", "reset", "reset_title", "latitude", "longitude", "send_location", "message",
              "placeholder", "send")
SCRIPT_TEXTS = ("reset_confirm", "network_error", "error")


class PlaygroundMessage(BaseModel):
    session: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    message_id: Annotated[int, Field(ge=0, lt=2**53)]
    kind: Literal["text", "choice", "location"]
    text: Annotated[str, Field(max_length=20000)] = ""
    value: Annotated[str, Field(max_length=64)] = ""
    version: int | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    language: Annotated[str, Field(max_length=8)] | None = None


def _event(message: PlaygroundMessage) -> Event:
    if message.kind == "choice":
        return ChoiceEvent(message.value, message.version)
    if message.kind == "location" and message.lat is not None and message.lon is not None:
        return Location(message.lat, message.lon)
    return command_or_text(message.text) if message.text else Text("")


def page_html(request: Request) -> str:
    """The page in the browser's language (Korean unless it asks for another we have)."""
    catalogs = request.app.state.services.catalogs
    wanted = (request.headers.get("accept-language") or "").split(",")[0].strip()
    locale = catalogs.resolve_locale(None, wanted or None)
    page = (STATIC / "playground.html").read_text(encoding="utf-8")
    words = {f"playground.{k}": html.escape(catalogs.render(locale, Msg(f"playground.{k}"))) for k in PAGE_TEXTS}
    script = {k: catalogs.render(locale, Msg(f"playground.{k}")) for k in SCRIPT_TEXTS}
    # "</" cannot end the data block early once escaped; the block is JSON, never run.
    words["texts"] = json.dumps(script, ensure_ascii=False).replace("</", "<\\/")
    words["lang"] = locale
    return re.sub(r"\{\{([a-z_.]+)\}\}", lambda m: words[m.group(1)], page)


def router(settings: Settings) -> APIRouter:
    api = APIRouter(include_in_schema=False)

    def guard(request: Request) -> None:
        host = request.client.host if request.client else ""
        if not settings.expose_playground and host not in LOCAL_HOSTS:
            raise HTTPException(status_code=404)

    @api.get("/playground")
    async def page(request: Request) -> HTMLResponse:
        guard(request)
        return HTMLResponse(page_html(request))

    @api.get("/playground/static/{name}")
    async def static(name: str, request: Request) -> FileResponse:
        guard(request)
        if not re.fullmatch(r"[a-z_]+\.(js|css)", name) or not (STATIC / name).exists():
            raise HTTPException(status_code=404)
        return FileResponse(STATIC / name)

    @api.post("/playground/api/message")
    async def message(body: PlaygroundMessage, request: Request) -> dict:
        guard(request)
        runner = request.app.state.services.runner
        inbound = Inbound(CHANNEL, body.session, _event(body), body.message_id, None, body.language)
        result = await runner.run(inbound)
        if result.duplicate:
            return {"duplicate": True, "messages": []}
        if result.outgoing and request.app.state.services.telegram:
            await request.app.state.services.telegram.sender.deliver(result.outgoing)  # team alerts
        return {"duplicate": False, "locale": result.locale, "messages": [
            {"text": r.text, "expects": r.expects, "version": r.version,
             "buttons": [[{"value": b.value, "label": b.label, "kind": b.kind} for b in row] for row in r.buttons]}
            for r in result.rendered]}

    return api

