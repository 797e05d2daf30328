"""The quick follow-up call checklist (점검·사후관리 전화), for a caseworker between visits.

A normal call is 10 taps: reached · who answered · 안전 · 정신적 건강 (each asked on its own,
no default: checking the safety of a household with a 안전 problem is the point of a check,
L16583–16597) · the other domains (each starts at "same"; tap a domain to cycle better → worse
→ n.a.) · new risk signs and household changes (done) · services (skip) · note (skip) · next
contact · save. Each planned service (an accepted referral) adds its 이행상태 and, unless 불이행,
whether it comes as often as planned (2 taps), and a reason when it does not (서식5 ⑪–⑮,
L12222–12308). A "worse" in 안전 or 정신적 건강, or an urgent risk sign, shows the guidance at
once. The template (welfare/data/followup_checklist_v1.toml) decides the domains, signs and
escalation; the case decides which other domains are asked (those its report touched).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from dialogs import commands as cmd
from dialogs.events import Event, Text
from dialogs.flow import DONE, Accept, Asking, Flow, Parsed, Question, Reject, Route, Stay, TurnContext
from dialogs.questions import answer_value, check_text, option, parse_single, rows, wrong_kind
from dialogs.replies import Msg, Reply
from welfare.korea_time import kst_today
from welfare.followup_checklist import EXPLICIT_DOMAINS, Answerer, DomainStatus, load_template
from welfare.service_checks import ChangeReason, DeliveryFrequency, DeliveryStatus, HouseholdChange

TEMPLATE = load_template()
STATUS_CYCLE = ("same", "better", "worse", "not_applicable")
ALWAYS_ASKED = EXPLICIT_DOMAINS
SIGNS = "_signs_picking"
CHANGES = "_changes_picking"
DELIVERY = "_delivery_picking"  # {"done": [checks so far], "current": {...}, "phase": status|frequency|reason}


def domains_for(situation_domains_ko: list[str]) -> list[str]:
    """Domain ids to ask about: those named by the report's situations, then 안전 and 정신적 건강."""
    by_term = {d.term_ko: d.id for d in TEMPLATE.domains}
    wanted = {by_term[t] for t in situation_domains_ko if t in by_term} | set(ALWAYS_ASKED)
    return [d.id for d in TEMPLATE.domains if d.id in wanted]


def _statuses(answers: Mapping[str, Any]) -> dict[str, str]:
    """The other domains (안전 and 정신적 건강 have questions of their own)."""
    return dict(answers.get("domains") or {d: "same" for d in answers.get("@domains", ()) if d not in ALWAYS_ASKED})


def _explicit(domain: str):
    """안전 / 정신적 건강: asked on their own, with no answer chosen in advance."""
    def ask(asking: Asking) -> Reply:
        buttons = [option(s, Msg(f"checklist.status.{s}")) for s in ("better", "same", "worse", "not_applicable")]
        return Reply((Msg(f"process.followup.{domain}"), Msg("process.followup.ask_explicitly_hint")),
                     rows(buttons, 2), expects="choice")

    def parse(event: Event, asking: Asking) -> Parsed:
        value = answer_value(event)
        if value not in STATUS_CYCLE:
            return wrong_kind(event, "buttons")
        template_domain = TEMPLATE.domain(domain)
        notes: tuple[Reply, ...] = ()
        if value == "worse" and template_domain.escalate_when_worse:
            notes = (Reply((Msg("urgent.now"), *(Msg(g.label_key) for g in template_domain.guidance))),)
        return Accept(value, notes=notes)
    return ask, parse


def _service_name(service: Mapping[str, str]) -> Msg:
    return Msg("process.followup.service_label", {"org": service["org"],
                                                  "need": Msg(f"checklist.domain.{service['need']}")})


def _delivery(answers: Mapping[str, Any]) -> dict[str, Any]:
    state = answers.get(DELIVERY) or {"done": [], "current": {}, "phase": "status"}
    return {"done": list(state["done"]), "current": dict(state["current"]), "phase": state["phase"]}


