"""Receipt numbers (접수번호) given to reporters, e.g. ``SP-7K3Q-9D``.

Short enough to read over the phone, with no look-alike characters (0/O, 1/I/L, 5/S, 8/B),
and random (not sequential), so one reporter cannot guess another's receipt.
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"  # 27 symbols: no 0 O 1 I L 5 S 8 B
_PATTERN = re.compile(r"^SP-([%s]{4})-([%s]{2})$" % (ALPHABET, ALPHABET))


def new_receipt_no(randbelow=secrets.randbelow) -> str:
    """27^6 ≈ 387 million numbers; status lookups are also bound to the reporter's chat."""
    chars = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(6))
    return f"SP-{chars[:4]}-{chars[4:]}"


def normalise_receipt_no(text: str) -> str | None:
    """Accept what people type: lower case, spaces, missing dashes, a missing SP prefix."""
    compact = re.sub(r"[\s\-_.]", "", text.strip().upper())
    if compact.startswith("SP"):
        compact = compact[2:]
    candidate = f"SP-{compact[:4]}-{compact[4:]}" if len(compact) == 6 else ""
    return candidate if _PATTERN.match(candidate) else None
