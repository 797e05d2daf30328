"""One turn, channel-neutral: claim the update, load the chat's conversation, run the engine,
carry out its commands, save, queue the replies — all in one transaction (an everyday turn's
shared with the other turns of its group commit).

Both channels come through here: Telegram (bot/telegram_transport.py) and the playground
(integrations/playground.py). A turn that fails rolls back whole: the update stays unclaimed,
so Telegram's redelivery (or the person's retry) processes it again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.effects import EffectEnv, run_commands
from bot.i18n import Catalogs
from bot.keyboards import reply_markup, send_contact_payload, send_message_payload
from bot.sender import LEASE
from bot.render import Rendered, label_index, match_label, render_reply
from dialogs import commands as cmd
from dialogs.conversation import Conversation
from core import drop_offs
from core.work import Work
from dialogs.engine import Engine, Turn, drop_off
from dialogs.events import Choice, Event, Text
from dialogs.flow import Member, TurnContext
from dialogs.replies import say
from salpim.settings import Settings
from state import conversations, inbox, outbox
from state import members as member_store
from state.crypto import FieldCipher
from state.group_commit import TurnWrite
from state.db import Database, NeedsWriteLock
from state.timeutil import utcnow
from welfare.directory import Directory
from welfare.receipt import new_receipt_no

log = logging.getLogger(__name__)
TELEGRAM = "telegram"
# Messages queued for delivery are leased to the turn that made them for this long; only if it
# has not confirmed delivery by then does the outbox sweeper send them.
SEND_LEASE = LEASE
MAX_ATTEMPTS = 3  # a turn whose conversation changed under it (another process) runs again
# Commands that usually only read: on SQLite tried without the write lock first (_read_only_effects).
# (Not ShowStatus, ShowCase: they write their audit entry every time.)
READ_ONLY_COMMANDS = (cmd.OpenFollowup, cmd.ListMyReports)


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str
    chat_id: str
    event: Event
    update_id: int | None = None  # None: nothing to deduplicate (a playground message has its own id)
    user_id: int | None = None
    language_code: str | None = None
    private: bool = True  # a group chat (a 읍면동 team's) never gets personal data
    thread_id: int | None = None  # the forum topic it was written in: replies go there
    message_id: int | None = None  # the message it came with (for a press: the one with the keyboard)
    pressed: bool = False  # an inline button press (answered with answerCallbackQuery)


@dataclass
class TurnResult:
    duplicate: bool = False
    locale: str = "ko"
    rendered: list[Rendered] = field(default_factory=list)
    outgoing: list[outbox.Outgoing] = field(default_factory=list)  # Telegram messages to send now
    toast: str | None = None  # a refusal, shown on the pressed button (answerCallbackQuery text)


class TurnRunner:
    def __init__(self, db: Database, cipher: FieldCipher, engine: Engine, catalogs: Catalogs,
                 settings: Settings, directory: Directory) -> None:
        self.db, self.cipher, self.engine, self.catalogs = db, cipher, engine, catalogs
        self.settings, self.directory = settings, directory
        self.ttl = timedelta(minutes=settings.dialog_ttl_minutes)

    async def run(self, inbound: Inbound) -> TurnResult:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await self._run_once(inbound)
            except conversations.ConversationChanged:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                log.info("conversation changed under a turn; running it again")
        raise AssertionError("unreachable")

    async def _run_once(self, inbound: Inbound) -> TurnResult:
        """Read the chat's state without a lock, run the pure engine, then write, saving the
        conversation with a version check (a turn of another process that got there first makes
        this one run again). Everyday turns go to the group writer; turns with commands run in
        a transaction of their own (on SQLite, holding the write lock only for the writes)."""
        now = utcnow()
        member, convo = await self._read_turn(inbound, now)
        ctx, turn = self._decide(inbound, member, convo, now)
        if self.db.batch_writer is not None and not turn.commands:
            return await self._write_batched(inbound, turn, now, convo)
        # Only SQLite has a single writer's lock worth avoiding for commands that merely read.
        if (self.db.is_sqlite and self.db.batch_writer is not None
                and all(isinstance(c, READ_ONLY_COMMANDS) for c in turn.commands)):
            try:
                return await self._read_only_effects(inbound, member, ctx, turn, now, convo)
            except NeedsWriteLock:  # it wanted to write after all (a refusal is audited): nothing was written
                ctx, turn = self._decide(inbound, member, convo, now)
        async with self.db.transaction() as conn:
            return await self._write(conn, inbound, member, ctx, turn, now, convo)

    async def _read_turn(self, inbound: Inbound, now) -> tuple[Member | None, Conversation]:
        if self.db.batch_writer is None:  # an in-memory database: through SQLAlchemy
            async with self.db.read() as conn:
                return await self._read(conn, inbound, now)
        user_id = inbound.user_id if inbound.channel == TELEGRAM else None
        member_row, convo_row = await self.db.batch_writer.read_turn(inbound.channel, inbound.chat_id, user_id)
        member = Member(member_row["id"], member_row["role"], member_row["dong_code"]) if member_row else None
        convo = (conversations.from_row(convo_row, self.cipher, Conversation) if convo_row
                 else Conversation(inbound.channel, inbound.chat_id))
        return member, convo

    async def _read(self, conn, inbound: Inbound, now) -> tuple[Member | None, Conversation]:
        member = None
        if inbound.user_id is not None and inbound.channel == TELEGRAM:
            info = await member_store.member_by_telegram(conn, inbound.user_id)
            member = Member(info.id, info.role, info.dong_code) if info else None
        convo = await conversations.load(conn, self.cipher, inbound.channel, inbound.chat_id, Conversation)
        return member, convo

    def _decide(self, inbound: Inbound, member: Member | None, convo: Conversation, now) -> tuple[TurnContext, Turn]:
        ctx = TurnContext(now=now, directory=self.directory, member=member, ttl=self.ttl,
                          new_receipt_no=new_receipt_no, max_photo_bytes=self.settings.max_photo_bytes)
        locale = self.catalogs.resolve_locale(convo.locale, inbound.language_code)
        event = self._typed_label_as_press(inbound.event, convo, ctx, locale)
        return ctx, self.engine.handle(convo, event, ctx)

    async def _write_batched(self, inbound: Inbound, turn: Turn, now, convo_before: Conversation,
                             alerts: list | None = None) -> TurnResult:
        """The everyday turn (no commands: just the conversation and its replies), committed
        together with other turns by the group writer (state/group_commit.py)."""
        convo = turn.conversation
        locale, rendered, messages, toast = self._render(inbound, turn.replies, alerts or [], convo,
                                                         self._had_reply_keyboard(inbound, convo_before))
        write = TurnWrite(inbound.channel, inbound.chat_id, inbound.update_id, now,
                          conversations.row_values(convo, self.cipher, now), convo.seen_version, convo.exists,
                          outbox.rows_for(self.cipher, TELEGRAM, messages, now, SEND_LEASE))
        done = await self.db.batch_writer.submit(write)  # type: ignore[union-attr]
        if done.duplicate:
            return TurnResult(duplicate=True)
        if done.conflict:
            raise conversations.ConversationChanged()
        queued = [outbox.Outgoing(i, TELEGRAM, chat, method, payload)
                  for i, (chat, method, payload) in zip(done.outbox_ids, messages, strict=True)]
        # An everyday turn's refusal (a stale button) stays a message, as it always was; a command's
        # refusal is shown on the pressed button, as on the transaction path (_write).
        return TurnResult(False, locale, rendered, queued, toast if alerts is not None else None)

    async def _read_only_effects(self, inbound: Inbound, member: Member | None, ctx: TurnContext, turn: Turn, now,
                                 convo_before: Conversation) -> TurnResult:
        """A turn whose commands usually only read (opening a follow-up call, the list of one's reports): they run
        on a reading connection without the write lock, and the turn's rows go through the group
        writer like an everyday turn's. A casework transaction held the write lock across a
        dozen statements for these, and every other chat's turn waited behind it (issue 16).
        Should the effects want to write, the connection refuses (NeedsWriteLock) before anything
        is written, and the caller runs the turn again under the lock."""
        async with self.db.read_only() as conn:
            effects, replies = await self._effects(conn, inbound, member, ctx, turn, now)
        return await self._write_batched(inbound, Turn(turn.conversation, replies, []), now, convo_before,
                                         alerts=effects.alerts)

    def _render(self, inbound: Inbound, replies: list, alerts: list, convo: Conversation,
                keyboard_before: bool = False):
        """Replies in the person's language, alerts in the service's; and the Telegram messages.

        A refusal to a button press (staff only, not your case) is shown on the button itself;
        a group chat never gets it as a message. Returns (locale, rendered, messages, toast)."""
        locale = self.catalogs.resolve_locale(convo.locale, inbound.language_code)
        toast = None
        if inbound.pressed and replies and all(_is_refusal(r) for r in replies):
            toast = render_reply(self.catalogs, locale, replies[0]).text[:200]
            if not inbound.private:
                replies = []
        rendered = [render_reply(self.catalogs, locale, r) for r in replies]
        messages = []
        if inbound.channel == TELEGRAM:
            messages = telegram_messages(inbound, rendered, keyboard_before)
        for chat, alert in alerts:
            if chat is None:
                continue
            alert_text = render_reply(self.catalogs, self.catalogs.default, alert)
            messages.append((str(chat), "sendMessage", send_message_payload(chat, alert_text)))
            messages += media_messages(str(chat), alert_text)
        return locale, rendered, messages, toast

    async def _write(self, conn, inbound: Inbound, member: Member | None, ctx: TurnContext, turn: Turn,
                     now, convo_before: Conversation) -> TurnResult:
        if inbound.update_id is not None and not await inbox.claim(self.db, conn, inbound.channel,
                                                                   inbound.update_id, now):
            return TurnResult(duplicate=True)
        effects, replies = await self._effects(conn, inbound, member, ctx, turn, now)
        await conversations.save(self.db, conn, self.cipher, turn.conversation, now)
        # Team alerts always go to Telegram chats, in the service's default language.
        locale, rendered, messages, toast = self._render(inbound, replies, effects.alerts, turn.conversation,
                                                         self._had_reply_keyboard(inbound, convo_before, ctx))
        queued = await outbox.enqueue(conn, self.cipher, TELEGRAM, messages, now, lease=SEND_LEASE)
        return TurnResult(False, locale, rendered, queued, toast)

    async def _effects(self, conn, inbound: Inbound, member: Member | None, ctx: TurnContext, turn: Turn, now):
        """Run the turn's commands on `conn` and open the flow they start, if any (in a private
        chat only): the effects and every reply of the turn. Updates turn.conversation."""
        env = EffectEnv(self.db, conn, self.cipher, self.settings, self.directory, inbound.channel,
                        inbound.chat_id, inbound.user_id, member, now, inbound.private,
                        locale=self.catalogs.resolve_locale(turn.conversation.locale, inbound.language_code))
        effects = await run_commands(turn.commands, env)
        replies = [*turn.replies, *effects.replies]
        if effects.start_flow and inbound.private:
            opened = self.engine.begin_flow(turn.conversation, *effects.start_flow, ctx)
            turn.conversation, replies = opened.conversation, [*replies, *opened.replies]
        return effects, replies

    def _had_reply_keyboard(self, inbound: Inbound, convo: Conversation, ctx: TurnContext | None = None) -> bool:
        """Was the question before this turn asked with a reply keyboard (share location or
        number)? Then it is taken away once the question is answered."""
        if inbound.channel != TELEGRAM or not convo.flow:
            return False
        if ctx is None:
            ctx = TurnContext(now=utcnow(), directory=self.directory, member=None, ttl=self.ttl,
                              new_receipt_no=new_receipt_no, max_photo_bytes=self.settings.max_photo_bytes)
        try:
            buttons = self.engine.current_buttons(convo, ctx)
        except Exception:  # noqa: BLE001 - a question that cannot be drawn just has no keyboard
            return False
        return any(b.kind in ("location", "contact") for b in buttons)

    def _typed_label_as_press(self, event: Event, convo, ctx: TurnContext, locale: str) -> Event:
        """Reply keyboards send a button's label as text, and people type labels too."""
        if not isinstance(event, Text):
            return event
        index = label_index(self.catalogs, locale, self.engine.current_buttons(convo, ctx))
        value = match_label(index, event.text)
        return Choice(value, convo.version) if value else event


