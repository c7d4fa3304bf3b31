"""The ``itmodels`` command, for sales staff and quick runs.

``compare`` runs both contracts on a scenario (the shipped default when none is named),
prints a summary table and writes the tables, charts, a one-page proposal sheet and an
HTML report into one folder (with ``--incentives`` also what each provider's own interest
makes it do: the incentive table and claim 6), all at once (a crash leaves no folder that
looks complete; :mod:`itmodels.reports.bundle` holds the rules that keep every file the
user wrote).  ``incentives`` prints (and writes) the incentive table alone.  ``book`` runs
a provider's whole book of clients on its shared technicians (optionally a migration of
clients to another offer and the staffing search) and writes the provider's report.  Everything that
can be checked (scenario, ``--set`` changes, branding, the output folder) is checked before
the simulation starts.  Bad input gets one message naming the file and key path,
exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from itmodels.contracts import (
    CONTRACT_TYPES,
    default_baseline,
    make_contract,
    offer_inline,
)
from itmodels.experiments.book import run_book
from itmodels.experiments.book_decisions import migrate
from itmodels.experiments.book_decisions import staffing as staffing_search
from itmodels.experiments.decisions import FeeEstimate, break_even_fee, fee_basis
from itmodels.experiments.experiment import DEFAULT_MAX_REPLICATIONS, local_pool, run_experiment
from itmodels.experiments.provider import Incentives, default_levers, provider_incentives
from itmodels.experiments.result import ExperimentResult, Stopping
from itmodels.money.formatting import format_money
from itmodels.reports.bundle import Destination, check_destination, safe_folder_name
from itmodels.scenario import Branding, Scenario, ScenarioError, load_scenario
from itmodels.scenario.shipped import (
    DEFAULT_SCENARIO,
    shipped_book_names,
    shipped_names,
    shipped_path,
)
from itmodels.scenario.size import check_size, event_limit
from itmodels.scenario.yaml_io import parse_assignment, parse_yaml
from itmodels.version import __version__

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


#: Replications of ``itmodels book`` unless ``--replications`` says otherwise.
BOOK_REPLICATIONS = 100
DEFAULT_BOOK = "msp-book"

#: Replications of every choice tried by ``--incentives`` and ``itmodels incentives``.
INCENTIVE_REPLICATIONS = 20

SERIAL_BELOW = 20
"""Without ``--jobs``, runs of fewer replications than this are serial (a pool's start
would cost more than it saves, e.g. in tests that call :func:`main` in-process)."""


class UsageError(ValueError):
    """A command-line argument that cannot be used."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itmodels",
        description="Break-fix versus flat-rate IT support, settled by simulation.",
    )
    parser.add_argument("--version", action="version", version=f"itmodels {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def run_options(
        p: argparse.ArgumentParser,
        replications: int,
        target: str = "scenario",
        target_help: str = f"scenario file or shipped name (default: {DEFAULT_SCENARIO})",
        each: str = " per contract",
        example: str = "client.users=25",
    ) -> None:
        p.add_argument(target, nargs="?", help=target_help)
        p.add_argument("--replications", "-n", type=int, default=None,
                       help=f"replications{each} (default: {replications})")  # fmt: skip
        p.set_defaults(default_replications=replications)
        p.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
        p.add_argument("--jobs", "-j", type=int, default=None,
                       help="local processes (default: every available core; one, serial,"
                       f" below {SERIAL_BELOW} replications, where starting processes costs"
                       " more than it saves); the numbers do not depend on it")  # fmt: skip
        p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g."
                       " tcp://10.0.0.5:8786")  # fmt: skip
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        set_option(p, target, example)

    def set_option(
        p: argparse.ArgumentParser, target: str = "scenario", example: str = "client.users=25"
    ) -> None:
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help=f"change one value of the {target}, e.g. --set {example}"
                       " (VALUE is read as YAML; repeatable)")  # fmt: skip

    cmp_ = sub.add_parser("compare", help="compare the contracts; write tables, charts, reports")
    run_options(cmp_, 200)
    cmp_.add_argument("--precision", metavar="SHARE", help="run replications in batches until"
                      " the 95 %% interval of each offer's paired difference with the baseline"
                      " in client total cost is within this share of it, e.g. 2%% (or 0.02);"
                      " not with --replications")  # fmt: skip
    cmp_.add_argument("--precision-abs", metavar="AMOUNT", help="the same, to within an amount"
                      " of money in the scenario's currency, e.g. 500 (with --precision too:"
                      " whichever is reached first)")  # fmt: skip
    cmp_.add_argument("--max-replications", type=int, metavar="N", help="the cap with"
                      " --precision or --precision-abs (default:"
                      f" {DEFAULT_MAX_REPLICATIONS})")  # fmt: skip
    cmp_.add_argument("--out", "-o", type=Path, help="output folder (default:"
                      " itmodels-out/<scenario name>); a new or empty folder, or an earlier"
                      " bundle, which is replaced as a whole")  # fmt: skip
    cmp_.add_argument("--force", action="store_true", help="write into a folder holding other"
                      " files: add the bundle's files beside them (none of yours is deleted"
                      " or overwritten)")  # fmt: skip
    cmp_.add_argument("--provider", help="provider name for the proposal")
    cmp_.add_argument("--prospect", help="prospect (client) name for the proposal")
    cmp_.add_argument("--accent", help="accent colour for the proposal, e.g. '#0b6e4f'")
    cmp_.add_argument("--paper", choices=("a4", "letter"), help="proposal page size (default a4)")
    cmp_.add_argument("--logo", metavar="PATH", help="PNG or JPEG logo for the proposal")
    cmp_.add_argument("--contact", metavar="TEXT", help="contact details for the proposal")
    cmp_.add_argument("--baseline", metavar="OFFER", help="the offer the others are"
                      " compared with (default: the first pay-per-incident offer, else the"
                      " first)")  # fmt: skip
    cmp_.add_argument("--fit", type=Path, metavar="FILE.fit.json", help="the fit file"
                      " itmodels fit wrote beside the fitted scenario: adds a 'Your data'"
                      " section (the fit's charts and evidence) to the reports")  # fmt: skip
    cmp_.add_argument("--fit-uncertainty", action="store_true", help="with --fit: draw each"
                      " replication's fitted parameters from their sampling distribution,"
                      " so the intervals include the estimation error, not only the"
                      " simulation's luck")  # fmt: skip
    cmp_.add_argument("--incentives", action="store_true", help="also find, for each offer,"
                      " the maintenance intervals and device replacement ages that maximise"
                      " its provider's margin (default levers, same seed): adds"
                      " incentives.csv, a section to the provider report and claim 6 to the"
                      " claims")  # fmt: skip
    cmp_.add_argument("--incentive-replications", type=int, metavar="N", default=None,
                      help=f"with --incentives: replications of every choice tried (default:"
                      f" {INCENTIVE_REPLICATIONS}, at most the experiment's)")  # fmt: skip
    inc = sub.add_parser("incentives", help="what each provider's own interest makes it do:"
                         " its margin-maximising maintenance and replacement choices, and"
                         " what they cost the client")  # fmt: skip
    run_options(inc, INCENTIVE_REPLICATIONS)
    inc.add_argument("--offers", nargs="+", metavar="OFFER", help="the offers to search"
                     " (default: every offer of the scenario)")  # fmt: skip
    inc.add_argument("--baseline", metavar="OFFER", help="the offer the client's cost is"
                     " compared with (default: the first pay-per-incident offer, else the"
                     " first searched)")  # fmt: skip
    inc.add_argument("--out", "-o", type=Path, metavar="DIR", help="also write incentives.csv"
                     " (the table) and incentive-candidates.csv (every choice tried) into"
                     " this folder")  # fmt: skip
    inc.add_argument("--overwrite", action="store_true", help="replace those files if they"
                     " exist")  # fmt: skip
    bk = sub.add_parser("book", help="a provider's whole book of clients on shared"
                        " technicians: its P&L, utilisation, SLAs; write the report")  # fmt: skip
    books = ", ".join(shipped_book_names()) or "none"
    run_options(
        bk,
        BOOK_REPLICATIONS,
        target="book",
        target_help=f"book file or shipped name (shipped books: {books}; default: {DEFAULT_BOOK})",
        each="",
        example="provider.technicians=3",
    )
    bk.add_argument("--out", "-o", type=Path, help="output folder (default:"
                    " itmodels-out/<book name>); a new or empty folder, or an earlier"
                    " bundle, which is replaced as a whole")  # fmt: skip
    bk.add_argument("--force", action="store_true", help="write into a folder holding other"
                    " files: add the bundle's files beside them (none of yours is deleted"
                    " or overwritten)")  # fmt: skip
    bk.add_argument("--migrate", metavar="SHARE", help="also move this share of the clients"
                    " on the pay-per-incident offer to --to, e.g. 50%% (or 0.5), and"
                    " compare before and after on the same futures")  # fmt: skip
    bk.add_argument("--to", metavar="OFFER", help="with --migrate: the offer they move to")
    bk.add_argument("--staffing", metavar="TARGET", help="also find the fewest technicians"
                    " whose SLA attainment (P1 and P2) holds this target with 95 %%"
                    " confidence, e.g. 95%% (or 0.95)")  # fmt: skip
    bk.add_argument("--incentives", metavar="TEMPLATE", help="also add the incentive table"
                    " measured on this client scenario (file or shipped name, e.g."
                    " small-office): each offer's margin-maximising maintenance and"
                    " replacement choices")  # fmt: skip
    be = sub.add_parser("break-even", help="the price of an offer at which it costs the client"
                        " the same as the baseline")  # fmt: skip
    run_options(be, 200)
    be.add_argument("--baseline", metavar="OFFER", help="the offer to break even with"
                    " (default: the first pay-per-incident offer, else the first)")  # fmt: skip
    be.add_argument("--offer", metavar="OFFER", help="the offer to price (default: the first"
                    " other offer with a price)")  # fmt: skip
    be.add_argument("--term", metavar="TERM", help="the price term to solve for, e.g."
                    " fee_per_user (default: per --per)")  # fmt: skip
    be.add_argument("--basis", choices=("total", "cash"), default="total",
                    help="compare cash plus downtime (total) or cash only")  # fmt: skip
    be.add_argument("--per", choices=("device", "user", "server"), default=None)
    val = sub.add_parser("validate", help="check a scenario file and describe it")
    val.add_argument("scenario")
    set_option(val)
    sub.add_parser("scenarios", help="list the shipped scenarios and their files")
    app = sub.add_parser("app", help="start the sales page, a local web app")
    app.add_argument("--address", default="127.0.0.1", help="address to bind (default:"
                     " 127.0.0.1, this machine only)")  # fmt: skip
    app.add_argument("--port", type=int, default=5006, help="port (default: 5006; 0: any free)")
    app.add_argument("--prices", type=Path, metavar="FILE", help="the provider's price list"
                     " (default: ~/.config/itmodels/price-list.yaml)")  # fmt: skip
    fit = sub.add_parser("fit", help="fit a scenario to the client's ticket, asset and"
                         " invoice exports (CSV or Excel); write it as YAML")  # fmt: skip
    fit.add_argument("--tickets", type=Path, help="ticket export")
    fit.add_argument("--assets", type=Path, help="asset (device) register")
    fit.add_argument("--invoices", type=Path, help="invoice lines")
    fit.add_argument("--base", default=DEFAULT_SCENARIO, help="the scenario whose other values"
                     f" are kept (a file or shipped name; default {DEFAULT_SCENARIO})")  # fmt: skip
    fit.add_argument("--out", "-o", type=Path, required=True, help="the YAML file to write;"
                     " the fit file (evidence and the fit's chart data, for compare --fit)"
                     " goes beside it: prospect.yaml -> prospect.fit.json")  # fmt: skip
    fit.add_argument("--overwrite", action="store_true", help="replace --out (and its fit"
                     " file) if they exist")  # fmt: skip
    fit.add_argument("--as-of", metavar="DATE", help="the export date (default: the latest"
                     " date in the exports)")  # fmt: skip
    fit.add_argument("--start", metavar="DATE", help="the start of the tickets' period"
                     " (default: the first ticket)")  # fmt: skip
    fit.add_argument("--columns", type=Path, metavar="MAP.yaml", help="YAML with sections"
                     " tickets:, assets:, invoices: (the file's headers to canonical names)"
                     " and categories: (ticket categories to incident streams)")  # fmt: skip
    return parser


