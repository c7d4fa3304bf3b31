"""The sales page: a local web app (``itmodels app``) and the same page in a notebook.

Built with Panel (HoloViz), a maintained framework for data apps that serves a page from
plain Python (one session per browser tab) and renders the same objects inside Jupyter
after ``pn.extension()``.  See :mod:`itmodels.app.page` for the page,
:mod:`itmodels.app.form` for the form made from the scenario's models,
:mod:`itmodels.app.runner` for runs and :mod:`itmodels.app.prices` for the price list.

In a notebook, a cell with::

    import panel as pn
    from itmodels.app import sales_page

    pn.extension()
    sales_page()

shows the page; ``itmodels app`` serves it at http://127.0.0.1:5006/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itmodels.app.page import SalesPage, sales_page

__all__ = ["DEFAULT_ADDRESS", "DEFAULT_PORT", "SalesPage", "make_server", "sales_page"]

DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 5006


def make_server(
    address: str = DEFAULT_ADDRESS,
    port: int = DEFAULT_PORT,
    prices: str | Path | None = None,
    workdir: str | Path | None = None,
) -> Any:
    """A Panel (Bokeh) server of the sales page, bound but not started.

    Parameters
    ----------
    address : str
        The address to bind (default 127.0.0.1: this machine only).
    port : int
        The port (0: any free port; read the one bound from ``server.port``).
    prices : str or Path, optional
        The provider's price-list file.
    workdir : str or Path, optional
        Where each session's folder is made (default: the system's temporary folder).

    Returns
    -------
    panel.io.server.Server
        Start it with ``server.io_loop.start()`` (in the thread that made it); its URL is
        ``f"http://{address}:{server.port}/"``.
    """
    import panel as pn

    return pn.serve(
        {"/": lambda: sales_page(prices, workdir)},
        address=address,
        port=port,
        show=False,
        start=False,
        verbose=False,
        title="itmodels sales page",
    )
