"""A simulated run written as the exports a client would hand over: tickets, assets, invoices.

The round trip (simulate, export, read back, fit) checks :func:`~itmodels.fitting.fit.
fit_scenario` against known parameters; the sample data in ``examples/data`` is made the
same way.  Times of the run (hours from its start) become timestamps from ``start``.

* **Tickets**: one per incident reported by the end of the run: ``opened`` when
  reported, ``responded``, ``resolved`` when restored (empty while open), ``priority``,
  ``category`` (the stream's name; ``hardware`` for a device failure), ``hours``
  (hands-on work of its visits), ``onsite`` (any visit on site) and ``asset`` (the
  failed device's asset id).
* **Assets**: one row per *life* of a device: a device repaired as good as new starts a
  new life, written as a new asset ``<class>-<n>/<k>`` in service from the end of the
  repair.  A life ends ``failed`` at the failure, ``retired`` when monitoring caught a
  warning and it was fixed before failing, or is ``in service`` at ``as_of`` (right
  censored).  The devices there at the start have ``observed_from`` the start (left
  truncation at their initial age).  A device class repaired *as bad as old* writes
  only the first life of each device (later ones are not fresh lives).
* **Invoices**: the lines billed under the run's offer: labour (with the billed hours,
  for offers with an hourly rate), trips, parts and hardware.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from itmodels.contracts import make_contract
from itmodels.experiments.run import Run
from itmodels.scenario import Scenario

__all__ = ["DEFAULT_START", "assets_from_run", "invoices_from_run", "tickets_from_run"]

#: the date a run's hour 0 is written as, unless told
DEFAULT_START = "2024-01-01"
_FORMAT = "%Y-%m-%d %H:%M:%S"


def _stamp(start: pd.Timestamp, hours: np.ndarray) -> pd.Series:
    times = start + pd.to_timedelta(np.asarray(hours, dtype=float), unit="h")
    return pd.Series(pd.DatetimeIndex(times).round("s"))


def _text(times: pd.Series) -> pd.Series:
    return times.dt.strftime(_FORMAT).fillna("")


def asset_id(cls: str, device: int, life: int) -> str:
    """The asset id of life ``life`` (1-based) of device ``device`` (0-based) of ``cls``.

    Parameters
    ----------
    cls : str
        The device class.
    device : int
        The device's index in its class.
    life : int
        Which life, from 1.

    Returns
    -------
    str
        ``desktop-03`` for a first life, ``desktop-03/2`` for the second.
    """
    base = f"{cls}-{device + 1:02d}"
    return base if life == 1 else f"{base}/{life}"


def _lives(run: Run, scn: Scenario) -> pd.DataFrame:
    """Each incident of a device with the life it ended (1-based)."""
    inc = run.incidents
    dev = inc[inc["kind"].isin(["hardware", "prevented", "planned"])].copy()
    dev = dev.sort_values(["source", "device", "incident_id"], kind="stable")
    dev["life"] = dev.groupby(["source", "device"]).cumcount() + 1
    return dev


def tickets_from_run(
    run: Run, scn: Scenario | None = None, start: str | pd.Timestamp = DEFAULT_START
) -> pd.DataFrame:
    """The run's incidents as a ticket export (canonical column names).

    Parameters
    ----------
    run : Run
        From :func:`itmodels.simulate`.
    scn : Scenario, optional
        The run's scenario (default ``run.scenario``).
    start : date, default :data:`DEFAULT_START`
        The date and time hour 0 of the run is written as.

    Returns
    -------
    pandas.DataFrame
        Columns id, opened, responded, resolved, priority, category, hours, onsite,
        asset, as text ready for ``to_csv``; in order of opening.
    """
    scn = scn or run.scenario
    t0 = pd.Timestamp(start)
    inc = run.incidents
    inc = inc[~inc["kind"].isin(["prevented", "planned"]) & inc["reported"].notna()]
    inc = inc.sort_values(["reported", "incident_id"], kind="stable").reset_index(drop=True)
    visits = run.visits
    work = visits.groupby("incident_id")["work_hours"].sum()
    onsite = visits.groupby("incident_id")["onsite"].any()
    lives = _lives(run, scn).set_index("incident_id")
    hardware = (inc["kind"] == "hardware").to_numpy()
    ids = inc["incident_id"].to_numpy()
    asset = np.full(len(inc), "", dtype=object)
    for j in np.flatnonzero(hardware):
        r = lives.loc[ids[j]]
        asset[j] = asset_id(str(r["source"]), int(r["device"]), int(r["life"]))
    hours = work.reindex(ids).to_numpy(dtype=float)
    on = onsite.reindex(ids)
    return pd.DataFrame(
        {
            "id": [f"T{i + 1:05d}" for i in ids],
            "opened": _text(_stamp(t0, inc["reported"].to_numpy())),
            "responded": _text(_stamp(t0, inc["responded"].to_numpy())),
            "resolved": _text(_stamp(t0, inc["restored"].to_numpy())),
            "priority": inc["priority"].astype(str).to_numpy(),
            "category": np.where(hardware, "hardware", inc["source"].astype(str).to_numpy()),
            "hours": np.where(np.isnan(hours), "", np.round(np.nan_to_num(hours), 4).astype(str)),
            "onsite": np.where(on.isna(), "", np.where(on.fillna(False).astype(bool), "yes", "no")),
            "asset": asset,
        }
    )


def assets_from_run(
    run: Run,
    scn: Scenario | None = None,
    as_of: str | pd.Timestamp | None = None,
    start: str | pd.Timestamp = DEFAULT_START,
) -> pd.DataFrame:
    """The run's devices as an asset register, one row per device life.

    Parameters
    ----------
    run : Run
        From :func:`itmodels.simulate`.
    scn : Scenario, optional
        The run's scenario (default ``run.scenario``).
    as_of : date, optional
        The export date (lives going on then are in service); default the end of the
        run.
    start : date, default :data:`DEFAULT_START`
        The date and time hour 0 of the run is written as.

    Returns
    -------
    pandas.DataFrame
        Columns id, class, in_service, out_of_service, reason, observed_from, as text.
    """
    scn = scn or run.scenario
    t0 = pd.Timestamp(start)
    end_h = scn.horizon if as_of is None else (pd.Timestamp(as_of) - t0) / pd.Timedelta(hours=1)
    lives = _lives(run, scn)
    rows: list[tuple[Any, ...]] = []
    for cls in scn.fleet:
        renew = cls.after_repair == "as_good_as_new"
        for d in range(cls.count):
            mine = lives[(lives["source"] == cls.name) & (lives["device"] == d)]
            begin, life, first = -cls.age, 1, True
            for r in mine.itertuples(index=False):
                ended = r.occurred if r.kind == "hardware" else r.reported
                if begin > end_h:
                    break
                if ended > end_h:
                    break
                reason = "failed" if r.kind == "hardware" else "retired"
                rows.append((asset_id(cls.name, d, life), cls.name, begin, ended, reason,
                             0.0 if first else np.nan))  # fmt: skip
                if not renew or np.isnan(r.restored):
                    begin = np.inf
                    break
                begin, life, first = float(r.restored), life + 1, False
            if begin <= end_h:
                rows.append((asset_id(cls.name, d, life), cls.name, begin, np.nan,
                             "in service", 0.0 if first else np.nan))  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["id", "class", "in_service", "out_of_service", "reason", "observed_from"]
    )
    out = pd.DataFrame({"id": frame["id"], "class": frame["class"]})
    for c in ("in_service", "out_of_service", "observed_from"):
        out[c] = _text(_stamp(t0, frame[c].to_numpy(dtype=float)))
    out["reason"] = frame["reason"]
    return out[["id", "class", "in_service", "out_of_service", "reason", "observed_from"]]


def invoices_from_run(
    run: Run, scn: Scenario | None = None, start: str | pd.Timestamp = DEFAULT_START
) -> pd.DataFrame:
    """The lines billed to the client under the run's offer, as an invoice export.

    Labour lines carry the billed hours when the offer has an ``hourly_rate`` (the
    amount divided by the rate that applied: remote or on-site, times the after-hours
    multiplier for visits after hours).

    Parameters
    ----------
    run : Run
        From :func:`itmodels.simulate`.
    scn : Scenario, optional
        The run's scenario (default ``run.scenario``).
    start : date, default :data:`DEFAULT_START`
        The date and time hour 0 of the run is written as.

    Returns
    -------
    pandas.DataFrame
        Columns date, kind, hours, amount, as text.
    """
    scn = scn or run.scenario
    t0 = pd.Timestamp(start)
    contract = make_contract(scn, run.contract)
    visits = run.visits
    cols = {c: visits[c].to_numpy() for c in visits.columns}
    cols["kind"] = visits["kind"].astype(str).to_numpy(dtype=object)
    which, category, amount = contract.charges_table(cols)
    which = np.asarray(which, dtype=int)
    amount = np.asarray(amount, dtype=float)
    keep = amount > 0
    which, category, amount = which[keep], np.asarray(category)[keep], amount[keep]
    hours = np.full(len(which), np.nan)
    rate_card = getattr(contract.terms, "hourly_rate", None)
    if rate_card is not None:
        labour = category == "labour"
        on = cols["onsite"][which].astype(bool)
        rate = np.where(on, rate_card.onsite, rate_card.remote).astype(float)
        mult = getattr(contract.terms, "after_hours_multiplier", None)
        if mult:
            rate = np.where(cols["after_hours"][which].astype(bool), rate * mult, rate)
        hours = np.where(labour & (rate > 0), amount / np.where(rate > 0, rate, 1.0), np.nan)
    lines = pd.DataFrame(
        {"time": cols["start"][which].astype(float), "kind": category, "hours": hours,
         "amount": amount}
    )  # fmt: skip
    ledger = run.ledger
    goods = ledger[(ledger["payer"] == "client") & ledger["category"].isin(["parts", "hardware"])]
    lines = pd.concat(
        [
            lines,
            pd.DataFrame(
                {
                    "time": goods["time"].to_numpy(dtype=float),
                    "kind": goods["category"].astype(str).to_numpy(),
                    "hours": np.nan,
                    "amount": goods["amount"].to_numpy(dtype=float),
                }
            ),
        ],
        ignore_index=True,
    ).sort_values("time", kind="stable")
    return pd.DataFrame(
        {
            "date": _stamp(t0, lines["time"].to_numpy()).dt.strftime("%Y-%m-%d").to_numpy(),
            "kind": lines["kind"].to_numpy(),
            "hours": [f"{h:.4f}".rstrip("0").rstrip(".") if np.isfinite(h) else "" for h in
                      lines["hours"]],
            "amount": np.round(lines["amount"].to_numpy(), 2),
        }
    )  # fmt: skip
