"""A provider's book: loading, the shared-technician engine, and its truth checks.

(a) identical independent clients on ample technicians each get exactly the
single-client run on their own streams; (b) pooling: clients of one exponential device
each on shared technicians 24/7 wait as the finite-source queue M/M/c//N says; (c) the
same numbers serially and on two processes; (d) bad books are refused naming the file
and key path; (e) one client's offer does not change another client's luck.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from helpers import engset_wait, mean_interval, pooled_book
from itmodels.contracts import make_contract
from itmodels.engine.book import BookModel, client_seed
from itmodels.engine.draws import Streams
from itmodels.engine.model import Model
from itmodels.experiments.book import PROVIDER_METRICS
from itmodels.experiments.experiment import local_pool
from itmodels.experiments.metrics import METRICS, compute_metrics
from itmodels.experiments.run import replication_seed
from itmodels.scenario.book import book_from_mapping

SMALL = itm.load_scenario("small-office")


def offers_of(scn: itm.Scenario) -> dict[str, Any]:
    """The scenario's offers as plain data, monitoring every device class."""
    out = {k: v.model_dump(mode="json", exclude_none=True) for k, v in scn.contracts.items()}
    for terms in out.values():
        if "monitoring" in terms:
            terms["monitoring"].pop("classes", None)
    return out


def provider_of(scn: itm.Scenario, technicians: int) -> dict[str, Any]:
    prov = scn.provider.model_dump(mode="json", exclude_none=True)
    prov.pop("background_load", None)
    prov["technicians"] = technicians
    return prov


def book_data(clients: list[dict[str, Any]], technicians: int = 3, horizon: str = "1y"):
    return {
        "name": "test-book",
        "horizon": horizon,
        "provider": provider_of(SMALL, technicians),
        "contracts": offers_of(SMALL),
        "clients": clients,
    }


MIXED = [
    {"name": "acme", "template": "small-office", "offer": "break_fix"},
    {"name": "shop", "template": "retail-shop", "offer": "flat_rate"},
    {
        "generate": {
            "count": 4,
            "seed": 5,
            "templates": {"small-office": 0.5, "professional-firm": 0.5},
            "users": {"dist": "lognormal", "median": 10, "sigma": 0.5},
            "offers": {"break_fix": 0.5, "flat_rate": 0.5},
        }
    },
]


def single(scn: itm.Scenario, offer: str, seed: int, rep: int, name: str):
    """The client run alone on the streams it has in the book."""
    streams = Streams(client_seed(replication_seed(seed, rep), name))
    return Model(scn, make_contract(scn, offer), streams).run()


# ----------------------------------------------------------------------------- (a)
def test_identical_clients_on_ample_technicians_get_exactly_the_single_client_run():
    clients = [
        {"name": f"office-{i}", "template": "small-office", "offer": offer}
        for i, offer in enumerate(["break_fix", "flat_rate", "break_fix"])
    ]
    book = book_from_mapping(book_data(clients, technicians=500))
    built = book.clients_scenarios()
    records = BookModel(built, book.provider, replication_seed(11, 2)).run()
    for (name, scn, offer), rec in zip(built, records, strict=True):
        alone = single(scn, offer, 11, 2, name)
        a, b = compute_metrics(scn, rec), compute_metrics(scn, alone)
        assert a == pytest.approx(b, rel=0, abs=0, nan_ok=True), name
        pd.testing.assert_frame_equal(rec.incidents_frame(), alone.incidents_frame())
        assert a["incidents"] > 10  # something happened
    # the clients' luck is their own: same template, different names, different runs
    first, second = (
        compute_metrics(s, r) for (_, s, _), r in zip(built[::2], records[::2], strict=True)
    )
    assert (
        first["incidents"] != second["incidents"]
        or first["downtime_cost"] != second["downtime_cost"]
    )