def ask_delivery(asking: Asking) -> Reply:
    services, state = asking.answers.get("@services") or [], _delivery(asking.answers)
    n = len(state["done"])
    service = _service_name(services[n])
    if state["phase"] == "status":
        lines = (Msg("process.followup.service_status", {"n": n + 1, "total": len(services), "service": service}),)
        buttons = [option(s.value, Msg(s.label_key)) for s in DeliveryStatus]
    elif state["phase"] == "frequency":
        lines = (Msg("process.followup.service_frequency", {"service": service}),)
        buttons = [option(f.value, Msg(f.label_key)) for f in DeliveryFrequency]
    else:
        lines = (Msg("process.followup.service_reason", {"service": service}),)
        buttons = [option(r.value, Msg(r.label_key)) for r in ChangeReason]
    return Reply(lines, rows(buttons, 1), expects="choice")


def parse_delivery(event: Event, asking: Asking) -> Parsed:
    """One service at a time: status, then (unless 불이행) how often, then why if it differs."""
    services, state = asking.answers.get("@services") or [], _delivery(asking.answers)
    value, current, phase = answer_value(event) or "", state["current"], state["phase"]
    choices = {"status": DeliveryStatus, "frequency": DeliveryFrequency, "reason": ChangeReason}[phase]
    if value not in {c.value for c in choices}:
        return wrong_kind(event, "buttons")
    current[phase] = value
    if phase == "status":
        phase = "reason" if value == DeliveryStatus.NOT_DELIVERED else "frequency"
    elif phase == "frequency":
        phase = "status" if value == DeliveryFrequency.AS_PLANNED else "reason"
    else:
        phase = "status"
    if phase == "status":  # this service is done
        service = services[len(state["done"])]
        state["done"].append({"service": service["id"], "status": current["status"],
                              "frequency": current.get("frequency"), "reason": current.get("reason")})
        current = {}
        if len(state["done"]) == len(services):
            return Accept(state["done"], also={DELIVERY: {"done": state["done"], "current": {}, "phase": "status"}})
    return Stay({DELIVERY: {"done": state["done"], "current": current, "phase": phase}})


def ask_reached(asking: Asking) -> Reply:
    lines = (Msg("followup.title", {"case": asking.answers["@case_id"], "receipt": asking.answers["@receipt"]}),
             Msg("checklist.question.reached"))
    return Reply(lines, ((option("yes", Msg("followup.reached.yes")), option("no", Msg("followup.reached.no"))),),
                 expects="choice")


def ask_answered_by(asking: Asking) -> Reply:
    buttons = [option(a.value, Msg(a.label_key)) for a in Answerer]
    return Reply((Msg("checklist.question.answered_by"),), rows(buttons, 2), expects="choice")


def ask_domains(asking: Asking) -> Reply:
    statuses = _statuses(asking.answers)
    buttons = [option(f"cycle:{d}", Msg("followup.domain_button", {
        "domain": Msg(f"checklist.domain.{d}"), "status": Msg(f"checklist.status.{statuses[d]}")}),
        statuses[d] != "same") for d in statuses]
    return Reply((Msg("checklist.question.domains"), Msg("followup.domains_hint")),
                 (*rows(buttons, 2), (option("done", Msg("followup.done")),)), expects="choice")


def parse_domains(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event) or ""
    statuses = _statuses(asking.answers)
    if value == "done":
        return Accept(statuses, also={"domains": statuses})
    if value.startswith("cycle:") and value[6:] in statuses:
        domain = value[6:]
        statuses[domain] = STATUS_CYCLE[(STATUS_CYCLE.index(statuses[domain]) + 1) % len(STATUS_CYCLE)]
        notes: tuple[Reply, ...] = ()
        template_domain = TEMPLATE.domain(domain)
        if statuses[domain] == "worse" and template_domain.escalate_when_worse:
            notes = (Reply((Msg("urgent.now"), *(Msg(g.label_key) for g in template_domain.guidance))),)
        return Stay({"domains": statuses}, notes)
    return wrong_kind(event, "buttons")


def _changes(answers: Mapping[str, Any]) -> list[str]:
    return list(answers.get(CHANGES, answers.get("household_changes") or []))


def ask_signs(asking: Asking) -> Reply:
    picked = list(asking.answers.get(SIGNS, asking.answers.get("signs") or []))
    changes = _changes(asking.answers)
    buttons = [option(f"toggle:{s.id}", Msg(s.label_key), s.id in picked) for s in TEMPLATE.risk_signs]
    # What the household did (moved, refuses help) leads to a 종결 검토 (L9819–9824), not to alarm.
    moves = [option(f"change:{c.value}", Msg(c.label_key), c.value in changes) for c in HouseholdChange]
    done = option("done", Msg("followup.signs_done" if picked else "followup.no_signs", {"count": len(picked)}))
    return Reply((Msg("checklist.question.new_risk_signs"),), (*rows(buttons, 2), tuple(moves), (done,)),
                 expects="choice")


