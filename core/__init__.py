"""The application core: one function per thing a person does, each checking who is acting
against the one role × action table (core/permissions.py), doing the work in the caller's
transaction and writing its case event and audit entry there.

Channels (bot/ for Telegram, integrations/ for the API, the playground and the web office)
parse what a person did, build an Actor (core/actor.py), call a function of this package and
render what it returns — or the typed refusal it raises (core/refusals.py). They hold no rule
of their own.
"""
from core.actor import Actor, Channel, member_actor
from core.permissions import TABLE, Action
from core.refusals import Refused, RefusalKind
from core.work import Work

__all__ = ["Action", "Actor", "Channel", "Refused", "RefusalKind", "TABLE", "Work", "member_actor"]