def test_run_book_per_client_rows_match_the_engine():
    book = book_from_mapping(book_data(MIXED, technicians=500))
    res = itm.run_book(book, replications=2, seed=3)
    assert list(res.clients.columns[:3]) == ["client", "offer", "replication"]
    assert list(res.provider.columns) == ["replication", *PROVIDER_METRICS]
    assert len(res.clients) == 2 * 6 and len(res.provider) == 2
    row = res.clients[(res.clients.client == "acme") & (res.clients.replication == 1)]
    name, scn, offer = book.clients_scenarios()[0]
    alone = compute_metrics(scn, single(scn, offer, 3, 1, name))
    assert [float(row[m].iloc[0]) for m in METRICS] == pytest.approx(
        [alone[m] for m in METRICS], rel=1e-12, nan_ok=True
    )
    # the provider's revenue and cost are the clients' sums
    sums = res.clients.groupby("replication")[["provider_revenue", "provider_cost"]].sum()
    np.testing.assert_allclose(res.provider.provider_revenue, sums.provider_revenue, rtol=1e-12)
    np.testing.assert_allclose(res.provider.provider_cost, sums.provider_cost, rtol=1e-12)
    monthly = res.monthly.groupby("replication")[["revenue", "margin"]].sum()
    np.testing.assert_allclose(monthly.revenue, res.provider.provider_revenue, rtol=1e-9)
    np.testing.assert_allclose(monthly.margin, res.provider.provider_margin, rtol=1e-9)
    summary = res.summary()
    assert set(summary.index) == set(PROVIDER_METRICS)
    assert (summary["ci_low"] <= summary["mean"]).all() or summary["ci_low"].isna().any()
    assert 0 < res.provider.utilisation.min() < 0.05  # 500 technicians: nearly idle
    p = res.loss_month_probability
    assert 0 <= p["mean"] <= 1


# ----------------------------------------------------------------------------- (b)
def test_pooled_technicians_wait_as_the_finite_source_queue(tmp_path: Path):
    n, c, life, repair, horizon, reps = 10, 2, 40.0, 5.0, 20_000.0, 8
    book = pooled_book(tmp_path, n, life, repair, horizon, c, "break_fix", {"hourly_rate": 100})
    res = itm.run_book(book, replications=reps, seed=2024)
    m = res.clients
    waited = (m.mean_response_hours * m.incidents).groupby(m.replication).sum()
    count = m.incidents.groupby(m.replication).sum()
    ci = mean_interval(waited / count)
    exact = engset_wait(n, c, 1 / life, 1 / repair)
    assert ci.se < 0.05 * exact, ci
    assert ci.contains(exact), f"simulated {ci}, M/M/{c}//{n} {exact:.4g}"
    # not the unpooled answer: each client on its own technician never waits
    assert exact > 0.1 and engset_wait(1, 1, 1 / life, 1 / repair) == 0.0


# ----------------------------------------------------------------------------- (c)
def test_serial_and_two_processes_give_the_same_numbers():
    book = book_from_mapping(book_data(MIXED, technicians=2))
    serial = itm.run_book(book, replications=2, seed=9)
    with local_pool(2) as pool:
        parallel = itm.run_book(book, replications=2, seed=9, executor=pool, chunk_size=1)
    pd.testing.assert_frame_equal(serial.clients, parallel.clients)
    pd.testing.assert_frame_equal(serial.provider, parallel.provider)
    pd.testing.assert_frame_equal(serial.monthly, parallel.monthly)


# ----------------------------------------------------------------------------- (d)
def bad(change) -> str:
    data = copy.deepcopy(book_data(MIXED))
    change(data)
    with pytest.raises(itm.ScenarioError) as info:
        book_from_mapping(data, source="books/bad.yaml")
    text = str(info.value)
    assert text.startswith("books/bad.yaml"), text
    return text


def test_bad_books_name_the_file_and_key_path():
    def unknown_offer(d):
        d["clients"][0]["offer"] = "gold"

    text = bad(unknown_offer)
    assert "clients[0].offer" in text and "'gold'" in text and "break_fix" in text

    def unknown_template(d):
        d["clients"][1]["template"] = "no-such-office"

    text = bad(unknown_template)
    assert "clients[1].template" in text and "no-such-office" in text

    def duplicate(d):
        d["clients"][1]["name"] = "acme"

    text = bad(duplicate)
    assert "clients[1].name" in text and "unique" in text

    def clash_generated(d):
        d["clients"][0]["name"] = "client-02"

    assert "unique" in bad(clash_generated)

    def shares(d):
        d["clients"][2]["generate"]["offers"] = {"break_fix": 0.5, "flat_rate": 0.6}

    text = bad(shares)
    assert "clients[2].generate.offers" in text and "add up to 1" in text

    def count(d):
        d["clients"][2]["generate"]["count"] = 0

    assert "clients[2].generate.count" in bad(count)

    def gen_offer(d):
        d["clients"][2]["generate"]["offers"] = {"platinum": 1.0}

    assert "clients[2].generate.offers.platinum" in bad(gen_offer)

    def gen_template(d):
        d["clients"][2]["generate"]["templates"] = {"nowhere": 1.0}

    assert "clients[2].generate.templates.nowhere" in bad(gen_template)

    def unused_template(d):
        d["clients"][2]["generate"]["templates"] = {"small-office": 1.0, "nowhere": 0.0}

    assert "clients[2].generate.templates.nowhere" in bad(unused_template)

    def negative_users(d):
        d["clients"][2]["generate"]["users"] = {"dist": "uniform", "low": -5, "high": 5}

    assert "clients[2].generate.users.low" in bad(negative_users)

    def no_users(d):
        d["clients"][2]["generate"]["users"] = {"dist": "constant", "value": 0}

    text = bad(no_users)
    assert "clients[2].generate.users" in text and "positive" in text

    def mixed_entry(d):
        d["clients"][2]["offer"] = "break_fix"

    assert "clients[2].offer" in bad(mixed_entry)

    def override_key(d):
        d["clients"][0]["override"] = {"client.staff": 3}

    assert "clients[0] (acme): client.staff: unknown key" in bad(override_key)

    def override_path(d):
        d["clients"][0]["override"] = {"fleet.tablet.count": 3}

    assert "clients[0].override.fleet.tablet.count" in bad(override_path)

    def override_value(d):
        d["clients"][0]["override"] = {"client.users": -3}

    text = bad(override_value)
    assert "clients[0] (acme)" in text and "client.users" in text

    def hours(d):
        del d["provider"]["working_hours"]

    assert "provider.working_hours" in bad(hours)


