"""Can urgent reports reach anyone? The checks behind the start-up warning and /healthz.

An urgent report alerts its 읍면동 team's chat and the duty chat (bot/effects.py). Where
neither exists nobody is alerted automatically, and the reporter is told so; operators must
hear of it before a reporter does. Only codes and counts here: no personal data.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from salpim.settings import Settings
from welfare.directory import Directory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlertingGaps:
    duty_chat_missing: bool
    dongs_without_team_chat: tuple[str, ...]  # 행정기관코드 of 읍면동 with no team chat

    @property
    def failing(self) -> list[str]:
        """The names of the failing checks, as /healthz lists them."""
        return (["duty_chat"] if self.duty_chat_missing else []) + (
            ["team_chats"] if self.dongs_without_team_chat else [])


def alerting_gaps(settings: Settings, directory: Directory) -> AlertingGaps:
    return AlertingGaps(settings.duty_chat_id is None,
                        tuple(d.code for d in directory.dongs if not d.team_chat_id))


def warn_at_start(settings: Settings, directory: Directory) -> AlertingGaps:
    gaps = alerting_gaps(settings, directory)
    if gaps.duty_chat_missing:
        log.warning("alerting: no duty chat is set (SALPIM_DUTY_CHAT_ID): urgent reports alert no duty team")
    if gaps.dongs_without_team_chat:
        log.warning("alerting: %d of %d 읍면동 have no team chat (team_chat_id in the directory): "
                    "their reports alert no team", len(gaps.dongs_without_team_chat), len(directory.dongs))
    return gaps


def health_fields(settings: Settings, directory: Directory) -> dict:
    """Added to /healthz beside "status" (which keeps its meaning: the database answers)."""
    gaps = alerting_gaps(settings, directory)
    return {"degraded": bool(gaps.failing), "failing": gaps.failing,
            "dongs_without_team_chat": list(gaps.dongs_without_team_chat)}
