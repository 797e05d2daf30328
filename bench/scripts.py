"""Conversation scripts the load generator replays: each is a list of update payload builders.

A builder gets the chat id, the update id and the chat's index (to vary answers across chats)
and returns the JSON body Telegram would POST to the webhook. A chat plays one script from its
first update to its last, strictly in order; many chats play at once.

To add a dialog (the casework follow-up checklist, the service finder, ...) write its script
here with `command`, `text` and `press` and add it to SCRIPTS and, if it belongs in the default
load, to MIXES["default"]. Button presses use callback data with an empty version (`|q:value`):
Salpim accepts it as an answer to whatever question is open, so a script needs no state.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Builder = Callable[[int, int, int], dict[str, Any]]  # (chat_id, update_id, chat_index) -> update JSON

DATE = 1763700000
# The 17 읍면동 of the bundled directory (welfare/data/directory_jongno.csv): reports spread over
# them as real ones would (Salpim looks for possible duplicates within one 읍면동).
DONGS = ("1111051500", "1111053000", "1111054000", "1111055000", "1111056000", "1111057000",
         "1111058000", "1111060000", "1111061500", "1111063000", "1111064000", "1111065000",
         "1111067000", "1111068000", "1111069000", "1111070000", "1111071000")


def _person(chat_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    chat = {"id": chat_id, "type": "private", "first_name": "부하"}
    user = {"id": chat_id, "is_bot": False, "first_name": "부하", "language_code": "ko"}
    return chat, user


def message(chat_id: int, update_id: int, text: str) -> dict[str, Any]:
    chat, user = _person(chat_id)
    body: dict[str, Any] = {"message_id": update_id, "date": DATE, "chat": chat, "from": user, "text": text}
    if text.startswith("/"):  # Telegram marks a command with an entity (PTB's CommandHandler needs it)
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])}]
    return {"update_id": update_id, "message": body}


def callback(chat_id: int, update_id: int, data: str) -> dict[str, Any]:
    chat, user = _person(chat_id)
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": user, "chat_instance": "bench", "data": data,
        "message": {"message_id": 1, "date": DATE, "chat": chat, "from": {"id": 777000, "is_bot": True,
                                                                         "first_name": "Salpim"}, "text": "…"}}}


def text(value: str | Callable[[int], str]) -> Builder:
    """A typed message (also how commands arrive: text starting with '/')."""
    def build(chat_id: int, update_id: int, index: int) -> dict[str, Any]:
        return message(chat_id, update_id, value(index) if callable(value) else value)
    return build


command = text


def press(data: str | Callable[[int], str]) -> Builder:
    """An inline-button press; `data` is the callback data, e.g. '|q:neighbour'."""
    def build(chat_id: int, update_id: int, index: int) -> dict[str, Any]:
        return callback(chat_id, update_id, data(index) if callable(data) else data)
    return build


@dataclass(frozen=True)
class Script:
    name: str
    steps: Sequence[Builder]
    about: str = ""


# The crisis report of dialogs/report_flow.py, neighbour path, anonymous (12 updates), then the
# reporter asks for the status of what they filed.
REPORT = Script("report", [
    command("/start report"),          # the leaflet deep link opens question 1 (who)
    press("|q:neighbour"),             # 1. who: a neighbour
    press("|q:toggle:isolation"),      # 2. situations: tick 고립·연락 끊김
    press("|q:done"),                  #    done
    press("|q:older_alone"),           # 3. household: an older person living alone (no size question)
    press("|q:older"),                 # 4. age band 65~79
    press("|q:female"),                # 5. gender
    press(lambda i: f"|q:dong:{DONGS[i % len(DONGS)]}"),  # 6. where: a 읍면동 button
    press("|q:skip"),                  #    address: skipped
    text("우편물이 쌓여 있고 며칠째 안 보여요"),  # 7. what they saw
    press("|q:anonymous"),             # 8. contact: anonymous → summary and consent
    press("|q:file"),                  #    agree and file → receipt number
    command("/status"),                # what happened to my report?
], "a complete neighbour report (12 updates) and a status query")

REPORT_FILED_STEP = 11  # the index of `|q:file` in REPORT: each completed one is a report row

# Someone who only looks around: menu, help, status, the emergency numbers.
BROWSE = Script("browse", [
    command("/start"),
    command("/help"),
    command("/status"),
    press("|menu:status"),
    press("|menu:sos"),
], "menu, /help, /status, the status and SOS buttons")

# One update that leaves a conversation open at its first question (the idle-memory test).
OPEN = Script("open", [command("/start report")], "opens a report and stops at question 1")

SCRIPTS: dict[str, Script] = {s.name: s for s in (REPORT, BROWSE, OPEN)}

# The chats of a run play these scripts in turn (chat index modulo the list).
MIXES: dict[str, tuple[str, ...]] = {
    "default": ("report", "report", "report", "report", "browse"),
    "report": ("report",),
    "open": ("open",),
}


def botapi_send(chat_id: int, update_id: int, index: int) -> dict[str, Any]:
    """Not an update: a sendMessage call, to drive the fake Bot API on its own (harness ceiling)."""
    return {"chat_id": chat_id, "text": "벤치마크"}


SCRIPTS["botapi"] = Script("botapi", [botapi_send], "a sendMessage straight to the fake Bot API")
MIXES["botapi"] = ("botapi",)
