"""Conversation scripts the load generator replays: each is a list of update payload builders.

A builder gets the chat id, the update id and the chat's index (to vary answers across chats)
and returns the JSON body Telegram would POST to the webhook. A chat plays one script from its
first update to its last, strictly in order; many chats play at once.

To add a dialog write its script here with `command`, `text` and `press` and add it to SCRIPTS
and, if it belongs in the default load, to MIXES["default"]. Button presses use callback data
with an empty version (`|q:value`): Salpim accepts it as an answer to whatever question is open,
so a script needs no state. A dialog whose next question depends on earlier answers (the
service finder) follows one fixed path, and every step must produce the same replies every time:
the load generator learns each step's reply count once per system and then expects exactly it.

A script with ``seat="caseworker"`` is played in the private chat of a registered caseworker
(chat id = their Telegram user id), never by two chats at once: the load generator takes a seat
from the pool that bench/casework_setup.py prepared before the run (``--staff FILE``) and gives
it back when the script ends. Systems without that set-up (the reference bots) play MIXES
["reference"].
"""
from __future__ import annotations

import datetime as dt
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
    build.data = data  # type: ignore[attr-defined]  # what step_index finds it by
    return build


def step_index(script: "Script", data: str) -> int:
    """The position of the press of `data` in a script: what the bench's stored-rows check counts
    (a constant went stale once when a question was added, and every run reported a lost report)."""
    return next(i for i, step in enumerate(script.steps) if getattr(step, "data", None) == data)


@dataclass(frozen=True)
class Script:
    name: str
    steps: Sequence[Builder]
    about: str = ""
    seat: str | None = None  # "caseworker": played in a prepared caseworker's private chat (see above)


# Caseworker seats: a caseworker's Telegram user id → the case they follow up. Filled by the load
# generator from the file bench/casework_setup.py writes, before any update is built.
CASE_OF: dict[int, int] = {}


def register_seats(seats: Sequence[tuple[int, int]]) -> None:
    """(telegram_user_id, case_id) pairs: the caseworkers the `caseworker` scripts are played by."""
    CASE_OF.update({int(user): int(case) for user, case in seats})


def open_followup(chat_id: int, update_id: int, index: int) -> dict[str, Any]:
    """`/followup <case>`: the case this caseworker manages (CASE_OF)."""
    try:
        case = CASE_OF[chat_id]
    except KeyError:
        raise LookupError(f"chat {chat_id} is not a prepared caseworker seat (bench/casework_setup.py)") from None
    return message(chat_id, update_id, f"/followup {case}")


def next_contact_date(days: int = 14) -> str:
    """A next-contact date the checklist accepts (today .. today + 366 days, whatever the server's
    time zone): two weeks from today."""
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


# The crisis report of dialogs/report_flow.py, neighbour path, anonymous (14 updates), then the
# reporter asks for the status of what they filed.
REPORT = Script("report", [
    command("/start report"),          # the leaflet deep link opens question 1 (who)
    press("|q:neighbour"),             # 1. whose problem: a neighbour's
    press("|q:resident"),              #    who is telling us: a resident
    press("|q:toggle:isolation"),      # 2. situations: tick 고립·연락 끊김
    press("|q:done"),                  #    done
    press("|q:older_alone"),           # 3. household: an older person living alone (no size question)
    press("|q:older"),                 # 4. age band 65~79
    press("|q:female"),                # 5. gender
    press(lambda i: f"|q:dong:{DONGS[i % len(DONGS)]}"),  # 6. where: a 읍면동 button
    press("|q:skip"),                  #    address: skipped
    text("우편물이 쌓여 있고 며칠째 안 보여요"),  # 7. what they saw
    press("|q:no"),                    #    the 고독사 question (check on them today?): no
    press("|q:anonymous"),             # 8. contact: anonymous → summary and consent
    press("|q:file"),                  #    agree and file → receipt number
    command("/status"),                # what happened to my report?
], "a complete neighbour report (14 updates) and a status query")

REPORT_FILED_STEP = step_index(REPORT, "|q:file")  # each completed one is a report row

