"""Fetching a report's spoken description (a voice or video note) after filing, as photos are
fetched (integrations/photos.py): downloaded from Telegram, size-limited, stored encrypted in
the report's attachments (state/models.PhotoRow, kind voice/video_note), erased with the
report's identity (state/retention.py) and re-encrypted at key rotation (state/rotation.py).

Audio is kept as sent (OGG/Opus, MP4): unlike a photo it carries no location or camera data
worth stripping, and re-encoding would need a codec library. The Telegram file id is kept too:
the caseworker's chat is sent the recording by it (sendVoice/sendVideoNote) with the record.
"""
from __future__ import annotations

import logging

from telegram.error import BadRequest

from dialogs.report_voice import MAX_VOICE_BYTES
from state import reports
from state.timeutil import utcnow

log = logging.getLogger(__name__)
MIME = {"voice": "audio/ogg", "video_note": "video/mp4"}
MAX_FETCH_ATTEMPTS = 8  # as for photos: a 400 is final at once, other failures after this many
_failed_attempts: dict[int, int] = {}


async def fetch_pending(services, limit: int = 10) -> int:
    """Fetch recordings of filed reports that are not stored yet. Returns how many were stored."""
    telegram = services.telegram
    if telegram is None:
        return 0
    async with services.db.read() as conn:
        pending = await reports.recordings_to_fetch(conn, limit)
    stored = 0
    for row_id, ref, kind in pending:
        try:
            file = await telegram.bot.get_file(ref)
            if file.file_size and file.file_size > MAX_VOICE_BYTES:
                raise ValueError("too large")
            data = bytes(await file.download_as_bytearray())
            if not data or len(data) > MAX_VOICE_BYTES:
                raise ValueError("empty or too large")
            values = {"data_enc": services.cipher.encrypt_bytes(data, "photos.data").encode(),
                      "mime": MIME.get(kind, "application/octet-stream"), "size": len(data), "fetched_at": utcnow()}
        except (ValueError, BadRequest) as exc:
            log.info("recording %s is not usable (%s); kept as a file id only", row_id, exc.__class__.__name__)
            values = {"fetched_at": utcnow()}
        except Exception as exc:  # network or Telegram trouble: try again at the next sweep
            tries = _failed_attempts[row_id] = _failed_attempts.get(row_id, 0) + 1
            if tries < MAX_FETCH_ATTEMPTS:
                log.info("recording %s not fetched yet (%s)", row_id, exc.__class__.__name__)
                continue
            log.warning("recording %s given up after %d tries (%s)", row_id, tries, exc.__class__.__name__)
            values = {"fetched_at": utcnow()}
        _failed_attempts.pop(row_id, None)
        async with services.db.transaction() as conn:
            await reports.store_photo(conn, row_id, values)
        stored += "data_enc" in values
    return stored