def test_load_book_errors_and_offers_argument(tmp_path: Path):
    with pytest.raises(itm.ScenarioError, match="no such file"):
        itm.load_book(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nclients: [\n", encoding="utf-8")
    with pytest.raises(itm.ScenarioError, match=r"(?s)broken.yaml.*not valid YAML"):
        itm.load_book(broken)
    book = book_from_mapping(book_data(MIXED))
    with pytest.raises(ValueError, match="not in book"):
        itm.run_book(book, replications=1, offers={"nobody": "flat_rate"})
    with pytest.raises(ValueError, match="offers not in book"):
        itm.run_book(book, replications=1, offers={"acme": "gold"})
    with pytest.raises(ValueError, match="replications"):
        itm.run_book(book, replications=0)
    with pytest.raises(itm.TooManyEventsError, match="acme"):
        itm.run_book(book, replications=1, max_events=100)


# ----------------------------------------------------------------------------- (e)
def test_an_offer_change_leaves_other_clients_luck_alone():
    book = book_from_mapping(book_data(MIXED, technicians=2))
    seed_seq = replication_seed(4, 0)
    before = book.clients_scenarios()
    after = [(n, s, "flat_rate" if n == "acme" else o) for n, s, o in before]
    assert before[0][2] == "break_fix"
    runs = [BookModel(clients, book.provider, seed_seq).run() for clients in (before, after)]
    changed = 0
    for i, (name, _, _) in enumerate(before):
        a, b = (r[i].incidents_frame() for r in runs)
        # the incidents that do not wait on a technician arise at the same times
        streams_a = a[a.kind == "incident"][["source", "occurred", "priority"]]
        streams_b = b[b.kind == "incident"][["source", "occurred", "priority"]]
        if name == "acme":
            continue  # its own offer changed its reporting and priorities
        pd.testing.assert_frame_equal(
            streams_a.reset_index(drop=True), streams_b.reset_index(drop=True)
        )
        assert len(streams_a) > 0
        changed += not a["responded"].equals(b["responded"])
    # the technicians are shared: the others' responses did move (the check is not empty)
    assert changed > 0
    # with ample technicians a client's whole run is untouched by another's offer
    ample = book.override({"provider.technicians": 500})
    runs = [
        BookModel(
            [(n, s, o if n != "acme" else offer) for n, s, o in ample.clients_scenarios()],
            ample.provider,
            seed_seq,
        ).run()
        for offer in ("break_fix", "flat_rate")
    ]
    for i in range(1, len(runs[0])):
        pd.testing.assert_frame_equal(runs[0][i].incidents_frame(), runs[1][i].incidents_frame())


# ----------------------------------------------------------------------------- books
def test_generated_clients_are_deterministic_and_in_the_given_shares():
    book = book_from_mapping(book_data(MIXED))
    again = book_from_mapping(book_data(MIXED))
    names = [(n, s.client.users, s.device_count, o) for n, s, o in book.clients_scenarios()]
    assert names == [
        (n, s.client.users, s.device_count, o) for n, s, o in again.clients_scenarios()
    ]
    generated = names[2:]
    assert [n for n, *_ in generated] == ["client-01", "client-02", "client-03", "client-04"]
    assert sorted(o for *_, o in generated) == ["break_fix"] * 2 + ["flat_rate"] * 2
    other = book.override({"clients.2.generate.seed": 6})
    assert [(n, s.client.users) for n, s, _ in other.clients_scenarios()][2:] != [
        (n, u) for n, u, _, _ in generated
    ]
    # devices scale with users
    for _, scn, _ in book.clients_scenarios()[2:]:
        base = SMALL if scn.fleet[0].name == SMALL.fleet[0].name else None
        if base is not None:
            expected = max(1, round(base.fleet[0].count * scn.client.users / base.client.users))
            assert scn.fleet[0].count == expected


def test_override_and_to_yaml_round_trip(tmp_path: Path):
    book = book_from_mapping(book_data(MIXED))
    changed = book.override({"clients.acme.offer": "flat_rate", "provider.technicians": 7})
    assert changed.clients_scenarios()[0][2] == "flat_rate"
    assert changed.provider.technicians == 7 and book.provider.technicians == 3
    path = changed.to_yaml(tmp_path / "book.yaml")
    assert itm.load_book(path) == changed
    with pytest.raises(FileExistsError):
        changed.to_yaml(path)
    with pytest.raises(itm.ScenarioError, match=r"provider.staff: unknown key"):
        book.override({"provider.staff": 2})


def test_the_shipped_book_is_a_book_and_keeps_its_technicians_realistically_busy():
    assert "msp-book" not in itm.scenario_names()  # a book, not a scenario
    book = itm.load_book("msp-book")
    clients = book.clients_scenarios()
    assert len(clients) == 40
    assert [o for *_, o in clients].count("break_fix") == 24  # 60/40
    devices = sum(s.device_count for _, s, _ in clients)
    assert 200 <= devices / book.provider.technicians <= 320  # endpoints per technician
    res = itm.run_book(book, replications=1, seed=1)
    assert 0.6 <= res.provider.utilisation[0] <= 0.8
    assert res.provider.provider_margin[0] > 0


def test_background_load_still_takes_the_shared_technicians():
    book = book_from_mapping(book_data(MIXED, technicians=2))
    busy = book.override(
        {
            "provider.background_load": {
                "jobs_per_month": 400,
                "work": {"dist": "constant", "value": "1h"},
            }
        }
    )
    # the clients do not carry it: it runs once, for the whole book
    assert all(s.provider.background_load is None for _, s, _ in busy.clients_scenarios())
    quiet, loaded = (itm.run_book(b, replications=2, seed=8) for b in (book, busy))
    assert loaded.clients.mean_response_hours.mean() > quiet.clients.mean_response_hours.mean()


def test_equal_keys_of_two_clients_are_served_first_come_first_served():
    # two identical managed clients: their maintenance sessions ask for the one technician
    # at the same instants with equal dispatch keys; the first asked (book order) goes first
    pair = [
        {"name": "first", "template": "small-office", "offer": "flat_rate"},
        {"name": "second", "template": "small-office", "offer": "flat_rate"},
    ]

    def maintenance_starts(clients):
        book = book_from_mapping(book_data(clients, technicians=1))
        built = book.clients_scenarios()
        records = BookModel(built, book.provider, replication_seed(5, 0)).run()
        out = {}
        for (name, _, _), rec in zip(built, records, strict=True):
            v = rec.visits_frame()
            out[name] = v[v.kind == "maintenance"].start.to_numpy()
        return out

    ahead = maintenance_starts(pair)
    behind = maintenance_starts(pair[::-1])
    n = min(len(ahead["first"]), len(ahead["second"]))
    assert n >= 12
    assert np.all(ahead["first"][:n] <= ahead["second"][:n])
    assert np.any(ahead["first"][:n] < ahead["second"][:n])  # a tie was really broken
    assert np.all(behind["second"][:n] <= behind["first"][:n])
    # and the whole run is the same each time (deterministic)
    again = maintenance_starts(pair)
    for name in ahead:
        np.testing.assert_array_equal(ahead[name], again[name])


def test_client_summary_is_in_book_order():
    book = book_from_mapping(book_data(MIXED, technicians=3))
    res = itm.run_book(book, replications=2, seed=2)
    table = res.client_summary()
    assert list(table.index) == book.client_names
    assert table.loc["acme", "offer"] == "break_fix"
    mean = res.clients[res.clients.client == "shop"].client_total_cost.mean()
    assert table.loc["shop", "client_total_cost"] == pytest.approx(mean)
    with pytest.raises(ValueError, match="unknown metrics"):
        res.client_summary(["profit"])
