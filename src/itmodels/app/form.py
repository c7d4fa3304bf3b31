"""The sales form, read from the scenario's own models: one field per value.

Nothing here names a key of the scenario format: :func:`form_fields` walks the pydantic
models of a scenario (sections, lists of sections, offers of any pricing model) and
makes one :class:`FormField` per value, with its label, unit, limits and help text taken
from the model (the field's type, its constraints, its ``description`` or the numpydoc
``Attributes`` section of the model's docstring).  A key added to the format appears in
the form without touching the app.

Values are edited as text and read as YAML, exactly like ``itmodels compare --set
KEY=VALUE``; :func:`apply_changes` checks them the way the library does (one
:class:`~itmodels.scenario.ScenarioError` naming every key path and what was expected),
so the page shows the library's own messages and nothing unchecked reaches the engine.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from itmodels.contracts import offer_label
from itmodels.scenario import Scenario, ScenarioError
from itmodels.scenario.distribution_base import BaseDistribution
from itmodels.scenario.units import (
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    HOURS_PER_WEEK,
    HOURS_PER_YEAR,
    format_duration,
    parse_duration,
    parse_money,
)
from itmodels.scenario.yaml_io import parse_assignment

__all__ = [
    "FormField",
    "apply_changes",
    "field_problems",
    "form_fields",
    "read_value",
    "value_text",
]

Kind = Literal["text", "bool", "choice"]


@dataclass(frozen=True)
class FormField:
    """One value of the scenario as the form shows it.

    Attributes
    ----------
    key : str
        The dotted key for :meth:`~itmodels.Scenario.override` (``fleet.0.count``).
    path : str
        The key path as error messages name it (``fleet[0].count``).
    section : str
        The heading of the group it is shown in (``fleet[0] desktop``).
    label : str
        The field's name in words (``User hour value``).
    kind : {"text", "bool", "choice"}
        A text box (read as YAML), a check box or a list of choices.
    choices : tuple of str
        The choices of a ``choice`` field.
    unit : str
        What the value is counted in (``USD``, ``duration``, ``share 0 to 1``), or empty.
    limits : str
        The bounds the model sets (``≥ 1, ≤ 10,000,000``), or empty.
    help : str
        The model's description of the field, or empty.
    value : str
        The value as text (YAML flow style for lists, mappings and distributions; empty
        for a value not written).
    """

    key: str
    path: str
    section: str
    label: str
    kind: Kind
    choices: tuple[str, ...]
    unit: str
    limits: str
    help: str
    value: str


def _parsers(field: FieldInfo) -> set[Callable[..., Any]]:
    found = {getattr(m, "func", None) for m in field.metadata}
    todo: list[Any] = [field.annotation]
    while todo:
        kind = todo.pop()
        found |= {getattr(m, "func", None) for m in getattr(kind, "__metadata__", ())}
        todo += typing.get_args(kind)
    return {f for f in found if f is not None}


def _bounds(field: FieldInfo) -> str:
    """``≥ 0, ≤ 1`` from the field's constraints (and those of its annotated type)."""
    metadata = list(field.metadata)
    todo: list[Any] = [field.annotation]
    while todo:
        kind = todo.pop()
        metadata += list(getattr(kind, "__metadata__", ()))
        todo += typing.get_args(kind)
        for meta in getattr(kind, "__metadata__", ()):
            metadata += list(getattr(meta, "metadata", ()))
    words = []
    for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"), ("min_length", "≥")):
        for meta in metadata:
            bound = getattr(meta, attr, None)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                if attr == "min_length":
                    text = "not empty" if bound == 1 else f"at least {bound} long"
                else:
                    text = f"{sign} {bound:,g}" if bound < 1e6 else f"{sign} {bound:,.0f}"
                if text not in words:
                    words.append(text)
    return ", ".join(words)


def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Field descriptions from the numpydoc ``Attributes`` section of a model's docstring."""
    doc = model.__doc__ or ""
    lines = doc.expandtabs().splitlines()
    found: dict[str, str] = {}
    inside = False
    names: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "Attributes" and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            inside = True
            continue
        if not inside or set(stripped) == {"-"}:
            continue
        indent = len(line) - len(line.lstrip())
        if stripped and indent <= 4 and " : " in stripped:
            names = [n.strip() for n in stripped.split(" : ")[0].split(",")]
        elif stripped and indent <= 4 and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            break  # the next section
        elif stripped and names:
            for name in names:
                found[name] = f"{found.get(name, '')} {stripped}".strip()
    return found


