"""A provider's book at scale: 200 clients, about 10,000 devices, 3 years, one replication.

The shipped ``msp-book`` (its provider, rate card and plans) with its 40 clients replaced
by 200 generated ones (offices, professional firms and retail shops, sizes drawn so that
the book has about 10,000 devices) and technicians in proportion (about 315 devices
each, as in ``msp-book``).  Prints, for ``--replications`` replications of the book:

- seconds per replication (CPU time of this process, and wall time),
- SimPy events processed per CPU-second, and the same for the bare SimPy repairman loop
  of ``bench_engine.py`` measured in the same run (events counted the same way, by
  ``simpy.Environment.step``), and their ratio,
- peak memory (maximum resident set size of the process).

Also prints the same figures for ``--overload``: the shipped ``small-office`` with its
users multiplied until the work outgrows two technicians (one year), at 1x, 2x and 4x the
users, to show that the time grows with the events, not faster (a backlog of thousands
of waiting incidents costs nothing per opening waited).

Run by hand: ``.venv/bin/python benchmarks/bench_book.py [--replications 1] [--clients 200]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import simpy
import yaml

import itmodels as itm
from itmodels.experiments.book import run_book
from itmodels.scenario.shipped import shipped_book_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import bare

_STEP = simpy.Environment.step
EVENTS = [0]


def _counting_step(self: simpy.Environment) -> None:
    EVENTS[0] += 1
    _STEP(self)


def big_book(clients: int, devices: int) -> itm.Book:
    """``msp-book`` with ``clients`` generated clients of about ``devices`` devices."""
    data = yaml.safe_load(shipped_book_path("msp-book").read_text(encoding="utf-8"))
    data["horizon"] = "3y"
    median = 10.0
    for _ in range(8):  # scale the users' median until the fleet has about `devices`
        data["clients"] = [
            {
                "generate": {
                    "count": clients,
                    "prefix": "client",
                    "seed": 7,
                    "templates": {
                        "small-office": 0.45,
                        "professional-firm": 0.3,
                        "retail-shop": 0.25,
                    },
                    "users": {"dist": "lognormal", "median": median, "sigma": 0.6},
                    "offers": {"break_fix": 0.6, "flat_rate": 0.4},
                }
            }
        ]
        data["provider"]["technicians"] = max(1, round(devices / 315))
        book = itm.Book.model_validate(data)
        n = sum(sum(d.count for d in scn.fleet) for _, scn, _ in book.clients_scenarios())
        if abs(n - devices) / devices < 0.03:
            break
        median *= devices / n
    return book


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--skip-overload", action="store_true")
    args = parser.parse_args()
    simpy.Environment.step = _counting_step  # type: ignore[method-assign]

    book = big_book(args.clients, args.devices)
    scns = book.clients_scenarios()
    n_dev = sum(sum(d.count for d in scn.fleet) for _, scn, _ in scns)
    users = sum(scn.client.users for _, scn, _ in scns)
    print(
        f"book: {len(scns)} clients, {n_dev:,} devices, {users:,} users, "
        f"{book.provider.technicians} technicians, {book.horizon / 8766:g} years"
    )
    EVENTS[0] = 0
    c0, w0 = time.process_time(), time.perf_counter()
    res = run_book(book, replications=args.replications, seed=1, progress=False, max_events=10**9)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    book_events = EVENTS[0]
    incidents = res.clients["incidents"].sum()
    reps = args.replications
    print(
        f"book: {cpu / reps:.1f} CPU-s and {wall / reps:.1f} s wall per replication, "
        f"{incidents / reps:,.0f} incidents and {book_events / reps:,.0f} events per replication"
    )
    util = res.provider["utilisation"].mean()
    print(f"book: utilisation {util:.2f}, margin {res.provider['provider_margin'].mean():,.0f}")

    # the bare SimPy repairman loop, events counted the same way, in the same process
    EVENTS[0] = 0
    c0 = time.process_time()
    bare(5 * 8766.0, 1)
    bare_cpu = time.process_time() - c0
    bare_rate = EVENTS[0] / bare_cpu
    book_rate = book_events / cpu
    print(f"events per CPU-second: book {book_rate:,.0f}, bare SimPy loop {bare_rate:,.0f}")
    print(f"ratio book / bare loop: {book_rate / bare_rate:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:,.0f} MB")

    if args.skip_overload:
        return
    print("\noverload: small-office, 2 technicians, 1 year, users x1, x2, x4")
    base = 2000
    for k in (1, 2, 4):
        scn = itm.load_scenario("small-office").override(
            {"client.users": base * k, "provider.technicians": 2, "horizon": "1y"}
        )
        EVENTS[0] = 0
        c0 = time.process_time()
        run = itm.simulate(scn, "flat_rate", seed=1, max_events=10**9)
        t = time.process_time() - c0
        waiting = int(run.incidents["responded"].isna().sum())
        print(
            f"users {base * k:>6}: {len(run.incidents):>7,} incidents ({waiting:,} still waiting"
            f" at the end), {EVENTS[0]:>9,} events, {t:5.2f} CPU-s, "
            f"{EVENTS[0] / t:,.0f} events per CPU-second"
        )


if __name__ == "__main__":
    main()
