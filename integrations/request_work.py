"""The core's unit of work for one HTTP request: the API and the web office open it the same way."""
from __future__ import annotations

from fastapi import Request

from core.work import reading, transaction


def transaction_for(request: Request):
    """A transaction on the service's store, for an action of the core (audited with it)."""
    s = request.app.state.services
    return transaction(s.db, s.cipher, s.runner.directory)


def reading_for(request: Request):
    """A read-only unit of work, for lists that carry no personal data."""
    s = request.app.state.services
    return reading(s.db, s.cipher, s.runner.directory)
