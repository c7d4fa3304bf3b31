"""Reading scenario YAML safely, and ``key.path=value`` assignments for tweaking one.

:func:`parse_yaml` reads scenario text within limits (size, depth, aliases, keys written
twice); :func:`parse_assignment` reads one ``--set key.path=value`` change, the value as
YAML.  Writing a scenario back is :meth:`itmodels.Scenario.to_yaml`.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

import yaml

from itmodels.scenario.errors import short_repr

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "AssignmentError",
    "parse_assignment",
    "parse_yaml",
]

_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class AssignmentError(ValueError):
    """A ``key.path=value`` assignment that cannot be read."""


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``"key.path=value"`` into the dotted key and the value read as YAML.

    Parameters
    ----------
    text : str
        For example ``"client.users=25"``, ``"horizon=5y"``, ``"fleet.server.age=6y"``.  The
        value is read as a YAML value, so ``25`` is a number, ``5y`` a string and
        ``{dist: exponential, mean: 5y}`` a mapping; quote it (``'007'``) to keep a string.

    Returns
    -------
    tuple of (str, object)
        The dotted key and the value, for :meth:`itmodels.Scenario.override`.

    Raises
    ------
    AssignmentError
        (a ``ValueError``) with a message saying what is wrong: no ``=``, an empty or
        malformed key, no value, or a value that is not YAML.

    Examples
    --------
    >>> parse_assignment("client.users=25")
    ('client.users', 25)
    >>> parse_assignment("fleet.0.age = 6y")
    ('fleet.0.age', '6y')
    """
    if not isinstance(text, str):
        raise AssignmentError(f"expected text KEY=VALUE, got {short_repr(text)}")
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise AssignmentError(f"{short_repr(text)}: write KEY=VALUE, e.g. client.users=25")
    if not _KEY.match(key):
        raise AssignmentError(
            f"{short_repr(key)}: a key is names and list positions joined by dots,"
            " e.g. fleet.0.count or fleet.server.age"
        )
    if not value.strip():
        raise AssignmentError(f"{key}: no value after '='")
    try:
        parsed = parse_yaml(value)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise AssignmentError(
            f"{key}: {short_repr(value)} is not a YAML value ({problem})"
        ) from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise AssignmentError(f"{key}: {short_repr(value)} is not a YAML value ({exc})") from None
    return key, parsed


#: The largest scenario file read, in bytes.
MAX_FILE_BYTES = 1_000_000
#: The most nested a scenario may be (mappings and lists within each other).
MAX_DEPTH = 40
#: The most YAML aliases (``*name``) a file may use.
MAX_ALIASES = 200
#: The most values a file may hold once its aliases are expanded.
MAX_NODES = 200_000


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping, keys that are
    not plain values, deep nesting and alias bombs (limits above)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._refuse(f"more than {MAX_ALIASES} aliases (*name)")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self._refuse(f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _refuse(self, problem: str) -> NoReturn:
        """Stop composing with ``problem``, at the line of the next event."""
        raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise yaml.constructor.ConstructorError(
                None, None, f"a number with far too many digits ({len(node.value):,})",
                node.start_mark,
            ) from None  # fmt: skip

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a plain value such as a name, not a {kind}",
                    key_node.start_mark,
                )  # fmt: skip
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {short_repr(key)} is written twice in the same mapping",
                    mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _UniqueKeyLoader.construct_yaml_int)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Values in ``node`` once every alias is expanded (shared nodes counted each time)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a node within itself (a recursive alias) counts once
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[id(node)] = size = min(size, MAX_NODES + 1)
    return size


def parse_yaml(text: str) -> object:
    """Parse scenario YAML within the limits above (raises ``yaml.YAMLError``)."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"holds more than {MAX_NODES:,} values once its aliases are"
                " expanded (an alias bomb?)", node.start_mark,
            )  # fmt: skip
        return loader.construct_document(node)
    finally:
        loader.dispose()