def _check(args: argparse.Namespace) -> None:
    _check_precision(args)
    if getattr(args, "replications", None) is None and hasattr(args, "default_replications"):
        args.replications = None if args.targeted else args.default_replications
    replications = getattr(args, "replications", None)
    if replications is not None and replications < 2:
        raise UsageError("--replications must be at least 2 (an interval needs two)")
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if jobs is not None and jobs > 1 and getattr(args, "dask", None):
        raise UsageError("use either --jobs or --dask, not both")
    if args.command == "book":
        _check_book(args)
    if getattr(args, "incentive_replications", None) is not None:
        if not args.incentives:
            raise UsageError("--incentive-replications applies only with --incentives")
        if args.incentive_replications < 2:
            raise UsageError("--incentive-replications must be at least 2 (an interval needs two)")
    accent = getattr(args, "accent", None)
    if accent is not None:
        from matplotlib.colors import is_color_like

        if not is_color_like(accent):
            raise UsageError(f"--accent {accent!r} is not a colour (try a name or '#0b6e4f')")


def parse_share(text: str, flag: str) -> float:
    """A share as written after ``flag``: ``50%`` or ``0.5`` give 0.5 (0 excluded, 1 allowed).

    Raises
    ------
    UsageError
        If ``text`` is not a share in (0, 1].
    """
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.removesuffix("%").strip())
    except ValueError:
        value = math.nan
    share = value / 100 if percent else value
    if not 0 < share <= 1:
        hint = f"; for {raw} % write {raw}%" if not percent and 1 < value <= 100 else ""
        raise UsageError(f"{flag} {text!r}: expected a share such as 50% or 0.5{hint}")
    return share


