"""Welfare commands: `salpim clock` (statutory due dates for a case received on a day),
`salpim screen` (which services fit a household, as JSON) and `salpim load-services` (add a
시군구's own catalogue entries: food banks, 복지관 programmes)."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date
from pathlib import Path


def add_parser(sub) -> None:
    clock = sub.add_parser("clock", help="statutory due dates (통합사례관리) for a case received on a day")
    clock.add_argument("--from", dest="received", required=True, type=date.fromisoformat,
                       help="the day the report reached the 읍면동 (YYYY-MM-DD)")
    clock.add_argument("--household", choices=["case_managed", "service_linkage"], default="case_managed",
                       help="사례관리 가구 (default) or 서비스 연계 가구")
    clock.add_argument("--json", action="store_true", help="print JSON instead of a table")
    clock.add_argument("--locale", default="ko", choices=["ko", "en"])
    clock.set_defaults(handler=_clock)

    screen = sub.add_parser("screen", help="which services fit a household (JSON in, JSON out; docs/screening-input.md)")
    screen.add_argument("--json", dest="file", required=True, type=Path,
                        help="the household as JSON (a file, or - for standard input)")
    screen.add_argument("--on", type=date.fromisoformat, default=None,
                        help="screen with the figures in force on this day (YYYY-MM-DD; default today in Korea)")
    screen.add_argument("--locale", default="ko", choices=["ko", "en"], help="language of the texts (default ko)")
    screen.set_defaults(handler=_screen)

    services = sub.add_parser("load-services", help="check a local service-catalogue file and add it to the "
                                                    "catalogue the service offers (Settings.services_dir)")
    services.add_argument("file", type=Path, help="a .toml file in the catalogue format (welfare/data/services)")
    services.set_defaults(handler=_load_services)


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


def _screen(args: argparse.Namespace) -> int:
    from bot.i18n import Catalogs
    from dialogs.finder_household import FinderData, korean_date
    from integrations.api.screen import screening_json
    from integrations.services import service_catalogue
    from salpim.settings import get_settings
    from state.timeutil import utcnow
    from welfare.screening_input import InvalidHousehold
    from welfare.service_catalogue import CatalogueError

    try:
        raw = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
        household = json.loads(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    try:
        finder = FinderData.load(service_catalogue(get_settings()))
        results = finder.screen(household, args.on or korean_date(utcnow()))
    except InvalidHousehold as exc:
        print(f"invalid household ({exc.problem}): {exc}", file=sys.stderr)
        return 1
    except CatalogueError as exc:
        print(f"the service catalogue does not load: {exc}", file=sys.stderr)
        return 1
    json.dump(screening_json(results, Catalogs(default=args.locale), args.locale), sys.stdout,
              ensure_ascii=False, indent=2)
    print()
    return 0


def _load_services(args: argparse.Namespace) -> int:
    from salpim.settings import get_settings
    from state.private_files import ensure_private_dir
    from welfare.service_catalogue import CatalogueError, load_catalogue

    source: Path = args.file
    if source.suffix != ".toml" or not source.is_file():
        print(f"{source}: not a .toml file", file=sys.stderr)
        return 1
    target_dir = get_settings().services_dir
    # Checked together with the bundled services and every other local file (ids must not
    # repeat); a file of the same name is being replaced, so it is left out of the check.
    others = sorted(p for p in target_dir.glob("*.toml") if p.name != source.name) if target_dir.is_dir() else []
    try:
        before = load_catalogue(others, include_examples=True)
        after = load_catalogue([*others, source], include_examples=True)
        offered = load_catalogue([*others, source], include_examples=False)
    except CatalogueError as exc:
        print(f"{source}: not loaded: {exc}", file=sys.stderr)
        return 1
    known = {s.id for s in before}
    added = [s for s in after if s.id not in known]
    ensure_private_dir(target_dir)  # var/services, owner-only like all of var/
    target = target_dir / source.name
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    print(f"loaded {len(added)} services from {source.name} into {target}:")
    for service in added:
        flag = "  (example: not offered to residents)" if service.example else ""
        print(f"  {service.id}: {service.name.ko} / {service.name.en}{flag}")
    local = len(offered) - len(load_catalogue(include_examples=False))
    print(f"the catalogue now offers {len(offered)} services ({local} local); "
          "`salpim screen` uses it now, a running service after its next start")
    return 0
