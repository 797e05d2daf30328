"""Speak instead of type (issue 17): a voice note or a short video note as the report's
description, or beside a written one.

Older reporters find speaking far easier than typing a paragraph on a phone. The recording is
fetched after filing like a photo (integrations/voice_notes.py), and a person listens to it —
the reporter is told so plainly. Danger screening cannot read audio, so a report whose only
description is a recording is flagged for the team to listen to the same day
(`listen_same_day`), as the 고독사 same-day visit is flagged (dialogs/report_same_day.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.events import Event, Voice
from dialogs.flow import Accept, Asking, Parsed, Reject, Stay
from dialogs.questions import answer_value, check_text, option
from dialogs.replies import Button, Msg, Reply
from welfare.crisis_report import SpokenNote

VOICE = "voice"  # the answer holding the recording: {"ref", "kind", "duration"}
VOICE_ONLY = "voice_only"  # the button: "the recording says it all"
# Long enough to describe what one saw; a longer monologue is better as a phone call.
MAX_VOICE_SECONDS = 180
MAX_VIDEO_NOTE_SECONDS = 60  # Telegram's own limit for round video notes
MAX_VOICE_BYTES = 8 * 1024 * 1024  # a 60 s video note is ~3 MB; 3 min of voice ~1 MB


def description_lines(answers: Mapping[str, Any]) -> list[Msg]:
    """What the description question adds about speaking: the hint, or that a recording is kept."""
    if answers.get(VOICE):
        return [Msg("reach.voice.kept")]
    return [Msg("reach.voice.hint")]


def description_buttons(answers: Mapping[str, Any]) -> tuple[tuple[Button, ...], ...]:
    if answers.get(VOICE):
        return ((option(VOICE_ONLY, Msg("reach.voice.only")),),)
    return ()


def parse_spoken(event: Event, asking: Asking, max_text: int) -> Parsed | None:
    """The description's answer when it is spoken (None: not a spoken answer, parse as usual)."""
    if answer_value(event) == VOICE_ONLY and asking.answers.get(VOICE):
        return Accept("")  # the recording is the description; listened to the same day
    if not isinstance(event, Voice):
        return None
    limit = MAX_VIDEO_NOTE_SECONDS if event.kind == "video_note" else MAX_VOICE_SECONDS
    if event.duration is not None and event.duration > limit:
        return Reject(Msg("reach.voice.too_long", {"max_min": max(1, limit // 60)}))
    if event.size is not None and event.size > MAX_VOICE_BYTES:
        return Reject(Msg("reach.voice.too_big"))
    stored = {"ref": event.ref, "kind": event.kind, "duration": event.duration}
    if event.caption and event.caption.strip():
        checked = check_text(event.caption, max_text, 2)
        return Accept(checked.value, also={VOICE: stored}) if isinstance(checked, Accept) else checked
    return Stay({VOICE: stored}, notes=(Reply((Msg("reach.voice.received"),)),))


def spoken_note(answers: Mapping[str, Any]) -> SpokenNote | None:
    stored = answers.get(VOICE)
    if not isinstance(stored, Mapping) or not isinstance(stored.get("ref"), str):
        return None
    duration = stored.get("duration")
    return SpokenNote(stored["ref"], "video_note" if stored.get("kind") == "video_note" else "voice",
                      duration if isinstance(duration, int) else None)


def listen_same_day(answers: Mapping[str, Any]) -> bool:
    """Only a recording describes it: nobody has screened its words yet."""
    return spoken_note(answers) is not None and not str(answers.get("description") or "").strip()


def summary_lines(answers: Mapping[str, Any]) -> list[Msg]:
    note = spoken_note(answers)
    if note is None:
        return []
    lines = [Msg("reach.summary.voice", {"seconds": note.duration or "-"})]
    if listen_same_day(answers):
        lines.append(Msg("reach.summary.listen_same_day"))
    return lines
