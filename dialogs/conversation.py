"""The state of one chat: the flow it is in, the question, the answers so far.

Stored as one row per chat (state/conversations.py) and committed with whatever the turn
creates, so a restart resumes at the same question.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson


@dataclass
class Conversation:
    channel: str
    chat_id: str
    flow: str | None = None  # None: at the home menu
    state: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)  # questions asked, for "back"
    version: int = 0
    failures: int = 0  # failed tries at the current question
    locale: str | None = None  # chosen with /language; None = Telegram's language, then default
    draft: dict[str, Any] | None = None  # a flow parked on expiry, resumable
    expires_at: datetime | None = None
    exists: bool = False  # False until first stored
    seen_version: int = 0  # the version as read from the store (its save checks it is unchanged)

    def clone(self) -> Conversation:
        """A copy the engine may change freely. Answers and drafts hold JSON values only (they
        are stored as JSON), so a JSON round trip copies them, several times faster than deepcopy."""
        blob = orjson.loads(orjson.dumps([self.answers, self.history, self.draft]))
        return dataclasses.replace(self, answers=blob[0], history=blob[1], draft=blob[2])

    def leave_flow(self) -> None:
        self.flow, self.state, self.answers, self.history, self.failures = None, None, {}, [], 0
        self.expires_at = None

    def park_as_draft(self) -> None:
        """Keep what was entered so the person can pick it up again (never thrown away)."""
        if self.flow is not None:
            self.draft = {"flow": self.flow, "state": self.state, "answers": self.answers,
                          "history": self.history}
        self.leave_flow()