def _check_book(args: argparse.Namespace) -> None:
    """Read ``--migrate``/``--to`` and ``--staffing`` into ``args.migrate_share`` and
    ``args.sla_target`` (None when not given)."""
    args.migrate_share = None if args.migrate is None else parse_share(args.migrate, "--migrate")
    if args.migrate is not None and args.to is None:
        raise UsageError("--migrate needs --to OFFER, the offer the clients move to")
    if args.to is not None and args.migrate is None:
        raise UsageError("--to applies only with --migrate SHARE")
    args.sla_target = None if args.staffing is None else parse_share(args.staffing, "--staffing")


def parse_precision(text: str) -> float:
    """A relative precision as written after ``--precision``: ``2%`` or ``0.02`` give 0.02.

    Raises
    ------
    UsageError
        If ``text`` is not a share strictly between 0 and 1 (``2`` is refused: it would
        be 200 %; an amount of money goes after ``--precision-abs``).
    """
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.removesuffix("%").strip())
    except ValueError:
        value = math.nan
    share = value / 100 if percent else value
    if not 0 < share < 1:
        hint = (
            f"; for ±{raw} % write {raw}%, for an amount of money use --precision-abs {raw}"
            if not percent and math.isfinite(value) and value >= 1
            else ""
        )
        raise UsageError(
            f"--precision {text!r}: expected a share between 0 and 1 such as 2% or 0.02{hint}"
        )
    return share


