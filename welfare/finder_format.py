"""Formatting the parameters of service-finder messages (pure, standard library only).

Reasons and notes from the finder carry a catalog key and raw params. By convention:

* amounts are ints in won (param names in ``AMOUNT_PARAMS``) and are formatted here with
  :func:`format_won`, never inside the .po templates (the templates carry no unit);
* a str param that starts with ``finder.`` is itself a catalog key (e.g. ``benefit`` =
  ``finder.benefit.livelihood``) and is translated by the caller's ``translate``;
* everything else (household size, ages, counts) is shown as is.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

# Param names whose int value is an amount of money in won.
AMOUNT_PARAMS: frozenset[str] = frozenset(
    {
        "income",
        "applicant_income",
        "threshold",
        "single_threshold",
        "couple_threshold",
        "assets",
        "financial_assets",
        "limit",
        "low_limit",
        "high_limit",
        "converted",
        "amount",
    }
)
KEY_PREFIX = "finder."


class Won(int):
    """An amount of money in won, marked so a renderer formats it with :func:`format_won`."""

    __slots__ = ()


_MAN = 10_000
_EOK = 100_000_000


def format_won(amount: int, locale: str = "ko") -> str:
    """Format an amount of won the way each language reads it.

    Korean: round amounts in 만 units read as people say them ("180만원", "2억 4,100만원",
    "1억원"); any other amount is exact with separators ("2,078,316원"), because selection
    thresholds must be shown to the won. English: "₩2,078,316".
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int number of won, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if not locale.startswith("ko"):
        return f"{sign}₩{value:,}"
    if value == 0 or value % _MAN:
        return f"{sign}{value:,}원"
    eok, rest = divmod(value, _EOK)
    man = rest // _MAN
    if eok and man:
        return f"{sign}{eok:,}억 {man:,}만원"
    if eok:
        return f"{sign}{eok:,}억원"
    return f"{sign}{man:,}만원"


def format_params(
    params: Mapping[str, object],
    locale: str,
    translate: Callable[[str], str],
) -> dict[str, str]:
    """Turn a reason's raw params into strings ready for ``template.format_map``."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if name in AMOUNT_PARAMS and isinstance(value, int) and not isinstance(value, bool):
            out[name] = format_won(value, locale)
        elif isinstance(value, str) and value.startswith(KEY_PREFIX):
            out[name] = translate(value)
        else:
            out[name] = str(value)
    return out
