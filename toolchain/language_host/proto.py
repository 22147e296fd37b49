"""The SDK's LanguageRuntime protocol stubs, loaded without running the `pulumi` package's __init__.

`from pulumi.runtime.proto import language_pb2` first executes `pulumi/__init__.py` and
`pulumi/runtime/__init__.py`, which import the whole SDK (resources, outputs, automation API, asyncio
runtime...): about 0.12 s of the host's start-up, and the engine starts the host twice per command.
The host only needs the generated protobuf modules, so the three parent packages are registered as
plain packages (their `__path__` only) before the stubs are imported. Only the host's entry point asks
for that (`load(bare_parents=True)`, a process that never needs the rest of the SDK); if `pulumi` is
already imported, or anything about the layout differs, the normal import is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any


def _register_bare_parents() -> bool:
    if "pulumi" in sys.modules:
        return False
    spec = importlib.util.find_spec("pulumi")
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        return False
    root = Path(spec.origin).parent
    parents = {"pulumi": root, "pulumi.runtime": root / "runtime", "pulumi.runtime.proto": root / "runtime" / "proto"}
    if not all((path / "__init__.py").is_file() for path in parents.values()):
        return False
    for name, path in parents.items():
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        module.__file__ = str(path / "__init__.py")
        module.__package__ = name
        sys.modules[name] = module
    return True


_loaded: tuple[Any, Any, Any] | None = None


def load(bare_parents: bool = False) -> tuple[Any, Any, Any]:
    """Return (language_pb2, language_pb2_grpc, plugin_pb2), importing them once."""
    global _loaded
    if _loaded is None:
        _loaded = _import(bare_parents)
    return _loaded


def _import(bare_parents: bool) -> tuple[Any, Any, Any]:
    bare = bare_parents and _register_bare_parents()
    try:
        modules = tuple(importlib.import_module(f"pulumi.runtime.proto.{name}")
                        for name in ("language_pb2", "language_pb2_grpc", "plugin_pb2"))
    except ImportError:
        if not bare:
            raise
        for name in [m for m in sys.modules if m == "pulumi" or m.startswith("pulumi.")]:
            del sys.modules[name]
        modules = tuple(importlib.import_module(f"pulumi.runtime.proto.{name}")
                        for name in ("language_pb2", "language_pb2_grpc", "plugin_pb2"))
    return modules  # type: ignore[return-value]