def _check_precision(args: argparse.Namespace) -> None:
    """Read ``--precision``, ``--precision-abs``, ``--max-replications`` into
    ``args.precision_share``, ``args.precision_amount``, ``args.max_replications``."""
    share = getattr(args, "precision", None)
    amount = getattr(args, "precision_abs", None)
    args.precision_share = None if share is None else parse_precision(share)
    args.precision_amount = None
    if amount is not None:
        try:
            args.precision_amount = float(amount)
        except ValueError:
            args.precision_amount = math.nan
        if not 0 < args.precision_amount < math.inf:
            raise UsageError(
                f"--precision-abs {amount!r}: expected a positive amount of money such as 500"
            )
    targeted = args.precision_share is not None or args.precision_amount is not None
    args.targeted = targeted
    if targeted and getattr(args, "replications", None) is not None:
        raise UsageError(
            "use either --replications (a fixed number) or --precision/--precision-abs"
            " (as many as needed, up to --max-replications), not both"
        )
    cap = getattr(args, "max_replications", None)
    if cap is not None and not targeted:
        raise UsageError("--max-replications applies only with --precision or --precision-abs")
    if cap is not None and cap < 2:
        raise UsageError("--max-replications must be at least 2 (an interval needs two)")


def available_cores() -> int:
    """The cores this process may use: ``os.process_cpu_count()`` (Python 3.13+), else
    the CPU affinity mask, else ``os.cpu_count()`` (at least 1)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:  # pragma: no cover - Python 3.13+
        return max(1, count() or 1)
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - no affinity mask


def _jobs(args: argparse.Namespace) -> int:
    """The local processes to use: ``--jobs``, else every available core, but one (serial)
    for runs of fewer than :data:`SERIAL_BELOW` replications."""
    if args.jobs is not None:
        return int(args.jobs)
    planned = args.replications
    if planned is None:  # a precision target: the run may go up to the cap
        planned = getattr(args, "max_replications", None) or DEFAULT_MAX_REPLICATIONS
    return available_cores() if planned >= SERIAL_BELOW else 1


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
    elif _jobs(args) > 1:
        with local_pool(_jobs(args)) as pool:
            yield pool
    else:
        yield None


def _money(value: float, currency: str) -> str:
    """A whole amount in the currency's own symbol: ``$17,872``, ``£900``, ``CHF 95``."""
    if math.isnan(value):
        return "n/a"
    return format_money(round(value), currency, exact=True).replace("\xa0", " ")


def ranking_text(res: ExperimentResult, label: dict[str, str], years: float) -> str:
    """Offers ranked by the client's total cost: ``Cheapest for this client: complete;
    2nd: prepaid-10h, $1,200 a year more (a clear difference); ...``."""
    rank = res.ranking("client_total_cost")
    cur = res.scenario.currency
    parts = []
    for i, (name, row) in enumerate(rank.iterrows()):
        if i == 0:
            parts.append(f"Cheapest for this client (cash plus downtime): {label[str(name)]}")
            continue
        gap = _money(row["gap"] / years, cur)
        sure = "a clear difference" if row["clear"] else "not told apart from the one above"
        parts.append(f"{_ordinal(i + 1)}: {label[str(name)]}, {gap} a year more ({sure})")
    return "; ".join(parts) + "."


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``12th``, ``13th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def summary_text(
    res: ExperimentResult, fee: FeeEstimate | None = None, *, baseline: str | None = None
) -> str:
    """The table ``compare`` prints: mean and 95 % interval per offer, and the verdict.

    With two offers the verdict compares them; with more, it ranks them by the client's
    total cost and says which neighbours the replications cannot tell apart.
    """
    scn = res.scenario
    years = scn.horizon / 8766.0
    table = res.summary()
    names = list(res.contracts)
    rows = []
    for metric, label, kind in TABLE_METRICS:
        cells = []
        for name in names:
            row = table.loc[(name, metric)]
            if kind == "money":
                mean, lo, hi = (_money(row[k], scn.currency) for k in ("mean", "ci_low", "ci_high"))
                cells.append(f"{mean} ({lo} to {hi})")
            else:
                cells.append(f"{row['mean']:,.1f} ({row['ci_low']:,.1f} to {row['ci_high']:,.1f})")
        rows.append((label, cells))
    heads = [offer_inline(scn.contracts, n) for n in names]
    width = max(len(label) for label, _ in rows)
    # each column as wide as its widest cell, two spaces apart: cells never run together
    cols = [max(28, len(h), *(len(c[i]) for _, c in rows)) for i, h in enumerate(heads)]
    head = f"{'':<{width}}" + "".join(f"  {h:>{w}}" for h, w in zip(heads, cols, strict=True))
    lines = [
        f"{scn.name}: {res.replications} replications per contract, seed {res.seed},"
        f" {years:g} years; mean (95 % interval)",
        head,
        "-" * len(head),
    ]
    for label, cells in rows:
        lines.append(
            f"{label:<{width}}" + "".join(f"  {c:>{w}}" for c, w in zip(cells, cols, strict=True))
        )
    base = res.baseline if baseline is None else baseline
    shown = {n: offer_inline(scn.contracts, n) for n in names}
    if len(names) == 2:
        other = next(n for n in names if n != base)
        d = res.compare(base, other).loc["client_total_cost"]
        cheaper, gap = (other, -d["mean"]) if d["mean"] < 0 else (base, d["mean"])
        sure = d["ci_high"] < 0 or d["ci_low"] > 0
        lines.append("")
        first = shown[cheaper][:1].upper() + shown[cheaper][1:]
        lines.append(
            f"{first} costs the client {_money(gap / years, scn.currency)} a year less"
            f" (cash plus downtime), {'a clear difference' if sure else 'but the 95 % interval'}"
            f"{'' if sure else ' includes no difference'}; {shown[other]} is cheaper in"
            f" {d['share_lower'] * 100:.0f} % of the futures simulated."
        )
    elif len(names) > 2:
        lines += ["", ranking_text(res, shown, years)]
    if res.stopping is not None:
        lines.append(stopping_text(res.stopping, scn, shown))
    if res.parameter_uncertainty is not None:
        lines.append(res.parameter_uncertainty)
    if fee is not None:
        name, period = _price_name(scn, fee)
        lines.append(
            f"Break-even {name}: {_money(float(fee), scn.currency)}{period}"
            f" (95 % CI {_money(fee.ci_low, scn.currency)} to {_money(fee.ci_high, scn.currency)})."
        )
    return "\n".join(lines)


