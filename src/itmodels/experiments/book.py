"""Replications of a provider's whole book: :func:`run_book` and its :class:`BookResult`.

Replication ``r`` of a book run seeded ``seed`` uses the seed sequence
``SeedSequence(seed, spawn_key=(r,))`` (as :func:`~itmodels.experiments.run.simulate`
does), and each client's streams are derived from it by the client's name
(:func:`~itmodels.engine.book.client_seed`).  So the same seed gives the same numbers
whatever executor runs the replications, and a client keeps its luck when another
client, or its own offer, changes.

Provider figures per replication:

- ``provider_revenue``, ``provider_cost``, ``provider_margin``: the sums over the
  clients' ledgers (fees, charges, parts and hardware sold; wages, travel, parts,
  hardware, tools, SLA credits);
- ``utilisation``: the technicians' busy hours on all work over technicians x shift
  hours in the horizon: the book's work (every client visit completed by the horizon,
  travel included, at any hour) and the work outside the book (``background_load``:
  each job's work time from its grant, counted up to the horizon, see
  :meth:`~itmodels.engine.technicians.Technicians.held_hours`);
- ``overtime_hours``: the book's visit hours outside the shift;
- ``sla_attainment_P1`` .. ``P4``: of the incidents with an SLA response target whose
  outcome is known by the horizon, the share responded in time (NaN: none);
- ``loss_months``: months whose margin is below 0; ``revenue_volatility``: the standard
  deviation of the monthly revenue (``ddof=1``) over its mean;
- ``book_utilisation``: as ``utilisation``, the book's own work only (equal to it without
  ``background_load``);
- ``sla_incidents_P1`` .. ``P4``: how many incidents the attainment of that priority is
  the share of (so attainments pool over priorities, :meth:`BookResult.attainment`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np
import pandas as pd

from itmodels.engine.book import BookModel
from itmodels.engine.records import Records
from itmodels.engine.services import months
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.experiment import worker_count
from itmodels.experiments.metrics import METRICS, MONTHLY_MONEY, compute_metrics, monthly_money
from itmodels.experiments.run import replication_seed
from itmodels.scenario import PRIORITIES, Scenario
from itmodels.scenario.book import Book
from itmodels.scenario.size import check_size

__all__ = ["PROVIDER_METRICS", "BookChunk", "BookResult", "run_book", "run_book_chunk"]

#: The provider's figures per replication (see the module's docstring).
PROVIDER_METRICS: tuple[str, ...] = (
    "provider_revenue",
    "provider_cost",
    "provider_margin",
    "utilisation",
    "overtime_hours",
    *(f"sla_attainment_{p}" for p in PRIORITIES),
    "loss_months",
    "revenue_volatility",
    "book_utilisation",
    *(f"sla_incidents_{p}" for p in PRIORITIES),
)

_REVENUE = MONTHLY_MONEY.index("provider_revenue")
_COST = MONTHLY_MONEY.index("provider_cost")


@dataclass
class BookChunk:
    """What one chunk of book replications returns (plain arrays: cheap to pickle)."""

    start: int
    stop: int
    clients: np.ndarray  # (reps * clients, len(METRICS)), replication-major
    provider: np.ndarray  # (reps, len(PROVIDER_METRICS))
    monthly: np.ndarray  # (reps * months, 2): revenue, cost


def _provider_figures(
    book: Book,
    scenarios: Sequence[Scenario],
    records: Sequence[Records],
    n_months: int,
    outside: float,
) -> tuple[list[float], np.ndarray]:
    """One replication's provider figures and its monthly (revenue, cost); ``outside``
    is the technicians' hours on work outside the book."""
    money = np.zeros((n_months, 2))
    busy = 0.0
    overtime = 0.0
    known = dict.fromkeys(PRIORITIES, 0)
    in_time = dict.fromkeys(PRIORITIES, 0)
    for scn, rec in zip(scenarios, records, strict=True):
        m = monthly_money(rec, n_months)
        money[:, 0] += m[:, _REVENUE]
        money[:, 1] += m[:, _COST]
        visits = rec.visit_columns()
        if len(visits["start"]):
            busy += float(np.sum(visits["end"] - visits["start"]))
            overtime += float(np.sum(visits["overtime_hours"]))
        tab = rec.incidents
        horizon = scn.horizon
        for ident, deadline in tab.sla_deadline.items():
            responded = tab.responded[ident]
            if math.isnan(responded) and deadline >= horizon:
                continue  # not known by the horizon
            p = tab.priority[ident]
            known[p] += 1
            if ident not in tab.sla_breached:
                in_time[p] += 1
    hours = book.provider.working_hours
    assert hours is not None
    shift = book.horizon if hours.always_open else hours.open_hours_between(0.0, book.horizon)
    capacity = book.provider.technicians * shift
    revenue, cost = money[:, 0], money[:, 1]
    margin = revenue - cost
    mean_revenue = float(revenue.mean())
    volatility = (
        float(revenue.std(ddof=1)) / mean_revenue if n_months > 1 and mean_revenue > 0 else math.nan
    )
    figures = [
        float(revenue.sum()),
        float(cost.sum()),
        float(revenue.sum() - cost.sum()),
        (busy + outside) / capacity if capacity > 0 else math.nan,
        overtime,
        *(in_time[p] / known[p] if known[p] else math.nan for p in PRIORITIES),
        float(np.sum(margin < 0)),
        volatility,
        busy / capacity if capacity > 0 else math.nan,
        *(float(known[p]) for p in PRIORITIES),
    ]
    return figures, money


