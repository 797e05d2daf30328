"""What the dialogs say when a free text shows danger, and the numbers to call with one tap.

The engine screens every text (dialogs/engine.py); this module only builds the replies. The
notice comes first, whatever question was open: the person should be on the phone before
they answer anything else.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.replies import Button, Msg, PhoneCall, Reply
from welfare.danger import Danger, DangerKind

# The report answer that carries the danger seen in this conversation's texts (kind values);
# it makes the report urgent (dialogs/report_flow.is_urgent) and pre-ticks the urgent signs.
DANGER_ANSWER = "danger_kinds"
# Which urgent sign of the taxonomy (report_taxonomy.toml [[urgent_signs]]) each kind is.
URGENT_SIGN = {DangerKind.SUICIDE: "suicide_risk", DangerKind.VIOLENCE: "violence_abuse",
               DangerKind.MEDICAL: "medical_emergency"}
URGENT_REPORT = "menu:report_urgent"  # the one-tap urgent report offered at the menu
SOS_NUMBERS = ("112", "119", "109", "129")


def hotline_calls(numbers: tuple[str, ...] | list[str]) -> tuple[PhoneCall, ...]:
    return tuple(PhoneCall(n, Msg(f"hotline.{n}")) for n in numbers)


def sos_calls() -> tuple[PhoneCall, ...]:
    """The numbers behind 🆘, as cards a phone dials on a tap."""
    return hotline_calls(SOS_NUMBERS)


def danger_notice(danger: Danger) -> Reply:
    """The numbers to call now for what was found, 129 last."""
    lines = [Msg("danger.notice"), *(Msg(f"danger.{kind.value}.call") for kind in danger.kinds),
             Msg("danger.welfare_line")]
    return Reply(tuple(lines), calls=hotline_calls(danger.numbers()))


def urgent_report_offer(danger: Danger) -> Reply:
    """At the menu (no question open): one tap starts an urgent report."""
    return Reply((Msg("danger.offer_report"),), (
        (Button(urgent_report_button(danger), Msg("danger.start_urgent_report")),),
        (Button("menu:home", Msg("danger.to_menu")),)), expects="choice")


def urgent_report_button(danger: Danger) -> str:
    """The button's value carries the kinds, so the tap needs no state: menu:report_urgent:suicide+medical."""
    return f"{URGENT_REPORT}:{'+'.join(k.value for k in danger.kinds)}"


def kinds_from_button(value: str) -> list[str]:
    known = {k.value for k in DangerKind}
    return [k for k in value.removeprefix(URGENT_REPORT).lstrip(":").split("+") if k in known]


def urgent_report_answers(kinds: list[str]) -> dict[str, Any]:
    """A report opened from a danger notice: urgent, its urgent signs already ticked."""
    return {DANGER_ANSWER: kinds, "situations": urgent_signs_of(kinds)}


def merge_danger(answers: Mapping[str, Any], danger: Danger) -> list[str]:
    """The danger kinds seen so far in a report, in the notice's order."""
    seen = set(answers.get(DANGER_ANSWER) or ()) | {k.value for k in danger.kinds}
    return [k.value for k in DangerKind if k.value in seen]


def urgent_signs_of(kinds: list[str]) -> list[str]:
    return [URGENT_SIGN[DangerKind(k)] for k in kinds]