TOGGLE_PREFIX = "q:toggle:"  # a multi-select option (dialogs/questions.py option values)


def _is_refusal(reply) -> bool:
    return (not reply.buttons and len(reply.lines) == 1
            and reply.lines[0].key.startswith(("case.error.", "dialog.stale_button")))


def telegram_messages(inbound: Inbound, rendered: list[Rendered],
                      keyboard_before: bool = False) -> list[tuple[str, str, dict[str, Any]]]:
    """The Bot API calls for a turn's replies in the person's own chat.

    - in a forum topic, replies go into that topic (message_thread_id);
    - a tap on a multi-select option redraws the keyboard of the pressed message in place
      (editMessageReplyMarkup) instead of sending the whole question again;
    - once a question asked with a reply keyboard is answered, the keyboard is taken away."""
    chat = int(inbound.chat_id)
    if (inbound.pressed and inbound.message_id is not None and len(rendered) == 1 and rendered[0].buttons
            and isinstance(inbound.event, Choice) and inbound.event.value.startswith(TOGGLE_PREFIX)
            and inbound.event.version is not None and rendered[0].version == inbound.event.version):
        markup = reply_markup(rendered[0])
        if markup is not None and "inline_keyboard" in markup:
            return [(inbound.chat_id, "editMessageReplyMarkup",
                     {"chat_id": chat, "message_id": inbound.message_id, "reply_markup": markup})]
    payloads = [send_message_payload(chat, r) for r in rendered]
    if keyboard_before and not any("keyboard" in (p.get("reply_markup") or {}) for p in payloads):
        for payload in payloads:
            if "reply_markup" not in payload:
                payload["reply_markup"] = {"remove_keyboard": True}
                break
    messages: list[tuple[str, str, dict[str, Any]]] = []
    for payload, r in zip(payloads, rendered, strict=True):  # each message, then its numbers as contact cards
        messages.append((inbound.chat_id, "sendMessage", payload))
        messages += [(inbound.chat_id, "sendContact", send_contact_payload(chat, c.number, c.label)) for c in r.calls]
        if inbound.private:
            messages += media_messages(inbound.chat_id, r)
    if inbound.thread_id is not None:
        for _, _, payload in messages:
            payload["message_thread_id"] = inbound.thread_id
    return messages


