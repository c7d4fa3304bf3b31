"""The package's layout: layers, no import circle, no private name used across modules.

The import graph is read from the source (``ast``), so these tests see every import:
at module level, under ``TYPE_CHECKING`` and inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "itmodels"

#: the layers from the bottom to the top, as subpackages or modules (the longest match
#: counts); a module may import only from its own layer or one below it.  The scenario's
#: building blocks sit below the pricing models, whose terms are made of them; the scenario
#: document sits above, since it checks ``contracts:`` against the pricing models.
LAYERS = [
    ("version", "files"),
    (
        "scenario.units",
        "scenario.calendar",
        "scenario.errors",
        "scenario.distribution_base",
        "scenario.distributions",
        "scenario.dotted",
        "scenario.yaml_io",
        "scenario.sections",
    ),
    ("money",),
    ("contracts",),
    ("scenario",),
    ("engine",),
    ("experiments",),
    ("fitting",),
    ("charts",),
    ("reports",),
    ("app",),
    ("cli", "__main__", "__init__"),
]

#: imports made on first use on purpose, so that matplotlib loads only when a chart is asked
#: for: ``ExperimentResult.plot`` and ``itm.plots`` / ``itm.report``
LAZY = {
    ("itmodels.experiments.result", "itmodels.charts.plots"),
    ("itmodels", "itmodels.charts.plots"),
    ("itmodels", "itmodels.reports.report"),
}


def module_name(path: Path) -> str:
    parts = ["itmodels", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> list[tuple[str, list[str]]]:
    """``(module imported, names taken)`` for every import in module ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "itmodels" or node.module.startswith("itmodels."):
                taken = [a.name for a in node.names]
                # "from itmodels.charts import plots" imports the module itmodels.charts.plots
                subs = [f"{node.module}.{t}" for t in taken if f"{node.module}.{t}" in MODULES]
                found.extend((s, []) for s in subs)
                rest = [t for t in taken if f"{node.module}.{t}" not in MODULES]
                if rest or not subs:
                    found.append((node.module, rest))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names if a.name.startswith("itmodels"))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            for arg in node.args:
                for const in ast.walk(arg):
                    if isinstance(const, ast.Constant) and str(const.value) in MODULES:
                        found.append((str(const.value), []))
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for target, _ in imports(name):
            if target != name and (name, target) not in LAZY:
                edges[name].add(target)
    return edges


def layer_of(name: str) -> int:
    inside = name.split(".", 1)[1] if "." in name else "__init__"
    best, found = -1, None
    for i, members in enumerate(LAYERS):
        for member in members:
            if (inside == member or inside.startswith(member + ".")) and len(member) > best:
                best, found = len(member), i
    if found is None:
        raise AssertionError(f"{name} is in no layer; add it to LAYERS")
    return found


def test_every_module_sits_in_a_layer_and_imports_only_downwards() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in targets
        if layer_of(target) > layer_of(name)
    ]
    assert wrong == []


def test_there_is_no_import_circle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, set())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [
        f"{name} takes {taken} from {target}"
        for name in MODULES
        for target, names in imports(name)
        for taken in names
        if taken.startswith("_") and not taken.startswith("__")
    ]
    assert private == []


def test_the_tree_has_few_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, top


SUBPACKAGES = sorted(n for n, p in MODULES.items() if n.count(".") == 1 and p.stem == "__init__")


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_says_what_it_holds(name: str) -> None:
    doc = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert doc and len(doc) > 20


def declared(name: str) -> set[str] | None:
    """The names in module ``name``'s ``__all__``, or None when it has none."""
    for node in ast.parse(MODULES[name].read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return {str(e.value) for e in node.value.elts}  # type: ignore[union-attr]
    return None


def test_what_another_module_uses_is_in_the_owners_all() -> None:
    missing = sorted(
        f"{target}.{taken} (used by {name})"
        for name in MODULES
        for target, names in imports(name)
        if target in MODULES and (public := declared(target)) is not None
        for taken in names
        if taken not in public and not taken.startswith("__")
    )
    assert missing == []
