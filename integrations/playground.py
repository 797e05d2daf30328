"""The playground: a small web chat that drives the same dialogs as Telegram, with no token.

SALPIM_PLAYGROUND decides who may use it: "local" (requests from this machine for a loopback
host, not through a proxy), "public" (requests for the allowed hosts), or "off". The server
gives each browser its session: an unguessable id in an HttpOnly, SameSite=Strict cookie; the
chat id stored is a hash of it, so neither the page's script nor a database reader learns the
id that opens the session.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from bot.turns import Inbound
from dialogs.events import Event, Location, Text, Voice
from dialogs.events import Choice as ChoiceEvent
from bot.telegram_updates import command_or_text
from dialogs.replies import Msg
from integrations import voice_notes
from integrations.local_requests import is_for_allowed_host, is_local
from salpim.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
CHANNEL = "playground"
COOKIE = "salpim_playground"
SESSION_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
# The page's own words (header, composer, the reset question), from the catalogs like every reply.
PAGE_TEXTS = ("title", "subtitle", "reset", "reset_title", "latitude", "longitude", "send_location", "message",
              "placeholder", "send", "guide", "attach_audio")
SCRIPT_TEXTS = ("reset_confirm", "network_error", "error")


class PlaygroundMessage(BaseModel):
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


def chat_id_of(session: str) -> str:
    return "pg-" + hashlib.sha256(session.encode()).hexdigest()[:40]


def _session(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if SESSION_PATTERN.fullmatch(value) else None


def _give_session(response: Response, settings: Settings) -> None:
    response.set_cookie(COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="strict", path="/playground",
                        secure=settings.playground == "public")


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
    allowed = settings.playground_hosts

    def guard(request: Request) -> None:
        ok = is_local(request) if settings.playground == "local" else is_for_allowed_host(request, allowed)
        if not ok:
            raise HTTPException(status_code=404)

    @api.get("/playground")
    async def page(request: Request) -> HTMLResponse:
        guard(request)
        response = HTMLResponse(page_html(request))
        if _session(request) is None:
            _give_session(response, settings)
        return response

    @api.post("/playground/api/session")
    async def new_session(request: Request) -> Response:
        """A fresh conversation (the page's reset button): a new id, made here."""
        guard(request)
        response = Response(status_code=204)
        _give_session(response, settings)
        return response

    @api.get("/playground/static/{name}")
    async def static(name: str, request: Request) -> FileResponse:
        guard(request)
        if not re.fullmatch(r"[a-z_]+\.(js|css)", name) or not (STATIC / name).exists():
            raise HTTPException(status_code=404)
        return FileResponse(STATIC / name)

    @api.post("/playground/api/message")
    async def message(body: PlaygroundMessage, request: Request) -> dict:
        guard(request)
        session = _session(request)
        if session is None:  # only ids the server made: load the page (or reset) to get one
            raise HTTPException(status_code=401, detail="no playground session")
        return await _turn(request, session, _event(body), body.message_id, body.language)

    @api.post("/playground/api/voice")
    async def voice(request: Request, message_id: Annotated[int, Query(ge=0, lt=2**53)],
                    duration: Annotated[int | None, Query(ge=0, le=24 * 3600)] = None,
                    language: Annotated[str | None, Query(max_length=8)] = None) -> dict:
        """An audio file attached as a spoken description, as a voice note is in Telegram: kept
        encrypted under var/uploads until the report is filed and the sweep stores it
        (integrations/voice_notes.py); never filed, it is erased after a day."""
        guard(request)
        session = _session(request)
        if session is None:
            raise HTTPException(status_code=401, detail="no playground session")
        if not (request.headers.get("content-type") or "").startswith("audio/"):
            raise HTTPException(status_code=415, detail="an audio file is expected")
        data = await request.body()
        if not data:
            raise HTTPException(status_code=422, detail="empty file")
        services = request.app.state.services
        ref = voice_notes.keep_upload(services.settings.var_dir, services.cipher, data)
        event = Voice(ref, "voice", duration, len(data))
        return await _turn(request, session, event, message_id, language)

    async def _turn(request: Request, session: str, event: Event, message_id: int, language: str | None) -> dict:
        runner = request.app.state.services.runner
        inbound = Inbound(CHANNEL, chat_id_of(session), event, message_id, None, language)
        result = await runner.run(inbound)
        if result.duplicate:
            return {"duplicate": True, "messages": []}
        if result.outgoing and request.app.state.services.telegram:
            await request.app.state.services.telegram.sender.deliver(result.outgoing)  # team alerts
        return {"duplicate": False, "locale": result.locale, "messages": [
            {"text": r.text, "expects": r.expects, "version": r.version,
             # Numbers to call with one tap: render each as <a href="{tel}">{label}</a>.
             "calls": [{"number": c.number, "label": c.label, "tel": "tel:" + c.number.replace("-", "")}
                       for c in r.calls],
             "buttons": [[{"value": b.value, "label": b.label, "kind": b.kind} for b in row] for row in r.buttons]}
            for r in result.rendered]}

    return api

