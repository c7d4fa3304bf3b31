"""Decisions on a provider's book: :func:`migrate`, :func:`staffing` and :func:`book_sweep`.

Every comparison here is on common random numbers: the runs compared use the same seed,
and each client's streams are derived from it by the client's name
(:func:`~itmodels.engine.book.client_seed`), so a client keeps its luck whatever its
offer or the number of technicians; differences are paired over replications.

Which clients move (:func:`migrate`): the candidates are the clients on the book's
reference offer (the first pay-per-incident offer,
:func:`~itmodels.contracts.default_baseline`); ``round(share x candidates)`` of them
(halves rounded up) move, taken in a fixed order: ``select="random"`` ranks the candidates
by a SHA-256 hash of their names (deterministic, independent of the seed and of the other
clients, and nested: a larger share moves the same clients and more), ``"first"`` in book
order, ``"largest"`` / ``"smallest"`` by device count (ties in book order).

How :func:`staffing` searches: a count *holds* the target when the one-sided lower
confidence bound (level ``confidence``, t over replications) of the mean attainment
(:meth:`~itmodels.experiments.book.BookResult.attainment` over ``priorities``) is at least
``sla_target``.  Every count is run on the same seed.  The search starts at the book's
own count and at the offered load's bound ``ceil(busy technicians)`` (the mean number of
technicians the book keeps busy, from that first run: fewer cannot keep up with the
work, very likely); while no count holds it steps up from the largest failing count by 1, 2, 4, ...;
while none fails below the fewest holding, it steps down; then it bisects between the
largest failing count and the fewest holding until they are next to each other.  So the
answer is the fewest count holding among those tried, and the count one below it was
tried and failed (or the answer is 1).  Attainment is very nearly non-decreasing in the
technicians on common random numbers; the search does not assume it beyond the bracket.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from itertools import product

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.contracts import contract_class, default_baseline
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.book import (
    PROVIDER_METRICS,
    BookChunk,
    BookResult,
    run_book,
    run_book_chunk,
)
from itmodels.experiments.experiment import worker_count
from itmodels.experiments.metrics import METRICS
from itmodels.experiments.run import replication_seed
from itmodels.scenario import PRIORITIES
from itmodels.scenario.book import Book
from itmodels.scenario.size import check_size

__all__ = [
    "CLIENT_TOTALS",
    "SELECTIONS",
    "Migration",
    "Staffing",
    "book_sweep",
    "lower_bound",
    "migrate",
    "movers",
    "reference_offer",
    "staffing",
]

#: How :func:`migrate` picks the clients that move (see the module's docstring).
SELECTIONS: tuple[str, ...] = ("random", "first", "largest", "smallest")

#: Sums over all clients per replication that :meth:`Migration.table` and
#: :func:`book_sweep` report after the provider's figures: name and client metric.
CLIENT_TOTALS: dict[str, str] = {
    "clients_total_cost": "client_total_cost",
    "clients_cash_cost": "client_cash_cost",
    "clients_downtime_cost": "downtime_cost",
}

_DEFAULT_REPLICATIONS = 20


def _check_book(book: Book) -> None:
    if not isinstance(book, Book):
        raise TypeError(f"book must be an itmodels.Book (see load_book), got {type(book).__name__}")


def _replications(replications: int | None, least: int = 1) -> int:
    if replications is None:
        return _DEFAULT_REPLICATIONS
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < least:
        raise ValueError(
            f"replications must be an integer of at least {least}, got {replications!r}"
        )
    return replications


def reference_offer(book: Book) -> str:
    """The book's reference offer: its first pay-per-incident offer.

    Parameters
    ----------
    book : Book

    Returns
    -------
    str
        An offer name of ``book.contracts``.

    Raises
    ------
    ValueError
        If no offer of the book is of a reference (pay-per-incident) model.
    """
    name = default_baseline(book.contracts)
    if not contract_class(book.contracts[name].type).reference:
        raise ValueError(
            f"book {book.name!r} has no pay-per-incident offer to move clients from; its"
            f" offers are {list(book.contracts)}"
        )
    return name


def _share(share: float) -> float:
    if isinstance(share, bool) or not isinstance(share, (int, float)):
        raise ValueError(f"share must be a number between 0 and 1, got {share!r}")
    share = float(share)
    if not 0.0 <= share <= 1.0:  # NaN fails too
        raise ValueError(f"share must be between 0 and 1, got {share!r}")
    return share


def _rank(name: str) -> bytes:
    return hashlib.sha256(("migrate:" + name).encode("utf-8")).digest()


def movers(book: Book, share: float, select: str = "random") -> list[str]:
    """The clients :func:`migrate` moves: ``share`` of those on the reference offer.

    Parameters
    ----------
    book : Book
    share : float
        Between 0 and 1: ``round(share x candidates)`` clients move (halves up).
    select : str
        One of :data:`SELECTIONS` (see the module's docstring).

    Returns
    -------
    list of str
        Client names, in book order.

    Raises
    ------
    ValueError
        For a share outside [0, 1], an unknown ``select``, a book without a
        pay-per-incident offer or without a client on it, or a positive share that
        moves no client.
    """
    _check_book(book)
    share = _share(share)
    if select not in SELECTIONS:
        raise ValueError(f"select must be one of {list(SELECTIONS)}, got {select!r}")
    base = reference_offer(book)
    clients = book.clients_scenarios()
    candidates = [(i, name, scn) for i, (name, scn, offer) in enumerate(clients) if offer == base]
    if not candidates:
        raise ValueError(f"no client to move: no client of book {book.name!r} is on {base!r}")
    count = math.floor(share * len(candidates) + 0.5)
    if share > 0 and count == 0:
        raise ValueError(
            f"share {share:g} of the {len(candidates)} clients on {base!r} moves no client;"
            f" give at least {1 / (2 * len(candidates)):.3g}"
        )
    if select == "random":
        order = sorted(candidates, key=lambda c: _rank(c[1]))
    elif select == "first":
        order = candidates
    elif select == "largest":
        order = sorted(candidates, key=lambda c: (-c[2].device_count, c[0]))
    else:
        order = sorted(candidates, key=lambda c: (c[2].device_count, c[0]))
    chosen = {name for _, name, _ in order[:count]}
    return [name for _, name, _ in candidates if name in chosen]


def _check_to(book: Book, to: str | None) -> tuple[str, str]:
    """The offer the clients move from and the one they move to (``None``: the book's
    first offer other than the reference one), checked."""
    base = reference_offer(book)
    if to is None:
        others = [name for name in book.contracts if name != base]
        if not others:
            raise ValueError(f"book {book.name!r} has no offer other than {base!r} to move to")
        return base, others[0]
    if to not in book.contracts:
        raise ValueError(
            f"to={to!r} is not an offer of book {book.name!r}; its offers are"
            f" {list(book.contracts)}"
        )
    if to == base:
        raise ValueError(f"to={to!r} is the offer the clients move from; name another offer")
    return base, to


def _client_totals(result: BookResult, moved: Sequence[str]) -> pd.DataFrame:
    """Per replication: the sums of :data:`CLIENT_TOTALS` and the moved clients' cost."""
    frame = result.clients
    sums = frame.groupby("replication", sort=True)[list(CLIENT_TOTALS.values())].sum()
    out = pd.DataFrame({k: sums[v] for k, v in CLIENT_TOTALS.items()})
    mine = frame[frame["client"].isin(list(moved))]
    out["moved_clients_total_cost"] = (
        mine.groupby("replication", sort=True)["client_total_cost"].sum().reindex(out.index)
    ).fillna(0.0)
    return out


class Migration:
    """A book before and after moving clients to another offer (:func:`migrate`).

    Attributes
    ----------
    before, after : BookResult
        The book as it is, and with the clients in ``moved`` on offer ``to``; same seed.
    moved : list of str
        The clients moved, in book order.
    share : float
        The share of the clients on the reference offer asked to move.
    to : str
        The offer they moved to.
    source : str
        The offer they moved from (the book's reference offer).
    """

    def __init__(
        self,
        before: BookResult,
        after: BookResult,
        moved: list[str],
        share: float,
        to: str,
        source: str,
    ) -> None:
        self.before = before
        self.after = after
        self.moved = moved
        self.share = share
        self.to = to
        self.source = source

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Before, after and the paired difference of each figure, with its interval.

        Parameters
        ----------
        level : float
            Confidence level of the interval of the difference (default 0.95).

        Returns
        -------
        pandas.DataFrame
            Indexed by metric: every :data:`~itmodels.experiments.book.PROVIDER_METRICS`
            name, then ``clients_total_cost``, ``clients_cash_cost``,
            ``clients_downtime_cost`` (sums over all clients) and
            ``moved_clients_total_cost`` (over the moved clients); columns ``before``,
            ``after`` (means over replications), ``difference`` (mean of after - before
            per replication), ``ci_low``, ``ci_high`` (its t-interval; replications where
            either side is NaN are left out of the difference).

        Raises
        ------
        ValueError
            For a level outside (0, 1).
        """
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level!r}")
        a = self.before.provider.set_index("replication").sort_index()
        b = self.after.provider.set_index("replication").sort_index()
        a = a[list(PROVIDER_METRICS)].join(_client_totals(self.before, self.moved))
        b = b[list(PROVIDER_METRICS)].join(_client_totals(self.after, self.moved))
        rows = []
        for name in a.columns:
            x, y = a[name].to_numpy(dtype=float), b[name].to_numpy(dtype=float)
            diff, _, low, high, _ = mean_ci(y - x, level)
            rows.append(
                {
                    "metric": name,
                    "before": mean_ci(x)[0],
                    "after": mean_ci(y)[0],
                    "difference": diff,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
        return pd.DataFrame(rows).set_index("metric")

    def __repr__(self) -> str:
        return (
            f"<Migration {self.before.book.name!r}: {len(self.moved)} clients"
            f" {self.source} -> {self.to}, {self.before.replications} replications>"
        )


def migrate(
    book: Book,
    share: float = 0.5,
    to: str | None = None,
    *,
    replications: int | None = None,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = True,
    select: str = "random",
) -> Migration:
    """Move a share of the pay-per-incident clients to offer ``to``: the book before and
    after, on common random numbers.

    Parameters
    ----------
    book : Book
        The book (see :func:`itmodels.load_book`).
    share : float
        Share of the clients on the book's reference (pay-per-incident) offer that move,
        between 0 and 1 (default 0.5); see :func:`movers` for the rounding.
    to : str, optional
        The offer they move to (an offer of the book, not the reference one; default:
        the book's first other offer).
    replications : int, optional
        Replications of each side (default 20).
    seed : int
        Seed of both runs (common random numbers per client).
    executor : concurrent.futures.Executor, optional
        As for :func:`~itmodels.experiments.book.run_book`; the numbers do not depend
        on it.
    progress : bool
        Show progress bars.
    select : str
        How the clients that move are chosen: ``"random"`` (a fixed hash of their names,
        nested in the share), ``"first"``, ``"largest"``, ``"smallest"`` (see the
        module's docstring).

    Returns
    -------
    Migration
        ``.before``, ``.after``, ``.moved``, and ``.table()`` of paired differences.

    Raises
    ------
    ValueError
        For an unknown offer ``to`` (or the reference offer itself), a share outside
        [0, 1] or moving no client, no client on the reference offer, an unknown
        ``select`` or a bad number of replications.

    Examples
    --------
    >>> import itmodels as itm
    >>> mig = itm.migrate(itm.load_book("msp-book"), 0.5, "flat_rate")  # doctest: +SKIP
    >>> mig.table().loc["provider_margin", ["difference", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    _check_book(book)
    reps = _replications(replications)
    source, to = _check_to(book, to)
    moved = movers(book, share, select)
    before = run_book(book, reps, seed, executor=executor, progress=progress)
    after = run_book(
        book,
        reps,
        seed,
        executor=executor,
        progress=progress,
        offers=dict.fromkeys(moved, to),
    )
    return Migration(before, after, moved, float(share), to, source)


# ----------------------------------------------------------------------------- staffing
class Staffing:
    """The fewest technicians holding an SLA attainment target (:func:`staffing`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per technician count tried, in increasing order: ``technicians``,
        ``attainment`` (mean over replications), ``attainment_low`` (its one-sided lower
        bound at ``confidence``), ``holds``, ``provider_margin``, ``margin_ci_low``,
        ``margin_ci_high`` (95 %), ``utilisation`` (mean, all work), ``replications``.
    technicians : int or None
        The fewest count holding the target (the count below it was tried and failed,
        unless it is 1), or None.
    reason : str
        Why that count (or why none).
    sla_target, confidence : float
    priorities : tuple of str
    results : dict of int to BookResult
        The runs, by technician count.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        technicians: int | None,
        reason: str,
        sla_target: float,
        confidence: float,
        priorities: tuple[str, ...],
        results: dict[int, BookResult],
    ) -> None:
        self.table = table
        self.technicians = technicians
        self.reason = reason
        self.sla_target = sla_target
        self.confidence = confidence
        self.priorities = priorities
        self.results = results

    def __repr__(self) -> str:
        return f"<Staffing: {self.technicians} technicians; {self.reason}>"


def _unit(value: float, what: str, closed_top: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, got {value!r}")
    value = float(value)
    ok = 0 < value <= 1 if closed_top else 0 < value < 1
    if not ok:
        interval = "(0, 1]" if closed_top else "(0, 1)"
        raise ValueError(f"{what} must be in {interval}, got {value!r}")
    return value


def _counts(technicians: Sequence[int] | None) -> list[int] | None:
    if technicians is None:
        return None
    if isinstance(technicians, (str, bytes)) or not isinstance(technicians, Sequence):
        raise ValueError(f"technicians must be a list of positive integers, got {technicians!r}")
    bad = [c for c in technicians if isinstance(c, bool) or not isinstance(c, int) or c < 1]
    if bad or not technicians:
        raise ValueError(
            f"technicians must be a non-empty list of positive integers, got {technicians!r}"
        )
    return sorted(set(technicians))


def _priorities(priorities: Sequence[str]) -> tuple[str, ...]:
    if isinstance(priorities, str):
        priorities = (priorities,)
    wrong = [p for p in priorities if p not in PRIORITIES]
    if not priorities or wrong:
        raise ValueError(f"priorities must be some of {list(PRIORITIES)}, got {list(priorities)!r}")
    return tuple(dict.fromkeys(priorities))


def lower_bound(values: np.ndarray, confidence: float) -> float:
    """One-sided lower confidence bound of the mean (t over the non-NaN values).

    Parameters
    ----------
    values : numpy.ndarray
    confidence : float
        In (0, 1).

    Returns
    -------
    float
        NaN with fewer than two values.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return math.nan
    t = float(stats.t.ppf(confidence, len(x) - 1))
    return float(x.mean() - t * x.std(ddof=1) / math.sqrt(len(x)))


def staffing(
    book: Book,
    sla_target: float = 0.95,
    *,
    priorities: Sequence[str] = ("P1", "P2"),
    confidence: float = 0.95,
    technicians: Sequence[int] | None = None,
    replications: int | None = None,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    max_technicians: int | None = None,
) -> Staffing:
    """The fewest technicians whose SLA attainment holds ``sla_target`` with the stated
    confidence, searched on common random numbers.

    Attainment is the share of the incidents of ``priorities`` with an SLA response
    target that were responded in time, pooled over those priorities, per replication
    (:meth:`~itmodels.experiments.book.BookResult.attainment`).  A count holds the target
    when the one-sided lower ``confidence`` bound of its mean attainment is at least
    ``sla_target``.  The search is described in the module's docstring: the count
    returned is the fewest holding among those tried, and one fewer was tried and failed.

    Parameters
    ----------
    book : Book
        The book (see :func:`itmodels.load_book`); its own technician count is tried
        first.
    sla_target : float
        In (0, 1] (default 0.95).
    priorities : sequence of str
        Priorities pooled (default P1 and P2).
    confidence : float
        Level of the lower bound, in (0, 1) (default 0.95).
    technicians : sequence of int, optional
        Counts to try first instead of the book's own (all of them are in the table);
        the search goes on from them as from the book's own count.
    replications : int, optional
        Replications per count (default 20, at least 2).
    seed : int
        The seed of every count's run (common random numbers).
    executor : concurrent.futures.Executor, optional
        As for :func:`~itmodels.experiments.book.run_book`.
    progress : bool
        Show progress bars.
    max_technicians : int, optional
        The most technicians the upward search tries (default ``max(10, 4 x`` the
        larger of the book's count and the load bound``)``).

    Returns
    -------
    Staffing
        ``.technicians`` (or None, with ``.reason``) and ``.table`` of the counts tried.

    Raises
    ------
    ValueError
        For ``sla_target`` outside (0, 1], ``confidence`` outside (0, 1), unknown
        priorities, bad technician counts or replications, or a book none of whose
        incidents of ``priorities`` has an SLA response target.

    Examples
    --------
    >>> import itmodels as itm
    >>> plan = itm.staffing(itm.load_book("msp-book"), 0.95)  # doctest: +SKIP
    >>> plan.technicians, plan.table  # doctest: +SKIP
    """
    _check_book(book)
    target = _unit(sla_target, "sla_target", closed_top=True)
    level = _unit(confidence, "confidence", closed_top=False)
    pri = _priorities(priorities)
    grid = _counts(technicians)
    reps = _replications(replications, least=2)
    replication_seed(seed, 0)  # checks the seed
    if max_technicians is not None and (
        isinstance(max_technicians, bool)
        or not isinstance(max_technicians, int)
        or max_technicians < 1
    ):
        raise ValueError(f"max_technicians must be a positive integer, got {max_technicians!r}")
    results: dict[int, BookResult] = {}
    rows: dict[int, dict[str, float | int | bool]] = {}

    def run(count: int) -> bool:
        if count not in rows:
            changed = book.override({"provider.technicians": count})
            res = run_book(changed, reps, seed, executor=executor, progress=progress)
            att = res.attainment(pri).to_numpy(dtype=float)
            if np.all(np.isnan(att)):
                raise ValueError(
                    f"book {book.name!r}: no incident of {list(pri)} has an SLA response"
                    " target (no client is on an offer with sla.response for them), so"
                    " there is no attainment to staff for"
                )
            low = lower_bound(att, level)
            margin = mean_ci(res.provider["provider_margin"].to_numpy(dtype=float))
            results[count] = res
            rows[count] = {
                "technicians": count,
                "attainment": float(np.nanmean(att)),
                "attainment_low": low,
                "holds": bool(low >= target),
                "provider_margin": margin[0],
                "margin_ci_low": margin[2],
                "margin_ci_high": margin[3],
                "utilisation": float(res.provider["utilisation"].mean()),
                "replications": reps,
            }
        return bool(rows[count]["holds"])

    first = grid if grid is not None else [book.provider.technicians]
    for count in first:
        run(count)
    start = first[0]
    busy = float(rows[start]["utilisation"]) * start  # technicians kept busy
    bound = max(1, math.ceil(busy - 1e-9))
    cap = max_technicians if max_technicians is not None else max(10, 4 * max(start, bound))
    step_up, step_down = 1, 1
    chosen: int | None = None
    while True:
        holding = [c for c in rows if rows[c]["holds"]]
        hi = min(holding) if holding else None
        lo = max((c for c in rows if not rows[c]["holds"] and (hi is None or c < hi)), default=0)
        if hi is None:  # step up from the largest failing count
            if lo < bound and bound not in rows:
                nxt = bound
            else:
                nxt = lo + step_up
                step_up *= 2
            if nxt > cap:
                best = max(rows)
                reason = (
                    f"no count up to {cap} technicians holds the target (at {best}: attainment"
                    f" {rows[best]['attainment']:.4f}, lower bound"
                    f" {rows[best]['attainment_low']:.4f}); raise max_technicians or check"
                    " the SLA targets against travel and work times"
                )
                break
        elif hi - lo <= 1:  # bracketed: hi holds, hi - 1 fails (or hi is 1)
            chosen = hi
            low = rows[hi]["attainment_low"]
            reason = f"{hi} holds the target (lower bound {low:.4f} >= {target:g})"
            if lo:
                reason += f"; {lo} does not ({rows[lo]['attainment_low']:.4f})"
            break
        elif lo == 0:  # step down from the fewest holding
            if bound < hi and bound not in rows:
                nxt = bound
            else:
                nxt = max(1, hi - step_down)
                step_down *= 2
        else:
            nxt = (lo + hi) // 2
        run(nxt)
    table = pd.DataFrame([rows[c] for c in sorted(rows)]).reset_index(drop=True)
    return Staffing(table, chosen, reason, target, level, pri, results)


# ----------------------------------------------------------------------------- sweep
def book_sweep(
    book: Book,
    technicians: Sequence[int],
    shares: Sequence[float] = (0.0,),
    to: str | None = None,
    *,
    replications: int | None = None,
    seed: int = 0,
    executor: Executor | None = None,
    select: str = "random",
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Technician counts x migration shares of a book, every cell on the same seed.

    Each cell is the book with ``technicians`` technicians and the clients
    ``movers(book, share, select)`` on offer ``to``; all cells' chunks of replications are
    submitted to ``executor`` together, so a process pool or a Dask cluster
    (``distributed.Client(...).get_executor()``) runs the whole grid in parallel.  The
    numbers do not depend on the executor or the chunks.

    Parameters
    ----------
    book : Book
    technicians : sequence of int
        Technician counts (positive).
    shares : sequence of float
        Shares of the pay-per-incident clients moved to ``to`` (each in [0, 1]; 0 is
        the book as it is).
    to : str, optional
        The offer the clients move to (default: the book's first offer other than the
        reference one).
    replications : int, optional
        Replications per cell (default 20).
    seed : int
        The seed of every cell.
    executor : concurrent.futures.Executor, optional
        ``None`` runs serially; a process pool or a Dask executor runs the chunks.
    select : str
        How the clients that move are chosen (see :func:`movers`).
    chunk_size : int, optional
        Replications per work unit (default: about two units per worker over the grid,
        see :func:`~itmodels.experiments.experiment.worker_count`).

    Returns
    -------
    pandas.DataFrame
        One row per cell and replication: ``technicians``, ``share``, ``moved`` (how
        many clients moved), ``replication``, then every
        :data:`~itmodels.experiments.book.PROVIDER_METRICS` name and
        ``clients_total_cost``, ``clients_cash_cost``, ``clients_downtime_cost``.

    Raises
    ------
    ValueError
        As :func:`migrate` and :func:`staffing` for bad counts, shares, offer,
        replications or chunk size.

    Examples
    --------
    >>> import itmodels as itm
    >>> grid = itm.book_sweep(itm.load_book("msp-book"), [2, 3], [0, 0.5])  # doctest: +SKIP
    >>> grid.groupby(["technicians", "share"]).provider_margin.mean()  # doctest: +SKIP
    """
    _check_book(book)
    counts = _counts(technicians)
    assert counts is not None
    if isinstance(shares, (str, bytes)) or not isinstance(shares, Sequence) or not shares:
        raise ValueError(f"shares must be a non-empty list of numbers in [0, 1], got {shares!r}")
    share_list = [_share(s) for s in shares]
    _, to = _check_to(book, to)
    reps = _replications(replications)
    replication_seed(seed, 0)
    cell_count = len(counts) * len(share_list)
    if chunk_size is None:  # about two chunks per worker over the whole grid
        per_worker = math.ceil(reps * cell_count / (2 * worker_count(executor)))
        chunk_size = max(1, min(reps, per_worker))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    moves = {s: movers(book, s, select) if s > 0 else [] for s in share_list}
    clients = book.clients_scenarios()
    for moved in moves.values():
        for name, scn, offer in clients:
            check_size(scn, to if name in moved else offer, None)
    books = {c: book.override({"provider.technicians": c}) for c in counts}
    spans = [(a, min(a + chunk_size, reps)) for a in range(0, reps, chunk_size)]
    cells = [(c, s, a, b) for c, s in product(counts, share_list) for a, b in spans]

    def work(c: int, s: float, a: int, b: int) -> tuple[Book, Mapping[str, str], int, int, int]:
        return books[c], dict.fromkeys(moves[s], to), seed, a, b

    chunks: list[BookChunk]
    if executor is None:
        chunks = [run_book_chunk(*work(*cell)) for cell in cells]
    else:
        futures: list[Future[BookChunk]] = [
            executor.submit(run_book_chunk, *work(*cell)) for cell in cells
        ]
        try:
            chunks = [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    k = len(clients)
    totals = [METRICS.index(m) for m in CLIENT_TOTALS.values()]
    frames = []
    for (c, s, a, b), chunk in zip(cells, chunks, strict=True):
        n = b - a
        frame = pd.DataFrame(chunk.provider, columns=list(PROVIDER_METRICS))
        sums = chunk.clients.reshape(n, k, len(METRICS))[:, :, totals].sum(axis=1)
        for j, name in enumerate(CLIENT_TOTALS):
            frame[name] = sums[:, j]
        frame.insert(0, "replication", np.arange(a, b))
        frame.insert(0, "moved", len(moves[s]))
        frame.insert(0, "share", s)
        frame.insert(0, "technicians", c)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
