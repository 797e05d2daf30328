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
import re
import secrets
import time
from pathlib import Path

from telegram.error import BadRequest

from dialogs.report_voice import MAX_VOICE_BYTES
from state import reports
from state.crypto import FieldCipher
from state.private_files import create_private_file, ensure_private_dir
from state.timeutil import utcnow

log = logging.getLogger(__name__)
MIME = {"voice": "audio/ogg", "video_note": "video/mp4"}
MAX_FETCH_ATTEMPTS = 8  # as for photos: a 400 is final at once, other failures after this many
_failed_attempts: dict[int, int] = {}
PLAYGROUND = "playground:"  # a file attached in the playground: kept under var/uploads until filed
_UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{32,64}")
_UPLOAD_CONTEXT = "playground.upload"
UPLOAD_HOURS = 24  # an attachment never filed is erased after this long


def _uploads(var_dir: Path) -> Path:
    return Path(var_dir) / "uploads"


def keep_upload(var_dir: Path, cipher: FieldCipher, data: bytes) -> str:
    """An attached recording, encrypted in an owner-only file; returns its reference for the dialog."""
    name = secrets.token_urlsafe(32)
    folder = ensure_private_dir(_uploads(var_dir))
    create_private_file(folder / name, cipher.encrypt_bytes(data, _UPLOAD_CONTEXT))
    return PLAYGROUND + name


def _take_upload(var_dir: Path, cipher: FieldCipher, ref: str) -> bytes:
    name = ref.removeprefix(PLAYGROUND)
    path = _uploads(var_dir) / name
    if not _UPLOAD_NAME.fullmatch(name) or not path.exists():
        raise ValueError("no such upload")
    data = cipher.decrypt_bytes(path.read_text(encoding="utf-8"), _UPLOAD_CONTEXT)
    path.unlink()
    return data


def prune_uploads(var_dir: Path, now: float | None = None) -> int:
    """Attachments of dialogs that were never filed, erased after UPLOAD_HOURS."""
    folder = _uploads(var_dir)
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - UPLOAD_HOURS * 3600
    gone = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


async def fetch_pending(services, limit: int = 10) -> int:
    """Fetch recordings of filed reports that are not stored yet. Returns how many were stored."""
    telegram = services.telegram
    async with services.db.read() as conn:
        pending = await reports.recordings_to_fetch(conn, limit)
    stored = 0
    for row_id, ref, kind in pending:
        try:
            if ref.startswith(PLAYGROUND):
                data = _take_upload(services.settings.var_dir, services.cipher, ref)
            elif telegram is None:
                continue  # Telegram is not configured in this process: another worker fetches it
            else:
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
