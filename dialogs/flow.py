"""How a flow is declared: questions, the routes between them, and what finishing does.

Each flow is one `transitions` machine built once (not one per conversation): the states are
the questions, the one trigger is ``submit``, and each route is a transition guarded first by
"the answer is valid" and then by its own condition (the first route whose guards pass wins).
Callbacks only touch the small model passed in; nothing outside happens inside the machine,
so a failed commit can never leave a message sent or a record half-made.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from transitions import EventData, Machine

from dialogs.events import Event
from dialogs.replies import Msg, Reply
from welfare.directory import Directory

DONE = "done"


@dataclass(frozen=True, slots=True)
class Member:
    """A registered person (명예사회복지공무원, 통반장, caseworker...) as the dialogs see them."""

    member_id: int
    role: str
    dong_code: str | None


@dataclass(frozen=True)
class TurnContext:
    now: datetime
    directory: Directory
    member: Member | None = None
    ttl: timedelta = timedelta(minutes=60)
    new_receipt_no: Callable[[], str] = lambda: "SP-TEST-00"
    max_photo_bytes: int = 5 * 1024 * 1024


# What a question makes of an event.
@dataclass(frozen=True, slots=True)
class Accept:
    value: Any
    also: Mapping[str, Any] = field(default_factory=dict)  # further answers learnt on the way
    notes: tuple[Reply, ...] = ()  # said before the next question (e.g. "nearest dong: 혜화동")
    commands: tuple[Any, ...] = ()  # for the caller to run with the turn (dialogs/commands.py)


@dataclass(frozen=True, slots=True)
class Stay:
    """Stay on the question with updated answers (a multi-select toggle), then ask again."""

    updates: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Reply, ...] = ()


@dataclass(frozen=True, slots=True)
class Reject:
    reason: Msg


@dataclass(frozen=True, slots=True)
class Jump:
    """Go to another question directly (editing an answer from the summary)."""

    to: str
    updates: Mapping[str, Any] = field(default_factory=dict)


Parsed = Accept | Stay | Reject | Jump


@dataclass(frozen=True)
class Asking:
    """What a question can see while it asks or parses."""

    answers: Mapping[str, Any]
    ctx: TurnContext


@dataclass(frozen=True)
class Question:
    name: str
    step: int  # its place in the flow's own order; the "[n/m]" shown comes from Flow.progress
    ask: Callable[[Asking], Reply]
    parse: Callable[[Event, Asking], Parsed]
    help_key: str = "help.generic"
    editable: bool = True  # offered under "correct an answer" at the summary
    label_key: str | None = None  # its name in the summary's edit list
    # A text showing danger is still taken as the answer (what happened: a description, a note);
    # elsewhere the danger notice is shown and the question asked again.
    keeps_danger_text: bool = False


@dataclass(frozen=True)
class Route:
    source: str
    dest: str
    when: Callable[[Mapping[str, Any], TurnContext], bool] | None = None


Finish = Callable[[Mapping[str, Any], TurnContext], tuple[list[Reply], list[Any]]]


class _Model:
    """The little object the machine moves; rebuilt for each turn."""

    __slots__ = ("state", "answers", "ctx", "pending_valid")

    def __init__(self, state: str, answers: Mapping[str, Any], ctx: TurnContext) -> None:
        self.state, self.answers, self.ctx, self.pending_valid = state, answers, ctx, False


class Flow:
    def __init__(self, name: str, questions: list[Question], routes: list[Route], finish: Finish,
                 total_steps: int, first: str | None = None, keep_drafts: bool = True) -> None:
        self.name = name
        self.keep_drafts = keep_drafts
        self.questions = {q.name: q for q in questions}
        self.order = [q.name for q in questions]
        self.first = first or questions[0].name
        self.total_steps = total_steps
        self.finish = finish
        self.routes_from: dict[str, list[Route]] = {}
        for route in routes:
            self.routes_from.setdefault(route.source, []).append(route)
        self.machine = Machine(model=None, states=[*self.order, DONE], initial=self.first,
                               auto_transitions=False, send_event=True)
        for route in routes:
            if route.source not in self.questions or route.dest not in (*self.questions, DONE):
                raise ValueError(f"{name}: route {route.source} -> {route.dest} names an unknown state")
            conditions: list[Callable[[EventData], bool]] = [_answer_is_valid]
            if route.when is not None:
                when = route.when
                conditions.append(lambda ev, when=when: when(ev.model.answers, ev.model.ctx))
            self.machine.add_transition("submit", route.source, route.dest, conditions=conditions)
        self._submit = self.machine.events["submit"]
        self._check_reachable(routes)

    def next_state(self, state: str, answers: Mapping[str, Any], ctx: TurnContext) -> str | None:
        """Where a valid answer at `state` leads, or None if no route accepts it."""
        model = _Model(state, answers, ctx)
        model.pending_valid = True
        return model.state if self._submit.trigger(model) else None

    def progress(self, state: str, answers: Mapping[str, Any], ctx: TurnContext,
                 asked_before: int = 0) -> tuple[int, int | None]:
        """The "[n/m]" shown with a question: n is its place on the path, m the path's length.

        The path is what the answers so far lead through; a question not answered yet takes its
        usual way (the first route whose condition holds without that answer, i.e. usually the
        last, unconditional one). So n counts 1, 2, 3… with no gap or repeat, and m changes only
        when an answer changes the way (🚨 signs shorten the report). A flow routed at run time
        (the service finder) cannot be walked ahead: it counts the questions asked so far
        (`asked_before`, the questions behind this one) and says no m, rather than a wrong one.
        """
        path = self.path(answers, ctx)
        if path is None or state not in path:
            return asked_before + 1, None
        return path.index(state) + 1, len(path)

    def path(self, answers: Mapping[str, Any], ctx: TurnContext) -> list[str] | None:
        """The questions from the first to the end along the routes the answers take, or None."""
        path: list[str] = []
        state = self.first
        while state != DONE:
            if state in path or state not in self.questions:
                return None  # a loop: routed at run time, not walkable ahead
            path.append(state)
            nxt = self._way_out(state, answers, ctx)
            if nxt is None:
                return None
            state = nxt
        return path

    def _way_out(self, state: str, answers: Mapping[str, Any], ctx: TurnContext) -> str | None:
        for route in self.routes_from.get(state, ()):
            try:
                if route.when is None or route.when(answers, ctx):
                    return route.dest
            except LookupError:  # the condition needs an answer not given yet: not this way
                continue
        return None

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.first}"]
        for source, event in ((s, self._submit) for s in self.order):
            for transition in event.transitions.get(source, []):
                guard = " (if)" if len(transition.conditions) > 1 else ""
                lines.append(f"    {source} --> {transition.dest}: submit{guard}")
        lines.append(f"    {DONE} --> [*]")
        return "\n".join(lines)

    def _check_reachable(self, routes: list[Route]) -> None:
        seen, todo = {self.first}, [self.first]
        while todo:
            here = todo.pop()
            for r in routes:
                if r.source == here and r.dest not in seen:
                    seen.add(r.dest)
                    todo.append(r.dest)
        unreachable = set(self.order) - seen
        if unreachable or DONE not in seen:
            raise ValueError(f"{self.name}: unreachable {sorted(unreachable) or DONE}")


def _answer_is_valid(event: EventData) -> bool:
    return bool(event.model.pending_valid)
