"""Hand-off buttons (재의뢰 to an organisation, the lead, 이관 to a 읍면동) in the one callback-data
codec: within 64 bytes for any id the store holds (32-bit) with the longest organisation code,
read back exactly, codes already in chats unchanged, anything forged refused (not raised)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogs import callback_data as cb

STORE_MAX = 2**31 - 1  # ids and versions in the store (bot/casework.py MAX_ID)
ORG_CODES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1,
                    max_size=24)
DONG_CODES = st.text(alphabet="0123456789", min_size=10, max_size=10)


@given(st.integers(1, STORE_MAX), st.integers(0, STORE_MAX), st.integers(0, STORE_MAX), ORG_CODES, DONG_CODES)
def test_hand_off_buttons_fit_and_round_trip(subject, version, conversation, org, dong):
    for value in (cb.lead_menu(subject), cb.lead_to(subject, org), cb.lead_to(subject, None), cb.move_menu(subject),
                  cb.move_to(subject, dong)):
        data = cb.encode_callback(conversation, value)
        assert len(data.encode()) <= 64 and cb.decode_callback(data) == (conversation, value)
        button = cb.parse_case_button(value)
        assert button is not None and button.subject == subject and button.value() == value
    onward = cb.referral_button("refer_onward", subject, version, org)
    assert len(cb.encode_callback(conversation, onward).encode()) <= 64
    pressed = cb.parse_referral_button(onward)
    assert pressed is not None and (pressed.kind, pressed.referral, pressed.version, pressed.choice) == (
        "refer_onward", subject, version, org)


def test_codes_already_in_chats_keep_their_meaning():
    assert cb.refer(7) == "case:8:7" and cb.lead_menu(7) == "case:b:7" and cb.move_to(7, "1111064000") == \
        "case:e:7:1111064000"
    assert cb.lead_to(7, None) == "case:c:7:-"
    assert cb.referral_button("refer_onward", 12, 1, "jn-food") == "ref:7:c:1:jn-food"
    assert cb.parse_referral_button("ref:2:c:1").kind == "accept"  # the older kinds kept their codes


ORG_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@given(st.text(max_size=70))
def test_a_forged_hand_off_is_refused_not_raised(tail):
    lead = cb.parse_case_button("case:c:7:" + tail)
    if lead is not None:  # only a well-formed code gets through, and it means what it says
        assert lead.name == "-" or (len(lead.name) <= 24 and set(lead.name) <= ORG_CHARS)
    move = cb.parse_case_button("case:e:7:" + tail)
    if move is not None:
        assert len(move.name) == 10 and set(move.name) <= set("0123456789")
    onward = cb.parse_referral_button("ref:7:c:1:" + tail)
    if onward is not None:
        assert len(onward.choice) <= 24 and set(onward.choice) <= ORG_CHARS
    assert cb.parse_case_button("case:e:7:111106400") is None  # a 읍면동 code has 10 digits
    assert cb.parse_case_button("case:c:7:jn|food") is None and cb.parse_referral_button("ref:7:c:1:") is None