def run_book_chunk(
    book: Book, offers: Mapping[str, str] | None, seed: int, start: int, stop: int
) -> BookChunk:
    """Run book replications ``start .. stop-1`` (a picklable work unit).

    Parameters
    ----------
    book : Book
    offers : mapping of str to str, optional
        Client name to offer name, replacing the book's choice for those clients.
    seed : int
    start, stop : int
        The replications to run.

    Returns
    -------
    BookChunk
    """
    clients = _clients(book, offers)
    scenarios = [scn for _, scn, _ in clients]
    n_months = months(book.horizon)
    client_rows: list[list[float]] = []
    provider_rows: list[list[float]] = []
    monthly: list[np.ndarray] = []
    for r in range(start, stop):
        model = BookModel(clients, book.provider, replication_seed(seed, r))
        records = model.run()
        for scn, rec in zip(scenarios, records, strict=True):
            values = compute_metrics(scn, rec)
            client_rows.append([values[m] for m in METRICS])
        outside = model.techs.held_hours(book.horizon)
        figures, money = _provider_figures(book, scenarios, records, n_months, outside)
        provider_rows.append(figures)
        monthly.append(money)
    return BookChunk(
        start,
        stop,
        np.asarray(client_rows, dtype=float).reshape(-1, len(METRICS)),
        np.asarray(provider_rows, dtype=float).reshape(-1, len(PROVIDER_METRICS)),
        np.concatenate(monthly) if monthly else np.empty((0, 2)),
    )


def _clients(book: Book, offers: Mapping[str, str] | None) -> list[tuple[str, Scenario, str]]:
    """The book's clients with ``offers`` applied (checked)."""
    clients = book.clients_scenarios()
    if offers is None:
        return clients
    if not isinstance(offers, Mapping):
        raise TypeError(f"offers must map client names to offer names, got {offers!r}")
    names = {name for name, _, _ in clients}
    unknown = sorted(str(k) for k in offers if k not in names)
    if unknown:
        raise ValueError(f"offers names clients not in book {book.name!r}: {unknown}")
    bad = {k: v for k, v in offers.items() if v not in book.contracts}
    if bad:
        raise ValueError(
            f"offers gives offers not in book {book.name!r}: {bad}; the offers are"
            f" {list(book.contracts)}"
        )
    return [(name, scn, offers.get(name, offer)) for name, scn, offer in clients]


