"""Pages from packaged Jinja2 templates, every word from the Babel catalogs (bot/i18n.py), dates
and times in KST, 읍면동 by name and every code by its Korean label."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.actor import Actor
from core.permissions import Action, may
from dialogs.replies import Msg
from state.timeutil import to_kst

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class Words:
    """What templates call to put words on a page: `t("office.inbox.title")`, a code's label
    `label("case.step", step)`, a 읍면동's name, a KST time."""

    def __init__(self, request: Request) -> None:
        services = request.app.state.services
        self.catalogs, self.directory = services.catalogs, services.runner.directory
        self.locale = self.catalogs.default

    def t(self, key: str, **params: Any) -> str:
        return self.catalogs.render(self.locale, Msg(key, params))

    def label(self, prefix: str, code: str | None) -> str:
        return self.t(f"{prefix}.{code}") if code else "-"

    def label_or_code(self, prefix: str, code: str | None) -> str:
        """A code's label where the catalog has one (audit actions grow with the code), else
        the code itself, as the auditor would look it up."""
        key = f"{prefix}.{code}"
        return self.t(key) if code and key in self.catalogs.keys(self.locale) else (code or "-")

    def dong(self, code: str | None) -> str:
        found = self.directory.dong(code or "")
        return found.name if found else (code or "-")

    def when(self, moment: datetime | str | None) -> str:
        if moment is None:
            return "-"
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return to_kst(moment).strftime("%Y-%m-%d %H:%M")

    def day(self, value: date | str | None) -> str:
        return value.isoformat() if isinstance(value, date) else (value or "-")

    def waited(self, since: datetime, now: datetime) -> str:
        minutes = max(0, int((now - since).total_seconds() // 60))
        if minutes < 60:
            return self.t("office.waited.minutes", minutes=minutes)
        if minutes < 48 * 60:
            return self.t("office.waited.hours", hours=minutes // 60, minutes=minutes % 60)
        return self.t("office.waited.days", days=minutes // (24 * 60))


def nav(actor: Actor) -> list[tuple[str, str]]:
    """The menu: only what this role can open (the table decides, not the page)."""
    items = []
    if may(actor, Action.LIST_REPORTS) and actor.dongs:
        items.append(("/office/inbox", "office.nav.inbox"))
    if may(actor, Action.ACT_ON_CASE):
        items.append(("/office/my-work", "office.nav.my_work"))
    if may(actor, Action.LIST_REFERRALS) and (actor.org_code or actor.role is not None and actor.role.dong_scoped):
        items.append(("/office/referrals", "office2.nav.referrals"))
    if may(actor, Action.SEARCH_RESOURCES):
        items.append(("/office/resources", "office3.nav.resources"))
    if may(actor, Action.ASSIGN_CASE):
        items.append(("/office/team", "office.nav.team"))
    if may(actor, Action.OVERSEE) and actor.dongs:
        items.append(("/office/overview", "office2.nav.overview"))
    if may(actor, Action.READ_AUDIT):
        items.append(("/office/audit", "office.nav.audit"))
    return items


def page(request: Request, template: str, *, actor: Actor | None = None, csrf: str = "", status: int = 200,
         **context: Any) -> HTMLResponse:
    words = Words(request)
    body = ENV.get_template(template).render(
        t=words.t, label=words.label, label_or_code=words.label_or_code, dong=words.dong, when=words.when, day=words.day, waited=words.waited,
        actor=actor, nav=nav(actor) if actor else [], path=request.url.path, csrf=csrf, lang=words.locale,
        role_label=words.label("role", actor.role.value) if actor and actor.role else "", **context)
    # "same-origin", not the app's "no-referrer": under no-referrer a browser sends `Origin: null`
    # with a form post, and the office checks the Origin of every form (guard.py). Other
    # sites still learn nothing of our addresses.
    return HTMLResponse(body, status_code=status, headers={"Referrer-Policy": "same-origin"})
