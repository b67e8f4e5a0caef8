"""The package's shape: a folder per stage, no import cycles, no module over 500 lines.

The import graph is read from the source with ``ast`` (nothing is imported), counting every
``import`` and ``from ... import`` of a ``repair`` module wherever it is written: at module
level, inside functions (lazy imports) and under ``if TYPE_CHECKING``. A lazy import still
ties two modules together, it only hides the cycle until the function runs.
"""
from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "repair"
MAX_LINES = 500
STAGES = ("text", "resources", "detect", "glossary", "restore", "merge", "pipeline", "evaluate", "io", "synth", "train", "modeling", "cli")
# Inference stages sit below the layers that drive them: a stage never imports these.
DRIVERS = ("pipeline", "cli", "evaluate", "io", "train")
INFERENCE_STAGES = ("text", "resources", "detect", "glossary", "restore", "merge", "modeling")


def module_name(path: Path) -> str:
    """repair/detect/lexicon.py -> repair.detect.lexicon; repair/detect/__init__.py -> repair.detect."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def imported_modules(node: ast.AST, importer: str, modules: dict[str, Path]) -> Iterator[str]:
    """The ``repair`` modules one import statement loads (a submodule where one is named)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in modules:
                yield alias.name
        return
    if not isinstance(node, ast.ImportFrom):
        return
    if node.level:  # relative: from . import x, from ..text import y
        base = importer.split(".") if is_package(importer, modules) else importer.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    if source not in modules:
        return
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        yield submodule if submodule in modules else source


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``repair`` modules it imports anywhere in its source."""
    modules = package_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = {target for node in ast.walk(tree) for target in imported_modules(node, name, modules) if target != name}
    return graph


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to think about)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = lowlink[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete cycle through the component's first module (shortest, by breadth-first search)."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & members):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if target not in previous:
                previous[target] = node
                queue.append(target)
    return component


def test_the_import_graph_reader_sees_lazy_and_relative_imports():
    modules = {name: Path("__init__.py") for name in ("repair", "repair.a")}
    modules |= {name: Path("module.py") for name in ("repair.a.b", "repair.a.d", "repair.c")}
    source = "from repair.a import b, thing\nfrom .. import c\ndef f():\n    import repair.c\n    from .b import x\n"
    found = [t for node in ast.walk(ast.parse(source)) for t in imported_modules(node, "repair.a.d", modules)]
    assert sorted(found) == ["repair.a", "repair.a.b", "repair.a.b", "repair.c", "repair.c"]


def test_cycle_finder_finds_a_cycle_and_only_real_ones():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    (component,) = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert component == ["a", "b", "c"] and a_cycle(graph, component) == ["a", "b", "c", "a"]
    assert all(len(c) == 1 for c in strongly_connected_components({"a": {"b"}, "b": set()}))


def test_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 20, f"found only {len(graph)} modules under {PACKAGE}"
    cycles = [c for c in strongly_connected_components(graph) if len(c) > 1]
    report = "\n".join(f"{len(c)} modules: {', '.join(c)}\n  e.g. {' -> '.join(a_cycle(graph, c))}" for c in cycles)
    assert not cycles, f"import cycles in repair/ (lazy imports count):\n{report}"


def test_inference_stages_never_import_the_layers_that_drive_them():
    graph = import_graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.split(".")[1:2] and module.split(".")[1] in INFERENCE_STAGES
        for target in targets
        if target.split(".")[1:2] and target.split(".")[1] in DRIVERS
    )
    assert not wrong, "a stage imports pipeline/, cli/, evaluate/, io/ or train/:\n" + "\n".join(wrong)


def test_no_module_over_500_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in package_modules().items()}
    long = sorted(((n, name) for name, n in lengths.items() if n > MAX_LINES), reverse=True)
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(f"{n:5d} {name}" for n, name in long)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_its_folder(stage):
    assert (PACKAGE / stage / "__init__.py").is_file(), f"repair/{stage}/ is missing (or has no __init__.py)"
