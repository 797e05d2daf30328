"""Who is at the keyboard, and whether a form really came from our own page.

The session id lives in an HttpOnly cookie (Secure unless the request is from this machine,
SameSite=Lax so a link from Telegram opens the office signed in); the store keeps only its keyed
hash, and every request reads the session and its member again (core/office_access.py). Every
POST must carry the page's CSRF token (an HMAC of the session id, so nothing more to store) and
an Origin (or, failing that, a Referer) naming this host.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response

from core import office_access
from core.actor import Actor
from core.work import Work
from integrations.local_requests import host_name, is_local
from integrations.request_work import reading_for, transaction_for
from state.office_sessions import SESSION_VALIDITY

COOKIE = "salpim_office"
SESSION_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
MAX_FIELDS = 200


class NeedsSignIn(Exception):
    """No open session: the page says how to get a sign-in link."""


class CrossSite(Exception):
    """A form post without our token or from another origin: refused, nothing done."""


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    session_id: str
    csrf: str


def _services(request: Request):
    return request.app.state.services


tx, read = transaction_for, reading_for  # the core's unit of work for this request


def csrf_token(request: Request, session_id: str) -> str:
    return _services(request).cipher.lookup_hash(f"office-csrf:{session_id}")


def session_cookie(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if SESSION_PATTERN.fullmatch(value) else None


def give_session(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="lax", path="/office",
                        secure=not is_local(request), max_age=int(SESSION_VALIDITY.total_seconds()))


def drop_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/office")


async def caller(request: Request, work: Work | None = None) -> Caller:
    session_id = session_cookie(request)
    if session_id is None:
        raise NeedsSignIn()
    if work is None:
        async with read(request) as reading_work:
            actor = await office_access.session_actor(reading_work, session_id)
    else:
        actor = await office_access.session_actor(work, session_id)
    if actor is None:
        raise NeedsSignIn()
    return Caller(actor, session_id, csrf_token(request, session_id))


def same_origin(request: Request) -> bool:
    """The browser says where the form was: Origin on every POST of a current browser, Referer
    where an older one leaves Origin out. Neither, or another host: not our page."""
    own = host_name(request.headers.get("host", ""))
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            return bool(own) and host_name(urlsplit(value).netloc) == own
    return False


async def form(request: Request) -> dict[str, list[str]]:
    """The posted form (application/x-www-form-urlencoded; the body is already bounded by
    integrations/body_limits.py)."""
    try:
        fields = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise CrossSite() from None
    return fields


def one(fields: dict[str, list[str]], name: str, default: str = "") -> str:
    values = fields.get(name)
    return values[0] if values else default


async def posted(request: Request, work: Work | None = None) -> tuple[Caller, dict[str, list[str]]]:
    """A form post from our own page by a signed-in person, or CrossSite / NeedsSignIn."""
    if not same_origin(request):
        raise CrossSite()
    fields = await form(request)
    who = await caller(request, work)
    if not hmac.compare_digest(one(fields, "csrf"), who.csrf):
        raise CrossSite()
    return who, fields