def parse_signs(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event) or ""
    picked = list(asking.answers.get(SIGNS, asking.answers.get("signs") or []))
    changes = _changes(asking.answers)
    if value == "done":
        return Accept(picked, also={SIGNS: picked, "household_changes": changes, CHANGES: changes})
    if value.startswith("change:") and value[7:] in {c.value for c in HouseholdChange}:
        change = value[7:]
        return Stay({CHANGES: [c for c in changes if c != change] if change in changes else [*changes, change]})
    if value.startswith("toggle:") and value[7:] in {s.id for s in TEMPLATE.risk_signs}:
        sign = TEMPLATE.risk_sign(value[7:])
        notes: tuple[Reply, ...] = ()
        if sign.id in picked:
            picked.remove(sign.id)
        else:
            picked.append(sign.id)
            if sign.urgent:
                notes = (Reply((Msg("urgent.now"), *(Msg(g.label_key) for g in sign.guidance))),)
        return Stay({SIGNS: picked}, notes)
    return wrong_kind(event, "buttons")


def _skippable_text(key: str, max_len: int):
    def ask(asking: Asking) -> Reply:
        return Reply((Msg(key), Msg("followup.skip_hint")), ((option("skip", Msg("report.address.skip")),),),
                     expects="text")

    def parse(event: Event, asking: Asking) -> Parsed:
        if answer_value(event) == "skip":
            return Accept("")
        if isinstance(event, Text):
            return check_text(event.text, max_len)
        return wrong_kind(event, "text")
    return ask, parse


def _next_contact_choices(asking: Asking) -> list[tuple[str, date]]:
    today = kst_today(asking.ctx.now)  # the caseworker's date, as the checklist checks it
    suggested = date.fromisoformat(asking.answers["@suggested_next"]) if asking.answers.get("@suggested_next") \
        else today + timedelta(days=7)
    options = [("suggested", suggested), ("week", today + timedelta(days=7)), ("month", today + timedelta(days=30))]
    return [(k, d) for i, (k, d) in enumerate(options) if d not in [x for _, x in options[:i]]]


def ask_next_contact(asking: Asking) -> Reply:
    buttons = [option(f"date:{d.isoformat()}", Msg(f"followup.next.{k}", {"date": d.isoformat()}))
               for k, d in _next_contact_choices(asking)]
    return Reply((Msg("checklist.question.next_contact_on"), Msg("followup.next.type_hint")), rows(buttons, 1),
                 expects="choice")


def parse_next_contact(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event) or ""
    raw = value[5:] if value.startswith("date:") else event.text.strip() if isinstance(event, Text) else ""
    today = kst_today(asking.ctx.now)  # the caseworker's date, as the checklist checks it
    match = re.fullmatch(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})", raw[:12])
    if not match:
        return wrong_kind(event, "buttons") if not isinstance(event, Text) else Reject(Msg("followup.next.bad_date"))
    try:
        year = int(match.group(1) or today.year)
        chosen = date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        return Reject(Msg("followup.next.bad_date"))
    if not today <= chosen <= today + timedelta(days=366):
        return Reject(Msg("followup.next.bad_date"))
    return Accept(chosen.isoformat())


