"""Dotted key paths into scenario data: ``fleet.0.count``, ``fleet.nas.age``."""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

__all__ = ["list_index", "set_dotted"]


def set_dotted(
    data: dict[str, Any], key: str, value: object, sections: Collection[str] = ()
) -> None:
    """Set ``key`` (``fleet.0.count``, ``contracts.essentials.sla.credit_cap``) in ``data``.

    A missing key is created only when its name is in ``sections`` (the optional
    sections of the scenario format, which start empty), else :class:`KeyError`.
    """
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            index = list_index(node, part, where)
            if last:
                node[index] = copy.deepcopy(value)
                return
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = copy.deepcopy(value)
                return
            if part not in node:
                if part in sections:
                    node[part] = {}
                else:
                    raise KeyError(f"no key {where!r} in the scenario")
            node = node[part]
        else:
            raise KeyError(f"{'.'.join(parts[:i])!r} is a value, not a section")


def list_index(items: list[Any], part: str, where: str) -> int:
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
