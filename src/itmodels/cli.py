"""The ``itmodels`` command, for sales staff and quick runs.

``compare`` runs both contracts on a scenario (the shipped default when none is named),
prints a summary table and writes the tables, charts, a one-page proposal sheet and an
HTML report into one folder, all at once (a crash leaves no folder that looks complete).
Bad input gets one message naming the file and key path, exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from itmodels.chartdata import currency_unit
from itmodels.decisions import FeeEstimate, break_even_fee
from itmodels.experiment import run_experiment
from itmodels.result import ExperimentResult
from itmodels.scenario import Branding, Scenario, load_scenario
from itmodels.shipped import DEFAULT_SCENARIO, shipped_names, shipped_path

__all__ = ["main"]

TABLE_METRICS = (
    ("client_cash_cost", "Client cash cost", "money"),
    ("downtime_cost", "Downtime cost", "money"),
    ("client_total_cost", "Client total cost", "money"),
    ("provider_revenue", "Provider revenue", "money"),
    ("provider_margin", "Provider margin", "money"),
    ("user_downtime_hours", "User-hours lost", "hours"),
    ("incidents", "Incidents", "count"),
    ("failures_prevented", "Failures prevented", "count"),
    ("mean_time_to_restore_hours", "Mean time to restore (h)", "hours"),
)


class UsageError(ValueError):
    """A command-line argument that cannot be used."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itmodels",
        description="Break-fix versus flat-rate IT support, settled by simulation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def run_options(p: argparse.ArgumentParser, replications: int) -> None:
        p.add_argument("scenario", nargs="?", help=f"scenario file or shipped name"
                       f" (default: {DEFAULT_SCENARIO})")  # fmt: skip
        p.add_argument("--replications", "-n", type=int, default=replications,
                       help=f"replications per contract (default: {replications})")  # fmt: skip
        p.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
        p.add_argument("--jobs", "-j", type=int, default=1, help="local processes (default: 1)")
        p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g."
                       " tcp://10.0.0.5:8786")  # fmt: skip
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

    cmp_ = sub.add_parser("compare", help="compare the contracts; write tables, charts, reports")
    run_options(cmp_, 200)
    cmp_.add_argument("--out", "-o", type=Path, help="output folder (default:"
                      " itmodels-out/<scenario name>); replaced as a whole")  # fmt: skip
    cmp_.add_argument("--provider", help="provider name for the proposal")
    cmp_.add_argument("--prospect", help="prospect (client) name for the proposal")
    cmp_.add_argument("--accent", help="accent colour for the proposal, e.g. '#0b6e4f'")
    be = sub.add_parser("break-even", help="the flat-rate fee at which both cost the same")
    run_options(be, 200)
    be.add_argument("--basis", choices=("total", "cash"), default="total",
                    help="compare cash plus downtime (total) or cash only")  # fmt: skip
    be.add_argument("--per", choices=("device", "user", "server"), default="device")
    val = sub.add_parser("validate", help="check a scenario file and describe it")
    val.add_argument("scenario")
    sub.add_parser("scenarios", help="list the shipped scenarios")
    return parser


