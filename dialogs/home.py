"""The home menu and the things reachable from anywhere: emergency numbers, language."""
from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs.danger_notice import sos_calls
from dialogs.flow import TurnContext
from dialogs.replies import Button, Msg, Reply
from welfare.receipt import normalise_receipt_no

if TYPE_CHECKING:
    from dialogs.engine import Turn

LANGUAGES = ("ko", "en", "vi", "zh_Hans")


def menu_buttons() -> tuple[tuple[Button, ...], ...]:
    return (
        (Button("menu:report", Msg("menu.report")),),
        (Button("menu:finder", Msg("menu.finder")),),
        (Button("menu:status", Msg("menu.status")),),
        (Button("menu:sos", Msg("menu.sos")), Button("menu:language", Msg("menu.language"))),
    )


def show_menu(turn: Turn, ctx: TurnContext, *, greet: bool, unknown_input: bool = False) -> None:
    lines = [Msg("menu.greeting")] if greet else []
    if unknown_input:
        lines.append(Msg("menu.unknown_input"))
    lines.append(Msg("menu.choose"))
    # Life first: the emergency line heads the menu whenever it is shown in full.
    lines.append(Msg("emergency.short"))
    if turn.conversation.draft:
        lines.append(Msg("dialog.draft_waiting"))
    turn.replies.append(Reply(tuple(lines), menu_buttons(), expects="choice"))


def emergency_numbers() -> Reply:
    # With the numbers as cards a phone dials on a tap.
    return Reply((Msg("emergency.full"),), calls=sos_calls())


def language_choice() -> Reply:
    return Reply((Msg("language.choose"),),
                 ((Button("lang:ko", "한국어"), Button("lang:en", "English")),
                  (Button("lang:vi", "Tiếng Việt"), Button("lang:zh_Hans", "中文(简体)"))), expects="choice")


def parse_receipt(text: str) -> str | None:
    return normalise_receipt_no(text) if text else None