class BookResult:
    """The replications of a book: per client, for the provider, and per month.

    Attributes
    ----------
    book : Book
    seed : int
    replications : int
    clients : pandas.DataFrame
        ``client``, ``offer``, ``replication``, then every metric of
        :data:`~itmodels.experiments.metrics.METRICS`.
    provider : pandas.DataFrame
        ``replication``, then :data:`PROVIDER_METRICS`.
    monthly : pandas.DataFrame
        ``replication``, ``month``, ``revenue``, ``cost``, ``margin`` (the provider's).
    """

    def __init__(
        self,
        book: Book,
        seed: int,
        clients: pd.DataFrame,
        provider: pd.DataFrame,
        monthly: pd.DataFrame,
    ) -> None:
        self.book = book
        self.seed = seed
        self.clients = clients
        self.provider = provider
        self.monthly = monthly
        self.replications = len(provider)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Each provider metric's mean and ``level`` t-interval over the replications.

        Parameters
        ----------
        level : float
            The confidence level (default 0.95).

        Returns
        -------
        pandas.DataFrame
            Indexed by metric; columns ``mean``, ``ci_low``, ``ci_high``, ``n``.
        """
        rows = []
        for name in PROVIDER_METRICS:
            mean, _, low, high, n = mean_ci(self.provider[name].to_numpy(dtype=float), level)
            rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
        return pd.DataFrame(rows).set_index("metric")

    def client_summary(
        self,
        metrics: Sequence[str] = (
            "client_total_cost",
            "provider_revenue",
            "provider_margin",
            "technician_hours",
            "mean_response_hours",
        ),
    ) -> pd.DataFrame:
        """Each client's offer and mean of ``metrics`` over the replications.

        Parameters
        ----------
        metrics : sequence of str
            Metrics of :data:`~itmodels.experiments.metrics.METRICS`.

        Returns
        -------
        pandas.DataFrame
            Indexed by client (in book order); ``offer``, then one column per metric.

        Raises
        ------
        ValueError
            For an unknown metric.
        """
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; expected some of {list(METRICS)}")
        frame = self.clients
        means = frame.groupby("client", observed=True, sort=False)[list(metrics)].mean()
        offers = frame.groupby("client", observed=True, sort=False)["offer"].first()
        means.insert(0, "offer", offers.astype(str))
        return means

    def attainment(self, priorities: Sequence[str] = ("P1", "P2")) -> pd.Series:
        """Each replication's SLA attainment pooled over ``priorities``: of the incidents
        of those priorities with an SLA response target and an outcome known by the
        horizon, the share responded in time.

        Parameters
        ----------
        priorities : sequence of str
            Some of ``P1`` .. ``P4`` (default P1 and P2).

        Returns
        -------
        pandas.Series
            Indexed by replication; NaN where no such incident was known.

        Raises
        ------
        ValueError
            For no priorities, or one not in ``P1`` .. ``P4``.
        """
        if isinstance(priorities, str):
            priorities = (priorities,)
        wrong = [p for p in priorities if p not in PRIORITIES]
        if not priorities or wrong:
            raise ValueError(
                f"priorities must be some of {list(PRIORITIES)}, got {list(priorities)!r}"
            )
        frame = self.provider
        known = np.zeros(len(frame))
        in_time = np.zeros(len(frame))
        for p in dict.fromkeys(priorities):
            n = frame[f"sla_incidents_{p}"].to_numpy(dtype=float)
            share = frame[f"sla_attainment_{p}"].to_numpy(dtype=float)
            known += n
            in_time += np.where(n > 0, share * n, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(known > 0, in_time / known, math.nan)
        return pd.Series(values, index=frame["replication"].to_numpy(), name="attainment")

    @property
    def loss_month_probability(self) -> pd.Series:
        """P(a month's margin < 0): the mean over replications of each replication's share
        of loss-making months, with its 95 % t-interval (replications are independent;
        months within one are not).

        Returns
        -------
        pandas.Series
            ``mean``, ``ci_low``, ``ci_high``.
        """
        n_months = months(self.book.horizon)
        share = self.provider["loss_months"].to_numpy(dtype=float) / n_months
        mean, _, low, high, _ = mean_ci(share, 0.95)
        return pd.Series({"mean": mean, "ci_low": low, "ci_high": high}, name="loss_month")

    def __repr__(self) -> str:
        return (
            f"<BookResult {self.book.name!r}: {self.clients['client'].nunique()} clients,"
            f" {self.replications} replications, seed {self.seed}>"
        )


def _span_list(replications: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, replications)) for a in range(0, replications, size)]


def run_book(
    book: Book,
    replications: int = 20,
    seed: int = 0,
    *,
    executor: Executor | None = None,
    progress: bool = False,
    offers: Mapping[str, str] | None = None,
    chunk_size: int | None = None,
    max_events: int | None = None,
) -> BookResult:
    """Simulate a provider's whole book: every client on the shared technicians.

    Parameters
    ----------
    book : Book
        A validated book (see :func:`itmodels.load_book`).
    replications : int
        Number of replications (default 20).
    seed : int
        Seed of the run; replication ``r`` is the same whatever the executor.
    executor : concurrent.futures.Executor, optional
        ``None`` runs serially; a process pool
        (:func:`~itmodels.experiments.experiment.local_pool`) or a Dask executor runs
        chunks of replications in parallel.  The numbers do not depend on it.
    progress : bool
        Show a progress bar (text on stderr, a widget in notebooks).
    offers : mapping of str to str, optional
        Client name to offer name, replacing the book's choice for those clients (each
        client keeps its luck: common random numbers per client).
    chunk_size : int, optional
        Replications per work unit (default: about two chunks per worker).  Chunks
        never change the numbers.
    max_events : int, optional
        The most simulation events one client's replication may take, estimated before
        the run for each client alone (default: ``ITMODELS_MAX_EVENTS``, else 500,000;
        see :mod:`itmodels.scenario.size`).

    Returns
    -------
    BookResult

    Raises
    ------
    ValueError
        For a bad number of replications, seed or chunk size, or ``offers`` naming an
        unknown client or offer.
    itmodels.scenario.size.TooManyEventsError
        If one client is estimated to take more than ``max_events`` events.

    Examples
    --------
    >>> import itmodels as itm
    >>> res = itm.run_book(itm.load_book("msp-book"), replications=2, seed=1)  # doctest: +SKIP
    >>> res.summary().loc["utilisation", "mean"]  # doctest: +SKIP
    """
    if not isinstance(book, Book):
        raise TypeError(f"book must be an itmodels.Book (see load_book), got {type(book).__name__}")
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ValueError(f"replications must be a positive integer, got {replications!r}")
    replication_seed(seed, 0)  # checks the seed
    clients = _clients(book, offers)
    for _, scn, offer in clients:
        check_size(scn, offer, max_events)
    if chunk_size is None:
        workers = worker_count(executor)
        chunk_size = max(1, math.ceil(replications / (2 * workers)))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    spans = _span_list(replications, chunk_size)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=replications, unit="rep", desc="book replications", leave=False)
    chunks: list[BookChunk] = []
    try:
        if executor is None:
            for a, b in spans:
                chunks.append(run_book_chunk(book, offers, seed, a, b))
                if bar is not None:
                    bar.update(b - a)
        else:
            futures: list[Future[BookChunk]] = [
                executor.submit(run_book_chunk, book, offers, seed, a, b) for a, b in spans
            ]
            try:
                for future in futures:
                    chunk = future.result()
                    chunks.append(chunk)
                    if bar is not None:
                        bar.update(chunk.stop - chunk.start)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    finally:
        if bar is not None:
            bar.close()
    return _result(book, seed, clients, chunks)


def _result(
    book: Book, seed: int, clients: Sequence[tuple[str, Scenario, str]], chunks: list[BookChunk]
) -> BookResult:
    n_months = months(book.horizon)
    names = [name for name, _, _ in clients]
    offers = [offer for _, _, offer in clients]
    reps = np.concatenate([np.arange(c.start, c.stop) for c in chunks])
    k = len(names)
    client_frame = pd.DataFrame(np.concatenate([c.clients for c in chunks]), columns=list(METRICS))
    client_frame.insert(0, "replication", np.repeat(reps, k))
    client_frame.insert(
        0, "offer", pd.Categorical(np.tile(np.array(offers, dtype=object), len(reps)))
    )
    client_frame.insert(
        0, "client", pd.Categorical(np.tile(np.array(names, dtype=object), len(reps)), names)
    )
    provider = pd.DataFrame(
        np.concatenate([c.provider for c in chunks]), columns=list(PROVIDER_METRICS)
    )
    provider.insert(0, "replication", reps)
    money = np.concatenate([c.monthly for c in chunks])
    monthly = pd.DataFrame(
        {
            "replication": np.repeat(reps, n_months),
            "month": np.tile(np.arange(n_months), len(reps)),
            "revenue": money[:, 0],
            "cost": money[:, 1],
            "margin": money[:, 0] - money[:, 1],
        }
    )
    return BookResult(book, seed, client_frame, provider, monthly)
