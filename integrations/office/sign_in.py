"""Signing in by a single-use link, signing out, the packaged stylesheet, and the pages for
"no session" and "refused" (registered for the whole app by `install`)."""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Path, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from core import audit_trail, office_access
from core.refusals import Refused
from integrations.office import guard
from integrations.office.rendering import HERE, nav, page
from state.timeutil import utcnow

router = APIRouter()
STATIC = HERE / "static"
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def install(app: FastAPI, refusal_fallback) -> None:
    """The office's own answers for a missing session, a cross-site post and the core's
    refusals (HTML pages); every other route keeps the API's JSON refusal (`refusal_fallback`)."""

    async def needs_sign_in(request: Request, _: guard.NeedsSignIn) -> Response:
        response = page(request, "signed_out.html", status=401)
        guard.drop_session(response)
        return response

    async def cross_site(request: Request, _: guard.CrossSite) -> Response:
        return page(request, "message.html", status=403, title="office.cross_site.title",
                    text="office.cross_site.text")

    async def refused(request: Request, refusal: Refused) -> Response:
        if not request.url.path.startswith("/office"):
            return await refusal_fallback(request, refusal)
        # A refused read of a record out of reach is on the log (core/audit_trail.py `denied`);
        # the page's transaction rolled back with the refusal, so it is written again on its own.
        await audit_trail.keep_denied(request.app.state.services.db, refusal, utcnow())
        return page(request, "message.html", status=refusal.http_status, title="office.refused.title",
                    text=refusal.key)

    app.add_exception_handler(guard.NeedsSignIn, needs_sign_in)
    app.add_exception_handler(guard.CrossSite, cross_site)
    app.add_exception_handler(Refused, refused)


@router.get("/office")
async def home(request: Request) -> Response:
    who = await guard.caller(request)
    items = nav(who.actor)
    return RedirectResponse(items[0][0] if items else "/office/signed-out", status_code=303)


@router.get("/office/signed-out")
async def signed_out(request: Request) -> Response:
    return page(request, "signed_out.html")


@router.get("/office/sign-in/{token}")
async def confirm(token: Token, request: Request) -> Response:
    """The link opens a page with one button: a link previewer (Telegram fetches links) or a
    prefetching browser only GETs, so it never spends the link; the person's press does."""
    return page(request, "sign_in.html", token=token)


@router.post("/office/sign-in")
async def sign_in(request: Request) -> Response:
    if not guard.same_origin(request):
        raise guard.CrossSite()
    token = guard.one(await guard.form(request), "token")
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token):
        token = ""
    async with guard.tx(request) as work:
        signed = await office_access.redeem(work, token) if token else None
    if signed is None:
        return page(request, "message.html", status=403, title="office.sign_in.failed_title",
                    text="office.sign_in.failed")
    response = RedirectResponse("/office", status_code=303)
    guard.give_session(request, response, signed.session_id)
    return response


@router.post("/office/sign-out")
async def sign_out(request: Request) -> Response:
    async with guard.tx(request) as work:
        who, _ = await guard.posted(request, work)
        await office_access.sign_out(work, who.actor, who.session_id)
    response = RedirectResponse("/office/signed-out", status_code=303)
    guard.drop_session(response)
    return response


@router.get("/office/static/{name}")
async def static(name: str) -> FileResponse:
    if not re.fullmatch(r"[a-z_]+\.css", name) or not (STATIC / name).exists():
        raise HTTPException(status_code=404)
    return FileResponse(STATIC / name, headers={"Cache-Control": "public, max-age=3600"})
