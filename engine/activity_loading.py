"""Importing user activities from module names, files, folders and `sfn.activities` entry points.

Files and folders are imported under private module names derived from their absolute path, so
two folders may both hold an `orders.py`, and loading the same file twice imports it once.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from engine.activities import Activity, Registry, default_registry, is_path_spec
from engine.errors import UsageError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "sfn.activities"


def load_activities(
    specs: Iterable[str | Path] = (),
    *,
    registry: Registry | None = None,
    entry_points: bool = True,
    default_folder: Path | None = None,
) -> Registry:
    """Import activities into `registry` (default: `@activity`'s default registry) and
    return it.

    Each spec is a module name or a file/folder path (a folder loads every .py in it). With no
    specs, `default_folder` (default: ./activities) is loaded if it exists. The `sfn.activities`
    entry points are always loaded unless `entry_points` is False."""
    target = registry if registry is not None else default_registry
    specs = list(specs)
    if not specs:
        folder = default_folder if default_folder is not None else Path.cwd() / "activities"
        specs = [folder] if folder.is_dir() else []
    load_into(target, specs, entry_points=entry_points)
    return target


def load_into(registry: Registry, specs: Iterable[str | Path], *, entry_points: bool) -> None:
    """Import every spec and the entry points, adding the activities they define."""
    for spec in specs:
        for module in import_spec(spec):
            collect(registry, module, source=str(spec))
    if entry_points:
        # Imported here: importlib.metadata, and reading every installed package's metadata,
        # is a run's cost only when it may need an activity (`sfn run` of a Task-free file).
        from importlib.metadata import entry_points as installed_entry_points

        for entry_point in installed_entry_points(group=ENTRY_POINT_GROUP):
            load_entry_point(registry, entry_point)


def import_spec(spec: str | Path) -> list[ModuleType]:
    """The modules a --activities value names: a module, a .py file, or a folder's files."""
    if not is_path_spec(spec):
        return [import_named(str(spec))]
    path = Path(spec).resolve()
    if path.is_dir():
        return import_folder(path)
    if path.is_file():
        return [import_file(path)]
    raise UsageError(f"cannot load activities from {spec}: no such file or folder")


def import_named(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise UsageError(
                f"cannot load activities from {name}: no module of that name "
                "(give an importable module, or a path to a .py file or folder)"
            ) from None
        raise UsageError(f"cannot load activities from {name}: {explain(error)}") from None
    except Exception as error:
        raise UsageError(f"cannot load activities from {name}: {explain(error)}") from None


def import_folder(folder: Path) -> list[ModuleType]:
    """A package folder is imported as a package (relative imports work); a plain folder's
    files one by one, with the folder on sys.path so they can import each other."""
    files = sorted(p for p in folder.glob("*.py") if not p.name.startswith(("_", ".")))
    if (folder / "__init__.py").is_file():
        package = import_file(folder / "__init__.py", package=True)
        return [package] + [import_submodule(package, p) for p in files]
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    return [import_file(p) for p in files]


def private_name(path: Path) -> str:
    import hashlib  # its OpenSSL binding costs 2 ms at start; only an activity file needs it

    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", path.parent.name if path.name == "__init__.py" else path.stem)
    return f"_sfn_activities_{digest}_{stem}"


def import_file(path: Path, *, package: bool = False) -> ModuleType:
    """Import one file under a private name (once: a second load returns the same module)."""
    name = private_name(path)
    if name in sys.modules:
        return sys.modules[name]
    locations = [str(path.parent)] if package else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load activities from {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise UsageError(f"cannot load activities from {path}: {explain(error)}") from None
    return module


def import_submodule(package: ModuleType, path: Path) -> ModuleType:
    name = f"{package.__name__}.{path.stem}"
    try:
        return importlib.import_module(name)
    except Exception as error:
        raise UsageError(f"cannot load activities from {path}: {explain(error)}") from None


def collect(registry: Registry, module: ModuleType, *, source: str) -> None:
    """Add every activity and handler defined (or imported) at the top level of `module`."""
    for value in list(vars(module).values()):
        add_tagged(registry, value, source=source)


def add_tagged(registry: Registry, value: Any, *, source: str) -> bool:
    """Add what `@activity` and `@integration` tagged `value` with; False when nothing."""
    activities = tags_of(value, "__sfn_activities__")
    for entry in activities:
        registry.add(entry, source=source)
    handlers = tags_of(value, "__sfn_integrations__")
    for handler in handlers:
        registry.handlers.add(handler)
    return bool(activities or handlers)


def tags_of(value: Any, tag: str) -> list[Any]:
    try:
        tags = getattr(value, tag, None)
    except Exception:
        return []
    return list(tags.values()) if isinstance(tags, dict) else []


def load_entry_point(registry: Registry, entry_point: EntryPoint) -> None:
    """An entry point names a module of activities, a decorated function, or a plain function
    registered under the entry point's name."""
    where = f"entry point {entry_point.name} = {entry_point.value}"
    try:
        target = entry_point.load()
    except Exception as error:
        raise UsageError(f"cannot load activities from {where}: {explain(error)}") from None
    if isinstance(target, ModuleType):
        collect(registry, target, source=where)
    elif not add_tagged(registry, target, source=where):  # a decorated function: added
        if not callable(target):
            raise UsageError(f"cannot load activities from {where}: not a module or a function")
        registry.add(Activity(entry_point.name, target), source=where)


def explain(error: BaseException) -> str:
    """One line saying what went wrong and where in the user's code, without a traceback."""
    if isinstance(error, SyntaxError):
        return f"{error.filename}:{error.lineno}: SyntaxError: {error.msg}"
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
    return f"{where}{type(error).__name__}: {error}"
