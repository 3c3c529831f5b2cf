"""Command line for the embedded source: `python -m sales_assets.sandbox generate [--scale N]`.

Also `simulate` (today's orders and late changes), `edit --kind KIND` (one kind of the edit storm's
edits, see sales_assets.sandbox.edits) and `inject --faults KINDS` (known bad rows, see
sales_assets.sandbox.faults); `generate --inject KINDS` generates a source with faults in it.
`check` checks the configured source, SQL Server or embedded, against the contract.
`import-adventureworks DIR` makes the embedded source from Microsoft's AdventureWorks sample CSVs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sales_assets.core.settings import load_settings
from sales_assets.sandbox.adventureworks import AdventureWorksImportError, import_adventureworks
from sales_assets.sandbox.check import run_check
from sales_assets.sandbox.edits import EDIT_KINDS, SourceEditor
from sales_assets.sandbox.faults import FAULT_KINDS, inject_faults, parse_kinds
from sales_assets.sandbox.generator import REGIMES, GeneratorConfig, generate
from sales_assets.sandbox.simulator import simulate


def main(argv: list[str] | None = None) -> int:
    settings = load_settings(warehouse=False)
    parser = argparse.ArgumentParser(prog="python -m sales_assets.sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write the embedded AdventureWorks-shaped source")
    gen.add_argument("--out", default=str(settings.source_dir), help="directory (SALES_SOURCE_DIR)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--scale", type=float, default=1.0, help="multiplies daily order volume and stores")
    gen.add_argument("--start", type=date.fromisoformat, default=settings.partitions_start)
    gen.add_argument(
        "--end",
        type=date.fromisoformat,
        default=settings.partitions_end or date.today(),
        help="exclusive end date (default: SALES_PARTITIONS_END, else today, so up to yesterday)",
    )
    gen.add_argument(
        "--no-returns",
        action="store_true",
        help="omit Sales.SalesReturn, as in the real AdventureWorks",
    )
    kinds_help = f"comma-separated fault kinds ({', '.join(FAULT_KINDS)}) or all"
    gen.add_argument(
        "--regime",
        action="append",
        choices=sorted(REGIMES),
        default=[],
        help="a history unlike the default (repeatable): " + "; ".join(f"{k}: {v}" for k, v in REGIMES.items()),
    )
    gen.add_argument("--inject", metavar="KINDS", help=f"then inject faults, one order date each: {kinds_help}")
    sim = commands.add_parser("simulate", help="add today's orders and late changes to the embedded source")
    sim.add_argument("--dir", default=str(settings.source_dir), help="the embedded source (SALES_SOURCE_DIR)")
    sim.add_argument("--orders", type=int, default=50, help="new orders dated today")
    sim.add_argument("--changes", type=int, default=5, help="older orders to change (ship, quantity, return)")
    sim.add_argument("--seed", type=int, default=None)
    edit = commands.add_parser("edit", help="apply edits an order-entry application makes to the embedded source")
    edit.add_argument("--dir", default=str(settings.source_dir), help="the embedded source (SALES_SOURCE_DIR)")
    edit.add_argument("--kind", required=True, choices=EDIT_KINDS)
    edit.add_argument("--count", type=int, default=1, help="edits of that kind, one transaction each")
    edit.add_argument("--seed", type=int, default=None)
    edit.add_argument("--start", type=date.fromisoformat, default=settings.partitions_start, help="first order date")
    edit.add_argument(
        "--end",
        type=date.fromisoformat,
        default=settings.partitions_end or date.today(),
        help="end of the order dates (exclusive)",
    )
    inj = commands.add_parser("inject", help="inject known faults into the embedded source, one order date each")
    inj.add_argument("--faults", metavar="KINDS", required=True, help=kinds_help)
    inj.add_argument(
        "--day",
        type=date.fromisoformat,
        action="append",
        help="order date per kind, in order (repeat; default: the newest dates with at least 3 orders)",
    )
    inj.add_argument("--dir", default=str(settings.source_dir), help="the embedded source (SALES_SOURCE_DIR)")
    commands.add_parser("check", help="check the source (SALES_SOURCE_URL, else SALES_SOURCE_DIR) against the contract")
    aw = commands.add_parser(
        "import-adventureworks", help="import Microsoft's AdventureWorks sample CSVs as the embedded source"
    )
    aw.add_argument("dir", help="the install script's folder: the *.csv files beside instawdb.sql")
    aw.add_argument("--out", default=str(settings.source_dir), help="directory (SALES_SOURCE_DIR)")
    args = parser.parse_args(argv)
    if args.command == "check":
        return run_check(settings)
    if args.command == "import-adventureworks":
        return _import_adventureworks(Path(args.dir), Path(args.out))
    kinds_text = args.faults if args.command == "inject" else getattr(args, "inject", None)
    try:
        kinds = parse_kinds(kinds_text) if kinds_text is not None else []
    except ValueError as error:
        parser.error(str(error))

    if args.command == "simulate":
        if settings.source_url:
            parser.error("simulate writes the embedded source only; unset SALES_SOURCE_URL")
        report = simulate(args.dir, orders=args.orders, changes=args.changes, seed=args.seed)
        print(
            f"Added {len(report.new_orders)} orders for today, changed {len(report.changed_orders)} older orders "
            f"({len(report.new_returns)} returns); order dates touched: {', '.join(sorted(report.order_dates_touched))}"
        )
        return 0

    if args.command == "edit":
        if settings.source_url:
            parser.error("edit writes the embedded source only; unset SALES_SOURCE_URL")
        _edit(parser, args)
        return 0

    if args.command == "inject":
        if settings.source_url:
            parser.error("inject writes the embedded source only; unset SALES_SOURCE_URL")
        _inject(parser, args.dir, kinds, days=args.day, now=None)
        return 0

    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.end <= args.start:
        parser.error(f"--end {args.end} must be after --start {args.start}")
    config = GeneratorConfig(
        seed=args.seed,
        scale=args.scale,
        start=args.start,
        end=args.end,
        returns=not args.no_returns,
        regimes=frozenset(args.regime),
    )
    began = time.perf_counter()
    counts = generate(args.out, config)
    print(f"Generated {args.out} ({args.start} to {args.end}, exclusive) in {time.perf_counter() - began:.1f}s")
    for table, n in counts.items():
        print(f"  {table:<30} {n:>10,}")
    if kinds:
        # The last generated second as "now": the same arguments give the same files.
        now = datetime.combine(args.end - timedelta(days=1), clock(23, 59, 59))
        _inject(parser, args.out, kinds, days=None, now=now)
    return 0


def _edit(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Apply `--count` edits of `--kind`, stamped from now on, and print each one's detail."""
    try:
        editor = SourceEditor(Path(args.dir), random.Random(args.seed), args.start, args.end, datetime.now())
    except ValueError as error:
        parser.error(str(error))
    for _ in range(args.count):
        edit = editor.apply(args.kind)
        print(edit.detail if edit else f"{args.kind}: nothing to apply it to")


def _inject(
    parser: argparse.ArgumentParser, directory: str, kinds: list[str], days: list[date] | None, now: datetime | None
) -> None:
    """Inject and print one line per fault; a day that cannot take a fault is a usage error."""
    try:
        faults = inject_faults(Path(directory), kinds, days=days, now=now)
    except ValueError as error:
        parser.error(str(error))
    print(f"Injected {len(faults)} fault(s) into {directory}:")
    for fault in faults:
        print(f"  {fault.summary()}")


def _import_adventureworks(source_dir: Path, out_dir: Path) -> int:
    """Import and print rows per table and the order dates; bad input is reported, not a traceback."""
    began = time.perf_counter()
    try:
        report = import_adventureworks(source_dir, out_dir)
    except AdventureWorksImportError as error:
        print(f"import-adventureworks: {error}\nNothing was written.", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"Done in {time.perf_counter() - began:.1f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
