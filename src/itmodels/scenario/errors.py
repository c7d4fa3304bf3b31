"""Scenario errors that name the file, the key path and what was expected."""

from __future__ import annotations

import reprlib
from collections.abc import Mapping

from pydantic import ValidationError

__all__ = ["FieldProblem", "ScenarioError", "short_repr", "validation_problems"]

_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = 40
_SHORT.maxother = 60
_SHORT.maxlong = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 3

#: The longest message printed for one problem; longer ones are cut short.
MAX_MESSAGE = 1000


def short_repr(value: object) -> str:
    """``repr(value)`` cut short, without expanding large or deeply shared structures.

    Examples
    --------
    >>> len(short_repr("x" * 1000))
    40
    >>> short_repr([[1, 2, 3, 4, 5, 6]] * 9)
    '[[1, 2, 3, ...], [1, 2, 3, ...], [1, 2, 3, ...], ...]'
    """
    try:
        return _SHORT.repr(value)
    except (RecursionError, ValueError, OverflowError):
        return f"<{type(value).__name__}>"


def _cut(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


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
        source = _cut(str(source))
        problems = [(_cut(str(path)), _cut(str(message))) for path, message in problems]
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


def _format_loc(loc: tuple[int | str, ...], data: object) -> str:
    """Turn a pydantic error location into ``fleet[1].lifetime.shape``.

    Discriminated-union tags (``weibull``, an offer's ``flat_rate``) and validator names
    inserted by pydantic are dropped so that the path matches the keys the user wrote.
    """
    path = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            if isinstance(node, list) and part < len(node):
                path += f"[{part}]"
                node = node[part]
            continue
        if isinstance(node, Mapping) and part in (node.get("type"), node.get("dist")):
            continue  # the tag of a discriminated union (an offer's type, a distribution)
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


def validation_problems(exc: ValidationError, data: object) -> list[tuple[str, str]]:
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
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            ctx = err.get("ctx", {})
            key = str(ctx.get("discriminator", "dist")).strip(chr(39))
            path = f"{path}.{key}"
            what = "distribution" if key == "dist" else "pricing model"
            message = (
                f"unknown {what} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
                if err["type"] == "union_tag_invalid"
                else f"required key is missing: the {what} to use"
            )
        elif err["type"] == "extra_forbidden":
            message = "unknown key (not part of the scenario format; check the spelling)"
        elif err["type"] == "missing":
            message = "required key is missing"
        if (
            "input" in err
            and err["type"]
            not in ("missing", "extra_forbidden", "union_tag_invalid", "union_tag_not_found")
            and "got " not in message
        ):
            message += f" (got {short_repr(err['input'])})"
        if (path, message) not in seen:
            seen.add((path, message))
            problems.append((path, message))
    return problems