async def park_expired(runner: TurnRunner, limit: int = 100) -> list[outbox.Outgoing]:
    """Dialogs idle past their expiry are parked as drafts (kept, resumable) and the person is
    told so. Each chat is re-read under its lock and parked only if its version has not moved
    since it was found, so a person answering at that moment always wins."""
    now = utcnow()
    async with runner.db.read() as conn:
        found = await conversations.expired(conn, now, limit)
    queued: list[outbox.Outgoing] = []
    for channel, chat_id, version in found:
        async with runner.db.transaction() as conn:
            convo = await conversations.load_for_turn(runner.db, conn, runner.cipher, channel, chat_id, now,
                                                      Conversation)
            if (convo.version != version or convo.flow is None or convo.expires_at is None
                    or convo.expires_at > now):  # the person came back meanwhile: leave it
                continue
            gave_up = drop_off(convo, "expired")
            kept = runner.engine.park(convo)
            convo.version += 1
            try:
                await conversations.save(runner.db, conn, runner.cipher, convo, now)
            except conversations.ConversationChanged:
                continue  # another worker parked it, or the person answered: nothing to do
            for counted in gave_up:  # where the person stopped (no personal data)
                await drop_offs.count(Work(runner.db, conn, runner.cipher, runner.directory, now), counted.flow,
                                      counted.question, counted.how)
            if channel == TELEGRAM:
                locale = runner.catalogs.resolve_locale(convo.locale, None)
                text = render_reply(runner.catalogs, locale,
                                    say("dialog.expired_draft_kept" if kept else "dialog.expired_closed"))
                queued += await outbox.enqueue(conn, runner.cipher, TELEGRAM, [(chat_id, "sendMessage",
                                                                 send_message_payload(int(chat_id), text))], now,
                                               lease=SEND_LEASE)
    return queued


MEDIA_FIELD = {"sendVoice": "voice", "sendVideoNote": "video_note"}


def media_messages(chat_id: str, rendered: Rendered) -> list[tuple[str, str, dict[str, Any]]]:
    """A reply's recordings, sent by file id after its text. Only to a person's private chat
    (positive ids): a group or channel (negative ids) never receives a reporter's voice."""
    if not chat_id.isdigit():
        return []
    return [(chat_id, method, {"chat_id": int(chat_id), MEDIA_FIELD[method]: file_id})
            for method, file_id in rendered.media if method in MEDIA_FIELD]
