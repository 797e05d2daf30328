"""The playground: a small web chat that drives the same dialogs as Telegram, with no token.

Bound to localhost unless SALPIM_EXPOSE_PLAYGROUND is set: it is for trying flows, not a
public channel. Each browser gets its own chat id (kept in its localStorage).
"""
from __future__ import annotations

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
from salpim.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
CHANNEL = "playground"
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "testclient"}


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


def router(settings: Settings) -> APIRouter:
    api = APIRouter(include_in_schema=False)

    def guard(request: Request) -> None:
        host = request.client.host if request.client else ""
        if not settings.expose_playground and host not in LOCAL_HOSTS:
            raise HTTPException(status_code=404)

    @api.get("/playground")
    async def page(request: Request) -> HTMLResponse:
        guard(request)
        return HTMLResponse((STATIC / "playground.html").read_text(encoding="utf-8"))

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
             # Numbers to call with one tap: render each as <a href="{tel}">{label}</a>.
             "calls": [{"number": c.number, "label": c.label, "tel": "tel:" + c.number.replace("-", "")}
                       for c in r.calls],
             "buttons": [[{"value": b.value, "label": b.label, "kind": b.kind} for b in row] for row in r.buttons]}
            for r in result.rendered]}

    return api