def stopping_text(stop: Stopping, scn: Scenario, shown: dict[str, str] | None = None) -> str:
    """How a run with a precision target ended, in one sentence: ``Precision reached after
    60 replications (batches of 20): the 95 % interval of flat_rate minus break-fix in client
    total cost is ±$1,234, within the ±$1,300 asked (2 % of -$65,000).``"""
    shown = shown or {}
    label = next((t for m, t, _ in TABLE_METRICS if m == stop.metric), stop.metric)
    money = any(m == stop.metric and kind == "money" for m, _, kind in TABLE_METRICS)

    def amount(value: float) -> str:
        return _money(value, scn.currency) if money else f"{value:,.3g}"

    asked = [f"{stop.relative * 100:g} % of {amount(stop.mean)}"] if stop.relative else []
    if stop.absolute:
        asked.append(amount(stop.absolute))
    what = (
        f"the 95 % interval of {shown.get(stop.other, stop.other)} minus"
        f" {shown.get(stop.baseline, stop.baseline)} in {label[:1].lower() + label[1:]}"
        f" is ±{amount(stop.half_width)}"
    )
    if stop.reached:
        return (
            f"Precision reached after {stop.replications:,} replications (batches of"
            f" {stop.batch}): {what}, within the ±{amount(stop.target)} asked"
            f" ({' or '.join(asked)})."
        )
    return (
        f"Precision NOT reached: the cap of {stop.replications:,} replications stopped the run;"
        f" {what}, wider than the ±{amount(stop.target)} asked ({' or '.join(asked)})."
        " Raise --max-replications, or ask for an amount with --precision-abs"
        " (a difference near zero is never known to within a share of itself)."
    )


def _branding(scn: Scenario, args: argparse.Namespace) -> Branding:
    """The scenario's branding with the command line's flags on top, checked."""
    base = scn.branding or Branding()
    flags = {k: getattr(args, k, None) for k in ("provider", "accent", "paper", "logo", "contact")}
    given = {k: v for k, v in flags.items() if v}
    prospect = args.prospect or base.prospect or scn.client.name
    try:
        return Branding.model_validate({**base.model_dump(), **given, "prospect": prospect})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(map(str, err["loc"]))
        raise UsageError(f"--{key}: {err['msg'].removeprefix('Value error, ')}") from None


def _check_branding(scn: Scenario) -> None:
    """Refuse a scenario's accent colour that the proposal sheet could not draw."""
    accent = scn.branding.accent if scn.branding else None
    if accent is not None:
        from matplotlib.colors import is_color_like

        if not is_color_like(accent):
            raise ScenarioError(
                scn.source,
                [("branding.accent", f"{accent!r} is not a colour (a name or '#0b6e4f')")],
            )


def _changes(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as overrides; each VALUE read as YAML."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--set {pair!r}: write KEY=VALUE, e.g. --set client.users=25")
        if not text.strip():
            raise UsageError(f"--set {key}: no value after '='")
        if key in changes:
            raise UsageError(f"--set {key}: given twice")
        try:
            changes[key] = parse_assignment(pair)[1]
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or exc
            raise UsageError(f"--set {key}: {text!r} is not a YAML value ({problem})") from None
    return changes


