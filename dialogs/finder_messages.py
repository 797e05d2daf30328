"""The service finder's results as catalog messages (pure: no rendering, no text).

Domain reasons and notes carry a catalog key and raw params (welfare.finder_format): an
amount (an int under a name in ``AMOUNT_PARAMS``) becomes a :class:`Won`, which the renderer
formats per language ("180만원", "₩1,800,000"); a str param starting with ``finder.`` is
itself a key and becomes a :class:`Msg`. Catalogue texts are data in two languages
(``name_ko`` / ``name_en``): :func:`localized` wraps such a pair in the key
``finder.localized``, whose Korean template shows ``{ko}`` and English template ``{en}``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dialogs.replies import Msg, Reply
from welfare.eligibility_checks import Question, Reason, Status
from welfare.finder_format import AMOUNT_PARAMS, KEY_PREFIX, Won
from welfare.service_catalogue import Contact, LocalizedText, Service

# Notes every result carries: said once, under the list, not on every card.
COMMON_NOTES = ("finder.note.screening_only", "finder.note.parameters_may_be_outdated")
MAX_REASONS = 4  # a card on a phone: what decides first, not the whole trace


@dataclass(frozen=True, slots=True)
class Finding:
    """One service as the finder presents it: the screening's answer for the band or
    figures the person gave, with reasons already turned into messages."""

    service: Service
    status: Status
    reasons: tuple[Msg, ...]
    missing: tuple[str, ...]  # question ids (welfare.eligibility_checks.QUESTION_IDS, "income_exact")
    notes: tuple[Reason, ...]
    candidate: bool  # answers a situation the person named (and their life stage)
    order: int  # position in the catalogue: the tie-break


def localized(text: LocalizedText) -> Msg:
    return Msg("finder.localized", {"ko": text.ko, "en": text.en})


# The params of a reason that name a threshold (the rest name the person's own figures).
THRESHOLD_PARAMS = frozenset({"threshold", "single_threshold", "couple_threshold", "limit", "low_limit", "high_limit"})


def reason_msg(reason: Reason, shown: Mapping[tuple[str, int], Mapping[str, int | None]] | None = None) -> Msg:
    """A domain reason (or note) as a message. ``shown`` replaces an amount param's value
    with the band the person chose instead of its edge; a band edge that is the reason's own
    threshold is not said again ("820,556원 이하 금액은 … 820,556원 이하" → "고르신 금액은 …")."""
    thresholds = {v for k, v in reason.params.items() if k in THRESHOLD_PARAMS and isinstance(v, int)}
    params: dict[str, object] = {}
    for name, value in reason.params.items():
        if name in AMOUNT_PARAMS and isinstance(value, int) and not isinstance(value, bool):
            band = (shown or {}).get((name, value))
            params[name] = amount_label(band, in_sentence=True, said=thresholds) if band else Won(value)
        elif isinstance(value, str) and value.startswith(KEY_PREFIX):
            params[name] = Msg(value)
        else:
            params[name] = value
    return Msg(reason.key, params)


def question_msg(question: Question | str) -> Msg:
    qid = question if isinstance(question, str) else question.id
    return Msg(f"finder.question.{qid}")


def status_msg(status: Status) -> Msg:
    return Msg(f"finder.status.{status.value}")


def title(finding: Finding, rank: int) -> Msg:
    return Msg("finder.card.title", {"icon": Msg(f"finder.card.icon.{finding.status.value}"), "rank": rank,
                                     "name": localized(finding.service.name), "status": status_msg(finding.status)})


def contact_msg(contact: Contact) -> Msg:
    if contact.phone:
        return Msg("finder.card.contact_phone", {"name": localized(contact.name), "phone": contact.phone})
    return localized(contact.name)


def card(finding: Finding, rank: int) -> Reply:
    """One service: what it is, why it may or may not fit, how to apply, whom to ask."""
    service = finding.service
    lines = [title(finding, rank), Msg("finder.card.what", {"text": localized(service.benefit_description)}),
             Msg("finder.card.why")]
    lines += [Msg("finder.card.bullet", {"text": r}) for r in finding.reasons[:MAX_REASONS]]
    if finding.missing:
        lines.append(Msg("finder.card.missing", {"value": [Msg(f"finder.missing.{q}") for q in finding.missing]}))
    lines.append(Msg("finder.card.how", {"text": localized(service.application_process)}))
    if service.required_documents:
        lines.append(Msg("finder.card.documents", {"value": [localized(d) for d in service.required_documents]}))
    lines.append(Msg("finder.card.contacts", {"value": [contact_msg(c) for c in service.contacts]}))
    if service.url:
        lines.append(Msg("finder.card.url", {"url": service.url}))
    lines += [Msg("finder.card.note", {"text": reason_msg(n)}) for n in finding.notes if n.key not in COMMON_NOTES]
    return Reply(tuple(lines))


def summary_lines(shown: list[Finding], more: list[Finding], not_fit: list[Finding]) -> list[Msg]:
    """The list in one message: ranked titles, what else there is, what does not fit."""
    lines = [Msg("finder.results.title")]
    if not shown:
        lines.append(Msg("finder.results.none"))
    lines += [title(f, rank) for rank, f in enumerate(shown, 1)]
    if more:
        lines.append(Msg("finder.results.more", {"value": [localized(f.service.name) for f in more]}))
    if not_fit:
        lines.append(Msg("finder.results.not_fit", {"value": [localized(f.service.name) for f in not_fit]}))
    return lines


def common_notes(findings: Iterable[Finding]) -> list[Msg]:
    """The honest part, always: a screening, not a decision; 복지로 모의계산; the 읍면동 decides."""
    keys = {n.key for f in findings for n in f.notes}
    notes = [Msg("finder.results.honest"), Msg("finder.note.screening_only")]
    if "finder.note.parameters_may_be_outdated" in keys:
        notes.append(Msg("finder.note.parameters_may_be_outdated"))
    return notes


def amount_label(amount: Mapping[str, int | None], in_sentence: bool = False,
                 said: frozenset[int] | set[int] = frozenset()) -> Msg:
    """How an amount answer reads: an exact figure, or the band chosen — on a button rounded
    to 만원 ("약 82만원~103만원"); ``in_sentence``, standing in a reason for the figure, with
    its exact edges ("820,556원 초과 1,025,695원 이하 금액은 …"), so it never seems to
    contradict the exact threshold beside it. Edges in ``said`` (the sentence's own
    thresholds) are left out, so no figure is said twice in one sentence."""
    if amount.get("exact") is not None:
        return Msg("finder.amount.exact", {"amount": Won(int(amount["exact"]))})  # type: ignore[arg-type]
    lo, hi = amount.get("lo") or 0, amount.get("hi")
    if in_sentence and said:
        lo_said = lo > 0 and lo - 1 in said
        hi_said = hi is not None and hi in said
        if (hi is None and lo_said) or (lo == 0 and hi_said) or (lo_said and hi_said):
            return Msg("finder.band.chosen.amount")
        if lo_said and hi is not None:
            return Msg("finder.band.up_to.chosen", {"hi": Won(hi)})
        if hi_said and lo > 0:
            return Msg("finder.band.over.chosen", {"lo": Won(lo - 1)})
    shown = (lambda v: Won(v)) if in_sentence else (lambda v: Won(_round_man(v)))  # noqa: E731
    suffix = ".amount" if in_sentence else ""
    if hi is None:
        return Msg(f"finder.band.over{suffix}", {"lo": shown(lo - 1)})
    if lo == 0:
        return Msg(f"finder.band.up_to{suffix}", {"hi": shown(hi)})
    return Msg(f"finder.band.between{suffix}", {"lo": shown(lo - 1), "hi": shown(hi)})


def _round_man(amount: int) -> int:
    """To the nearest 만원 (10,000 won), the way people say amounts."""
    return max(0, (amount + 5_000) // 10_000 * 10_000)
