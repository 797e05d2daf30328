"""A printable leaflet for one 읍면동 (issue 17): how to report in three steps, a QR code that
opens the report in Telegram (https://t.me/<bot>?start=report), the 주민센터's number from the
directory and the emergency numbers, in Korean with an optional second language.

One self-contained HTML page (inline styles, the QR code as inline SVG, no fonts or scripts to
fetch) that prints on one A4 page: the web office serves it (/office/leaflet) and
`salpim leaflet` writes it to a file for a print shop. It shows only public directory data, so
the page needs no sign-in: a 통장 or a 주민센터 clerk without an office account can print it too.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.i18n import Catalogs
from dialogs.danger_notice import SOS_NUMBERS
from dialogs.replies import Msg
from integrations.office.rendering import TEMPLATES
from welfare.directory import Directory

SECOND_LANGUAGES = ("en", "vi", "zh_Hans")
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class UnknownDong(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Words:
    """A leaflet text in Korean and, when asked, in the second language."""

    ko: str
    other: str | None = None


def report_link(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?start=report"


def qr_svg(url: str) -> Markup:
    """The deep link as an inline SVG QR code (error correction M: survives a crease or a smudge)."""
    import segno  # only for printing leaflets: not in every worker's memory (issue 16)
    code = segno.make_qr(url, error="m")
    return Markup(code.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True,
                                  title=url))


def leaflet_html(catalogs: Catalogs, directory: Directory, dong_code: str, bot_username: str,
                 second: str | None = None) -> str:
    dong = directory.dong(dong_code)
    if dong is None:
        raise UnknownDong(dong_code)
    other = second if second in SECOND_LANGUAGES else None

    def words(key: str, **params) -> Words:
        text = catalogs.render("ko", Msg(key, params))
        return Words(text, catalogs.render(other, Msg(key, params)) if other else None)

    url = report_link(bot_username)
    sos = [(number, words(f"reach.leaflet.sos.{number}")) for number in SOS_NUMBERS]
    return _ENV.get_template("leaflet.html").render(
        lang=other, dong=dong, url=url, qr=qr_svg(url), sos=sos, words=words,
        steps=[words(f"reach.leaflet.step{i}") for i in (1, 2, 3)])
