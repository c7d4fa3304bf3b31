"""The sections of a scenario: client, fleet, incident streams, provider, and the
building blocks of contract terms (rates, deferral, monitoring, maintenance, SLA).

Every model forbids unknown keys, so a typo in a scenario file is an error, never
silently ignored.  A mechanism the scenario does not write is not simulated: optional
sections default to ``None`` (switched off), never to an invented value.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from itmodels.scenario.calendar import BusinessHours
from itmodels.scenario.distributions import Distribution, residual_problem
from itmodels.scenario.errors import FieldProblem
from itmodels.scenario.units import Duration, Money, PositiveDuration, Probability

__all__ = [
    "MAX_COUNT",
    "MAX_FACTOR",
    "PRIORITIES",
    "BackgroundLoad",
    "Branding",
    "BusinessHoursField",
    "Client",
    "CreditBand",
    "DeferralTerms",
    "DeviceClass",
    "HourlyRate",
    "HourlyRateField",
    "IncidentStream",
    "Maintenance",
    "MaintenanceTask",
    "Monitoring",
    "Neglect",
    "Priority",
    "Provider",
    "SectionModel",
    "Sla",
    "WarningPhase",
]

PRIORITIES = ("P1", "P2", "P3", "P4")
#: The most users, devices or technicians a scenario may write.
MAX_COUNT = 10_000_000
#: The largest multiplier or markup (100 = ten thousand per cent).
MAX_FACTOR = 100.0
Priority = Literal["P1", "P2", "P3", "P4"]


def _reset_by_patching() -> list[Literal["patching", "preventive"]]:
    return ["patching"]


def _parse_business_hours(value: object) -> BusinessHours:
    if isinstance(value, BusinessHours):
        return value
    if not isinstance(value, str | Mapping):
        raise ValueError(
            'expected "24/7" or a mapping {days: mon-fri, start: "08:00", end: "18:00"}'
        )
    try:
        return BusinessHours.parse(value)
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


class SectionModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, allow_inf_nan=False
    )


class Client(SectionModel):
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
    users: int = Field(ge=1, le=MAX_COUNT, strict=True)
    user_hour_value: Money
    business_hours: BusinessHoursField
    revenue_per_hour_down: Money = 0.0


class WarningPhase(SectionModel):
    """A detectable warning phase before a hardware failure (the P-F interval)."""

    probability: Probability
    lead_time: Distribution


class DeviceClass(SectionModel):
    """A class of identical devices in the client's fleet.

    Only ``name``, ``count``, ``age``, ``lifetime``, ``users_affected`` and ``repair`` are
    required; every other field switches on a mechanism when written.

    ``replace_at`` is an age-replacement policy: a device still working at that age
    (counted from its installation, like ``max_age``) is replaced, planned and after
    hours, at ``planned_replacement_cost`` (default ``replacement_cost``).
    """

    name: str = Field(min_length=1)
    count: int = Field(ge=0, le=MAX_COUNT, strict=True)
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
    replace_at: PositiveDuration | None = None
    planned_replacement_cost: Money | None = None
    after_repair: Literal["as_good_as_new", "as_bad_as_old"] = "as_good_as_new"
    warning: WarningPhase | None = None

    @model_validator(mode="after")
    def _needs(self) -> DeviceClass:
        if self.lifetime.mean <= 0 and self.repair.mean <= 0:
            raise FieldProblem(
                "lifetime",
                "a device whose life and repair both take no time would fail without end"
                " at one instant; give the lifetime or the repair a positive duration",
            )
        problem = residual_problem(self.lifetime, self.age)
        if problem:
            raise FieldProblem("age", problem)
        if self.parts_probability > 0 and self.parts_lead_time is None:
            raise FieldProblem("parts_lead_time", "required when parts_probability > 0")
        replaces = self.beyond_repair_probability > 0 or self.max_age is not None
        if replaces and self.replacement_cost is None:
            raise FieldProblem(
                "replacement_cost", "required with beyond_repair_probability or max_age"
            )
        if self.replace_at is not None and self.planned_cost is None:
            raise FieldProblem(
                "planned_replacement_cost",
                "required with replace_at (or write replacement_cost, its default)",
            )
        return self

    @property
    def planned_cost(self) -> float | None:
        """What a planned replacement costs: ``planned_replacement_cost``, else
        ``replacement_cost`` (None when neither is written)."""
        if self.planned_replacement_cost is not None:
            return self.planned_replacement_cost
        return self.replacement_cost


class Neglect(SectionModel):
    """Drift of an incident rate with time since the last maintenance.

    The rate is multiplied by ``min(1 + growth_per_month * months, max_multiplier)`` where
    ``months`` counts from the last maintenance that resets it (plus ``initial_months``).
    """

    growth_per_month: float = Field(ge=0, le=MAX_FACTOR)
    max_multiplier: float = Field(ge=1, le=MAX_FACTOR)
    initial_months: float = Field(default=0.0, ge=0, le=120_000)
    reset_by: list[Literal["patching", "preventive"]] = Field(default_factory=_reset_by_patching)


class IncidentStream(SectionModel):
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


class BackgroundLoad(SectionModel):
    """Other clients' jobs that compete for the same technicians."""

    jobs_per_month: float = Field(ge=0)
    work: Distribution
    priority: Priority = "P3"
    contract_share: Probability = 1.0


