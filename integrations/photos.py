"""Fetching a report's photo after filing: downloaded from Telegram, re-encoded without any
metadata (EXIF, GPS, camera, thumbnails), size-limited, then stored encrypted.

Done after the report is committed, not inside the reporter's turn, so a slow download never
holds up the dialog; a photo that cannot be fetched yet is tried again at the next sweep.
"""
from __future__ import annotations

import io
import logging

from telegram.error import BadRequest

from state import reports
from state.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_SIDE = 2048  # enough to see a notice on a door; smaller files, no hidden detail
# A photo Telegram keeps failing to hand over (its file is gone, the id is wrong) is not asked
# for again every sweep forever: a 400 is final at once, other failures after this many tries.
MAX_FETCH_ATTEMPTS = 8
_failed_attempts: dict[int, int] = {}  # photo id → failed tries in this process


class NotAnImage(ValueError):
    pass


def strip_metadata(data: bytes, max_bytes: int) -> bytes:
    """A clean JPEG: pixels only, orientation applied, no EXIF/GPS/ICC/comments."""
    if len(data) > max_bytes:
        raise NotAnImage("too large")
    # Imported here: a worker that never receives a photo does not carry Pillow (≈ 4 MB, issue 16).
    from PIL import Image, ImageOps, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            clean = Image.new("RGB", upright.size)
            clean.paste(upright.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: none written
    return out.getvalue()


async def fetch_pending(services, limit: int = 10) -> int:
    """Fetch photos of filed reports that are not stored yet. Returns how many were stored."""
    telegram = services.telegram
    if telegram is None:
        return 0
    async with services.db.read() as conn:
        pending = await reports.photos_to_fetch(conn, limit)
    stored = 0
    for photo_id, ref in pending:
        try:
            file = await telegram.bot.get_file(ref)
            if file.file_size and file.file_size > services.settings.max_photo_bytes:
                raise NotAnImage("too large")
            clean = strip_metadata(bytes(await file.download_as_bytearray()), services.settings.max_photo_bytes)
            values = {"data_enc": services.cipher.encrypt_bytes(clean, "photos.data").encode(),
                      "mime": "image/jpeg", "size": len(clean), "fetched_at": utcnow(), "source_ref": "fetched"}
        except (NotAnImage, BadRequest) as exc:  # not an image, or Telegram says the file is not there
            log.info("photo %s is not usable (%s); dropped", photo_id, exc.__class__.__name__)
            values = {"fetched_at": utcnow(), "source_ref": "unusable"}
        except Exception as exc:  # network or Telegram trouble: try again at the next sweep
            tries = _failed_attempts[photo_id] = _failed_attempts.get(photo_id, 0) + 1
            if tries < MAX_FETCH_ATTEMPTS:
                log.info("photo %s not fetched yet (%s)", photo_id, exc.__class__.__name__)
                continue
            log.warning("photo %s given up after %d tries (%s)", photo_id, tries, exc.__class__.__name__)
            values = {"fetched_at": utcnow(), "source_ref": "unusable"}
        _failed_attempts.pop(photo_id, None)
        async with services.db.transaction() as conn:
            await reports.store_photo(conn, photo_id, values)
        stored += "data_enc" in values
    return stored
