"""A provider's book: one provider, its offers, and many clients sharing its technicians.

A book file names the provider (technicians, hours, wages, travel, and optionally a
``background_load`` for work outside the book), the offers (the ``contracts:`` section of
a scenario), a ``horizon`` and ``clients:``.  Each client is

- written out: a ``name``, a ``template`` (a shipped scenario's name, or a scenario file
  relative to the book file) whose ``client``, ``fleet`` and ``incident_streams`` it
  takes, an optional ``override:`` of dotted keys (``client.users: 20``) and its ``offer``
  (an offer of the book); or
- drawn by a ``generate:`` entry: ``count`` clients named ``<prefix>-01`` ..., their
  templates and offers in the given shares (allotted exactly, largest remainder first,
  then shuffled), their ``users`` drawn from a distribution (rounded up to a whole user;
  the template's devices, ``users_affected`` and revenue scale with the users), all from
  the entry's ``seed``: the same book file always gives the same clients.

:meth:`Book.clients_scenarios` gives each client's :class:`~itmodels.scenario.Scenario`:
the template's client, fleet and incident streams with the book's horizon, currency,
provider (without its ``background_load``, which is the provider's work outside the book
and is run once for the whole book) and offers.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from itmodels.files import write_text
from itmodels.scenario.distributions import Distribution
from itmodels.scenario.dotted import set_dotted
from itmodels.scenario.errors import FieldProblem, ScenarioError, short_repr, validation_problems
from itmodels.scenario.loading import (
    Offers,
    OfferTable,
    Provider,
    Scenario,
    load_scenario,
    scenario_from_mapping,
    section_keys,
    with_offer_types,
)
from itmodels.scenario.sections import SectionModel
from itmodels.scenario.shipped import shipped_book_path, shipped_path
from itmodels.scenario.units import PositiveDuration
from itmodels.scenario.yaml_io import MAX_FILE_BYTES, parse_yaml

__all__ = [
    "MAX_CLIENTS",
    "Book",
    "BookClient",
    "Generate",
    "book_from_mapping",
    "load_book",
]

#: The most clients a book may hold (written and generated together).
MAX_CLIENTS = 10_000
CLIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_ -]{0,59}$")
SHARE_TOLERANCE = 1e-6


def _shares(value: dict[str, float], what: str) -> dict[str, float]:
    if not value:
        raise ValueError(f"give at least one {what} with its share")
    for name, share in value.items():
        if not 0 <= share <= 1:
            raise FieldProblem(name, f"a share is between 0 and 1, got {share!r}")
    total = sum(value.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"the {what} shares must add up to 1, they add up to {total:g}")
    return value


class Generate(SectionModel):
    """Synthetic clients drawn from a size distribution (see the module's docstring)."""

    count: int = Field(ge=1, le=MAX_CLIENTS, strict=True)
    prefix: str = "client"
    seed: int = Field(default=0, ge=0, strict=True)
    templates: dict[str, float]
    users: Distribution
    offers: dict[str, float]

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, prefix: str) -> str:
        if not CLIENT_NAME.match(prefix) or len(prefix) > 50:
            raise ValueError(
                "a prefix is 1 to 50 letters, digits, spaces, - and _, starting with a letter"
                " or digit"
            )
        return prefix

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: dict[str, float]) -> dict[str, float]:
        return _shares(value, "template")

    @field_validator("offers")
    @classmethod
    def _offers(cls, value: dict[str, float]) -> dict[str, float]:
        return _shares(value, "offer")

    def names(self) -> list[str]:
        """The generated clients' names, ``<prefix>-01`` ... (zero-padded to the count)."""
        width = max(2, len(str(self.count)))
        return [f"{self.prefix}-{i + 1:0{width}d}" for i in range(self.count)]

    def draw(self) -> list[tuple[str, str, int, str]]:
        """The clients as ``(name, template, users, offer)``, from the entry's seed alone."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed))
        templates = _allot(self.templates, self.count, rng)
        offers = _allot(self.offers, self.count, rng)
        u = rng.random(self.count)
        drawn = np.asarray(self.users.ppf(u), dtype=float)
        bad = drawn[~((drawn > 0) & np.isfinite(drawn))]
        if len(bad):
            raise ValueError(
                f"the users distribution drew {bad[0]!r}; a client has a positive, finite"
                " number of users (choose a distribution on positive values)"
            )
        users = [math.ceil(x - 1e-9) if x > 1e-9 else 1 for x in drawn.tolist()]
        return list(zip(self.names(), templates, users, offers, strict=True))


class BookClient(SectionModel):
    """One item of ``clients:``: a client written out (``name``, ``template``, ``offer``,
    optional ``override``) or a ``generate:`` entry alone."""

    name: str | None = None
    template: str | None = Field(default=None, min_length=1)
    offer: str | None = Field(default=None, min_length=1)
    override: dict[str, Any] = Field(default_factory=dict)
    generate: Generate | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is not None and not CLIENT_NAME.match(name):
            raise ValueError(
                "a client name is 1 to 60 letters, digits, spaces, - and _, starting with a"
                " letter or digit (it is part of key paths such as clients.NAME.offer)"
            )
        return name

    @model_validator(mode="after")
    def _kind(self) -> BookClient:
        if self.generate is not None:
            extra = [k for k in ("name", "template", "offer") if getattr(self, k) is not None]
            if self.override:
                extra.append("override")
            if extra:
                raise FieldProblem(
                    extra[0], "a generate: entry stands alone (its clients are drawn)"
                )
            return self
        for key in ("name", "template", "offer"):
            if getattr(self, key) is None:
                raise FieldProblem(key, "required key is missing (or give a generate: entry)")
        return self


def _allot(shares: Mapping[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` names in the given shares (largest remainder first, ties in the order
    written), in a random order drawn from ``rng``."""
    names = list(shares)
    exact = [shares[k] * n for k in names]
    counts = [math.floor(x) for x in exact]
    rest = n - sum(counts)
    order = sorted(range(len(names)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    out = [name for name, c in zip(names, counts, strict=True) for _ in range(c)]
    return [out[i] for i in rng.permutation(n)]


class Book(SectionModel):
    """A provider's whole book of clients (see the module's docstring).

    Build one with :func:`load_book` (or :func:`book_from_mapping`).

    Examples
    --------
    >>> import itmodels as itm
    >>> book = itm.load_book("msp-book")
    >>> len(book.clients_scenarios())
    40
    """

    name: str = Field(min_length=1)
    description: str | None = None
    currency: str = "USD"
    horizon: PositiveDuration
    provider: Provider
    contracts: Annotated[Offers, OfferTable]
    clients: list[BookClient] = Field(min_length=1)
    source: str = Field(default="<dict>", exclude=True)
    folder: str = Field(default=".", exclude=True)
    _built: list[tuple[str, Scenario, str]] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _offer_types(cls, data: object) -> object:
        return with_offer_types(data)

    @field_validator("contracts")
    @classmethod
    def _offer_names(cls, offers: dict[str, Any]) -> Offers:
        if not offers:
            raise ValueError("define at least one offer")
        return Offers(offers)

    @model_validator(mode="after")
    def _cross_checks(self) -> Book:
        if self.provider.working_hours is None:
            raise FieldProblem(
                "provider.working_hours",
                "required in a book: the technicians' hours are shared by every client"
                " (e.g. 'mon-fri 08:00-18:00' or '24/7')",
            )
        offers = list(self.contracts)
        seen: dict[str, str] = {}
        total = 0
        for i, entry in enumerate(self.clients):
            if entry.generate is None:
                assert entry.name is not None and entry.offer is not None
                names = [(entry.name, f"clients[{i}].name")]
                if entry.offer not in self.contracts:
                    raise FieldProblem(
                        f"clients[{i}].offer",
                        f"unknown offer {entry.offer!r}; the book's offers are {offers}",
                    )
                total += 1
            else:
                gen = entry.generate
                assert gen is not None
                names = [(n, f"clients[{i}].generate") for n in gen.names()]
                for name in gen.offers:
                    if name not in self.contracts:
                        raise FieldProblem(
                            f"clients[{i}].generate.offers.{name}",
                            f"unknown offer {name!r}; the book's offers are {offers}",
                        )
                total += gen.count
            for name, where in names:
                if name in seen:
                    raise FieldProblem(
                        where,
                        f"client names must be unique; {name!r} is also the name at {seen[name]}",
                    )
                seen[name] = where
        if total > MAX_CLIENTS:
            raise FieldProblem("clients", f"{total} clients; at most {MAX_CLIENTS}")
        return self

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Book:
        """Validate plain data into a book (the clients are built on first use).

        Raises
        ------
        ScenarioError
            For any invalid value, naming the key path and what was expected.
        """
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            source = obj.get("source", "<dict>") if isinstance(obj, Mapping) else "<dict>"
            problems = validation_problems(exc, with_offer_types(obj))
            raise ScenarioError(str(source), problems) from None

    def __eq__(self, other: object) -> bool:
        """Books are equal when their contents are, wherever they were loaded from."""
        if not isinstance(other, Book):
            return NotImplemented
        return self._plain() == other._plain()

    def __hash__(self) -> int:
        return hash(repr(self._plain()))

    def _plain(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        for entry in data["clients"]:
            if "template" in entry:
                entry["template"] = self._template_label(entry["template"])
        return data

    def _template_label(self, template: str) -> str:
        """A template as a shipped name or an absolute file path."""
        path = self._template_file(template)
        if path is None or shipped_path(template) == path:
            return template
        return str(path.resolve())

    def _template_file(self, template: str) -> Path | None:
        path = Path(template)
        if not path.is_absolute():
            local = Path(self.folder) / path
            if local.is_file():
                return local
        if path.is_file():
            return path
        if not path.suffix:
            return shipped_path(template)
        return None

    # ------------------------------------------------------------------ the clients
    @property
    def client_names(self) -> list[str]:
        """Every client's name, in book order (generated ones where their entry is)."""
        out: list[str] = []
        for entry in self.clients:
            if entry.generate is None:
                assert entry.name is not None
                out.append(entry.name)
            else:
                out.extend(entry.generate.names())
        return out

    def clients_scenarios(self) -> list[tuple[str, Scenario, str]]:
        """Each client as ``(name, scenario, offer)``, in book order.

        The scenario has the template's client, fleet and incident streams (generated
        clients scaled to their users, then the client's ``override:``), and the book's
        name-independent parts: horizon, currency, provider without ``background_load``
        (run once for the whole book) and every offer of the book.

        Returns
        -------
        list of tuple of (str, Scenario, str)

        Raises
        ------
        ScenarioError
            Naming the book file and the client's key path: an unknown template, a
            template in another currency, a bad override key or an invalid client.
        """
        if self._built is None:
            self._built = self._build()
        return list(self._built)

    def _build(self) -> list[tuple[str, Scenario, str]]:
        templates: dict[str, Scenario] = {}
        provider = self.provider.model_dump(mode="json", exclude_none=True)
        provider.pop("background_load", None)
        common = {
            "currency": self.currency,
            "horizon": self.horizon,
            "provider": provider,
            "contracts": self.contracts
            and {
                k: v.model_dump(mode="json", exclude_none=True) for k, v in self.contracts.items()
            },
        }
        out: list[tuple[str, Scenario, str]] = []
        for i, entry in enumerate(self.clients):
            if entry.generate is None:
                assert entry.name and entry.template and entry.offer
                tmpl = self._template(entry.template, f"clients[{i}].template", templates)
                data = _client_data(entry.name, tmpl, common)
                where = f"clients[{i}] ({entry.name})"
                problems = []
                for key, value in entry.override.items():
                    try:
                        set_dotted(data, str(key), value, section_keys())
                    except KeyError as exc:
                        problems.append((f"clients[{i}].override.{key}", str(exc.args[0])))
                if problems:
                    raise ScenarioError(self.source, problems)
                out.append((entry.name, self._validate(data, where), entry.offer))
            else:
                gen = entry.generate
                assert gen is not None
                for template in gen.templates:  # every one named, even at a share of 0
                    self._template(
                        template, f"clients[{i}].generate.templates.{template}", templates
                    )
                sized: dict[tuple[str, int], Scenario] = {}  # generated clients of one size
                try:
                    drawn = gen.draw()
                except ValueError as exc:
                    raise ScenarioError(
                        self.source, [(f"clients[{i}].generate.users", str(exc))]
                    ) from None
                for name, template, users, offer in drawn:
                    scn = sized.get((template, users))
                    where = f"clients[{i}].generate ({name}, {users} users)"
                    if scn is None:
                        tmpl = self._template(
                            template, f"clients[{i}].generate.templates.{template}", templates
                        )
                        data = _client_data(name, tmpl, common)
                        _scale(data, users)
                        scn = sized[(template, users)] = self._validate(data, where)
                    else:  # the same scenario under another name (nothing else differs)
                        source = f"{self.source}: {where}"
                        scn = scn.model_copy(update={"name": name, "source": source})
                    out.append((name, scn, offer))
        return out

    def _template(self, template: str, where: str, cache: dict[str, Scenario]) -> Scenario:
        if template in cache:
            return cache[template]
        path = self._template_file(template)
        if path is None or shipped_book_path(template) == path:
            raise ScenarioError(
                self.source,
                [(where, f"unknown template {template!r}: not a shipped scenario's name, nor"
                         f" a scenario file (relative to {self.folder})")],
            )  # fmt: skip
        try:
            scn = load_scenario(path)
        except ScenarioError as exc:
            problems = [(f"{where} -> {exc.source}: {p}", m) for p, m in exc.problems]
            raise ScenarioError(self.source, problems) from None
        if scn.currency != self.currency:
            raise ScenarioError(
                self.source,
                [(where, f"template {template!r} is in {scn.currency}, the book in"
                         f" {self.currency}: its money values would be read in the wrong"
                         " currency")],
            )  # fmt: skip
        cache[template] = scn
        return scn

    def _validate(self, data: dict[str, Any], where: str) -> Scenario:
        try:
            return scenario_from_mapping(data, source=f"{self.source}: {where}")
        except ScenarioError as exc:
            problems = [(f"{where}: {p}", m) for p, m in exc.problems]
            raise ScenarioError(self.source, problems) from None

    # ------------------------------------------------------------------ changes
    def override(self, changes: Mapping[str, Any]) -> Book:
        """Return a new validated book with dotted keys replaced.

        Parameters
        ----------
        changes : mapping of str to object
            ``{"provider.technicians": 6, "clients.acme.offer": "flat_rate",
            "clients.0.override": {"client.users": 20}}``.  Clients are addressed by
            index or by name (written clients only).

        Returns
        -------
        Book
            A new book; this one is unchanged.

        Raises
        ------
        ScenarioError
            If a key path does not exist or the new values are invalid.
        """
        source = self.source if self.source.endswith("(override)") else f"{self.source} (override)"
        if not isinstance(changes, Mapping):
            problem = f"expected a mapping of dotted keys to values, got {short_repr(changes)}"
            raise ScenarioError(source, [("(override)", problem)])
        data = self.model_dump(mode="json", exclude_none=True)
        problems: list[tuple[str, str]] = []
        for key, value in changes.items():
            if not isinstance(key, str) or not key:
                problems.append((short_repr(key), "a key must be a dotted path"))
                continue
            try:
                set_dotted(data, key, value, section_keys())
            except KeyError as exc:
                problems.append((key, str(exc.args[0]).replace("the scenario", "the book")))
        if problems:
            raise ScenarioError(source, problems)
        return book_from_mapping(data, source=source, folder=self.folder)

    def to_yaml(self, path: str | Path) -> Path:
        """Save the book to a new YAML file; loading it gives an equal book.

        Templates given as files are written as absolute paths, so the new file works
        wherever it is.

        Parameters
        ----------
        path : str or pathlib.Path
            A file that does not exist yet (written atomically, never replaced).

        Returns
        -------
        pathlib.Path

        Raises
        ------
        FileExistsError
            If ``path`` exists.
        """
        header = f"# Book {self.name!r}, written by itmodels (durations in hours).\n"
        text = header + yaml.safe_dump(
            self._plain(), sort_keys=False, allow_unicode=True, width=100
        )
        return write_text(path, text)


def _client_data(name: str, template: Scenario, common: Mapping[str, Any]) -> dict[str, Any]:
    tmpl = template.model_dump(mode="json", exclude_none=True)
    return {
        "name": name,
        **copy.deepcopy(dict(common)),
        "client": tmpl["client"],
        "fleet": tmpl["fleet"],
        "incident_streams": tmpl.get("incident_streams", []),
    }


def _scale(data: dict[str, Any], users: int) -> None:
    """Scale a template's client to ``users``: device counts, whole-number
    ``users_affected`` and revenue per hour down in proportion (rounded, at least 1)."""
    client = data["client"]
    factor = users / client["users"]
    client["users"] = users
    if "revenue_per_hour_down" in client:
        client["revenue_per_hour_down"] = client["revenue_per_hour_down"] * factor
    for item in [*data["fleet"], *data["incident_streams"]]:
        if "count" in item:
            item["count"] = max(1, round(item["count"] * factor))
        affected = item.get("users_affected")
        if isinstance(affected, int) and not isinstance(affected, bool):
            item["users_affected"] = max(1, round(affected * factor))  # <= users


def book_from_mapping(data: object, *, source: str = "<dict>", folder: str = ".") -> Book:
    """Validate a mapping into a :class:`Book` and build its clients.

    Parameters
    ----------
    data : mapping
        The book as plain data (for example parsed YAML).
    source : str
        Where it came from, used in error messages.
    folder : str
        The folder template files are relative to.

    Returns
    -------
    Book

    Raises
    ------
    ScenarioError
        Naming the file, the key path and what was expected.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            source, [("(top level)", f"expected a mapping of keys, got {type(data).__name__}")]
        )
    try:
        book = Book.model_validate({**data, "source": source, "folder": folder})
    except (RecursionError, OverflowError, TypeError) as exc:
        problem = f"cannot be used: {type(exc).__name__}: {short_repr(str(exc))}"
        raise ScenarioError(source, [("(top level)", problem)]) from None
    book.clients_scenarios()  # every client checked now
    return book


def load_book(path: str | Path) -> Book:
    """Load and validate a provider's book from a YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML book file.  The name of a shipped book (``"msp-book"``) also works.

    Returns
    -------
    Book

    Raises
    ------
    ScenarioError
        If the file is missing or invalid; the message names the file, the key path
        (``clients[3].offer``) and what was expected.

    Examples
    --------
    >>> import itmodels as itm
    >>> itm.load_book("msp-book").name
    'msp-book'
    """
    file = Path(path)
    if not file.exists() and not file.suffix:
        shipped = shipped_book_path(str(path))
        if shipped is not None:
            file = shipped
    source = str(file)
    if not file.is_file():
        problem = "is a folder, not a file" if file.is_dir() else "no such file"
        raise ScenarioError(source, [("(file)", problem)])
    try:
        raw = file.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise ScenarioError(source, [("(file)", f"cannot be read: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, [("(file)", f"is larger than {MAX_FILE_BYTES:,} bytes")])
    try:
        data = parse_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [("(file)", f"not UTF-8 text (byte {exc.start})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"not valid YAML: {problem}")]) from None
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:
        raise ScenarioError(source, [("(file)", f"not valid YAML: {short_repr(exc)}")]) from None
    return book_from_mapping(data, source=source, folder=str(file.parent))
