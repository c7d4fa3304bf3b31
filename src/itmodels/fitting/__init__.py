"""Fitting: read a provider's exports (tickets, assets, invoices) and estimate from them.

Readers (:mod:`~itmodels.fitting.readers`) turn CSV or Excel exports into canonical
frames, refusing bad files with one :class:`~itmodels.fitting.errors.DataError`; the
estimators (:mod:`~itmodels.fitting.lifetimes`, :mod:`~itmodels.fitting.rates`,
:mod:`~itmodels.fitting.invoices`) turn those frames into estimates with intervals;
:func:`~itmodels.fitting.fit.fit_scenario` turns them into a scenario, and
:mod:`~itmodels.fitting.draws` carries its estimation error into an experiment, and
:mod:`~itmodels.fitting.export` writes a simulated run as such exports (round trips,
sample data).
"""

from itmodels.fitting.draws import FitDraws
from itmodels.fitting.errors import DataError
from itmodels.fitting.export import assets_from_run, invoices_from_run, tickets_from_run
from itmodels.fitting.fit import Fit, fit_scenario
from itmodels.fitting.invoices import RateCard, infer_rate_card
from itmodels.fitting.lifetimes import LifetimeFit, fit_lifetime, fit_lifetimes, kaplan_meier
from itmodels.fitting.rates import TicketSummary, summarise_tickets
from itmodels.fitting.readers import (
    Assets,
    Invoices,
    Tickets,
    read_assets,
    read_invoices,
    read_tickets,
)
from itmodels.fitting.summary import FitSummary, fit_file_for, read_fit_summary

__all__ = [
    "Assets",
    "DataError",
    "Fit",
    "FitDraws",
    "FitSummary",
    "Invoices",
    "LifetimeFit",
    "RateCard",
    "TicketSummary",
    "Tickets",
    "assets_from_run",
    "fit_file_for",
    "fit_lifetime",
    "fit_lifetimes",
    "fit_scenario",
    "infer_rate_card",
    "invoices_from_run",
    "kaplan_meier",
    "read_assets",
    "read_fit_summary",
    "read_invoices",
    "read_tickets",
    "summarise_tickets",
    "tickets_from_run",
]
