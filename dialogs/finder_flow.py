"""'Which service fits me?' (나에게 맞는 복지서비스): a guided and free-text service finder.

Guided (a typical path is 9 taps and one typed age): life stage · household size ·
situations (tick + done) · only the questions a candidate service still needs (ages, income
by bands, housing, assets...) · the short list, best fit first, each service with why, how to
apply and whom to call · "talk to a person": 129, the 읍면동's phone, or "ask the 읍면동 to
contact me", which files a self report (the report flow's questions, prefilled: who = self,
the situations, household, age band) after consent.

Free text: what a person types at the first question goes through welfare.free_text; they
confirm what was understood ("이렇게 이해했어요: … 맞나요?") before anything else; text we
do not understand falls back to the guided questions.

Routing is one function (:meth:`Finder.route`) of the answers so far: every answer records
where it leads (``_next``) and the routes follow it. Nothing here remembers an answer after the
flow ends (the engine clears the conversation's answers); a filed report carries no income.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dialogs import commands as cmd
from dialogs import finder_contact as contact
from dialogs import home, report_flow
from dialogs.events import Event, Text
from dialogs.finder_household import FinderData, band_edges, bands, findings, next_question, parse_won, ranked
from dialogs.finder_messages import amount_label, card, common_notes, question_msg, summary_lines
from dialogs.flow import DONE, Accept, Asking, Flow, Parsed, Question, Reject, Route, Stay, TurnContext
from dialogs.questions import MAX_TEXT, answer_value, check_text, option, rows, selected_set, wrong_kind
from dialogs.replies import Msg, Reply
from welfare.finder_format import Won
from welfare.free_text import household_facts, map_free_text
from welfare.resources import needs_for_situations
from welfare.screening_input import FINDER_TOPICS, HOUSING, REGIONS, SHARED_SITUATIONS
from welfare.service_catalogue import LIFE_STAGES

TOTAL_STEPS = 5
NEXT, PICKING, HEARD, CONFIRMING = "_next", "_situations_picking", "_heard", "_confirming"
FACTS = "_facts"  # what the person's words said about the household ("혼자 살아요"): not asked again
FREE_TEXT_CHARS = 500  # what we analyse of a message (≤ 8 ms once Kiwi is warm; a sentence ~0.2 ms)
SITUATION_IDS = (*[s for s in SHARED_SITUATIONS if s != "other"], *FINDER_TOPICS, "other")
URGENT_CALL = {"violence_abuse": "urgent.violence_abuse.call", "mental_health": "urgent.suicide_risk.call"}
SIZES = ("1", "2", "3", "4", "5", "6")  # "6" stands for 6 or more
MISSING_QUESTIONS = ("ages", "disability", "severe", "monthly_income", "income_exact", "couple",
                     "applicant_income", "housing", "assets", "region", "financial_assets", "young_carer", "similar_care")
BEFORE_RESULTS = ("life_stage", "confirm", "household_size", "concerns", *MISSING_QUESTIONS)


class Finder:
    """The finder's questions, bound to the catalogue and figures it screens against."""

    def __init__(self, data: FinderData) -> None:
        self.data = data

    # -- routing ---------------------------------------------------------------------------
    def route(self, a: Mapping[str, Any], ctx: TurnContext) -> str:
        if a.get(CONFIRMING):
            return "confirm"
        if a.get("confirm") == "fix" and "concerns" not in a:
            return "concerns"
        if a.get("life_stage") is None:
            return "life_stage"
        if "household_size" not in a:
            return "household_size"
        if a.get("situations") is None:
            return "concerns"
        choice = a.get("results")
        if choice is None:
            return next_question(a, findings(a, ctx.now, self.data)) or "results"
        if choice == "done":
            return DONE
        if len(ctx.directory.sigungus) > 1 and "where_sigungu" not in a:
            return "where_sigungu"
        if "where" not in a:
            return "where"
        if choice == "call":
            return "results"
        for name in ("contact", "phone", "note", "consent"):
            if name not in a and (name != "phone" or a.get("contact") == "phone"):
                return name
        return DONE

    def routed(self, name: str, parse: Callable[[Event, Asking], Parsed]) -> Callable[[Event, Asking], Parsed]:
        """Record where an accepted answer leads, and what to say on the way there."""
        def wrapped(event: Event, asking: Asking) -> Parsed:
            parsed = parse(event, asking)
            if not isinstance(parsed, Accept):
                return parsed
            also = dict(parsed.also)
            if name in BEFORE_RESULTS:
                also["results"] = None  # a changed answer: the list is made again
            answers = {**asking.answers, name: parsed.value, **also}
            region = asking.ctx.directory.known_region(answers.get("where"))
            if answers.get("region") is None and region is not None:
                also["region"] = answers["region"] = region  # the directory knows: not asked
            nxt = self.route(answers, asking.ctx)
            notes = parsed.notes
            if nxt == "results" and name in BEFORE_RESULTS:
                notes += self.result_cards(answers, asking.ctx)
            if name == "where" and answers.get("results") == "call":
                notes += (contact.dong_phone(answers, asking.ctx),)
            commands: tuple[Any, ...] = ()
            if name == "where" and (needs := needs_for_situations(answers.get("situations") or ())):
                # 동네 자원: what local organisations give for these needs here (core/resources.py)
                commands = (cmd.ShowLocalResources(needs, str(parsed.value)),)
            return Accept(parsed.value, {**also, NEXT: nxt}, notes, commands)
        return wrapped

    # -- 1. life stage, or the person's own words ------------------------------------------
    def ask_life_stage(self, asking: Asking) -> Reply:
        a = asking.answers
        suggested = a.get("life_stage") or ("elderly" if "elderly" in (a.get(HEARD) or ()) else None)
        buttons = [option(s, Msg(f"finder.life_stage.{s}"), s == suggested) for s in LIFE_STAGES]
        lines = [Msg("finder.life_stage.ask")]
        if a.get("situations") is None and not a.get(HEARD):
            lines = [Msg("finder.start"), *lines, Msg("finder.start.free_text")]
        return Reply(tuple(lines), rows(buttons, 2), expects="choice")

    def parse_life_stage(self, event: Event, asking: Asking) -> Parsed:
        value = answer_value(event)
        if value in LIFE_STAGES:
            return Accept(value)
        if not isinstance(event, Text):
            return wrong_kind(event, "buttons")
        heard = self.understand(event.text)
        if isinstance(heard, Reject):
            return heard
        if not heard:  # not understood: the guided questions, from here
            return Stay(notes=(Reply((Msg("finder.free_text.not_understood"),)),))
        return Accept(asking.answers.get("life_stage"),
                      also={HEARD: heard, CONFIRMING: True, FACTS: household_facts(event.text[:FREE_TEXT_CHARS])})

    @staticmethod
    def understand(text: str) -> list[str] | Reject:
        checked = check_text(text, MAX_TEXT)
        if not isinstance(checked, Accept):
            return checked  # type: ignore[return-value]
        return list(map_free_text(checked.value[:FREE_TEXT_CHARS]).ids)

    def ask_confirm(self, asking: Asking) -> Reply:
        heard = asking.answers.get(HEARD) or []
        lines = [Msg("finder.understood", {"value": [Msg(f"finder.situation.{s}") for s in heard]})]
        if (asking.answers.get(FACTS) or {}).get("household_size") == 1:
            lines.append(Msg("finder.understood.alone"))
        lines += _urgent_lines(heard)
        buttons = ((option("yes", Msg("finder.understood.yes")),), (option("fix", Msg("finder.understood.fix")),))
        return Reply(tuple(lines), buttons, expects="choice")

    def parse_confirm(self, event: Event, asking: Asking) -> Parsed:
        value, heard = answer_value(event), list(asking.answers.get(HEARD) or [])
        facts = dict(asking.answers.get(FACTS) or {})  # the household as they described it
        if value == "yes":
            return Accept("yes", also={CONFIRMING: False, "situations": heard, PICKING: heard, **facts})
        if value == "fix":
            return Accept("fix", also={CONFIRMING: False, PICKING: heard, **facts})
        if isinstance(event, Text):  # said again, differently
            again = self.understand(event.text)
            if isinstance(again, Reject) or not again:
                return again if isinstance(again, Reject) else Reject(Msg("finder.free_text.not_understood_here"))
            return Stay({HEARD: again, FACTS: household_facts(event.text[:FREE_TEXT_CHARS])})
        return wrong_kind(event, "buttons")

    # -- 2. household size -----------------------------------------------------------------
    def ask_household_size(self, asking: Asking) -> Reply:
        chosen = str(min(int(asking.answers.get("household_size") or 0), 6))
        buttons = [option(s, Msg("finder.household_size.n" if s != "6" else "finder.household_size.more", {"n": s}),
                          s == chosen) for s in SIZES]
        return Reply((Msg("finder.household_size.ask"), Msg("finder.household_size.hint")), rows(buttons, 3),
                     expects="choice")

    def parse_household_size(self, event: Event, asking: Asking) -> Parsed:
        value = answer_value(event)
        if value in SIZES:
            return Accept(int(value))
        if isinstance(event, Text) and event.text.strip().rstrip("명").isdigit() and len(event.text) < 8:
            size = int(event.text.strip().rstrip("명"))
            if 1 <= size <= 30:
                return Accept(size)
        return wrong_kind(event, "buttons")

    # -- 3. situations (multi-select; typing works too) ------------------------------------
    def ask_concerns(self, asking: Asking) -> Reply:
        picked = selected_set(asking.answers, PICKING, "situations")
        buttons = [option(f"toggle:{s}", Msg(f"finder.situation.{s}"), s in picked) for s in SITUATION_IDS]
        done = option("done", Msg("finder.concerns.done", {"count": len(picked)}) if picked
                      else Msg("finder.concerns.none"))
        return Reply((Msg("finder.concerns.ask"), Msg("finder.concerns.hint")), (*rows(buttons, 2), (done,)),
                     expects="choice")

    def parse_concerns(self, event: Event, asking: Asking) -> Parsed:
        value = answer_value(event) or ""
        picked = selected_set(asking.answers, PICKING, "situations")
        if value == "done":
            return Accept(picked, also={"situations": picked, PICKING: picked})
        if value.startswith("toggle:") and value[7:] in SITUATION_IDS:
            sid = value[7:]
            if sid in picked:
                picked.remove(sid)
                return Stay({PICKING: picked})
            picked.append(sid)
            urgent = _urgent_lines([sid])
            return Stay({PICKING: picked}, (Reply(tuple(urgent)),) if urgent else ())
        if isinstance(event, Text):
            heard = self.understand(event.text)
            if isinstance(heard, Reject):
                return heard
            if not heard:
                return Reject(Msg("finder.free_text.not_understood_here"))
            picked += [s for s in heard if s not in picked]
            lines = [Msg("finder.concerns.heard", {"value": [Msg(f"finder.situation.{s}") for s in heard]})]
            facts = {k: v for k, v in household_facts(event.text[:FREE_TEXT_CHARS]).items()
                     if k != "household_size"}  # the size was answered just before: keep it
            return Stay({PICKING: picked, **facts}, (Reply((*lines, *_urgent_lines(heard))),))
        return wrong_kind(event, "buttons")

    # -- 4. what a candidate service still needs -------------------------------------------
    def ask_ages(self, asking: Asking) -> Reply:
        size = int(asking.answers.get("household_size") or 1)
        if size > 1:
            question, hint = question_msg("member_age"), Msg("finder.ages.hint", {"count": size})
        else:  # one person: their age, not "every member's"
            question, hint = Msg("finder.question.member_age.one"), Msg("finder.ages.hint_one")
        return Reply((question, hint),
                     ((option("skip", Msg("finder.unknown")),),), expects="text")

    def parse_ages(self, event: Event, asking: Asking) -> Parsed:
        if answer_value(event) == "skip":
            return Accept(None)
        if not isinstance(event, Text):
            return wrong_kind(event, "text")
        size = int(asking.answers.get("household_size") or 1)
        if len(event.text) > 200:
            return Reject(Msg("input.too_long", {"max": 200, "got": len(event.text)}))
        ages = [int(n) for n in re.findall(r"\d{1,3}", event.text)]
        if not ages or any(age > 130 for age in ages):
            return Reject(Msg("finder.ages.invalid", {"count": size}))
        if len(ages) != size and not (size >= 6 and 6 <= len(ages) <= 30):
            return Reject(Msg("finder.ages.count", {"count": size, "got": len(ages)}))
        return Accept(ages)

    def _choice(self, name: str, options: Callable[[Asking], list[str]], label: Callable[[str], Msg],
                ask_key: str, per_row: int = 2):
        """A question answered by one button, with "I don't know" (None) always offered."""
        def ask(asking: Asking) -> Reply:
            current = asking.answers.get(name)
            buttons = [option(v, label(v), current == v) for v in options(asking)]
            buttons.append(option("unknown", Msg("finder.unknown")))
            return Reply((Msg(ask_key),), rows(buttons, per_row), expects="choice")

        def parse(event: Event, asking: Asking) -> Parsed:
            value = answer_value(event)
            if value == "unknown":
                return Accept(None)
            if value in options(asking):
                return Accept(value)
            return wrong_kind(event, "buttons")
        return ask, parse

    def _amount(self, name: str):
        """An amount: bands cut at the candidates' thresholds, or a figure the person types."""
        def offered(asking: Asking) -> list[dict[str, int | None]]:
            return bands(band_edges(asking.answers, name, asking.ctx.now, self.data))

        def ask(asking: Asking) -> Reply:
            current = asking.answers.get(name)
            buttons = [option(_band_value(b), amount_label(b), current == b) for b in offered(asking)]
            buttons.append(option("unknown", Msg("finder.unknown")))
            question = question_msg(name)
            if name == "applicant_income" and asking.answers.get("couple") == "no":
                question = Msg("finder.question.applicant_income.alone")  # no spouse: theirs alone
            return Reply((question, Msg("finder.amount.hint")), rows(buttons, 2), expects="choice")

        def parse(event: Event, asking: Asking) -> Parsed:
            value = answer_value(event)
            if value == "unknown":
                return Accept(None)
            if value is not None:
                band = next((b for b in offered(asking) if _band_value(b) == value), None)
                return Accept(band) if band else wrong_kind(event, "buttons")
            if isinstance(event, Text):
                amount = parse_won(event.text)
                if amount is None:
                    return Reject(Msg("finder.amount.invalid"))
                return Accept({"exact": amount}, notes=(Reply((Msg("finder.amount.heard", {
                    "what": Msg(f"finder.amount.{name}"), "amount": Won(amount)}),)),))
            return wrong_kind(event, "buttons")
        return ask, parse

    def ask_income_exact(self, asking: Asking) -> Reply:
        band = asking.answers.get("monthly_income") or {}
        return Reply((Msg("finder.income_exact.ask", {"amount": amount_label(band)}), Msg("finder.amount.hint")),
                     ((option("skip", Msg("finder.skip")),),), expects="text")

    def parse_income_exact(self, event: Event, asking: Asking) -> Parsed:
        if answer_value(event) == "skip":
            return Accept(None)
        if not isinstance(event, Text):
            return wrong_kind(event, "text")
        amount = parse_won(event.text)
        if amount is None:
            return Reject(Msg("finder.amount.invalid"))
        return Accept(amount, notes=(Reply((Msg("finder.amount.heard", {
            "what": Msg("finder.amount.monthly_income"), "amount": Won(amount)}),)),))

    # -- 5. the short list, and talking to a person ----------------------------------------
    def result_cards(self, answers: Mapping[str, Any], ctx: TurnContext) -> tuple[Reply, ...]:
        shown, _, _ = ranked(findings(answers, ctx.now, self.data))
        return (Reply((Msg("finder.results.intro"),)), *(card(f, rank) for rank, f in enumerate(shown, 1)))

    def ask_results(self, asking: Asking) -> Reply:
        found = findings(asking.answers, asking.ctx.now, self.data)
        shown, more, not_fit = ranked(found)
        lines = [*summary_lines(shown, more, not_fit), *common_notes(found), Msg("finder.results.talk")]
        buttons = ((option("contact", Msg("finder.results.contact")),), (option("call", Msg("finder.results.call")),),
                   (option("done", Msg("finder.results.done")),))
        return Reply(tuple(lines), buttons, expects="choice")

    def parse_results(self, event: Event, asking: Asking) -> Parsed:
        value = answer_value(event)
        if value == "call" and "where" in asking.answers:
            return Stay(notes=(contact.dong_phone(asking.answers, asking.ctx),))
        if value in ("contact", "call", "done"):
            return Accept(value)
        return wrong_kind(event, "buttons")

    def finish(self, answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
        if answers.get("results") == "contact" and answers.get("consent"):
            return report_flow.finish(contact.self_report(answers, ctx), ctx)
        return [Reply((Msg("finder.finished"), Msg("emergency.short")), home.menu_buttons(), expects="choice")], []

    # -- the flow --------------------------------------------------------------------------
    def build(self) -> Flow:
        def yes_no(name: str, key: str):
            return self._choice(name, lambda a: ["yes", "no"], lambda v: Msg(f"finder.answer.{v}"), key)

        disability_options = lambda a: (["self", "other", "none"]  # noqa: E731
                                         if int(a.answers.get("household_size") or 1) > 1 else ["self", "none"])
        asked: dict[str, tuple[Callable, Callable]] = {
            "life_stage": (self.ask_life_stage, self.parse_life_stage),
            "confirm": (self.ask_confirm, self.parse_confirm),
            "household_size": (self.ask_household_size, self.parse_household_size),
            "concerns": (self.ask_concerns, self.parse_concerns),
            "ages": (self.ask_ages, self.parse_ages),
            "disability": self._choice("disability", disability_options, lambda v: Msg(f"finder.disability.{v}"),
                                       "finder.question.member_disability", 1),
            "severe": yes_no("severe", "finder.question.member_severe_disability"),
            "monthly_income": self._amount("monthly_income"),
            "income_exact": (self.ask_income_exact, self.parse_income_exact),
            "couple": yes_no("couple", "finder.question.couple"),
            "applicant_income": self._amount("applicant_income"),
            "housing": self._choice("housing", lambda a: list(HOUSING), lambda v: Msg(f"finder.housing.{v}"),
                                    "finder.question.housing"),
            "assets": self._amount("assets"),
            "region": self._choice("region", lambda a: list(REGIONS), lambda v: Msg(f"finder.region.{v}"),
                                   "finder.question.region", 3),
            "financial_assets": self._amount("financial_assets"),
            "young_carer": yes_no("young_carer", "finder.question.young_carer"),
            "similar_care": yes_no("similar_care", "finder.question.similar_care"),
            "results": (self.ask_results, self.parse_results),
            "where_sigungu": (report_flow.ask_sigungu, report_flow.parse_sigungu),
            "where": (contact.ask_where, report_flow.parse_where),
            "contact": (contact.ask_contact, contact.parse_contact),
            "phone": (report_flow.ask_phone, report_flow.parse_phone),
            "note": (contact.ask_note, contact.parse_note),
            "consent": (contact.ask_consent, contact.parse_consent),
        }
        steps = {"life_stage": 1, "confirm": 1, "household_size": 2, "concerns": 3}
        questions = [Question(name, steps.get(name, 4 if name in MISSING_QUESTIONS else 5), ask,
                              self.routed(name, parse), f"finder.help.{_help_topic(name)}")
                     for name, (ask, parse) in asked.items()]
        # keep_drafts=False: income and asset answers must not outlive the conversation.
        return Flow("finder", questions, _routes(), self.finish, TOTAL_STEPS, keep_drafts=False)


def _routes() -> list[Route]:
    """Each question may lead where :meth:`Finder.route` says; these are the edges it can take."""
    before = (*BEFORE_RESULTS, "results")
    leads = {name: [d for d in before if d != name] for name in BEFORE_RESULTS}
    leads["results"] = ["where_sigungu", "where", "contact", DONE]
    leads["where_sigungu"] = ["where"]
    leads["where"] = ["results", "contact", "phone", "note", "consent", DONE]
    leads["contact"] = ["phone", "note", "consent", DONE]
    leads["phone"] = ["note", "consent", DONE]
    leads["note"] = ["consent", DONE]
    leads["consent"] = [DONE]
    return [Route(source, dest, lambda a, c, dest=dest: a.get(NEXT) == dest)
            for source, dests in leads.items() for dest in dests]


def _help_topic(name: str) -> str:
    if name in ("life_stage", "confirm"):
        return "start"
    if name in MISSING_QUESTIONS:
        return "amounts" if name in ("monthly_income", "income_exact", "applicant_income", "assets",
                                     "financial_assets") else "details"
    return {"household_size": "household", "concerns": "situations", "results": "results"}.get(name, "contact")


def _band_value(band: Mapping[str, int | None]) -> str:
    return f"band:{band['lo']}:{'' if band['hi'] is None else band['hi']}"


def _urgent_lines(ids: list[str]) -> list[Msg]:
    calls = [Msg(URGENT_CALL[s]) for s in ids if s in URGENT_CALL]
    return [Msg("urgent.now"), *calls] if calls else []


def build_finder_flow(data: FinderData | None = None) -> Flow:
    return Finder(data or FinderData.load()).build()
