"""`salpim bench`: the performance harness of issue 7 (bench/run.py), run from the repository root.

The harness lives in the top-level `bench/` package, which is not installed with Salpim: it is
found next to this package (the repository checkout), so `salpim bench` and `make bench` work
from a clone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_parser(sub) -> None:
    bench = sub.add_parser("bench", help="benchmark Salpim against reference bots through the real webhook path")
    module = _bench_module()
    if module is None:
        bench.set_defaults(handler=_missing)
        return
    module.add_arguments(bench)
    bench.set_defaults(handler=lambda args: module.run(module.options_from_args(args)))


def _bench_module():
    if not (ROOT / "bench" / "run.py").exists():
        return None
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import run
    return run


def _missing(args: argparse.Namespace) -> int:
    print("salpim bench needs the repository checkout (bench/ next to salpim/); run it from a clone",
          file=sys.stderr)
    return 2