def ask_review(asking: Asking) -> Reply:
    a = asking.answers
    lines = [Msg("followup.review.title")]
    if a.get("reached") == "yes":
        lines.append(Msg("followup.review.answered_by", {"value": Msg(f"checklist.answered_by.{a['answered_by']}")}))
        # 안전 and 정신적 건강 are always shown: they were asked, whatever the answer.
        lines.append(Msg("followup.review.domains", {"value": [Msg("followup.domain_button", {
            "domain": Msg(f"checklist.domain.{d}"), "status": Msg(f"checklist.status.{a[d]}")}) for d in ALWAYS_ASKED]}))
        if a.get("delivery"):
            names = {s["id"]: _service_name(s) for s in a.get("@services") or []}
            lines.append(Msg("process.followup.review.services", {"value": [Msg("process.followup.review.service_item", {
                "service": names.get(c["service"], c["service"]), "status": Msg(f"service_check.status.{c['status']}")})
                for c in a["delivery"]]}))
        changed = {d: s for d, s in (a.get("domains") or {}).items() if s != "same"}
        lines.append(Msg("followup.review.domains", {"value": [Msg("followup.domain_button", {
            "domain": Msg(f"checklist.domain.{d}"), "status": Msg(f"checklist.status.{s}")}) for d, s in changed.items()]
            or Msg("followup.review.no_change")}))
        lines.append(Msg("followup.review.signs", {"value": [Msg(f"checklist.risk_sign.{s}") for s in a.get("signs", [])]
                                                   or Msg("followup.review.none")}))
    else:
        lines.append(Msg("followup.review.not_reached"))
    lines.append(Msg("followup.review.next", {"date": a.get("next_contact", "-")}))
    return Reply(tuple(lines), ((option("save", Msg("followup.save")),),), expects="choice")


def parse_review(event: Event, asking: Asking) -> Parsed:
    return Accept(True) if answer_value(event) == "save" else wrong_kind(event, "buttons")


def finish(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    reached = answers.get("reached") == "yes"
    submission: dict[str, Any] = {"version": TEMPLATE.version, "reached": reached,
                                  "next_contact_on": answers.get("next_contact")}
    if reached:
        services = [s.strip() for s in re.split(r"[,\n]", answers.get("services") or "") if s.strip()]
        # Domains this case does not touch were not asked: recorded as "not applicable".
        domains = {d.id: "not_applicable" for d in TEMPLATE.domains} | dict(answers.get("domains") or {})
        domains |= {d: answers[d] for d in ALWAYS_ASKED}
        submission.update(answered_by=answers["answered_by"], domains=domains,
                          services=list(answers.get("delivery") or []),
                          household_changes=list(answers.get("household_changes") or []),
                          new_risk_signs=list(answers.get("signs") or []),
                          services_received=services[:TEMPLATE.services_max_items], note=answers.get("note") or "")
    return [], [cmd.SubmitFollowup(int(answers["@case_id"]), submission)]


def build_followup_flow() -> Flow:
    q = Question
    ask_services, parse_services = _skippable_text("checklist.question.services_received", 300)
    ask_note, parse_note = _skippable_text("checklist.question.note", TEMPLATE.note_max_chars)
    ask_safety, parse_safety = _explicit("safety")
    ask_mental, parse_mental = _explicit("mental_health")
    questions = [
        q("reached", 1, ask_reached, parse_single(lambda a: ["yes", "no"]), "help.followup"),
        q("answered_by", 2, ask_answered_by, parse_single(lambda a: [x.value for x in Answerer]), "help.followup"),
        q("safety", 3, ask_safety, parse_safety, "help.followup"),
        q("mental_health", 4, ask_mental, parse_mental, "help.followup"),
        q("domains", 5, ask_domains, parse_domains, "help.followup.domains"),
        q("delivery", 6, ask_delivery, parse_delivery, "help.followup"),
        q("signs", 7, ask_signs, parse_signs, "help.followup"),
        q("services", 8, ask_services, parse_services, "help.followup"),
        q("note", 9, ask_note, parse_note, "help.followup", keeps_danger_text=True),
        q("next_contact", 10, ask_next_contact, parse_next_contact, "help.followup"),
        q("review", 11, ask_review, parse_review, "help.followup"),
    ]
    r = Route
    others = lambda a, c: bool(_statuses(a))  # noqa: E731 - the report touched other domains
    planned = lambda a, c: bool(a.get("@services"))  # noqa: E731 - accepted referrals to check
    routes = [r("reached", "answered_by", lambda a, c: a["reached"] == "yes"), r("reached", "next_contact"),
              r("answered_by", "safety"), r("safety", "mental_health"),
              r("mental_health", "domains", others), r("mental_health", "delivery", planned),
              r("mental_health", "signs"),
              r("domains", "delivery", planned), r("domains", "signs"), r("delivery", "signs"),
              r("signs", "services"), r("services", "note"),
              r("note", "next_contact"), r("next_contact", "review"), r("review", DONE)]
    return Flow("followup", questions, routes, finish, total_steps=11)


assert set(STATUS_CYCLE) == {s.value for s in DomainStatus}