def _scenario(args: argparse.Namespace, default: str | None = DEFAULT_SCENARIO) -> Scenario:
    """The scenario named on the command line with its ``--set`` changes, checked whole."""
    path = args.scenario or default
    if path is None:
        raise UsageError("name a scenario file (itmodels scenarios lists the shipped ones)")
    scn = load_scenario(path)
    changes = _changes(args.set)
    if changes:
        scn = scn.override(changes)
    _check_branding(scn)
    return scn


def _destination(scn: Scenario, args: argparse.Namespace) -> Destination:
    from itmodels.reports.report import bundle_files

    out = args.out or Path("itmodels-out") / safe_folder_name(scn.name)
    planned = bundle_files(incentives=args.incentives)
    return check_destination(out, force=args.force, planned=planned, force_hint="--force")


def _say(text: str = "") -> None:
    """Print to stdout; a reader that went away (``itmodels compare | head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # later output (and Python's flush at exit) goes nowhere, quietly
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def _fit_summary(args: argparse.Namespace, scn: Scenario) -> Any:
    """The ``--fit`` file read and checked against the scenario (None without ``--fit``)."""
    if args.fit is None:
        if args.fit_uncertainty:
            raise UsageError(
                "--fit-uncertainty needs --fit FILE.fit.json, the fit file itmodels fit wrote"
                " beside the fitted scenario"
            )
        return None
    from itmodels.fitting.summary import read_fit_summary

    try:
        summary = read_fit_summary(args.fit)
    except FileNotFoundError:
        raise UsageError(f"--fit {args.fit}: no such file") from None
    except OSError as exc:
        raise UsageError(f"--fit {args.fit}: cannot be read: {exc.strerror}") from None
    if args.fit_uncertainty:
        summary.parameter_draws().check(scn)
    return summary


def _compare(args: argparse.Namespace) -> None:
    scn = _scenario(args)
    branding = _branding(scn, args)
    fit = _fit_summary(args, scn)
    dest = _destination(scn, args)  # before simulating: a refusal costs nothing
    baseline = _baseline(scn, args)
    target: dict[str, Any] = {}
    if args.targeted:
        target = {"precision": args.precision_share, "absolute": args.precision_amount,
                  "max_replications": args.max_replications, "baseline": baseline}  # fmt: skip
    if args.fit_uncertainty:
        target["vary"] = fit.parameter_draws()
    with _executor(args) as executor:
        res = run_experiment(
            scn, args.replications, args.seed, executor=executor, progress=not args.no_progress,
            **target,
        )  # fmt: skip
        priced = fee_basis(scn, baseline, list(res.ranking().index))
        fee = None
        if priced is not None:
            offer, term = priced
            fee = break_even_fee(scn, result=res, baseline=baseline, offer=offer, term=term)
        res = res.with_baseline(baseline)  # drives the takeaways, claims and reports too
        _say(summary_text(res, fee, baseline=baseline))
        inc = None
        if args.incentives:
            wanted = args.incentive_replications or INCENTIVE_REPLICATIONS
            _say("\nSearching each provider's margin-maximising choices...")
            inc = _incentives(scn, list(res.contracts), min(wanted, res.replications),
                              args.seed, baseline, executor)  # fmt: skip
            _say("\n" + incentives_text(inc, scn))
        from itmodels.reports.report import write_bundle

        # the workers that simulated draw the charts
        written = write_bundle(
            res, dest.path, branding=branding, break_even=fee, force=args.force,
            executor=executor, fit=fit, incentives=inc,
        )  # fmt: skip
    _say(f"\nWrote {len(written)} files to {dest.path}/: for the prospect proposal.pdf and"
         " client-report.html; internal provider-report.html, charts, tables;"
         " scenario.yaml to run it again.")  # fmt: skip


def _incentives(
    scn: Scenario,
    offers: Sequence[str],
    replications: int,
    seed: int,
    baseline: str | None,
    executor: Executor | None,
) -> Incentives:
    """Each offer's provider optimum on its :func:`default_levers`, on one seed."""
    levers = {name: default_levers(scn, name) for name in offers}
    if baseline is not None and baseline not in levers:
        baseline = None
    return provider_incentives(
        scn, levers, replications, seed, baseline=baseline, executor=executor
    )


def incentives_text(inc: Incentives, scn: Scenario) -> str:
    """The incentive table as the commands print it: for each offer, what its provider
    chooses, its margin gain and the client's cost change against the offer as written,
    and the client's total cost against the baseline (means and 95 % intervals)."""
    from itmodels.reports.text import incentive_rows

    first = next(iter(inc.optima.values()))
    lines = [
        f"What each provider's own interest makes it do ({first.replications} replications"
        f" of each of {sum(len(o.table) for o in inc.optima.values())} choices, seed"
        f" {first.seed}; mean (95 % interval) over {scn.horizon / 8766.0:g} years):"
    ]
    for offer, levers, gain, change, versus in incentive_rows(inc, scn):
        lines += [
            f"  {offer}: {levers}",
            f"    provider margin gain {gain}; client cost change {change};"
            f" client total cost vs {offer_inline(scn.contracts, inc.baseline)}: {versus}",
        ]
    return "\n".join(lines).replace("\u2212", "-")