# "Which service fits me?" (dialogs/finder_flow.py), free-text path: a middle-aged person living
# alone who is behind on rent writes it in their own words, confirms what was understood, and
# answers only the questions the candidate services still need; amounts are typed as figures (not
# the band buttons, whose edges follow the year's thresholds), so the path and its replies are the
# same on any date: one reply a step, two after a typed amount ("알아들은 …" + the next question),
# eight after the last one (the cards of the short list and the list itself).
FINDER = Script("finder", [
    command("/start finder"),          # the leaflet deep link opens the finder
    text("월세가 밀렸어요"),             # 1. in their own words (Korean analyser) → "이렇게 이해했어요 … 맞나요?"
    press("|q:yes"),                   #    맞아요: situations = 생활비·공과금 어려움, 주거 위기
    press("|q:middle_aged"),           #    life stage: 중장년
    press("|q:1"),                     # 2. household: 1명
    text("52"),                        # 4. age (typed)
    text("95만원"),                    #    monthly income, typed as a figure
    press("|q:none"),                  #    disability: 없어요
    press("|q:monthly_rent"),          #    housing: 월세
    text("3000만원"),                  #    assets, typed → the ranked short list (주거급여 first)
    press("|q:done"),                  # 5. 마치기 (nothing stored, back to the menu)
], "the service finder: free text, confirm, 8 guided answers, results, done (11 updates)")

# A caseworker's follow-up call by checklist (dialogs/followup_flow.py): the normal 10-tap call on
# the case they manage (a report filed, taken and selected during the set-up; no accepted referral,
# so no service to check). Played only in a caseworker seat; each completed `|q:save` stores one
# followup_submissions row.
FOLLOWUP = Script("followup", [
    open_followup,                     # /followup <case> → [1/11] 통화가 되었나요?
    press("|q:yes"),                   # 1. reached: 통화됨
    press("|q:self"),                  # 2. answered by: 본인
    press("|q:same"),                  # 3. 안전: asked on its own → 비슷함
    press("|q:same"),                  # 4. 정신적 건강: asked on its own → 비슷함
    press("|q:done"),                  # 5. other domains: all "비슷함" → 확인 완료
    press("|q:done"),                  # 6. new risk signs: 없음
    press("|q:skip"),                  # 7. services received: 건너뛰기
    press("|q:skip"),                  # 8. note: 건너뛰기
    press(lambda i: f"|q:date:{next_contact_date()}"),  # 9. next contact: two weeks from today
    press("|q:save"),                  # 10. 저장 → "통화 기록 #n 저장"
], "a caseworker's follow-up call checklist on their case (11 updates)", seat="caseworker")

FOLLOWUP_SAVED_STEP = step_index(FOLLOWUP, "|q:save")  # each completed one is a followup row

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

SCRIPTS: dict[str, Script] = {s.name: s for s in (REPORT, FINDER, FOLLOWUP, BROWSE, OPEN)}

# The chats of a run play these scripts in turn (chat index modulo the list).
MIXES: dict[str, tuple[str, ...]] = {
    # Salpim: chats 3 : 2 : 1 : 1; of the updates 52% report, 29% finder, 12% follow-up, 7% browse.
    "default": ("report", "finder", "report", "followup", "report", "finder", "browse"),
    # What the reference bots implement (the stock ConversationHandler has only the report dialog;
    # the follow-up needs the casework set-up): the mix every system played before the finder and
    # the follow-up were added.
    "reference": ("report", "report", "report", "report", "browse"),
    "report": ("report",),
    "finder": ("finder",),
    "followup": ("followup",),
    "open": ("open",),
}


def seats_needed(mix: str) -> str | None:
    """The seat kind a mix's scripts need prepared ("caseworker"), or None."""
    return next((SCRIPTS[name].seat for name in MIXES[mix] if SCRIPTS[name].seat), None)


def botapi_send(chat_id: int, update_id: int, index: int) -> dict[str, Any]:
    """Not an update: a sendMessage call, to drive the fake Bot API on its own (harness ceiling)."""
    return {"chat_id": chat_id, "text": "벤치마크"}


SCRIPTS["botapi"] = Script("botapi", [botapi_send], "a sendMessage straight to the fake Bot API")
MIXES["botapi"] = ("botapi",)
