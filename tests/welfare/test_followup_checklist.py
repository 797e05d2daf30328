"""Follow-up call checklist: the v1 template, its validation and the escalation rules."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from welfare.followup_checklist import (
    DOMAIN_IDS,
    TEMPLATE_PATH,
    Answerer,
    DomainStatus,
    ErrorCode,
    EscalationReason,
    Guidance,
    InvalidSubmission,
    Message,
    Submission,
    TemplateError,
    evaluate_submission,
    load_template,
    parse_template,
)

D = date
FRIDAY_BEFORE_SEOLLAL = D(2026, 2, 13)  # next working day: 2026-02-19
LOCALES = Path(__file__).resolve().parents[2] / "locales"
TEMPLATE_TEXT = TEMPLATE_PATH.read_text(encoding="utf-8")


def call(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "version": 1,
        "reached": True,
        "attempts": 1,
        "answered_by": "self",
        "domains": {d: "same" for d in DOMAIN_IDS},
        "new_risk_signs": [],
        "services_received": ["반찬 지원"],
        "note": "",
        "next_contact_on": "2026-03-10",
    }
    answers.update(changes)
    return answers


def domains(**states: str) -> dict[str, str]:
    return {d: states.get(d, "same") for d in DOMAIN_IDS}


def test_v1_template_has_the_eleven_domains_in_the_guides_order() -> None:
    template = load_template()
    assert (template.id, template.version, template.max_unanswered_attempts) == ("followup_call", 1, 3)
    assert tuple(d.id for d in template.domains) == DOMAIN_IDS
    escalating = {d.id for d in template.domains if d.escalate_when_worse}
    assert escalating == {"safety", "mental_health"}
    assert template.domain("economy").term_ko == "경제"
    assert template.domain("legal_rights").term_ko == "법률 및 권익보장"
    assert all(re.match(r"L\d+", d.lines) for d in template.domains)
    assert load_template() is template  # parsed once


def test_an_ordinary_call_changes_nothing() -> None:
    outcome = evaluate_submission(call(), today=FRIDAY_BEFORE_SEOLLAL)
    assert not (outcome.escalate_to_team_leader or outcome.urgent or outcome.retry_call)
    assert not outcome.reassessment_suggested and outcome.reasons == () and outcome.guidance == ()
    assert outcome.next_contact_on == D(2026, 3, 10)


def test_two_unanswered_attempts_mean_calling_again_after_seollal() -> None:
    outcome = evaluate_submission({"version": 1, "reached": False, "attempts": 2}, today=FRIDAY_BEFORE_SEOLLAL)
    assert outcome.retry_call and not outcome.escalate_to_team_leader
    assert outcome.guidance == (Guidance.RETRY_CALL,)
    assert outcome.next_contact_on == D(2026, 2, 19)


@pytest.mark.parametrize("attempts", [3, 4])
def test_three_unanswered_attempts_escalate_and_plan_a_visit(attempts: int) -> None:
    outcome = evaluate_submission(
        {"version": 1, "reached": False, "attempts": attempts}, today=FRIDAY_BEFORE_SEOLLAL
    )
    assert outcome.escalate_to_team_leader and not outcome.urgent and not outcome.retry_call
    assert outcome.reasons == (Message("checklist.escalation.unanswered_attempts", {"attempts": attempts}),)
    assert outcome.guidance == (Guidance.PLAN_HOME_VISIT,)
    assert outcome.next_contact_on == D(2026, 2, 19)


def test_worse_safety_is_urgent_with_the_report_guidance() -> None:
    outcome = evaluate_submission(call(domains=domains(safety="worse")), today=FRIDAY_BEFORE_SEOLLAL)
    assert outcome.escalate_to_team_leader and outcome.urgent and outcome.reassessment_suggested
    assert outcome.worse_domains == ("safety",)
    assert outcome.reasons == (
        Message(EscalationReason.DOMAIN_WORSE.label_key, {"domain": Message("checklist.domain.safety")}),
    )
    assert outcome.guidance[:2] == (Guidance.REPORT_TO_SPECIALIST_BODY, Guidance.EMERGENCY_112_119)
    assert Guidance.CONSIDER_NEEDS_REASSESSMENT in outcome.guidance
    # Urgent: the next calendar day, 설날 or not.
    assert outcome.next_contact_on == D(2026, 2, 14)


def test_worse_mental_health_is_urgent_with_the_crisis_lines() -> None:
    answers = call(domains=domains(mental_health="worse"), next_contact_on="2026-10-05")
    outcome = evaluate_submission(answers, today=D(2026, 9, 23))
    assert outcome.escalate_to_team_leader and outcome.urgent
    assert Guidance.MENTAL_HEALTH_CRISIS_LINE in outcome.guidance
    assert outcome.next_contact_on == D(2026, 9, 24)  # 추석 day 1: the duty team still calls


def test_worse_in_another_domain_asks_for_a_resurvey_without_escalating() -> None:
    outcome = evaluate_submission(call(domains=domains(economy="worse", housing="worse")), today=D(2026, 3, 2))
    assert not outcome.escalate_to_team_leader and not outcome.urgent
    assert outcome.reassessment_suggested and outcome.worse_domains == ("economy", "housing")
    assert outcome.guidance == (Guidance.CONSIDER_NEEDS_REASSESSMENT,)


def test_risk_signs_escalate_as_the_template_says() -> None:
    suicide = evaluate_submission(call(new_risk_signs=["suicide_risk"]), today=FRIDAY_BEFORE_SEOLLAL)
    assert suicide.escalate_to_team_leader and suicide.urgent
    sign = Message("checklist.risk_sign.suicide_risk")
    assert suicide.reasons == (Message("checklist.escalation.risk_sign", {"sign": sign}),)
    isolation = evaluate_submission(call(new_risk_signs=["isolation"]), today=FRIDAY_BEFORE_SEOLLAL)
    assert isolation.escalate_to_team_leader and not isolation.urgent
    assert isolation.next_contact_on == D(2026, 3, 10)
    eviction = evaluate_submission(call(new_risk_signs=["eviction_risk"]), today=FRIDAY_BEFORE_SEOLLAL)
    assert not eviction.escalate_to_team_leader and eviction.reassessment_suggested


def test_an_earlier_date_chosen_by_the_worker_is_kept_when_urgent() -> None:
    outcome = evaluate_submission(
        call(domains=domains(safety="worse"), next_contact_on="2026-02-13"), today=FRIDAY_BEFORE_SEOLLAL
    )
    assert outcome.next_contact_on == D(2026, 2, 13)


def test_a_typed_submission_is_accepted_as_is() -> None:
    submission = Submission(
        version=1, reached=True, attempts=1, answered_by=Answerer.FAMILY,
        domains={d: DomainStatus.NOT_APPLICABLE for d in DOMAIN_IDS} | {"safety": DomainStatus.WORSE},
    )  # fmt: skip
    assert evaluate_submission(submission, today=D(2026, 3, 3)).urgent


def error_codes(answers: dict[str, Any], today: date = FRIDAY_BEFORE_SEOLLAL) -> dict[str, ErrorCode]:
    with pytest.raises(InvalidSubmission) as caught:
        evaluate_submission(answers, today=today)
    return {e.field: e.code for e in caught.value.errors}


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        (call(colour="blue"), "colour", ErrorCode.UNKNOWN_FIELD),
        (call(version=2), "version", ErrorCode.VERSION_MISMATCH),
        (call(reached=None), "reached", ErrorCode.REACHED_MISSING),
        (call(attempts=0), "attempts", ErrorCode.ATTEMPTS_INVALID),
        (call(attempts=True), "attempts", ErrorCode.ATTEMPTS_INVALID),
        (call(answered_by="landlord"), "answered_by", ErrorCode.ANSWERED_BY_INVALID),
        (call(reached=False), "reached", ErrorCode.NOT_REACHED_WITH_ANSWERS),
        (call(domains={d: "same" for d in DOMAIN_IDS if d != "safety"}), "domains.safety", ErrorCode.DOMAIN_MISSING),
        (call(domains=domains() | {"weather": "same"}), "domains.weather", ErrorCode.DOMAIN_UNKNOWN),
        (call(domains=domains(care="awful")), "domains.care", ErrorCode.DOMAIN_STATUS_INVALID),
        (call(new_risk_signs=["ghosts"]), "new_risk_signs", ErrorCode.RISK_SIGN_UNKNOWN),
        (call(services_received=["  "]), "services_received", ErrorCode.SERVICES_INVALID),
        (call(services_received="반찬"), "services_received", ErrorCode.SERVICES_INVALID),
        (call(note="가" * 501), "note", ErrorCode.NOTE_TOO_LONG),
        (call(next_contact_on="next tuesday"), "next_contact_on", ErrorCode.NEXT_CONTACT_INVALID),
        (call(next_contact_on="2026-02-12"), "next_contact_on", ErrorCode.NEXT_CONTACT_IN_PAST),
    ],
)
def test_invalid_answers_are_refused_with_a_field_and_a_code(answers, field: str, code: ErrorCode) -> None:
    assert error_codes(answers)[field] is code


def test_all_errors_are_reported_together() -> None:
    codes = error_codes({"version": 1, "reached": True, "attempts": 1, "answered_by": "self"})
    assert {f"domains.{d}" for d in DOMAIN_IDS} <= set(codes)


def replace_in_template(old: str, new: str) -> str:
    assert old in TEMPLATE_TEXT
    return TEMPLATE_TEXT.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (replace_in_template("version = 1", "version = 9"), "unsupported version"),
        (replace_in_template("max_unanswered_attempts = 3", "max_unanswered_attempts = 0"), "positive integer"),
        (replace_in_template('id = "economy"', 'id = "money"'), "domain ids"),
        (replace_in_template('id = "neighbour"', 'id = "friend"'), "answerer ids"),
        (replace_in_template('id = "worse"', 'id = "bad"'), "status ids"),
        (replace_in_template('"emergency_112_119"]', '"call_batman"]'), "call_batman"),
        (replace_in_template('id = "eviction_risk"', 'id = "isolation"'), "repeated"),
        (replace_in_template("escalate = true\nurgent = true", "escalate = false\nurgent = true"), "urgent sign"),
        (replace_in_template('term_ko = "경제"', 'term_ko = ""'), "term_ko"),
        (replace_in_template("escalate_when_worse = false", 'escalate_when_worse = "no"'), "true or false"),
        ("[checklist\nversion = 1", "test.toml: Expected"),
    ],
)
def test_a_malformed_template_is_rejected(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template(text, "test.toml")


def test_a_template_can_be_loaded_from_a_path(tmp_path: Path) -> None:
    copy = tmp_path / "followup_checklist_v1.toml"
    copy.write_text(TEMPLATE_TEXT, encoding="utf-8")
    assert load_template(copy) == load_template()


def catalog(lang: str) -> dict[str, str]:
    """casework.po with process.po (the case process's own domain, issue 14), merged as the bot does."""
    merged: dict[str, str] = {}
    for domain in ("casework", "process"):
        with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
            merged |= {m.id: m.string for m in read_po(fh) if m.id}
    return merged


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_checklist_key_has_a_translation(lang: str) -> None:
    messages = catalog(lang)
    keys = load_template().message_keys()
    assert {f"checklist.domain.{d}" for d in DOMAIN_IDS} <= keys
    for key in sorted(keys):
        assert messages.get(key, "").strip(), f"{key} missing in {lang}"


def test_placeholders_match_between_languages_and_the_parameters_the_code_sends() -> None:
    ko, en = catalog("ko"), catalog("en")
    assert ko.keys() == en.keys()
    for key in ko:
        assert placeholders(ko[key]) == placeholders(en[key]), key
    assert placeholders(ko[EscalationReason.UNANSWERED_ATTEMPTS.label_key]) == {"attempts"}
    assert placeholders(ko[EscalationReason.DOMAIN_WORSE.label_key]) == {"domain"}
    assert placeholders(ko[EscalationReason.RISK_SIGN.label_key]) == {"sign"}
    answers = call(domains=domains(safety="worse"), new_risk_signs=["suicide_risk"])
    sent = evaluate_submission(answers, today=D(2026, 3, 3))
    for reason in sent.reasons:
        assert set(reason.params) == placeholders(ko[reason.key])
        rendered = ko[reason.key].format(**{k: ko[v.key] for k, v in reason.params.items()})
        assert "{" not in rendered


def test_korean_labels_use_the_guides_words() -> None:
    ko = catalog("ko")
    assert [ko[f"checklist.domain.{d}"] for d in DOMAIN_IDS] == [
        "경제", "돌봄", "신체적 건강", "정신적 건강", "주거", "일자리",
        "보육 및 교육", "관계", "안전", "법률 및 권익보장", "문화 및 여가",
    ]  # fmt: skip
    assert [ko[f"checklist.answered_by.{a.value}"] for a in Answerer] == ["본인", "가족", "이웃", "기타"]


def test_a_typed_submission_with_unknown_ids_is_refused() -> None:
    bad = Submission(version=1, reached=True, attempts=1, answered_by=Answerer.SELF, new_risk_signs=("ghosts",))
    with pytest.raises(InvalidSubmission) as caught:
        evaluate_submission(bad, today=D(2026, 3, 3))
    assert caught.value.errors[0].code is ErrorCode.RISK_SIGN_UNKNOWN


@pytest.mark.parametrize("note,guidance", [
    ("할머니가 요즘 죽고 싶다고 자주 말씀하세요", Guidance.MENTAL_HEALTH_CRISIS_LINE),
    ("아들이 때린다고 하셨어요", Guidance.REPORT_TO_SPECIALIST_BODY),
    ("통화 중에 숨쉬기 힘들어하셨어요", Guidance.EMERGENCY_112_119),
])
def test_danger_in_the_workers_own_note_is_urgent_without_any_box_ticked(note, guidance) -> None:
    outcome = evaluate_submission(call(note=note), today=FRIDAY_BEFORE_SEOLLAL)
    assert outcome.escalate_to_team_leader and outcome.urgent
    assert Message(EscalationReason.DANGER_IN_NOTE.label_key) in outcome.reasons and guidance in outcome.guidance
    assert outcome.next_contact_on == D(2026, 2, 14)  # the next calendar day, not after 설날
    ordinary = evaluate_submission(call(note="반찬 배달을 잘 받고 계세요"), today=FRIDAY_BEFORE_SEOLLAL)
    assert not ordinary.escalate_to_team_leader and not ordinary.urgent
