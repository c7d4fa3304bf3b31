"""Scenario models: what a client, its fleet, its provider and its contracts look like.

A scenario is a tree of pydantic v2 models.  Every model forbids unknown keys, so a typo
in a scenario file is an error, never silently ignored.  Errors are reported as a
:class:`ScenarioError` that names the file, the key path (``fleet[1].lifetime.shape``)
and what was expected.

The rule of the design holds throughout: a mechanism the scenario does not write is not
simulated.  Optional sections therefore default to ``None`` (switched off), never to an
invented value.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from itmodels.calendar import BusinessHours
from itmodels.distributions import Distribution
from itmodels.units import Duration, Money, PositiveDuration, Probability

__all__ = [
    "BreakFixTerms",
    "BusinessHoursField",
    "Client",
    "Contracts",
    "DeferralTerms",
    "DeviceClass",
    "FlatRateTerms",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Sla",
    "WarningPhase",
    "load_scenario",
]

PRIORITIES = ("P1", "P2", "P3", "P4")
Priority = Literal["P1", "P2", "P3", "P4"]


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem located by key path.

    Parameters
    ----------
    source : str
        The file (or ``"<dict>"``) the scenario came from.
    problems : list of tuple of (str, str)
        ``(key path, what was expected)`` pairs.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: invalid scenario ({len(problems)} problem(s))"]
        lines += [f"  {path}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))


class FieldProblem(ValueError):
    """A validator's complaint about one key below the model being validated.

    ``key`` is relative to that model (``"parts_lead_time"``, ``"[2].name"``); the error
    formatter appends it to the model's path so the user sees the exact key.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _parse_business_hours(value: object) -> BusinessHours:
    if isinstance(value, BusinessHours):
        return value
    if not isinstance(value, str | Mapping):
        raise ValueError(
            'expected "24/7" or a mapping {days: mon-fri, start: "08:00", end: "18:00"}'
        )
    try:
        return BusinessHours.parse(value)  # type: ignore[arg-type]
    except ValueError as exc:
        field, sep, rest = str(exc).partition(": ")
        if sep and field in ("days", "start", "end"):
            raise FieldProblem(field, rest) from None
        raise


BusinessHoursField = Annotated[
    BusinessHours,
    BeforeValidator(_parse_business_hours),
    PlainSerializer(lambda b: b.describe()),
]


def _users_affected(value: object) -> int | Literal["all"]:
    if value == "all":
        return "all"
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('expected a whole number of users >= 0 or "all"')
    return value


