"""/office/leaflet?dong=CODE&lang=vi: the printable leaflet of a 읍면동 (integrations/leaflet.py).

Public, like the leaflet on a notice board: it reads only the directory (no record, nothing
personal), so it needs no session and no row in the core's permission table.
"""
from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dialogs.replies import Msg
from integrations.leaflet import UnknownDong, leaflet_html

router = APIRouter()


def bot_username(services) -> str | None:
    """The setting, else the username Telegram gave at start-up."""
    telegram = services.telegram
    return services.settings.bot_username or (telegram.bot_username if telegram is not None else None)


@router.get("/office/leaflet")
async def leaflet(request: Request, dong: str = "", lang: str | None = None) -> HTMLResponse:
    services = request.app.state.services
    catalogs = services.catalogs
    username = bot_username(services)
    if not username:
        return _message(catalogs, "reach.leaflet.no_bot", 503)
    try:
        page = leaflet_html(catalogs, services.runner.directory, dong[:16], username, lang)
    except UnknownDong:
        return _message(catalogs, "reach.leaflet.unknown_dong", 404)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _message(catalogs, key: str, status: int) -> HTMLResponse:
    text = html.escape(catalogs.render(catalogs.default, Msg(key)))
    return HTMLResponse(f'<!doctype html><html lang="ko"><meta charset="utf-8"><title>살핌</title><p>{text}</p>',
                        status_code=status)
