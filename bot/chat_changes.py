"""What Telegram tells us about chats themselves, and updates we could not process.

- A team group became a supergroup (migrate_to_chat_id in a service message, or a 400 with
  parameters.migrate_to_chat_id when we send): the 읍면동 directory follows the new id, in the
  store and in the running service, and an operator is told (a log warning and an audit entry
  saying which 읍면동 — group chat ids are not personal data).
- The bot was blocked, kicked or let back in (my_chat_member, or a 403 when we send): the chat
  is marked unreachable or reachable, in the store and in the sender.
- An update that fails for a reason a retry cannot fix becomes a dead letter.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import Counter

from core.directory import team_chat_migrated
from core.work import transaction
from state import dead_letters, reachability
from state.timeutil import utcnow

if TYPE_CHECKING:
    from bot.sender import Sender
    from bot.turns import TurnRunner

log = logging.getLogger(__name__)
DEAD_LETTERS = Counter("salpim_dead_letters_total", "Updates that could not be processed (answered 200, recorded)",
                       ["kind"])
TEAM_CHAT_MIGRATIONS = Counter("salpim_team_chat_migrations_total", "Team groups that became supergroups")
UNREACHABLE = Counter("salpim_unreachable_chats_total", "Chats that blocked or removed the bot", ["reason"])


class ChatChanges:
    def __init__(self, runner: TurnRunner, sender: Sender, channel: str) -> None:
        self.runner, self.sender, self.channel = runner, sender, channel
        sender.on_migrated = self.chat_migrated
        sender.on_unreachable = lambda chat_id, reason: self.set_reachable(chat_id, False, reason)

    async def load(self) -> None:
        """The chats known unreachable, so a restart does not start calling them again."""
        async with self.runner.db.read() as conn:
            self.sender.unreachable |= await reachability.all_unreachable(conn, self.channel)

    async def chat_migrated(self, old_chat_id: str, new_chat_id: str) -> None:
        old, new = int(old_chat_id), int(new_chat_id)
        runner = self.runner
        async with transaction(runner.db, runner.cipher, runner.directory) as work:
            codes = await team_chat_migrated(work, old, new)
        if codes:
            self.runner.directory = self.runner.directory.with_team_chat_moved(old, new)
            TEAM_CHAT_MIGRATIONS.inc()
            # Operators: the directory file still says the old id; the next load would undo this.
            log.warning("team chat of %s became a supergroup: alerts now go to %s (was %s); update the "
                        "directory file's team_chat_id", ",".join(codes), new, old)
        elif self.runner.settings.duty_chat_id == old:
            log.warning("the duty chat became a supergroup: set SALPIM_DUTY_CHAT_ID=%s (was %s)", new, old)

    async def set_reachable(self, chat_id: str, reachable: bool, reason: str) -> None:
        if reachable:
            self.sender.unreachable.discard(chat_id)
        else:
            self.sender.unreachable.add(chat_id)
            UNREACHABLE.labels(reason).inc()
        async with self.runner.db.transaction() as conn:
            await reachability.mark(self.runner.db, conn, self.channel, chat_id, reachable, reason, utcnow())

    async def dead_letter(self, update_id: int, kind: str, error: BaseException) -> None:
        name = error.__class__.__name__
        # The class and the update's id only: an exception's text can quote what a person wrote.
        log.error("update %s (%s) could not be processed: %s; recorded as a dead letter", update_id, kind, name)
        DEAD_LETTERS.labels(kind).inc()
        async with self.runner.db.transaction() as conn:
            await dead_letters.record(conn, self.channel, update_id, kind, name, utcnow())
