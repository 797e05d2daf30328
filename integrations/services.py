"""Building the running service from Settings: the store, the keys, the catalogs, the engine,
the turn runner and (with a token) the Telegram channel. Used by the web app and the CLI."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.i18n import Catalogs
from bot.telegram_transport import TelegramChannel
from bot.turns import TurnRunner
from dialogs.engine import Engine
from dialogs.followup_flow import build_followup_flow
from dialogs.report_flow import build_report_flow
from salpim.settings import Settings
from state.crypto import FieldCipher, resolve_master_secret
from state.db import Database
from state.directory_store import read_directory, upsert_directory
from welfare.directory import load_directory_csv

log = logging.getLogger(__name__)


def build_engine() -> Engine:
    return Engine({"report": build_report_flow(), "followup": build_followup_flow()})


def build_cipher(settings: Settings) -> FieldCipher:
    old = [k.strip() for k in settings.old_secret_keys.split(",") if k.strip()]
    return FieldCipher(resolve_master_secret(settings.secret_key, settings.var_dir), old)


@dataclass
class Services:
    settings: Settings
    db: Database
    cipher: FieldCipher
    catalogs: Catalogs
    engine: Engine
    runner: TurnRunner
    telegram: TelegramChannel | None = None

    async def reload_directory(self) -> None:
        async with self.db.read() as conn:
            self.runner.directory = await read_directory(conn)


async def start_services(settings: Settings, *, strict_catalogs: bool = False, telegram_bot=None,
                         poll: bool = True) -> Services:
    db = Database(settings.database_url)
    cipher = build_cipher(settings)
    catalogs = Catalogs(default=settings.default_locale, strict=strict_catalogs)
    if settings.directory and settings.directory.exists():
        async with db.transaction() as conn:
            await upsert_directory(db, conn, load_directory_csv(settings.directory))
    async with db.read() as conn:
        directory = await read_directory(conn)
    engine = build_engine()
    runner = TurnRunner(db, cipher, engine, catalogs, settings, directory)
    services = Services(settings, db, cipher, catalogs, engine, runner)
    if settings.telegram_token:
        services.telegram = TelegramChannel(settings, runner, telegram_bot)
        await services.telegram.start(poll=poll)
        log.info("telegram: %s mode", services.telegram.mode)
    else:
        log.info("telegram: no token (SALPIM_TELEGRAM_TOKEN); playground and API only")
    return services


async def stop_services(services: Services) -> None:
    if services.telegram:
        await services.telegram.stop()
    await services.db.dispose()