def _incentives_command(args: argparse.Namespace) -> None:
    from itmodels.files import write_text

    scn = _scenario(args)
    offers = list(args.offers or scn.contracts)
    for name in offers:
        if name not in scn.contracts:
            raise UsageError(
                f"--offers {name}: {scn.source} has no such offer; its offers are"
                f" {', '.join(scn.contracts)}"
            )
    baseline = None
    if args.baseline is not None:
        if args.baseline not in offers:
            raise UsageError(f"--baseline {args.baseline}: not among the offers searched"
                             f" ({', '.join(offers)})")  # fmt: skip
        baseline = args.baseline
    files = []
    if args.out is not None:
        if args.out.exists() and not args.out.is_dir():
            raise UsageError(f"--out {args.out}: is a file; name a folder")
        files = [args.out / "incentives.csv", args.out / "incentive-candidates.csv"]
        for path in files:
            if not args.overwrite and (path.exists() or path.is_symlink()):
                raise UsageError(f"--out {args.out}: {path} already exists; choose another"
                                 " folder or add --overwrite")  # fmt: skip
    with _executor(args) as executor:
        inc = _incentives(scn, offers, args.replications, args.seed, baseline, executor)
    _say(incentives_text(inc, scn))
    if files:
        import pandas as pd

        args.out.mkdir(parents=True, exist_ok=True)
        candidates = pd.concat(
            [opt.table.assign(offer=name) for name, opt in inc.optima.items()],
            ignore_index=True,
        )
        candidates.insert(0, "offer", candidates.pop("offer"))
        for path, table in zip(files, (inc.table, candidates), strict=True):
            write_text(
                path,
                table.to_csv(index=False),
                overwrite=args.overwrite,
                hint=", or pass --overwrite to replace it",
            )
        _say(f"\nWrote {files[0]} and {files[1]}")


def _book(args: argparse.Namespace) -> None:
    """``itmodels book``: run the book, print its summary, write the bundle."""
    from itmodels.reports.book_report import (
        book_bundle_files,
        book_summary_text,
        write_book_bundle,
    )
    from itmodels.scenario.book import load_book

    book = load_book(args.book or DEFAULT_BOOK)
    changes = _changes(args.set)
    if changes:
        book = book.override(changes)
    if args.to is not None and args.to not in book.contracts:
        raise UsageError(
            f"--to {args.to}: {book.source} has no such offer; its offers are"
            f" {', '.join(book.contracts)}"
        )
    template = None
    if args.incentives is not None:
        template = load_scenario(args.incentives)
    out = args.out or Path("itmodels-out") / safe_folder_name(book.name, "book")
    planned = book_bundle_files(
        migration=args.migrate_share is not None,
        staffing=args.sla_target is not None,
        incentives=template is not None,
    )
    dest = check_destination(out, force=args.force, planned=planned, force_hint="--force")
    progress = not args.no_progress
    migration = staffing = inc = None
    with _executor(args) as executor:
        res = run_book(book, args.replications, args.seed, executor=executor, progress=progress)
        if args.migrate_share is not None:
            _say("Running the book again with the clients moved...")
            migration = migrate(
                book, args.migrate_share, args.to, replications=args.replications,
                seed=args.seed, executor=executor, progress=progress,
            )  # fmt: skip
        if args.sla_target is not None:
            _say("Searching the fewest technicians that hold the SLA target...")
            staffing = staffing_search(
                book, args.sla_target, replications=args.replications, seed=args.seed,
                executor=executor, progress=progress,
            )  # fmt: skip
        if template is not None:
            _say(f"Searching each provider's margin-maximising choices on {template.name}...")
            inc = _incentives(template, list(template.contracts),
                              min(INCENTIVE_REPLICATIONS, args.replications), args.seed,
                              None, executor)  # fmt: skip
    _say(book_summary_text(res, migration=migration, staffing=staffing))
    if inc is not None and template is not None:
        _say("\n" + incentives_text(inc, template))
    written = write_book_bundle(
        res, dest.path, migration=migration, staffing=staffing, incentives=inc,
        template=template, force=args.force,
    )  # fmt: skip
    _say(f"\nWrote {len(written)} files to {dest.path}/: report.html and report.pdf"
         " (internal: the provider's costs and margin), charts, tables, book.yaml to run it"
         " again.")  # fmt: skip


def _price_name(scn: Scenario, fee: FeeEstimate) -> tuple[str, str]:
    """The price solved for in words (``fee per device``, ``block rate per prepaid hour of
    prepaid-10h``: the offer named unless it is named after its model) and its period
    (`` a month`` or nothing)."""
    words = make_contract(scn, fee.offer).price_term_words(fee.term)
    name = " ".join(w for w in (words.what, words.per) if w)
    if fee.offer not in CONTRACT_TYPES:
        name += f" of {fee.offer}"
    return name, f" {words.period}" if words.period else ""


