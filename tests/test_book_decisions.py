"""Decisions on a provider's book: migrate, staffing, sweeps, and utilisation of all work.

(a) migrating nothing changes nothing; migrating moves the moved clients' money and queue
the expected way and leaves the others' luck alone; (b) staffing: attainment does not fall
as technicians are added (common random numbers), the count chosen holds the target and
one fewer does not, and for a pooled M/M/c//N book the answer is the count the
finite-source waiting-time law gives; (c) a technicians x share sweep gives the same
numbers serially, on two processes and on a Dask cluster; (d) utilisation counts the work
outside the book; (e) bad arguments are refused clearly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import distributed
import numpy as np
import pandas as pd
import pytest
import simpy

import itmodels as itm
from helpers import (
    HOURS_PER_MONTH,
    engset_in_time,
    mean_interval,
    pooled_book,
)
from itmodels.engine.technicians import Technicians
from itmodels.experiments.book import PROVIDER_METRICS
from itmodels.experiments.book_decisions import CLIENT_TOTALS, movers
from itmodels.experiments.experiment import local_pool
from itmodels.scenario.book import book_from_mapping

SMALL = itm.load_scenario("small-office")


def offers() -> dict[str, Any]:
    out = {k: v.model_dump(mode="json", exclude_none=True) for k, v in SMALL.contracts.items()}
    out["flat_rate"]["monitoring"].pop("classes", None)  # monitor every template's classes
    return out


def small_book(technicians: int = 2, horizon: str = "6mo", **changes: Any) -> itm.Book:
    provider = SMALL.provider.model_dump(mode="json", exclude_none=True)
    provider.pop("background_load", None)
    provider["technicians"] = technicians
    provider.update(changes)
    data = {
        "name": "decisions",
        "horizon": horizon,
        "provider": provider,
        "contracts": offers(),
        "clients": [
            {"name": "anchor", "template": "small-office", "offer": "flat_rate"},
            {
                "generate": {
                    "count": 6,
                    "seed": 7,
                    "templates": {"small-office": 0.5, "professional-firm": 0.5},
                    "users": {"dist": "lognormal", "median": 12, "sigma": 0.4},
                    "offers": {"break_fix": 1.0},
                }
            },
        ],
    }
    return book_from_mapping(data)


BOOK = small_book()


# ----------------------------------------------------------------------------- (a)
def test_migrating_nothing_changes_nothing():
    mig = itm.migrate(BOOK, 0.0, "flat_rate", replications=3, seed=4, progress=False)
    assert mig.moved == [] and mig.source == "break_fix"
    pd.testing.assert_frame_equal(mig.before.clients, mig.after.clients)
    pd.testing.assert_frame_equal(mig.before.provider, mig.after.provider)
    table = mig.table()
    assert list(table.index) == [*PROVIDER_METRICS, *CLIENT_TOTALS, "moved_clients_total_cost"]
    assert list(table.columns) == ["before", "after", "difference", "ci_low", "ci_high"]
    assert (table["difference"].dropna() == 0).all()
    assert table.loc["moved_clients_total_cost", "before"] == 0
    assert table.loc["provider_revenue", "before"] > 0


def test_the_default_offer_to_move_to_is_the_first_other_one():
    mig = itm.migrate(BOOK, 0.0, replications=1, seed=4, progress=False)
    assert mig.source == "break_fix"
    assert mig.to == next(o for o in BOOK.contracts if o != "break_fix")
    data = BOOK.model_dump(mode="json", exclude_none=True, exclude={"source", "folder"})
    data["contracts"] = {"break_fix": data["contracts"]["break_fix"]}
    data["clients"] = [data["clients"][1]]  # the generated break-fix clients only
    lone = book_from_mapping(data)
    with pytest.raises(ValueError, match="has no offer other than 'break_fix' to move to"):
        itm.migrate(lone, 0.5, replications=1)


def test_migrating_moves_the_clients_money_and_queue_the_expected_way():
    mig = itm.migrate(BOOK, 0.5, "flat_rate", replications=6, seed=4, progress=False)
    assert len(mig.moved) == 3 and mig.moved == movers(BOOK, 0.5)
    # nested and deterministic: a larger share moves the same clients and more
    assert set(mig.moved) < set(movers(BOOK, 0.9)) and movers(BOOK, 0.5) == mig.moved
    assert movers(BOOK, 0.5, "first") == ["client-01", "client-02", "client-03"]
    before, after = mig.before.clients, mig.after.clients
    moved = after["client"].isin(mig.moved)
    assert (after[moved]["offer"] == "flat_rate").all()
    assert (after[~moved]["offer"] == before[~moved]["offer"]).all()
    # the moved clients now pay the plan's fees: at least the fees less the largest credit
    months = 6
    for name, scn, _ in BOOK.clients_scenarios():
        if name in mig.moved:
            fees = 65 * scn.device_count * months
            revenue = after[after.client == name]["provider_revenue"]
            assert (revenue >= 0.85 * fees).all(), name
    # their incidents now carry SLA targets, and the others' do not
    table = mig.table()
    assert table.loc["sla_incidents_P3", "ci_low"] > 0

    # their work now goes first (contract class) and the plan adds maintenance: the
    # clients left on break-fix wait longer behind them (paired over replications)
    def response(frame: pd.DataFrame, mask: pd.Series) -> np.ndarray:
        part = frame[mask]
        waited = (part.mean_response_hours * part.incidents).groupby(part.replication).sum()
        return (waited / part.incidents.groupby(part.replication).sum()).to_numpy()

    stayed = after.offer == "break_fix"
    slower = mean_interval(response(after, stayed) - response(before, stayed), 0.95)
    assert slower.low > 0, slower
    # the clients' total cost is the sum of the clients' rows
    totals = after.groupby("replication").client_total_cost.sum().mean()
    assert table.loc["clients_total_cost", "after"] == pytest.approx(totals)


def test_moved_clients_go_first_in_the_queue_and_the_others_wait_longer():
    # offers that differ only in their queue class (no monitoring, maintenance, SLA or
    # deferral): the same incidents happen, the moved clients' work is served first
    provider = SMALL.provider.model_dump(mode="json", exclude_none=True)
    provider.pop("background_load", None)
    provider["technicians"] = 1
    data = {
        "name": "queue",
        "horizon": "6mo",
        "provider": provider,
        "contracts": {"break_fix": {"hourly_rate": 100}, "flat_rate": {"fee_per_device": 50}},
        "clients": small_book().model_dump(mode="json", exclude_none=True)["clients"][1:],
    }
    mig = itm.migrate(book_from_mapping(data), 0.5, "flat_rate", replications=6, seed=4)
    before, after = mig.before.clients, mig.after.clients
    np.testing.assert_array_equal(before.incidents, after.incidents)  # the same luck
    moved = before.client.isin(mig.moved)
    assert moved.sum() == 3 * 6

    def response(frame: pd.DataFrame, mask: pd.Series) -> np.ndarray:
        part = frame[mask.to_numpy()]
        waited = (part.mean_response_hours * part.incidents).groupby(part.replication).sum()
        return (waited / part.incidents.groupby(part.replication).sum()).to_numpy()

    quicker = mean_interval(response(after, moved) - response(before, moved), 0.95)
    assert quicker.high < 0, quicker
    slower = mean_interval(response(after, ~moved) - response(before, ~moved), 0.95)
    assert slower.low > 0, slower


def test_with_ample_technicians_the_others_keep_their_whole_run():
    ample = small_book(technicians=300)
    mig = itm.migrate(ample, 1.0, "flat_rate", replications=2, seed=9, progress=False)
    assert len(mig.moved) == 6
    keep = ~mig.before.clients.client.isin(mig.moved)
    pd.testing.assert_frame_equal(
        mig.before.clients[keep].astype({"offer": str}),
        mig.after.clients[keep].astype({"offer": str}),
    )


# ----------------------------------------------------------------------------- (b)
def test_staffing_attainment_rises_with_technicians_and_the_answer_is_exact():
    plan = itm.staffing(
        BOOK, 0.9, technicians=[1, 2, 3], replications=4, seed=2, priorities=("P2", "P3")
    )
    table = plan.table
    assert list(table.technicians) == sorted(table.technicians)
    assert (np.diff(table.attainment) >= 0).all(), table
    assert table.attainment.iloc[0] < table.attainment.iloc[-1]
    chosen = plan.technicians
    assert chosen is not None, plan.reason
    row = table.set_index("technicians")
    assert row.loc[chosen, "holds"] and row.loc[chosen, "attainment_low"] >= 0.9
    if chosen > 1:
        assert not row.loc[chosen - 1, "holds"]
    assert not row.loc[: chosen - 1, "holds"].any()  # the fewest holding among those tried
    assert 0 < row.loc[chosen, "utilisation"] < 1


def test_staffing_a_pooled_book_agrees_with_the_finite_source_queue(tmp_path: Path):
    n, life, repair, sla, target, horizon, reps = 10, 40.0, 5.0, 1.0, 0.9, 8_000.0, 5
    terms = {"fee_per_device": 50, "sla": {"response": {"P3": sla}}}
    book = pooled_book(tmp_path, n, life, repair, horizon, 1, "flat_rate", terms)
    exact = {c: engset_in_time(n, c, 1 / life, 1 / repair, sla) for c in range(1, 6)}
    analytic = min(c for c, p in exact.items() if p >= target)
    assert analytic == 3 and exact[2] < target - 0.1 and exact[3] > target + 0.04
    plan = itm.staffing(book, target, priorities=["P3"], replications=reps, seed=11)
    assert plan.technicians == analytic, plan.table
    # the search started at 1 technician, stepped up and bisected: 1, 2, 4, then 3
    assert list(plan.table.technicians) == [1, 2, 3, 4]
    for c, res in plan.results.items():
        ci = mean_interval(res.attainment(["P3"]))
        assert ci.contains(exact[c]), f"{c} technicians: simulated {ci}, M/M/{c}//{n} {exact[c]}"


# ----------------------------------------------------------------------------- (c)
def test_a_sweep_gives_the_serial_numbers_on_processes_and_on_dask():
    kwargs: dict[str, Any] = {
        "technicians": [1, 3],
        "shares": [0.0, 1.0],
        "to": "flat_rate",
        "replications": 2,
        "seed": 5,
    }
    book = small_book(horizon="3mo")
    serial = itm.book_sweep(book, **kwargs)
    assert len(serial) == 2 * 2 * 2
    assert list(serial.columns[:4]) == ["technicians", "share", "moved", "replication"]
    assert set(serial.moved) == {0, 6}
    # each cell is the book's own run
    cell = serial[(serial.technicians == 3) & (serial.share == 1.0)].reset_index(drop=True)
    alone = itm.run_book(
        book.override({"provider.technicians": 3}),
        2,
        5,
        offers=dict.fromkeys(movers(book, 1.0), "flat_rate"),
    )
    pd.testing.assert_series_equal(
        cell.provider_margin, alone.provider.provider_margin, check_names=False
    )
    with local_pool(2) as pool:
        pooled = itm.book_sweep(book, executor=pool, chunk_size=1, **kwargs)
    pd.testing.assert_frame_equal(pooled, serial)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, scheduler_port=0,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        on_dask = itm.book_sweep(book, executor=client.get_executor(), **kwargs)  # by workers
    pd.testing.assert_frame_equal(on_dask, serial)


# ----------------------------------------------------------------------------- (d)
def test_held_hours_count_the_work_granted_up_to_a_time():
    env = simpy.Environment()
    techs = Technicians(env, capacity=1)
    for i in range(3):
        techs.hold((1, 0, 0.0, -1 - i), 2.0, anytime=True)
    env.run(until=5.0)
    assert techs.held_hours() == pytest.approx(6.0)  # all three granted by 4 h
    assert techs.held_hours(5.0) == pytest.approx(5.0)  # the third is half done at 5 h


def test_utilisation_counts_the_work_outside_the_book():
    jobs, months = 60, 6
    quiet = BOOK
    loaded = BOOK.override(
        {
            "provider.background_load": {
                "jobs_per_month": jobs,
                "work": {"dist": "constant", "value": "1h"},
            }
        }
    )
    a, b = (itm.run_book(x, replications=4, seed=3) for x in (quiet, loaded))
    np.testing.assert_array_equal(a.provider.utilisation, a.provider.book_utilisation)
    outside = b.provider.utilisation - b.provider.book_utilisation
    hours = BOOK.provider.working_hours
    assert hours is not None
    capacity = 2 * hours.open_hours_between(0.0, BOOK.horizon)
    # about jobs x months one-hour jobs (Poisson), less the last one's unfinished part
    counted = outside * capacity
    assert BOOK.horizon == pytest.approx(months * HOURS_PER_MONTH)
    expected = jobs * months
    sd = math.sqrt(expected)
    assert (abs(counted - expected) < 4 * sd).all(), (counted, expected)
    assert (counted > 0).all()


# ----------------------------------------------------------------------------- (e)
def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match=r"to='gold' is not an offer.*break_fix"):
        itm.migrate(BOOK, 0.5, "gold", replications=2)
    with pytest.raises(ValueError, match="is the offer the clients move from"):
        itm.migrate(BOOK, 0.5, "break_fix", replications=2)
    for share in (-0.1, 1.5, math.nan, "half", True):
        with pytest.raises(ValueError, match="share must"):
            itm.migrate(BOOK, share, "flat_rate", replications=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="moves no client"):
        itm.migrate(BOOK, 0.05, "flat_rate", replications=2)
    with pytest.raises(ValueError, match="select must be one of"):
        itm.migrate(BOOK, 0.5, "flat_rate", select="cheapest")
    managed = BOOK.override({"clients.1.generate.offers": {"flat_rate": 1.0}})
    with pytest.raises(ValueError, match="no client to move"):
        itm.migrate(managed, 0.5, "flat_rate", replications=2)
    with pytest.raises(TypeError, match=r"itmodels\.Book"):
        itm.migrate(SMALL, 0.5)  # type: ignore[arg-type]
    for target in (0.0, 1.2, math.nan):
        with pytest.raises(ValueError, match=r"sla_target must be in \(0, 1\]"):
            itm.staffing(BOOK, target)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        itm.staffing(BOOK, 0.9, confidence=1.0)
    with pytest.raises(ValueError, match="priorities must be some of"):
        itm.staffing(BOOK, 0.9, priorities=["P9"])
    with pytest.raises(ValueError, match="positive integers"):
        itm.staffing(BOOK, 0.9, technicians=[0, 2])
    with pytest.raises(ValueError, match="at least 2"):
        itm.staffing(BOOK, 0.9, replications=1)
    # no client on an offer with SLA targets: nothing to staff for
    bare = BOOK.override({"clients.0.offer": "break_fix"})
    with pytest.raises(ValueError, match=r"no incident of.*SLA response target"):
        itm.staffing(bare, 0.9, replications=2)
    with pytest.raises(ValueError, match="shares must be"):
        itm.book_sweep(BOOK, [2], [])
