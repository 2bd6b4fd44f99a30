"""The layering rules of docs/architecture.md, checked on the code's own imports.

Floors, bottom up: newsfeed_schemas < newsfeed_runtime < newsfeed_readmodel < the three
services side by side (publisher, indexer, api) < the CLI (`newsfeed`). A package imports
only floors below it (and itself); services never import each other; nothing imports the
CLI. Imports inside functions count too.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "newsfeed_schemas": ROOT / "schemas" / "newsfeed_schemas",
    "newsfeed_runtime": ROOT / "runtime" / "newsfeed_runtime",
    "newsfeed_readmodel": ROOT / "readmodel" / "newsfeed_readmodel",
    "newsfeed_publisher": ROOT / "services" / "publisher" / "newsfeed_publisher",
    "newsfeed_indexer": ROOT / "services" / "indexer" / "newsfeed_indexer",
    "newsfeed_api": ROOT / "services" / "api" / "newsfeed_api",
    "newsfeed": ROOT / "src" / "newsfeed",
}
FLOOR = {
    "newsfeed_schemas": 0,
    "newsfeed_runtime": 1,
    "newsfeed_readmodel": 2,
    "newsfeed_publisher": 3,
    "newsfeed_indexer": 3,
    "newsfeed_api": 3,
    "newsfeed": 4,
}
IO_LIBRARIES = {"redis", "faststream", "fastapi", "starlette", "msgpack", "httpx", "uvicorn"}
# Modules of the read model that speak Redis (or pack for it); every other one is pure domain.
READ_MODEL_IO = {
    "newsfeed_readmodel.batch",
    "newsfeed_readmodel.dead_letters",
    "newsfeed_readmodel.event_log",
    "newsfeed_readmodel.groups",
    "newsfeed_readmodel.migration",
    "newsfeed_readmodel.reader",
    "newsfeed_readmodel.reindex",
    "newsfeed_readmodel.related.store",
    "newsfeed_readmodel.stats",
    "newsfeed_readmodel.writer",
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str  # the module imported (or the module a name is imported from)
    names: tuple[str, ...]
    line: int


def _module_name(package: str, path: Path) -> str:
    parts = path.relative_to(PACKAGES[package]).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join((package, *parts))


def _modules() -> Iterator[tuple[str, Path]]:
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            yield _module_name(package, path), path


MODULES = dict(_modules())


def _imports(module: str, path: Path) -> Iterator[Import]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield Import(module, target, tuple(a.name for a in node.names), node.lineno)


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _package(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def _resolve(imp: Import) -> list[str]:
    """The project modules an import reaches (a submodule imported by name counts as that module)."""
    if imp.target not in MODULES:
        return []
    reached = [imp.target]
    reached += [f"{imp.target}.{name}" for name in imp.names if f"{imp.target}.{name}" in MODULES]
    return reached


def test_every_import_goes_down_a_floor_or_stays_in_its_package() -> None:
    wrong = []
    for imp in IMPORTS:
        source, target = _package(imp.source), _package(imp.target)
        if target not in FLOOR or target == source:
            continue
        if FLOOR[target] >= FLOOR[source]:
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}")
    assert not wrong, "imports that run sideways or back up:\n" + "\n".join(wrong)


def test_there_are_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in IMPORTS:
        graph[imp.source].update(m for m in _resolve(imp) if m != imp.source)
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_pure_domain_modules_import_no_io_library() -> None:
    impure = {
        imp.source
        for imp in IMPORTS
        if imp.source.startswith("newsfeed_readmodel") and _package(imp.target) in IO_LIBRARIES
    }
    assert impure <= READ_MODEL_IO, f"pure modules importing I/O: {sorted(impure - READ_MODEL_IO)}"
    stale = sorted(m for m in READ_MODEL_IO if m not in MODULES)
    assert not stale, f"listed as I/O modules but gone: {stale}"


def _strings_with(needle: str) -> Iterator[tuple[str, int]]:
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and needle in node.value:
                yield module, node.lineno


def test_all_lua_lives_in_the_scripts_module() -> None:
    homes = {module for module, _ in _strings_with("redis.call(")}
    assert homes <= {"newsfeed_readmodel.scripts"}, f"Lua outside scripts.py: {sorted(homes)}"


def _key_builders(module: str, path: Path) -> Iterator[int]:
    """f-strings that start a Redis key from a prefix: f"{...prefix}:..."."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.JoinedStr):
            continue
        for first, second in zip(node.values, node.values[1:], strict=False):
            named = ast.unparse(first.value) if isinstance(first, ast.FormattedValue) else ""
            literal = second.value if isinstance(second, ast.Constant) else ""
            if named.endswith("prefix") and isinstance(literal, str) and literal.startswith(":"):
                yield node.lineno


def test_every_key_name_is_built_in_keys_py() -> None:
    allowed = {"newsfeed_readmodel.keys", "newsfeed_schemas.streams"}
    found = [f"{m}:{line}" for m, p in MODULES.items() if m not in allowed for line in _key_builders(m, p)]
    assert not found, f"key names built outside keys.py: {found}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__main__")))
def test_all_names_exist(module: str) -> None:
    loaded = importlib.import_module(module)
    missing = [name for name in getattr(loaded, "__all__", []) if not hasattr(loaded, name)]
    assert not missing, f"{module}.__all__ names what it lacks: {missing}"


def test_imports_across_packages_use_exported_names() -> None:
    wrong = []
    for imp in IMPORTS:
        if imp.target not in MODULES or _package(imp.target) == _package(imp.source):
            continue
        exported = getattr(importlib.import_module(imp.target), "__all__", None)
        if exported is None:
            continue
        hidden = [n for n in imp.names if n not in exported and f"{imp.target}.{n}" not in MODULES]
        if hidden:
            wrong.append(f"{imp.source}:{imp.line} takes {hidden} from {imp.target}")
    assert not wrong, "\n".join(wrong)
