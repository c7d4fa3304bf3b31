"""Fitting: read a provider's exports (tickets, assets, invoices) and estimate from them.

Readers (:mod:`~itmodels.fitting.readers`) turn CSV or Excel exports into canonical
frames, refusing bad files with one :class:`~itmodels.fitting.errors.DataError`; the
estimators (:mod:`~itmodels.fitting.lifetimes`, :mod:`~itmodels.fitting.rates`,
:mod:`~itmodels.fitting.invoices`) turn those frames into estimates with intervals.
"""