UsersAffected = Annotated[int | Literal["all"], BeforeValidator(_users_affected)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Client(_Model):
    """The client business.

    Attributes
    ----------
    users : int
        Staff who use IT.
    user_hour_value : float
        Loaded cost of one user-hour of lost work (money per hour).
    business_hours : BusinessHours
        When staff work and notice problems: ``"24/7"`` or ``{days, start, end}``.
    revenue_per_hour_down : float
        Revenue lost per business hour while the whole office is down.  Omitted: none.
    name : str, optional
        Display name of the client (prospect).
    """

    name: str | None = None
    users: int = Field(ge=1, strict=True)
    user_hour_value: Money
    business_hours: BusinessHoursField
    revenue_per_hour_down: Money = 0.0


class WarningPhase(_Model):
    """A detectable warning phase before a hardware failure (the P-F interval)."""

    probability: Probability
    lead_time: Distribution


class DeviceClass(_Model):
    """A class of identical devices in the client's fleet.

    Only ``name``, ``count``, ``age``, ``lifetime``, ``users_affected`` and ``repair`` are
    required; every other field switches on a mechanism when written.
    """

    name: str = Field(min_length=1)
    count: int = Field(ge=0, strict=True)
    age: Duration
    lifetime: Distribution
    users_affected: UsersAffected
    repair: Distribution
    productivity_loss: Probability = 1.0
    revenue_share: Probability = 0.0
    priority: Priority = "P3"
    server: bool = False
    remote_fix_probability: Probability = 0.0
    parts_probability: Probability = 0.0
    parts_lead_time: Distribution | None = None
    parts_cost: Distribution | None = None
    replacement_cost: Money | None = None
    beyond_repair_probability: Probability = 0.0
    max_age: PositiveDuration | None = None
    replacement_lead_time: Distribution | None = None
    after_repair: Literal["as_good_as_new", "as_bad_as_old"] = "as_good_as_new"
    warning: WarningPhase | None = None

    @model_validator(mode="after")
    def _needs(self) -> DeviceClass:
        if self.parts_probability > 0 and self.parts_lead_time is None:
            raise FieldProblem("parts_lead_time", "required when parts_probability > 0")
        replaces = self.beyond_repair_probability > 0 or self.max_age is not None
        if replaces and self.replacement_cost is None:
            raise FieldProblem(
                "replacement_cost", "required with beyond_repair_probability or max_age"
            )
        return self


class Neglect(_Model):
    """Drift of an incident rate with time since the last maintenance.

    The rate is multiplied by ``min(1 + growth_per_month * months, max_multiplier)`` where
    ``months`` counts from the last maintenance that resets it (plus ``initial_months``).
    """

    growth_per_month: float = Field(ge=0)
    max_multiplier: float = Field(ge=1)
    initial_months: float = Field(default=0.0, ge=0)
    reset_by: list[Literal["patching", "preventive"]] = Field(default_factory=lambda: ["patching"])


class IncidentStream(_Model):
    """Incidents beside hardware failures: user/software problems, security incidents."""

    name: str = Field(min_length=1)
    rate: float = Field(ge=0, description="incidents per month, per `per`")
    per: Literal["user", "device", "office"]
    priority: dict[Priority, Probability]
    users_affected: UsersAffected
    productivity_loss: Probability | dict[Priority, Probability]
    work: Distribution
    remote_fix_probability: Probability = 0.0
    parts_probability: Probability = 0.0
    parts_lead_time: Distribution | None = None
    parts_cost: Distribution | None = None
    neglect: Neglect | None = None

    def loss_for(self, priority: str) -> float | None:
        """The productivity loss of an incident of ``priority`` (``None``: not written)."""
        loss = self.productivity_loss
        return loss.get(priority) if isinstance(loss, dict) else loss  # type: ignore[call-overload]

    @field_validator("priority")
    @classmethod
    def _mix(cls, mix: dict[str, float]) -> dict[str, float]:
        total = sum(mix.values())
        if not mix or abs(total - 1.0) > 1e-9:
            raise ValueError(f"priority shares must sum to 1, got {total:g}")
        return mix

    @model_validator(mode="after")
    def _needs(self) -> IncidentStream:
        if self.parts_probability > 0 and self.parts_lead_time is None:
            raise FieldProblem("parts_lead_time", "required when parts_probability > 0")
        if isinstance(self.productivity_loss, dict):
            missing = sorted(p for p, share in self.priority.items() if share > 0)
            missing = [p for p in missing if p not in self.productivity_loss]
            if missing:
                raise FieldProblem("productivity_loss", f"gives no value for priorities {missing}")
        return self


class BackgroundLoad(_Model):
    """Other clients' jobs that compete for the same technicians."""

    jobs_per_month: float = Field(ge=0)
    work: Distribution
    priority: Priority = "P3"
    contract_share: Probability = 1.0


class Provider(_Model):
    """The IT provider: technicians, their cost, travel and other clients' work."""

    name: str | None = None
    technicians: int = Field(ge=1, strict=True)
    working_hours: BusinessHoursField | None = None
    wage: Money = 0.0
    overtime_premium: float = Field(default=0.0, ge=0)
    travel: Distribution | None = None
    travel_cost: Money = 0.0
    background_load: BackgroundLoad | None = None
    monitoring_tools_cost: Money = 0.0


class DeferralTerms(_Model):
    """How a break-fix client puts off minor problems to save the bill."""

    priorities: list[Priority]
    probability: Probability
    delay: Distribution
    escalation_probability: Probability = 0.0
    escalate_to: Priority = "P2"
    escalation_work_multiplier: float = Field(default=1.0, ge=1.0)
    escalation_productivity_loss: Probability | None = None


def _hourly_rate(value: object) -> object:
    if isinstance(value, Mapping):
        return value
    return {"remote": value, "onsite": value}


class HourlyRate(_Model):
    """Hourly labour rate, possibly different for remote and on-site work."""

    remote: Money
    onsite: Money


class BreakFixTerms(_Model):
    """Pay per incident.  Unwritten terms are not applied (exact time at the rate)."""

    hourly_rate: Annotated[HourlyRate, BeforeValidator(_hourly_rate)]
    minimum_billed: Duration = 0.0
    billing_increment: Duration = 0.0
    trip_charge: Money = 0.0
    after_hours_multiplier: float | None = Field(default=None, ge=1.0)
    after_hours_priorities: list[Priority] = Field(default_factory=lambda: ["P1"])
    parts_markup: float = Field(default=0.0, ge=0)
    hardware_markup: float = Field(default=0.0, ge=0)
    deferral: DeferralTerms | None = None


class Monitoring(_Model):
    """Remote monitoring under a flat-rate contract."""

    detection_probability: Probability
    classes: list[str] | None = None
    false_alarms_per_device_month: float = Field(default=0.0, ge=0)
    false_alarm_work: Distribution | None = None

    @model_validator(mode="after")
    def _needs(self) -> Monitoring:
        if self.false_alarms_per_device_month > 0 and self.false_alarm_work is None:
            raise FieldProblem(
                "false_alarm_work", "required when false_alarms_per_device_month > 0"
            )
        return self


class MaintenanceTask(_Model):
    """A recurring remote task done after the client's business hours."""

    every: PositiveDuration
    work: Distribution


class Maintenance(_Model):
    """Monthly patching and periodic preventive work (flat-rate)."""

    patching: MaintenanceTask | None = None
    preventive: MaintenanceTask | None = None


class CreditBand(_Model):
    """Service credit: ``share`` of the month's fee once breaches reach ``breaches``."""

    breaches: int = Field(ge=1, strict=True)
    share: Probability


class Sla(_Model):
    """Response targets by priority, measured in business hours unless around the clock."""

    response: dict[Priority, PositiveDuration]
    around_the_clock: list[Priority] = Field(default_factory=list)
    credits: list[CreditBand] = Field(default_factory=list)
    credit_cap: Probability = 1.0


class FlatRateTerms(_Model):
    """A monthly managed-services fee and the services it buys."""

    fee_per_device: Money = 0.0
    fee_per_user: Money = 0.0
    fee_per_server: Money | None = None
    onsite_included: bool = True
    onsite_hourly_rate: Money | None = None
    parts_included: bool = False
    parts_markup: float = Field(default=0.0, ge=0)
    hardware_included: bool = False
    hardware_markup: float = Field(default=0.0, ge=0)
    after_hours_priorities: list[Priority] = Field(default_factory=list)
    monitoring: Monitoring | None = None
    maintenance: Maintenance | None = None
    sla: Sla | None = None

    @model_validator(mode="after")
    def _needs(self) -> FlatRateTerms:
        if not self.onsite_included and self.onsite_hourly_rate is None:
            raise FieldProblem("onsite_hourly_rate", "required when onsite_included is false")
        return self


class Contracts(_Model):
    """The pricing models to compare; at least one."""

    break_fix: BreakFixTerms | None = None
    flat_rate: FlatRateTerms | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Contracts:
        if self.break_fix is None and self.flat_rate is None:
            raise ValueError("define at least one contract: break_fix or flat_rate")
        return self

    def names(self) -> tuple[str, ...]:
        """Names of the contracts defined, in a fixed order."""
        return tuple(n for n in ("break_fix", "flat_rate") if getattr(self, n) is not None)


class Branding(_Model):
    """Names and colour for sales material."""

    provider: str | None = None
    prospect: str | None = None
    accent: str | None = None


class Scenario(_Model):
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
        groups = [("fleet", self.fleet), ("incident_streams", self.incident_streams)]
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
    def model_validate(cls, obj: Any, **kwargs: Any) -> Scenario:  # type: ignore[override]
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
            raise ScenarioError(str(source), _problems(exc, obj)) from None

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
        data = self.model_dump(mode="json", exclude_none=True)
        problems: list[tuple[str, str]] = []
        for key, value in changes.items():
            try:
                _set_dotted(data, key, value)
            except KeyError as exc:
                problems.append((key, str(exc.args[0])))
        source = self.source if self.source.endswith("(override)") else f"{self.source} (override)"
        if problems:
            raise ScenarioError(source, problems)
        return scenario_from_mapping(data, source=source)

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
                node = node[_list_index(node, part, where)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise KeyError(f"no key {where!r} in scenario {self.name!r}")
        return node


def _set_dotted(data: dict[str, Any], key: str, value: object) -> None:
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = copy.deepcopy(value)
                return
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = copy.deepcopy(value)
                return
            if part not in node:
                if part in _SECTION_KEYS:
                    node[part] = {}
                else:
                    raise KeyError(f"no key {where!r} in the scenario")
            node = node[part]
        else:
            raise KeyError(f"{'.'.join(parts[:i])!r} is a value, not a section")


_SECTION_KEYS = {
    "response",
    "hourly_rate",
    "priority",
    "branding",
    "monitoring",
    "maintenance",
    "sla",
    "patching",
    "preventive",
    "warning",
    "neglect",
    "deferral",
    "background_load",
    "flat_rate",
    "break_fix",
}


def _list_index(items: list[Any], part: str, where: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(items) <= index < len(items):
            raise KeyError(f"{where!r}: index out of range (the list has {len(items)} items)")
        return index % len(items)
    named = [
        i for i, item in enumerate(items) if isinstance(item, dict) and item.get("name") == part
    ]
    if not named:
        names = [item.get("name") for item in items if isinstance(item, dict)]
        raise KeyError(f"{where!r}: no item named {part!r}; items are {names}")
    return named[0]


def _format_loc(loc: tuple[int | str, ...], data: object) -> str:
    """Turn a pydantic error location into ``fleet[1].lifetime.shape``.

    Discriminated-union tags (``weibull``) and validator names inserted by pydantic are
    dropped so that the path matches the keys the user wrote.
    """
    path = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            if isinstance(node, list) and part < len(node):
                path += f"[{part}]"
                node = node[part]
            continue
        if isinstance(node, Mapping) and part in node:
            path += f".{part}" if path else part
            node = node[part]
        elif isinstance(node, Mapping) and not part.startswith(("function-", "constrained")):
            if "[" in part or part in {"str", "int", "float", "bool", "dict", "list"}:
                continue
            if part in _TAGS:
                continue
            path += f".{part}" if path else part
            node = None
    return path or "(top level)"


_TAGS = {"exponential", "weibull", "lognormal", "gamma", "constant", "empirical", "uniform"}


def _problems(exc: ValidationError, data: object) -> list[tuple[str, str]]:
    problems = []
    seen = set()
    for err in exc.errors(include_url=False):
        path = _format_loc(tuple(err["loc"]), data)
        message = err["msg"]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, FieldProblem):
            if path == "(top level)":
                path = cause.key
            else:
                path += cause.key if cause.key.startswith("[") else f".{cause.key}"
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if message.startswith("missing key 'dist'"):
            path += ".dist"
        if err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            path = f"{path}.{ctx.get('discriminator', 'dist').strip(chr(39))}"
            message = (
                f"unknown distribution {ctx.get('tag')!r}; expected one of"
                f" {ctx.get('expected_tags')}"
            )
        elif err["type"] == "extra_forbidden":
            message = "unknown key (not part of the scenario format; check the spelling)"
        elif err["type"] == "missing":
            message = "required key is missing"
        if (
            "input" in err
            and err["type"] not in ("missing", "extra_forbidden", "union_tag_invalid")
            and "got " not in message
        ):
            shown = repr(err["input"])
            if len(shown) <= 60:
                message += f" (got {shown})"
        if (path, message) not in seen:
            seen.add((path, message))
            problems.append((path, message))
    return problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is written twice in the same mapping",
                    mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


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
    return Scenario.model_validate({**data, "source": source})


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
        from itmodels.shipped import shipped_path

        shipped = shipped_path(str(path))
        if shipped is not None:
            file = shipped
    source = str(file)
    if not file.is_file():
        raise ScenarioError(source, [("(file)", "no such file")])
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, [("(file)", f"cannot be read: {exc.strerror}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"not valid YAML: {problem}")]) from None
    return scenario_from_mapping(data, source=source)