def _check(args: argparse.Namespace) -> None:
    if getattr(args, "replications", 2) < 2:
        raise UsageError("--replications must be at least 2 (an interval needs two)")
    if getattr(args, "jobs", 1) < 1:
        raise UsageError("--jobs must be at least 1")
    if getattr(args, "jobs", 1) > 1 and getattr(args, "dask", None):
        raise UsageError("use either --jobs or --dask, not both")
    accent = getattr(args, "accent", None)
    if accent is not None:
        from matplotlib.colors import is_color_like

        if not is_color_like(accent):
            raise UsageError(f"--accent {accent!r} is not a colour (try a name or '#0b6e4f')")


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    if args.dask:
        try:
            import distributed
        except ImportError:  # pragma: no cover - a declared extra
            raise UsageError("--dask needs the dask extra: pip install 'itmodels[dask]'") from None
        try:
            client = distributed.Client(args.dask, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {args.dask}: {exc}") from None
        with client:
            yield client.get_executor()
    elif args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            yield pool
    else:
        yield None


def _money(value: float, currency: str) -> str:
    """A whole amount in the currency's unit as the charts show it: ``$17,872``, ``900 GBP``."""
    if math.isnan(value):
        return "n/a"
    unit = currency_unit(currency)
    text = f"{abs(value):,.0f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{unit}{text}" if unit != currency else f"{sign}{text} {currency}"


def summary_text(res: ExperimentResult, fee: FeeEstimate | None = None) -> str:
    """The table ``compare`` prints: mean and 95 % interval per contract, and the verdict."""
    scn = res.scenario
    years = scn.horizon / 8766.0
    table = res.summary()
    names = list(res.contracts)
    width = max(len(label) for _, label, _ in TABLE_METRICS) + 2
    head = f"{'':<{width}}" + "".join(f"{n.replace('_', '-'):>30}" for n in names)
    lines = [
        f"{scn.name}: {res.replications} replications per contract, seed {res.seed},"
        f" {years:g} years; mean (95 % interval)",
        head,
        "-" * len(head),
    ]
    for metric, label, kind in TABLE_METRICS:
        cells = []
        for name in names:
            row = table.loc[(name, metric)]
            if kind == "money":
                mean, lo, hi = (_money(row[k], scn.currency) for k in ("mean", "ci_low", "ci_high"))
                cell = f"{mean} ({lo} to {hi})"
            else:
                cell = f"{row['mean']:,.1f} ({row['ci_low']:,.1f} to {row['ci_high']:,.1f})"
            cells.append(f"{cell:>30}")
        lines.append(f"{label:<{width}}" + "".join(cells))
    if {"break_fix", "flat_rate"} <= set(names):
        d = res.compare().loc["client_total_cost"]
        cheaper, gap = ("Flat-rate", -d["mean"]) if d["mean"] < 0 else ("Break-fix", d["mean"])
        sure = d["ci_high"] < 0 or d["ci_low"] > 0
        lines.append("")
        lines.append(
            f"{cheaper} costs the client {_money(gap / years, scn.currency)} a year less"
            f" (cash plus downtime), {'a clear difference' if sure else 'but the 95 % interval'}"
            f"{'' if sure else ' includes no difference'}; flat-rate is cheaper in"
            f" {d['share_lower']:.0%} of the futures simulated."
        )
    if fee is not None:
        lines.append(
            f"Break-even {fee.key.rsplit('.', 1)[-1].replace('_', ' ')}:"
            f" {_money(float(fee), scn.currency)} a month"
            f" (95 % CI {_money(fee.ci_low, scn.currency)} to {_money(fee.ci_high, scn.currency)})."
        )
    return "\n".join(lines)


def _branding(scn: Scenario, args: argparse.Namespace) -> Branding:
    base = scn.branding or Branding()
    return Branding(
        provider=args.provider or base.provider,
        prospect=args.prospect or base.prospect or scn.client.name,
        accent=args.accent or base.accent,
    )


def _compare(args: argparse.Namespace) -> None:
    scn = load_scenario(args.scenario or DEFAULT_SCENARIO)
    branding = _branding(scn, args)
    out = args.out or Path("itmodels-out") / scn.name
    with _executor(args) as executor:
        res = run_experiment(
            scn, args.replications, args.seed, executor=executor, progress=not args.no_progress
        )
    per = _fee_basis(scn)
    fee = break_even_fee(scn, per=per, result=res) if per is not None else None
    print(summary_text(res, fee))
    from itmodels.report import write_bundle

    written = write_bundle(res, out, branding=branding, break_even=fee)
    print(f"\nWrote {len(written)} files to {out}/ (report.html, proposal.pdf, charts, tables).")


def _fee_basis(scn: Scenario) -> str | None:
    """The fee a break-even is reported for: per device, else per user (None: no fee)."""
    flat = scn.contracts.flat_rate
    if flat is None or scn.contracts.break_fix is None:
        return None
    if flat.fee_per_device > 0:
        return "device"
    return "user" if flat.fee_per_user > 0 else None


def _break_even(args: argparse.Namespace) -> None:
    scn = load_scenario(args.scenario or DEFAULT_SCENARIO)
    with _executor(args) as executor:
        fee = break_even_fee(
            scn, args.replications, args.seed, basis=args.basis, per=args.per,
            executor=executor, progress=not args.no_progress,
        )  # fmt: skip
    what = "cash plus downtime" if args.basis == "total" else "cash only"
    print(
        f"{scn.name}: break-even fee per {args.per} and month, {what}:"
        f" {_money(float(fee), scn.currency)}"
        f" (95 % CI {_money(fee.ci_low, scn.currency)} to {_money(fee.ci_high, scn.currency)};"
        f" {fee.replications} replications, seed {fee.seed})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``itmodels`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad input or a failure to write, 130 when interrupted.

    Examples
    --------
    >>> main(["validate", "small-office"])  # doctest: +SKIP
    0
    """
    args = _parser().parse_args(argv)
    try:
        _check(args)
        if args.command == "scenarios":
            for name in shipped_names():
                scn = load_scenario(shipped_path(name) or name)
                print(f"{name:<20} {(scn.description or scn.name).strip().splitlines()[0]}")
        elif args.command == "validate":
            scn = load_scenario(args.scenario)
            print(
                f"{scn.source}: valid. {scn.client.users} users, {scn.device_count} devices in"
                f" {len(scn.fleet)} classes, {len(scn.incident_streams)} incident streams,"
                f" {scn.horizon / 8766.0:g} years; contracts: {', '.join(scn.contracts.names())}"
            )
        elif args.command == "break-even":
            _break_even(args)
        else:
            _compare(args)
    except (ValueError, FileExistsError) as exc:  # ScenarioError and UsageError too
        print(f"itmodels: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"itmodels: cannot write the results: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("itmodels: interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