def _baseline(scn: Scenario, args: argparse.Namespace) -> str:
    """The offer named by ``--baseline``, else the default baseline; refused if unknown."""
    name = getattr(args, "baseline", None)
    if name is None:
        return default_baseline(scn.contracts)
    if name not in scn.contracts:
        raise ValueError(
            f"--baseline {name}: {scn.source} has no such offer; its offers are"
            f" {', '.join(scn.contracts)}"
        )
    return str(name)


def _break_even(args: argparse.Namespace) -> None:
    scn = _scenario(args)
    with _executor(args) as executor:
        fee = break_even_fee(
            scn, args.replications, args.seed, basis=args.basis, per=args.per,
            executor=executor, progress=not args.no_progress, baseline=_baseline(scn, args),
            offer=args.offer, term=args.term,
        )  # fmt: skip
    what = "cash plus downtime" if args.basis == "total" else "cash only"
    name, period = _price_name(scn, fee)
    _say(
        f"{scn.name}: break-even {name}, {what}:"
        f" {_money(float(fee), scn.currency)}{period}"
        f" (95 % CI {_money(fee.ci_low, scn.currency)} to {_money(fee.ci_high, scn.currency)};"
        f" {fee.replications} replications, seed {fee.seed})"
    )


def _app(args: argparse.Namespace) -> None:
    """Serve the sales page until Ctrl-C; print its address first."""
    from itmodels.app import make_server

    server = make_server(args.address, args.port, args.prices)
    _say(f"Sales page at http://{args.address}:{server.port}/ (Ctrl-C to stop)")
    server.io_loop.start()


_COLUMN_SECTIONS = ("tickets", "assets", "invoices", "categories")


def _column_map(path: Path | None) -> dict[str, dict[str, str]]:
    """The ``--columns`` file: sections of header (or category) to name, checked."""
    if path is None:
        return {}
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--columns {path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"--columns {path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - set(_COLUMN_SECTIONS):
        raise UsageError(
            f"--columns {path}: expected a mapping with sections {list(_COLUMN_SECTIONS)}"
            f", found {list(data) if isinstance(data, dict) else type(data).__name__}"
        )
    out: dict[str, dict[str, str]] = {}
    for section, mapping in data.items():
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise UsageError(
                f"--columns {path}, section {section}: expected a mapping of names to names"
                " such as {'Ticket #': id}"
            )
        out[section] = {str(k): v for k, v in mapping.items()}
    return out


def _fit(args: argparse.Namespace) -> None:
    import pandas as pd

    from itmodels.fitting.fit import fit_scenario
    from itmodels.fitting.summary import fit_file_for

    if args.tickets is None and args.assets is None and args.invoices is None:
        raise UsageError("give at least one export: --tickets, --assets or --invoices")
    sidecar = fit_file_for(args.out)
    for path in (args.out, sidecar):
        if not args.overwrite and (path.exists() or path.is_symlink()):
            raise UsageError(f"--out {args.out}: {path} already exists; choose a new name or"
                             " add --overwrite")  # fmt: skip
    for flag, text in (("--as-of", args.as_of), ("--start", args.start)):
        if text is not None:
            try:
                pd.Timestamp(text)
            except ValueError:
                raise UsageError(f"{flag} {text!r}: expected a date like 2024-12-31") from None
    maps = _column_map(args.columns)
    categories = maps.pop("categories", {})
    fit = fit_scenario(
        args.tickets, args.assets, args.invoices, base=args.base, as_of=args.as_of,
        start=args.start, columns=maps, categories=categories,
    )  # fmt: skip
    for report in fit.reports:
        _say(report)
    _say(fit.table())
    written = fit.to_yaml(args.out, overwrite=args.overwrite)
    evidence = fit.summary().to_json(sidecar, overwrite=args.overwrite)
    _say(
        f"\nWrote {written} and {evidence} (the evidence and the fit's charts); compare the"
        f" offers on it with: itmodels compare {written} --fit {evidence}"
        " (add --fit-uncertainty to carry the estimation error into the intervals)"
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
                path = shipped_path(name)
                scn = load_scenario(path or name)
                _say(f"{name:<20} {(scn.description or scn.name).strip().splitlines()[0]}")
                _say(f"{'':<20} {path}")
        elif args.command == "validate":
            scn = _scenario(args, default=None)
            events = check_size(scn)  # too big to simulate is not valid for compare either
            _say(
                f"{scn.source}: valid. {scn.client.users} users, {scn.device_count} devices in"
                f" {len(scn.fleet)} classes, {len(scn.incident_streams)} incident streams,"
                f" {scn.horizon / 8766.0:g} years; offers: {', '.join(scn.contracts)};"
                f" about {events:,.0f} simulation events a replication (limit {event_limit():,})"
            )
        elif args.command == "break-even":
            _break_even(args)
        elif args.command == "app":
            _app(args)
        elif args.command == "fit":
            _fit(args)
        elif args.command == "incentives":
            _incentives_command(args)
        elif args.command == "book":
            _book(args)
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
