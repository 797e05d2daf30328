"""`salpim leaflet`: a 읍면동's printable leaflet as one self-contained HTML file (issue 17)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from salpim.settings import get_settings


def add_parser(sub) -> None:
    leaflet = sub.add_parser("leaflet", help="write a 읍면동's printable leaflet (QR code to the report) as HTML")
    leaflet.add_argument("--dong", required=True, help="the 읍면동's 10-digit code (행정기관코드)")
    leaflet.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    leaflet.add_argument("--lang", choices=["en", "vi", "zh_Hans"], default=None,
                         help="a second language under the Korean (default: Korean only)")
    leaflet.add_argument("--bot", default=None, help="the bot's username (default SALPIM_BOT_USERNAME)")
    leaflet.set_defaults(handler=_leaflet)


def _directory(settings):
    """The directory the service uses: the database's (load-directory updates it), else the CSV."""
    from state.db import Database
    from state.directory_store import read_directory
    from welfare.directory import load_directory_csv

    async def read():
        db = Database(settings.database_url)
        try:
            async with db.read() as conn:
                return await read_directory(conn)
        finally:
            await db.dispose()

    try:
        found = asyncio.run(read())
        if found.dongs:
            return found
    except Exception:  # noqa: BLE001 - no database yet (a print shop's laptop): the packaged CSV
        pass
    return load_directory_csv(settings.directory)


def _leaflet(args: argparse.Namespace) -> int:
    from bot.i18n import Catalogs
    from integrations.leaflet import UnknownDong, leaflet_html

    settings = get_settings()
    username = (args.bot or settings.bot_username or "").lstrip("@")
    if not username:
        print("the bot's username is needed: --bot NAME or SALPIM_BOT_USERNAME", file=sys.stderr)
        return 2
    try:
        page = leaflet_html(Catalogs(), _directory(settings), args.dong, username, args.lang)
    except UnknownDong:
        print(f"no 읍면동 with the code {args.dong} in the directory", file=sys.stderr)
        return 1
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out}")
    dong = _directory(settings).dong(args.dong)
    if dong is not None and not dong.phone:
        print("note: the directory has no phone number for this 읍면동 (docs/directory.md); the leaflet asks "
              "people to come by instead", file=sys.stderr)
    return 0
