"""A typed refusal: what the core answers when a person may not, or cannot, do a thing.

Every channel renders the same refusal: its `key` is a catalog message for the person and its
`kind` says what sort of "no" it is (HTTP maps it to a status code, Telegram to a toast or a
line). "Not yours" and "does not exist" are one kind with one message, so nobody can learn
which receipt numbers or case ids exist elsewhere by asking.
"""
from __future__ import annotations

from enum import StrEnum


class RefusalKind(StrEnum):
    NOT_FOUND = "not_found"  # does not exist, or not for this person's eyes (one answer for both)
    NOT_ALLOWED = "not_allowed"  # exists and is visible, but this role may not do this
    CONFLICT = "conflict"  # the record's state does not allow it now (stale, out of order, taken)
    INVALID = "invalid"  # the request itself is malformed (a date out of bounds, an unknown fact)


HTTP_STATUS = {RefusalKind.NOT_FOUND: 404, RefusalKind.NOT_ALLOWED: 403, RefusalKind.CONFLICT: 409,
               RefusalKind.INVALID: 422}


class Refused(Exception):
    def __init__(self, kind: RefusalKind, key: str) -> None:
        super().__init__(f"{kind.value}: {key}")
        self.kind, self.key = kind, key
        # A refusal that is itself audited (a partner reaching for a record not referred to
        # them): the entry the core wrote, for a channel whose transaction rolls back on a
        # refusal to write again after it (integrations/api/routes.py refusal_response).
        self.audit: dict | None = None

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.kind]


# The messages used for the common refusals (catalog keys, locales/*/casework.po).
NO_SUCH_CASE = "case.error.no_such_case"
NO_SUCH_REPORT = "case.error.no_such_report"
NOT_FOR_ROLE = "case.error.staff_only"
NOT_YOUR_CASE = "case.error.not_your_case"


def not_found(key: str = NO_SUCH_CASE) -> Refused:
    return Refused(RefusalKind.NOT_FOUND, key)


def not_allowed(key: str = NOT_FOR_ROLE) -> Refused:
    return Refused(RefusalKind.NOT_ALLOWED, key)


def conflict(key: str) -> Refused:
    return Refused(RefusalKind.CONFLICT, key)


def invalid(key: str) -> Refused:
    return Refused(RefusalKind.INVALID, key)
