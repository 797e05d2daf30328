"""Referral buttons use the one callback-data codec: within 64 bytes at the largest ids, read
back exactly, codes pinned, anything else refused (not raised)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogs import callback_data as cb

BIG = cb.MAX_ID


def every_referral_button(referral: int, version: int) -> list[str]:
    values = [cb.referral_button("open", referral)]
    for kind in cb.REFERRAL_KINDS[1:]:
        values.append(cb.referral_button(kind, referral, version))
        values += [cb.referral_button(kind, referral, version, str(c.value)) for c in cb.REFERRAL_CHOICES.get(kind, ())]
    return values + [cb.refer(referral)]


def test_the_largest_ids_fit_in_64_bytes_with_the_largest_conversation_version():
    for value in every_referral_button(BIG, BIG):
        data = cb.encode_callback(BIG, value)
        assert len(data.encode()) <= 64 and cb.decode_callback(data) == (BIG, value)


def test_codes_already_in_chats_keep_their_meaning():
    assert cb.referral_button("accept", 12, 1) == "ref:2:c:1"
    assert cb.referral_button("reject", 12, 1, "no_capacity") == "ref:3:c:1:2"
    assert cb.refer(7) == "case:8:7"
    assert cb.is_case_button("ref:2:c:1") and cb.parse_case_button("ref:2:c:1") is None


@given(st.integers(1, BIG), st.integers(0, BIG), st.data())
def test_any_ids_round_trip(referral, version, data):
    value = data.draw(st.sampled_from(every_referral_button(referral, version)[:-1]))
    button = cb.parse_referral_button(value)
    assert button is not None and button.referral == referral and button.value() == value


@given(st.text(max_size=80))
def test_anything_else_is_refused_not_raised(text):
    cb.parse_referral_button("ref:" + text)
    assert cb.parse_referral_button("ref:1:1:1:0") is None  # receive takes no choice
    assert cb.parse_referral_button("ref:0:1:1") is None  # open takes no version
