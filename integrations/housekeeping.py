"""Background work of a running service: firing due timers (reminders, escalations), parking
idle dialogs as drafts, fetching report photos and recordings, pruning the inbox.

Every step is a database operation guarded by versions or row locks, so several workers can
run it at once and each thing still happens once.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.turns import park_expired
from integrations import photos, reminders, voice_notes
from state import audit_anchors, inbox, retention
from state.timeutil import utcnow

log = logging.getLogger(__name__)


async def run_once(services) -> None:
    parked = await park_expired(services.runner)
    if parked and services.telegram:
        await services.telegram.sender.deliver(parked)
    await reminders.fire_due(services)
    await photos.fetch_pending(services)
    await voice_notes.fetch_pending(services)
    voice_notes.prune_uploads(services.settings.var_dir)
    async with services.db.transaction() as conn:
        await inbox.prune(conn, utcnow())
        settings = services.settings
        await retention.anonymise_due(conn, services.cipher, utcnow(), report_days=settings.retention_report_days,
                                      case_days=settings.retention_case_days)
        await audit_anchors.anchor_if_due(conn, settings.audit_anchor_file, utcnow(),
                                          timedelta(seconds=settings.audit_anchor_seconds))


async def run_forever(services, every: float = 15.0) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await run_once(services)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("housekeeping failed; will try again")
