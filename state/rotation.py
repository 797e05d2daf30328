"""Key rotation: re-encrypt every encrypted column under the current key.

Run `salpim admin rotate-key` with the new key in SALPIM_SECRET_KEY and the old one in
SALPIM_OLD_SECRET_KEYS. Values are re-encrypted in batches; lookup hashes that can be
recomputed (a reporter's phone) are rewritten. Hashes of values we never store (API tokens,
invite codes, anonymous reporters' chats) keep matching through the old key while it stays in
SALPIM_OLD_SECRET_KEYS (lookups try every configured key), until those records expire.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import (
    CaseCoManager, ConferenceMinutes, ConversationRow, FollowupSubmission, MeetingRow, Member, OutboxMessage,
    PhotoRow, ReferralRow, Report, SolutionRequest, SupportEntry,
)
from state.support import rehash_households

# (table, primary key columns, encrypted column, associated-data context)
ENCRYPTED_COLUMNS = (
    (Report.__table__, ("id",), "description_enc", "reports.description"),
    (Report.__table__, ("id",), "address_enc", "reports.address"),
    (Report.__table__, ("id",), "location_enc", "reports.location"),
    (Report.__table__, ("id",), "phone_enc", "reports.phone"),
    (Report.__table__, ("id",), "reporter_chat_enc", "reports.reporter_chat"),
    (ConversationRow.__table__, ("channel", "chat_id"), "answers_enc", "conversations.answers"),
    (OutboxMessage.__table__, ("id",), "payload_enc", "outbox.payload"),
    (Member.__table__, ("id",), "display_name_enc", "members.display_name"),
    (FollowupSubmission.__table__, ("id",), "answers_enc", "followup.answers"),
    (FollowupSubmission.__table__, ("id",), "void_reason_enc", "followup.void_reason"),
    (ReferralRow.__table__, ("id",), "request_enc", "referrals.request"),
    (SupportEntry.__table__, ("id",), "amount_enc", "support_ledger.amount"),
    (CaseCoManager.__table__, ("id",), "role_text_enc", "co_managers.role"),
    (MeetingRow.__table__, ("id",), "title_enc", "meetings.title"),
    (MeetingRow.__table__, ("id",), "experts_enc", "meetings.experts"),
    (ConferenceMinutes.__table__, ("id",), "content_enc", "minutes.content"),
    (ConferenceMinutes.__table__, ("id",), "attendee_names_enc", "minutes.names"),
    (SolutionRequest.__table__, ("id",), "request_enc", "solution.request"),
)


async def rotate(conn: AsyncConnection, cipher: FieldCipher) -> dict[str, int]:
    """Re-encrypt everything not yet under the current key; returns counts per column."""
    current = f"v1.{cipher.current_key_id}."
    counts: dict[str, int] = {}
    for table, keys, column, context in ENCRYPTED_COLUMNS:
        col = table.c[column]
        rows = (await conn.execute(select(*(table.c[k] for k in keys), col)
                                   .where(col.is_not(None), ~col.startswith(current)))).all()
        for row in rows:
            fresh = cipher.encrypt(cipher.decrypt(row[-1], context), context)
            where = [table.c[k] == row[i] for i, k in enumerate(keys)]
            await conn.execute(update(table).where(*where).values({column: fresh}))
        counts[f"{table.name}.{column}"] = len(rows)
    photos = PhotoRow.__table__
    rows = (await conn.execute(select(photos.c.id, photos.c.data_enc).where(photos.c.data_enc.is_not(None)))).all()
    moved = 0
    for photo_id, blob in rows:
        token = blob.decode()
        if not token.startswith(current):
            fresh = cipher.encrypt_bytes(cipher.decrypt_bytes(token, "photos.data"), "photos.data")
            await conn.execute(update(photos).where(photos.c.id == photo_id).values(data_enc=fresh.encode()))
            moved += 1
    counts["photos.data_enc"] = moved
    reports = Report.__table__
    for report_id, phone_enc in (await conn.execute(select(reports.c.id, reports.c.phone_enc)
                                                    .where(reports.c.phone_enc.is_not(None)))).all():
        phone = cipher.decrypt(phone_enc, "reports.phone")
        await conn.execute(update(reports).where(reports.c.id == report_id)
                           .values(phone_hash=cipher.lookup_hash(f"phone:{phone}")))
    counts["support_ledger.household_hash"] = await rehash_households(conn, cipher)  # the household keys too
    return counts