def _words(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _unit(field: FieldInfo, currency: str) -> str:
    parse = _parsers(field)
    if parse_money in parse:
        return currency
    if parse_duration in parse:
        return "duration: 30min, 4h, 3d, 2w, 6mo, 5y"
    bounds = _bounds(field)
    if bounds == "≥ 0, ≤ 1":
        return "share, 0 to 1"
    return ""


def _flow(value: Any) -> str:
    """A value as one line of YAML flow style (what the user would type)."""
    text = yaml.safe_dump(
        value, default_flow_style=True, width=math.inf, allow_unicode=True, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _duration(hours: float) -> str:
    """``7.9y``, ``36min``, ``1.5h``: the largest unit that writes it in three digits."""
    for unit, size in (("y", HOURS_PER_YEAR), ("mo", HOURS_PER_MONTH), ("w", HOURS_PER_WEEK),
                       ("d", HOURS_PER_DAY), ("h", 1.0)):  # fmt: skip
        count = hours / size
        if count >= 1 and abs(float(f"{count:.3g}") - count) <= 1e-9 * count:
            return f"{count:.3g}{unit}"
    return format_duration(hours)


def _plain(value: Any, field: FieldInfo | None, money: bool = False) -> Any:
    """``value`` as plain data, durations written with units (``7.9y``, not 69251.4).

    A distribution of an amount of money (a field named ``..._cost``) keeps plain
    numbers: distributions are written in hours, which for money are the amounts.
    """
    if isinstance(value, BaseModel):
        out = {}
        for name, sub in type(value).model_fields.items():
            item = getattr(value, name)
            if item is None or sub.exclude:
                continue
            out[name] = _plain(item, sub, money)
        return out
    parse = _parsers(field) if field is not None else set()
    if isinstance(value, float) and parse_duration in parse and not money:
        return _duration(value)
    if isinstance(value, list | tuple):
        return [_plain(v, field, money) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v, field) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if hasattr(value, "describe"):  # business hours
        return value.describe()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def value_text(value: Any, field: FieldInfo | None = None, name: str | None = None) -> str:
    """A scenario value as the form shows it: ``12``, ``3y``, ``mon-fri 08:00-18:00``,
    ``{dist: weibull, shape: 1.44, scale: 7.9y}``; empty for a value not written.

    Examples
    --------
    >>> value_text([1, 2])
    '[1, 2]'
    >>> value_text(None)
    ''
    """
    if value is None:
        return ""
    money = name is not None and name.endswith("cost")
    plain = _plain(value, field, money)
    if isinstance(plain, str):
        # a string that YAML would read as something else is quoted
        return plain if yaml.safe_load(plain) == plain and plain.strip() == plain else _flow(plain)
    return _flow(plain)


def _kind(field: FieldInfo) -> tuple[Kind, tuple[str, ...]]:
    annotation = field.annotation
    if annotation is bool:
        return "bool", ()
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    args = typing.get_args(annotation)
    if len(args) == 2 and type(None) in args:  # optional choice: None is a choice too
        inner = next(a for a in args if a is not type(None))
        if typing.get_origin(inner) is Literal:
            return "choice", ("", *(str(a) for a in typing.get_args(inner)))
    return "text", ()


def _is_section(value: Any) -> bool:
    return isinstance(value, BaseModel) and not isinstance(value, BaseDistribution)


def _section_class(field: FieldInfo) -> type[BaseModel] | None:
    """The section model of an optional section field (``Branding | None``), else None."""
    for kind in (field.annotation, *typing.get_args(field.annotation)):
        if (
            isinstance(kind, type)
            and issubclass(kind, BaseModel)
            and not issubclass(kind, BaseDistribution)
        ):
            return kind
    return None


def _walk(
    cls: type[BaseModel], model: BaseModel | None, key: str, path: str, section: str, currency: str
) -> Iterator[FormField]:
    """The fields of ``model`` (an instance of ``cls``; None: a section not written, whose
    fields are shown empty)."""
    docs = _attribute_docs(cls)
    for name, field in cls.model_fields.items():
        if field.exclude:
            continue
        value = None if model is None else getattr(model, name)
        sub_key = f"{key}.{name}" if key else name
        sub_path = f"{path}.{name}" if path else name
        section_class = _section_class(field)
        if value is None and not key and section_class is not None:
            # a top-level section not written (branding): its fields, empty
            yield from _walk(section_class, None, sub_key, sub_path, _words(name), currency)
            continue
        if isinstance(value, BaseModel) and _is_section(value):
            heading = _words(name) if not key else f"{section} › {_words(name)}"
            yield from _walk(type(value), value, sub_key, sub_path, heading, currency)
            continue
        if isinstance(value, list) and value and all(_is_section(v) for v in value):
            for i, item in enumerate(value):
                title = getattr(item, "name", None) or str(i + 1)
                heading = f"{_words(name)}: {title}"
                yield from _walk(
                    type(item), item, f"{sub_key}.{i}", f"{sub_path}[{i}]", heading, currency
                )
            continue
        if isinstance(value, Mapping) and value and all(_is_section(v) for v in value.values()):
            for offer, item in value.items():
                heading = f"Offer: {offer} ({offer_label(value, offer)})"
                yield from _walk(
                    type(item), item, f"{sub_key}.{offer}", f"{sub_path}.{offer}", heading, currency
                )
            continue
        kind, choices = _kind(field)
        unit = _unit(field, currency)
        yield FormField(
            key=sub_key,
            path=sub_path,
            section=section,
            label=_words(name),
            kind=kind,
            choices=choices,
            unit=unit,
            limits="" if unit.startswith("share") else _bounds(field),
            help=field.description or docs.get(name, ""),
            value=value_text(value, field, name),
        )


def form_fields(scenario: Scenario) -> list[FormField]:
    """Every value of ``scenario`` as a form field, section by section, in the order of
    the models (top-level values first under the heading ``Scenario``).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    list of FormField

    Examples
    --------
    >>> import itmodels as itm
    >>> fields = {f.key: f for f in form_fields(itm.load_scenario("small-office"))}
    >>> fields["client.users"].value, fields["client.users"].limits
    ('12', '≥ 1, ≤ 10,000,000')
    >>> fields["fleet.0.age"].value
    '3y'
    """
    return list(_walk(type(scenario), scenario, "", "", "Scenario", scenario.currency))


def read_value(field: FormField, text: str) -> Any:
    """The value typed in ``field`` read as YAML, like ``--set KEY=VALUE``.

    An empty box is ``None`` (a value not written).

    Raises
    ------
    ScenarioError
        If the text is not a YAML value, naming the key path.
    """
    if field.kind == "bool":
        return text == "true" if isinstance(text, str) else bool(text)
    if not str(text).strip():
        return None
    if field.kind == "choice":
        return str(text)
    try:
        return parse_assignment(f"{field.key}={text}")[1]
    except ValueError as exc:
        raise ScenarioError("(form)", [(field.path, str(exc))]) from None


def apply_changes(
    scenario: Scenario, fields: Mapping[str, FormField], typed: Mapping[str, Any]
) -> Scenario:
    """``scenario`` with the values typed in the form, checked as a whole.

    Parameters
    ----------
    scenario : Scenario
        The template the form was made from.
    fields : mapping of str to FormField
        The form's fields by key.
    typed : mapping of str to object
        The text (or, for check boxes, the bool) in each field the user changed, by key.

    Returns
    -------
    Scenario
        The validated scenario with the changes.

    Raises
    ------
    ScenarioError
        Every problem, by key path, with the library's messages.
    """
    changes: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, text in typed.items():
        field = fields[key]
        if field.kind == "bool":
            if bool(text) != (field.value == "true"):
                changes[key] = bool(text)
            continue
        if str(text) == field.value:
            continue
        try:
            changes[key] = read_value(field, str(text))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(scenario.source, problems)
    return scenario.override(changes) if changes else scenario


def field_problems(
    error: ScenarioError, fields: Mapping[str, FormField]
) -> tuple[dict[str, list[str]], list[str]]:
    """Split an error's problems into those of a form field (by key) and the rest.

    A problem is shown at the field whose path it names, or under the deepest field
    whose path starts it (``fleet[0].lifetime.shape`` at ``fleet[0].lifetime``); a
    problem of a whole section (``fleet[0]``) is among the rest, with its path.

    Returns
    -------
    tuple of (dict of str to list of str, list of str)
        Messages by field key, and the other problems as ``path: message``.
    """
    by_path = {f.path: key for key, f in fields.items()}
    at: dict[str, list[str]] = {}
    rest: list[str] = []
    for path, message in error.problems:
        probe = path
        while probe and probe not in by_path:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        if probe:
            at.setdefault(by_path[probe], []).append(f"{path}: {message}")
        else:
            rest.append(f"{path}: {message}")
    return at, rest
