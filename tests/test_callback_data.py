"""Callback data stays within Telegram's 64 bytes for every case button, and reads back exactly;
ids are parsed strictly (issue 11, items 2 and 3)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogs import callback_data as cb

BIG = cb.MAX_ID


def every_case_button(case_id: int, version: int, worker: int) -> list[str]:
    values = [cb.take(case_id), cb.assign(case_id), cb.assign_to(case_id, worker), cb.open_case(case_id),
              cb.full_record(case_id), cb.followup(case_id)]
    values += [cb.toggle_fact(case_id, fact) for fact in cb.FACTS]
    for action in cb.ACTIONS:
        values.append(cb.act(case_id, version, action))
        if action in cb.REASON_ENUMS:
            values += [cb.act(case_id, version, action, str(r.value)) for r in cb.REASON_ENUMS[action]]
    return values


def test_the_largest_ids_and_every_action_fit_in_64_bytes_with_the_largest_version():
    for value in every_case_button(BIG, BIG, BIG):
        data = cb.encode_callback(BIG, value)
        assert len(data.encode()) <= 64, data
        assert cb.decode_callback(data) == (BIG, value)


def test_the_case_from_the_issue_fits_and_reads_back():
    value = cb.act(12345, 1, "refer_elsewhere", "self_sufficiency_case_management")
    assert len(cb.encode_callback(7, value)) < 64
    assert cb.parse_case_button(value) == cb.CaseButton("act", 12345, 1, "refer_elsewhere",
                                                        "self_sufficiency_case_management")


def test_codes_already_in_chats_keep_their_meaning():
    # Append-only codes: these values sit on buttons in people's chats.
    assert cb.take(1) == "case:0:1"
    assert cb.act(10, 2, "assign_counsellor") == "case:7:a:2:0"


@given(st.integers(1, BIG), st.integers(0, BIG), st.integers(1, BIG), st.data())
def test_any_ids_round_trip(case_id, version, worker, data):
    value = data.draw(st.sampled_from(every_case_button(case_id, version, worker)))
    button = cb.parse_case_button(value)
    assert button is not None and button.subject == case_id
    assert button.value() == value
    assert cb.decode_callback(cb.encode_callback(version, value)) == (version, value)


@given(st.text(max_size=80))
def test_anything_else_is_refused_not_raised(text):
    cb.parse_case_button("case:" + text)
    cb.decode_callback(text)
    cb.parse_id(text)


def test_ids_are_ascii_digits_within_64_bits():
    assert "²".isdigit()  # why str.isdigit is not used
    for bad in ("²", "¹", "١٢", "１２", "-1", "0", "+5", " 5", str(2 ** 63), "9" * 30, ""):
        assert cb.parse_id(bad) is None, bad
    assert cb.parse_id(str(BIG)) == BIG
    assert cb.decode_callback("²|menu:sos") is None
    assert cb.parse_case_button("case:3:¹") is None
