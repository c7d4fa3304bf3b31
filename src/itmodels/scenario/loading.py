"""Scenarios: a validated tree of models, loaded from YAML, overridden by dotted keys.

A scenario is a tree of pydantic v2 models (the sections are in :mod:`itmodels.scenario.sections`).
Errors are reported as a :class:`ScenarioError` that names the file, the key path
(``fleet[1].lifetime.shape``) and what was expected.

The rule of the design holds throughout: a mechanism the scenario does not write is not
simulated.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from itmodels.scenario.calendar import BusinessHours
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
    BreakFixTerms,
    BusinessHoursField,
    Client,
    Contracts,
    CreditBand,
    DeferralTerms,
    DeviceClass,
    FlatRateTerms,
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
    "BreakFixTerms",
    "BusinessHoursField",
    "Client",
    "Contracts",
    "CreditBand",
    "DeferralTerms",
    "DeviceClass",
    "FieldProblem",
    "FlatRateTerms",
    "HourlyRate",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "Priority",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Sla",
    "WarningPhase",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_yaml",
    "write_yaml",
]


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
    contracts: Contracts
    branding: Branding | None = None
    source: str = Field(default="<dict>", exclude=True)

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
        flat = self.contracts.flat_rate
        if flat is not None and flat.monitoring is not None and flat.monitoring.classes:
            unknown = sorted(set(flat.monitoring.classes) - set(names))
            if unknown:
                raise FieldProblem(
                    "contracts.flat_rate.monitoring.classes",
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
            raise ScenarioError(str(source), validation_problems(exc, obj)) from None

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
                set_dotted(data, key, value)
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
    if not file.exists() and not file.suffix:
        from itmodels.scenario.shipped import shipped_path

        shipped = shipped_path(str(path))
        if shipped is not None:
            file = shipped
    source = str(file)
    if file.is_dir():
        raise ScenarioError(source, [("(file)", "is a folder, not a file")])
    if not file.is_file():
        raise ScenarioError(source, [("(file)", "no such file")])
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
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise FileExistsError(f"{target}: already exists; choose a new file name")
    text = scenario_yaml(scenario)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.link(tmp, target)  # fails if the target appeared meanwhile: never overwrites
    except FileExistsError:
        raise FileExistsError(f"{target}: already exists; choose a new file name") from None
    finally:
        os.unlink(tmp)
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
