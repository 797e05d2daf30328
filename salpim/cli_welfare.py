"""`salpim clock`: every statutory due date for a case received on a given day."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def add_parser(sub) -> None:
    clock = sub.add_parser("clock", help="statutory due dates (통합사례관리) for a case received on a day")
    clock.add_argument("--from", dest="received", required=True, type=date.fromisoformat,
                       help="the day the report reached the 읍면동 (YYYY-MM-DD)")
    clock.add_argument("--household", choices=["case_managed", "service_linkage"], default="case_managed",
                       help="사례관리 가구 (default) or 서비스 연계 가구")
    clock.add_argument("--json", action="store_true", help="print JSON instead of a table")
    clock.add_argument("--locale", default="ko", choices=["ko", "en"])
    clock.set_defaults(handler=_clock)


def _clock(args: argparse.Namespace) -> int:
    from bot.i18n import Catalogs
    from dialogs.replies import Msg
    from welfare.case_clocks import HouseholdType, schedule_for_received

    deadlines = schedule_for_received(args.received, household_type=HouseholdType(args.household))
    if args.json:
        json.dump([{"clock": d.clock.value, "due": d.due.isoformat(), "kind": d.kind.value,
                    "counted_from": d.counted_from.isoformat() if d.counted_from else None,
                    "projected": d.projected, "source_lines": d.source_lines} for d in deadlines],
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    catalogs = Catalogs(default=args.locale)
    print(catalogs.render(args.locale, Msg("clock.cli.title", {"date": args.received.isoformat()})))
    for d in deadlines:
        label = catalogs.render(args.locale, Msg(d.label_key))
        kind = catalogs.render(args.locale, Msg(d.kind.label_key))
        if d.projected:
            kind += ", " + catalogs.render(args.locale, Msg("clock.cli.projected"))
        print(f"  {d.due.isoformat()}  {label}  ({kind})")
    return 0
