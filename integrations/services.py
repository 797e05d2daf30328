"""Building the running service from Settings: the store, the keys, the catalogs, the engine,
the turn runner and (with a token) the Telegram channel. Used by the web app and the CLI."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from bot.i18n import Catalogs
from bot.telegram_transport import TelegramChannel
from bot.turns import TurnRunner
from dialogs.engine import Engine
from dialogs.finder_flow import build_finder_flow
from dialogs.finder_household import FinderData
from dialogs.conference_flow import build_conference_flow
from dialogs.followup_flow import build_followup_flow
from dialogs.referral_flow import build_referral_flow
from dialogs.support_flow import build_support_confirm_flow, build_support_flow
from dialogs.report_flow import build_report_flow
from integrations import analyser_client
from integrations.alerting_health import warn_at_start
from salpim.settings import Settings
from state import audit
from state.crypto import FieldCipher, resolve_master_secret
from state.db import Database
from state.directory_store import read_directory, upsert_directory
from welfare import free_text
from state.organisations import upsert_organisations
from welfare.directory import load_directory_csv
from welfare.organisations import OrganisationError, load_organisations_csv
from welfare.eligibility_parameters import load_parameters
from welfare.service_catalogue import Catalogue, load_catalogue

log = logging.getLogger(__name__)
ANALYSER_START_WAIT_S = 120  # Kiwi loads in ~2 s on a quiet machine, far more on a busy one


def build_engine(finder: FinderData | None = None) -> Engine:
    return Engine({"report": build_report_flow(), "followup": build_followup_flow(), "referral": build_referral_flow(),
                   "finder": build_finder_flow(finder), "support": build_support_flow(),
                   "support_confirm": build_support_confirm_flow(), "conference": build_conference_flow()})


def service_catalogue(settings: Settings) -> Catalogue:
    """The services the running bot offers: the bundled national ones (not the placeholder
    examples) plus the local entries `salpim load-services` put in Settings.services_dir."""
    local = [settings.services_dir] if settings.services_dir.is_dir() else []
    return load_catalogue(local, include_examples=False)


def warm_up_free_text(analyser: analyser_client.AnalyserClient | None = None) -> threading.Thread:
    """Load the Korean analyser (about 2 s) in the background, so the first resident who
    writes in their own words does not wait for it inside a turn. Once warm, mapping a message
    costs about 0.1-0.5 ms (≤ 8 ms for the 500 characters the finder analyses), so turns call
    it directly; a message in the first seconds after start waits for the load. With the
    analyser process (`analyser`), wait for it to answer instead: it may still be loading."""
    def run() -> None:
        started = time.perf_counter()
        if analyser is not None and not analyser.wait_ready(ANALYSER_START_WAIT_S):
            log.warning("analyser at %s did not answer within %d s", analyser.path, ANALYSER_START_WAIT_S)
        free_text.warm_up()  # Kiwi's first full analysis costs ~20 ms more: done here too
        log.info("free-text analyser ready in %.1f s%s", time.perf_counter() - started,
                 " (the analyser process)" if analyser else "")
    thread = threading.Thread(target=run, name="kiwi-warm-up", daemon=True)
    thread.start()
    return thread


def build_cipher(settings: Settings) -> FieldCipher:
    old = [k.strip() for k in settings.old_secret_keys.split(",") if k.strip()]
    return FieldCipher(resolve_master_secret(settings.secret_key, settings.var_dir), old)


async def open_audit_chain(settings: Settings, db: Database, cipher: FieldCipher) -> None:
    """Bind the audit chain's key to this database, and re-chain entries from before keying."""
    from state import audit_anchors
    from state.timeutil import utcnow
    audit.bind_keys(db.engine, audit.ChainKeys.of(cipher.audit_keys()))
    try:
        async with db.transaction() as conn:
            adopted = await audit.adopt_unkeyed(conn)
            if adopted:
                await audit_anchors.write_anchor(conn, settings.audit_anchor_file, utcnow(), rechained=True)
                log.info("audit log: %d entries from before keying re-chained under the key", adopted)
    except audit.AuditBroken as broken:
        # Left as it is for the auditors: re-chaining would hide the damage.
        log.error("audit log does not verify (%s); not re-chained, verify-audit will report it", broken)


@dataclass
class Services:
    settings: Settings
    db: Database
    cipher: FieldCipher
    catalogs: Catalogs
    engine: Engine
    runner: TurnRunner
    finder: FinderData
    telegram: TelegramChannel | None = None

    async def reload_directory(self) -> None:
        async with self.db.read() as conn:
            self.runner.directory = await read_directory(conn)


async def _load_organisations(settings: Settings, db: Database, directory) -> None:
    """The partner organisations file, checked against the 읍면동 directory. A file that does not
    fit (another 시군구's directory) is reported and skipped: the service still starts, and
    `salpim admin load-organisations` says what is wrong with it."""
    try:
        orgs = load_organisations_csv(settings.organisations, {d.code for d in directory.dongs})
    except OrganisationError as problem:
        log.warning("organisations: %s not loaded: %s", settings.organisations.name, problem)
        return
    async with db.transaction() as conn:
        await upsert_organisations(db, conn, orgs)


async def start_services(settings: Settings, *, strict_catalogs: bool = False, telegram_bot=None,
                         poll: bool = True) -> Services:
    db = Database(settings.database_url)
    cipher = build_cipher(settings)
    await open_audit_chain(settings, db, cipher)
    catalogs = Catalogs(default=settings.default_locale, strict=strict_catalogs)
    if settings.directory and settings.directory.exists():
        async with db.transaction() as conn:
            await upsert_directory(db, conn, load_directory_csv(settings.directory))
    async with db.read() as conn:
        directory = await read_directory(conn)
    if settings.organisations and settings.organisations.exists():
        await _load_organisations(settings, db, directory)
    remote = settings.analyser_socket if settings.analyser == "process" else None
    warm_up_free_text(analyser_client.install(remote))
    warn_at_start(settings, directory)
    finder = FinderData.load(service_catalogue(settings), load_parameters())
    log.info("service catalogue: %d services", len(finder.catalogue))
    engine = build_engine(finder)
    runner = TurnRunner(db, cipher, engine, catalogs, settings, directory)
    services = Services(settings, db, cipher, catalogs, engine, runner, finder)
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
