"""Scenarios: a validated tree of models, loaded from YAML, overridden by dotted keys.

A scenario is a tree of pydantic v2 models (the sections are in :mod:`itmodels.scenario.sections`).
Errors are reported as a :class:`ScenarioError` that names the file, the key path
(``fleet[1].lifetime.shape``) and what was expected.

The rule of the design holds throughout: a mechanism the scenario does not write is not
simulated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    field_validator,
    model_validator,
)

from itmodels.contracts import CONTRACT_TYPES, OfferTerms
from itmodels.contracts.base import ON_NEW_TYPE
from itmodels.files import write_text
from itmodels.scenario.calendar import BusinessHours
from itmodels.scenario.distribution_base import BaseDistribution
from itmodels.scenario.dotted import list_index, set_dotted
from itmodels.scenario.errors import (
    FieldProblem,
    ScenarioError,
    short_repr,
    validation_problems,
)
from itmodels.scenario.sections import (
    PRIORITIES,
    BackgroundLoad,
    Branding,
    BusinessHoursField,
    Client,
    CreditBand,
    DeferralTerms,
    DeviceClass,
    HourlyRate,
    IncidentStream,
    Maintenance,
    MaintenanceTask,
    Monitoring,
    Neglect,
    Priority,
    Provider,
    SectionModel,
    Sla,
    WarningPhase,
)
from itmodels.scenario.units import PositiveDuration
from itmodels.scenario.yaml_io import MAX_FILE_BYTES, parse_yaml

__all__ = [
    "PRIORITIES",
    "BackgroundLoad",
    "Branding",
    "BusinessHoursField",
    "Client",
    "CreditBand",
    "DeferralTerms",
    "DeviceClass",
    "FieldProblem",
    "HourlyRate",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "OfferTable",
    "Offers",
    "Priority",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Sla",
    "WarningPhase",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_yaml",
    "section_keys",
    "with_offer_types",
    "write_yaml",
]


#: What an offer may be called: it is a key path part (``contracts.<offer>.fee``), a chart
#: label and part of file names.
MAX_OFFERS = 6
OFFER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class Offers(dict[str, OfferTerms]):
    """A scenario's offers: offer name to terms, in the order written.

    A plain ``dict``; for scenarios written before named offers, ``contracts.flat_rate``
    still reads the offer called ``flat_rate`` (``None`` when a known model has no offer
    of that name) and :meth:`names` lists the offers.
    """

    def names(self) -> tuple[str, ...]:
        """The offer names, in the order written."""
        return tuple(self)

    def __getattr__(self, name: str) -> OfferTerms | None:
        if name in self:
            return self[name]
        if name in CONTRACT_TYPES:
            return None
        raise AttributeError(f"no offer {name!r}; the offers are {list(self)}")


class OfferTable:
    """The ``contracts:`` section: offer names to terms, ``type:`` choosing the model.

    The schema is built from the pricing models known when it is built (see
    :data:`itmodels.contracts.CONTRACT_TYPES`) and rebuilt when one is added.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        models = tuple(c.terms_model for c in CONTRACT_TYPES.values())
        if len(models) == 1:
            return handler.generate_schema(dict[str, models[0]])  # type: ignore[valid-type]
        one = Annotated[Union[models], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
        return handler.generate_schema(dict[str, one])


def with_offer_types(data: object) -> object:
    """``data`` with ``type:`` added to offers written the old way.

    An offer called ``break_fix`` or ``flat_rate`` (any registered model's name) with
    no ``type:`` is an offer of that type, so every scenario file written before named
    offers keeps working unchanged.
    """
    if not isinstance(data, Mapping):
        return data
    offers = data.get("contracts")
    if not isinstance(offers, Mapping):
        return data
    fixed = {
        name: {"type": name, **terms}
        if isinstance(terms, Mapping) and "type" not in terms and name in CONTRACT_TYPES
        else terms
        for name, terms in offers.items()
    }
    return {**data, "contracts": fixed}


class Scenario(SectionModel):
    """A complete, validated simulation scenario.

    Build one with :func:`load_scenario` or ``Scenario.model_validate(mapping)``.

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.Scenario.model_validate({
    ...     "name": "tiny", "horizon": "1y",
    ...     "client": {"users": 3, "user_hour_value": 50, "business_hours": "24/7"},
    ...     "fleet": [{"name": "pc", "count": 3, "age": 0, "users_affected": 1,
    ...                "lifetime": {"dist": "exponential", "mean": "1y"},
    ...                "repair": "2h"}],
    ...     "provider": {"technicians": 1},
    ...     "contracts": {"break_fix": {"hourly_rate": 120}},
    ... })
    >>> scn.horizon
    8766.0
    """

    name: str = Field(min_length=1)
    description: str | None = None
    currency: str = "USD"
    horizon: PositiveDuration
    client: Client
    fleet: list[DeviceClass] = Field(min_length=1)
    incident_streams: list[IncidentStream] = Field(default_factory=list)
    provider: Provider
    contracts: Annotated[Offers, OfferTable]
    branding: Branding | None = None
    source: str = Field(default="<dict>", exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _offer_types(cls, data: object) -> object:
        return with_offer_types(data)

    @field_validator("contracts")
    @classmethod
    def _offer_names(cls, offers: dict[str, OfferTerms]) -> Offers:
        if not offers:
            raise ValueError(
                f"define at least one offer; the pricing models are {list(CONTRACT_TYPES)}"
            )
        if len(offers) > MAX_OFFERS:
            raise ValueError(
                f"{len(offers)} offers; at most {MAX_OFFERS} are compared side by side (charts,"
                " proposal, report): split them over two scenarios"
            )
        for name in offers:
            if not isinstance(name, str) or not OFFER_NAME.match(name):
                raise FieldProblem(
                    str(name),
                    "an offer name is 1 to 40 letters, digits, - and _, starting with a letter"
                    " or digit (it is part of key paths such as contracts.NAME.fee_per_device)",
                )
        return Offers(offers)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        names = [d.name for d in self.fleet]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise FieldProblem(
                    f"fleet[{i}].name",
                    f"fleet class names must be unique; {name!r} is defined twice",
                )
        users = self.client.users
        groups: list[tuple[str, Sequence[DeviceClass | IncidentStream]]] = [
            ("fleet", self.fleet),
            ("incident_streams", self.incident_streams),
        ]
        for section, items in groups:
            for i, item in enumerate(items):
                affected = item.users_affected
                if affected != "all" and affected > users:
                    raise FieldProblem(
                        f"{section}[{i}].users_affected",
                        f"{affected} users is more than client.users = {users}",
                    )
        for i, dev in enumerate(self.fleet):
            if dev.revenue_share > 0 and self.client.revenue_per_hour_down <= 0:
                raise FieldProblem(
                    f"fleet[{i}].revenue_share", "needs client.revenue_per_hour_down > 0"
                )
        for offer, terms in self.contracts.items():
            monitoring = getattr(terms, "monitoring", None)
            classes = getattr(monitoring, "classes", None)
            unknown = sorted(set(classes or ()) - set(names))
            if unknown:
                raise FieldProblem(
                    f"contracts.{offer}.monitoring.classes",
                    f"names unknown fleet classes {unknown}; the fleet classes are {names}",
                )
        return self

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Scenario:
        """Validate plain data into a scenario.

        Raises
        ------
        ScenarioError
            For any invalid value, naming the key path and what was expected.
        """
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            source = obj.get("source", "<dict>") if isinstance(obj, Mapping) else "<dict>"
            problems = [
                (path, f"{message}, one of {list(CONTRACT_TYPES)}")
                if path.startswith("contracts.") and message.endswith("the pricing model to use")
                else (path, message)
                for path, message in validation_problems(exc, with_offer_types(obj))
            ]
            raise ScenarioError(str(source), problems) from None

    def __eq__(self, other: object) -> bool:
        """Scenarios are equal when their contents are, wherever they were loaded from."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        return hash(self.model_dump_json())

    # ------------------------------------------------------------------ helpers
    @property
    def technician_hours(self) -> BusinessHours:
        """The technicians' working hours (the client's business hours unless written)."""
        return self.provider.working_hours or self.client.business_hours

    @property
    def device_count(self) -> int:
        """Devices in the fleet."""
        return sum(d.count for d in self.fleet)

    def users_of(self, affected: int | str) -> int:
        """Number of users for a ``users_affected`` value (``"all"`` is every user)."""
        return self.client.users if affected == "all" else int(affected)

    def override(self, changes: Mapping[str, Any]) -> Scenario:
        """Return a new validated scenario with dotted keys replaced.

        Parameters
        ----------
        changes : mapping of str to object
            ``{"client.users": 25, "fleet.0.count": 4, "fleet.server.age": "6y"}``.  List
            items are addressed by index or, for the fleet and incident streams, by name.

        Returns
        -------
        Scenario
            A new scenario; this one is unchanged.

        Raises
        ------
        ScenarioError
            If a key path does not exist or the new values are invalid.

        Examples
        --------
        >>> bigger = scn.override({"client.users": 25})  # doctest: +SKIP
        """
        source = self.source if self.source.endswith("(override)") else f"{self.source} (override)"
        if not isinstance(changes, Mapping):
            problem = f"expected a mapping of dotted keys to values, got {short_repr(changes)}"
            raise ScenarioError(source, [("(override)", problem)])
        data = self.model_dump(mode="json", exclude_none=True)
        problems: list[tuple[str, str]] = []
        for key, value in changes.items():
            if not isinstance(key, str) or not key:
                problems.append(
                    (short_repr(key), "a key must be a dotted path such as 'client.users'")
                )
                continue
            try:
                set_dotted(data, key, value, section_keys())
            except KeyError as exc:
                problems.append((key, str(exc.args[0])))
        if problems:
            raise ScenarioError(source, problems)
        return scenario_from_mapping(data, source=source)

    def to_yaml(self, path: str | Path) -> Path:
        """Save the scenario to a new YAML file; loading it gives an equal scenario.

        Parameters
        ----------
        path : str or pathlib.Path
            A file that does not exist yet (it is written atomically, never replaced).

        Returns
        -------
        pathlib.Path

        Raises
        ------
        FileExistsError
            If ``path`` exists.

        Examples
        --------
        >>> scn.override({"client.users": 25}).to_yaml("bigger.yaml")  # doctest: +SKIP
        PosixPath('bigger.yaml')
        """
        return write_yaml(self, path)

    def value_at(self, key: str) -> Any:
        """The value at a dotted key, as plain data (durations in hours).

        Raises
        ------
        KeyError
            If the key path does not exist.

        Examples
        --------
        >>> scn.value_at("fleet.0.count")  # doctest: +SKIP
        10
        """
        node: Any = self.model_dump(mode="json")
        for i, part in enumerate(key.split(".")):
            where = ".".join(key.split(".")[: i + 1])
            if isinstance(node, list):
                node = node[list_index(node, part, where)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise KeyError(f"no key {where!r} in scenario {self.name!r}")
        return node


def section_keys() -> frozenset[str]:
    """Keys of the scenario format that hold a section (a mapping of keys), found from the
    models themselves, every pricing model's terms included.

    An override may create such a section where the scenario leaves it out
    (``contracts.essentials.sla.credit_cap=0.5`` adds an ``sla`` section).
    """
    found: set[str] = set()
    seen: set[type] = set()

    def kinds(annotation: object, in_list: bool = False) -> Iterator[tuple[object, bool]]:
        yield annotation, in_list
        in_list = in_list or get_origin(annotation) is list
        for arg in get_args(annotation):
            yield from kinds(arg, in_list)

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            for kind, in_list in kinds(field.annotation):
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    if not issubclass(kind, BaseDistribution):
                        if not in_list:  # a list of sections is not created by a key
                            found.add(name)
                        walk(kind)
                elif (get_origin(kind) is dict or kind is dict) and not in_list:
                    found.add(name)

    walk(Scenario)
    for contract in CONTRACT_TYPES.values():
        walk(contract.terms_model)
    found.discard("contracts")  # offers are named by the user, not created by a key
    return frozenset(found)


def scenario_from_mapping(data: object, *, source: str = "<dict>") -> Scenario:
    """Validate a mapping into a :class:`Scenario`, raising :class:`ScenarioError`.

    Parameters
    ----------
    data : mapping
        The scenario as plain data (for example parsed YAML).
    source : str
        Where it came from, used in error messages.

    Returns
    -------
    Scenario
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            source, [("(top level)", f"expected a mapping of keys, got {type(data).__name__}")]
        )
    try:
        return Scenario.model_validate({**data, "source": source})
    except (RecursionError, OverflowError, TypeError) as exc:
        problem = f"cannot be used: {type(exc).__name__}: {short_repr(str(exc))}"
        raise ScenarioError(source, [("(top level)", problem)]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario from a YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML file.  The name of a shipped scenario (``"small-office"``) also works.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid YAML, or does not describe a valid scenario.
        The message names the file, the key path and what was expected.

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> scn.name
    'small-office'
    """
    file = Path(path)
    from itmodels.scenario.shipped import is_book_file, shipped_book_path, shipped_path

    if not file.exists() and not file.suffix:
        shipped = shipped_path(str(path)) or shipped_book_path(str(path))
        if shipped is not None:
            file = shipped
    source = str(file)
    if file.is_dir():
        raise ScenarioError(source, [("(file)", "is a folder, not a file")])
    if not file.is_file():
        raise ScenarioError(source, [("(file)", "no such file")])
    if is_book_file(file):
        problem = "is a provider's book (it has clients:), not a scenario: use itmodels.load_book"
        raise ScenarioError(source, [("(file)", problem)])
    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, [("(file)", f"cannot be read: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            source, [("(file)", f"is larger than {MAX_FILE_BYTES:,} bytes; not a scenario file")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            source,
            [(f"line {line}", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")],
        ) from None
    try:
        data = parse_yaml(text)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"not valid YAML: {problem}")]) from None
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:
        raise ScenarioError(source, [("(file)", f"not valid YAML: {short_repr(exc)}")]) from None
    return scenario_from_mapping(data, source=source)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text (durations in hours), which loads to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    header = f"# Scenario {scenario.name!r}, written by itmodels (durations in hours).\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_yaml(scenario: Scenario, path: str | Path) -> Path:
    """Write ``scenario`` to a new YAML file at ``path``, atomically.

    The file appears whole or not at all, and an existing file is never replaced.

    Parameters
    ----------
    scenario : Scenario
    path : str or pathlib.Path
        The new file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists (a file, folder or link).
    """
    return write_text(path, scenario_yaml(scenario))


def _rebuild() -> None:
    Scenario.model_rebuild(force=True)


ON_NEW_TYPE.append(_rebuild)