class Provider(SectionModel):
    """The IT provider: technicians, their cost, travel and other clients' work."""

    name: str | None = None
    technicians: int = Field(ge=1, le=MAX_COUNT, strict=True)
    working_hours: BusinessHoursField | None = None
    wage: Money = 0.0
    overtime_premium: float = Field(default=0.0, ge=0, le=MAX_FACTOR)
    travel: Distribution | None = None
    travel_cost: Money = 0.0
    background_load: BackgroundLoad | None = None
    monitoring_tools_cost: Money = 0.0


class DeferralTerms(SectionModel):
    """How a break-fix client puts off minor problems to save the bill."""

    priorities: list[Priority]
    probability: Probability
    delay: Distribution
    escalation_probability: Probability = 0.0
    escalate_to: Priority = "P2"
    escalation_work_multiplier: float = Field(default=1.0, ge=1.0, le=MAX_FACTOR)
    escalation_productivity_loss: Probability | None = None


def _hourly_rate(value: object) -> object:
    if isinstance(value, Mapping):
        return value
    return {"remote": value, "onsite": value}


class HourlyRate(SectionModel):
    """Hourly labour rate, possibly different for remote and on-site work."""

    remote: Money
    onsite: Money


#: An hourly rate written as one amount (remote and on-site alike) or as both.
HourlyRateField = Annotated[HourlyRate, BeforeValidator(_hourly_rate)]


class Monitoring(SectionModel):
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


class MaintenanceTask(SectionModel):
    """A recurring remote task done after the client's business hours."""

    every: PositiveDuration
    work: Distribution

    @field_validator("every")
    @classmethod
    def _not_too_often(cls, every: float) -> float:
        if every < 1.0:
            raise ValueError(f"must be at least 1h (got {every:g}h): maintenance runs after hours")
        return every


class Maintenance(SectionModel):
    """Monthly patching and periodic preventive work (flat-rate)."""

    patching: MaintenanceTask | None = None
    preventive: MaintenanceTask | None = None


class CreditBand(SectionModel):
    """Service credit: ``share`` of the month's fee once breaches reach ``breaches``."""

    breaches: int = Field(ge=1, le=MAX_COUNT, strict=True)
    share: Probability


class Sla(SectionModel):
    """Response targets by priority, measured in business hours unless around the clock."""

    response: dict[Priority, PositiveDuration]
    around_the_clock: list[Priority] = Field(default_factory=list)
    credits: list[CreditBand] = Field(default_factory=list)
    credit_cap: Probability = 1.0


class Branding(SectionModel):
    """Names, colour, logo and wording for sales material (the proposal sheet, the reports).

    Attributes
    ----------
    provider, prospect : str, optional
        Who offers and who is offered.
    accent : str, optional
        A colour matplotlib knows (a name or ``'#0b6e4f'``).
    logo : str, optional
        Path to a PNG or JPEG file, drawn at the top right of the proposal sheet.
    contact : str, optional
        Contact details printed under the title (``"Ann Lee, ann@example.com, 555 0100"``).
    date : date, optional
        The date printed on the sheet; today when not given.
    paper : {"a4", "letter"}, optional
        Page size of the proposal sheet (default A4).
    disclaimer : str, optional
        A line printed with the assumptions, e.g. that the figures are illustrative.
    """

    provider: str | None = None
    prospect: str | None = None
    accent: str | None = None
    logo: str | None = None
    contact: str | None = None
    date: datetime.date | None = None
    paper: Literal["a4", "letter"] | None = None
    disclaimer: str | None = None

    @field_validator("accent")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        from matplotlib.colors import is_color_like

        if value is not None and not is_color_like(value):
            raise ValueError(f"{value!r} is not a colour (a name or '#0b6e4f')")
        return value

    @field_validator("logo")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        if value is None:
            return value
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(f"no logo file {str(path)!r} (a PNG or JPEG file)")
        with path.open("rb") as fh:
            head = fh.read(8)
        if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
            raise ValueError(f"logo {str(path)!r} is not a PNG or JPEG file")
        return str(path)
