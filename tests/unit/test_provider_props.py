"""The dynamic resources' props contract (components/provider_base.py, TypedProvider): every Args field,
TypedDict key and Resource output is documented (read from the source with `ast`); each Resource sends
exactly its Inputs TypedDict's keys and declares exactly its Outputs TypedDict's keys; each provider's
CRUD methods are annotated with its own two TypedDicts (mypy's override rule cannot check that: the SDK
types props as dict[str, Any]). That `create` returns the Outputs keys is checked against localhub in
tests/hub/test_provider_props.py."""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any, ForwardRef

import pulumi
import pytest
from pulumi.dynamic import Resource, ResourceProvider

from components import frontend, frontend_patch_provider, health, space, space_config, space_files
from components.provider_base import TypedProvider

ROOT = Path(__file__).resolve().parents[2]
MODULES = [space, space_config, space_files, health, frontend_patch_provider, frontend]

#: (Resource, its Args, its provider, the provider's Inputs and Outputs TypedDicts)
RESOURCES: list[tuple[type[Resource], type[Any], type[TypedProvider[Any, Any]], type[Any], type[Any]]] = [
    (space.Space, space.SpaceArgs, space.SpaceProvider, space.SpaceInputs, space.SpaceOutputs),
    (space_config.SpaceSecret, space_config.SpaceSettingArgs, space_config.SpaceSecretProvider,
     space_config.SpaceSettingProps, space_config.SpaceSettingProps),
    (space_config.SpaceVariable, space_config.SpaceSettingArgs, space_config.SpaceVariableProvider,
     space_config.SpaceSettingProps, space_config.SpaceSettingProps),
    (space_files.SpaceFiles, space_files.SpaceFilesArgs, space_files.SpaceFilesProvider,
     space_files.SpaceFilesInputs, space_files.SpaceFilesOutputs),
    (health.SpaceHealth, health.SpaceHealthArgs, health.SpaceHealthProvider, health.SpaceHealthInputs,
     health.SpaceHealthOutputs),
    (frontend.FrontendClientPatch, frontend.FrontendClientPatchArgs,
     frontend_patch_provider.FrontendClientPatchProvider, frontend_patch_provider.FrontendClientPatchInputs,
     frontend_patch_provider.FrontendClientPatchOutputs),
]
IDS = [r[0].__name__ for r in RESOURCES]


def keys(typed_dict: type[Any]) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


def _declaring(node: ast.ClassDef) -> bool:
    """An Args dataclass, a props TypedDict or a Resource subclass: the classes whose fields are props."""
    bases = {ast.unparse(base) for base in node.bases}
    return (node.name.endswith(("Args", "Inputs", "Outputs", "Props")) or "TypedDict" in bases
            or any(b.startswith("Resource") for b in bases))


def undocumented(source: str) -> list[str]:
    """`Class.field` for every annotated field of a declaring class not followed by a docstring."""
    missing = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef) or not _declaring(node):
            continue
        for field, after in zip(node.body, [*node.body[1:], None], strict=True):
            if not isinstance(field, ast.AnnAssign) or not isinstance(field.target, ast.Name):
                continue
            documented = (isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                          and isinstance(after.value.value, str) and after.value.value.strip())
            if not documented:
                missing.append(f"{node.name}.{field.target.id}")
    return missing


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_arg_prop_and_output_has_a_docstring(module: Any) -> None:
    assert undocumented(Path(module.__file__).read_text()) == []


def test_the_docstring_check_finds_a_missing_one() -> None:
    source = 'class XArgs:\n    a: int\n    """A."""\n    b: str\n\nclass X(Resource):\n    c: Output[str]\n'
    assert undocumented(source) == ["XArgs.b", "X.c"]


@pytest.mark.parametrize(("resource", "args", "provider", "inputs", "outputs"), RESOURCES, ids=IDS)
def test_the_resource_declares_every_output_and_no_other(resource: type[Resource], args: type[Any],
                                                          provider: type[Any], inputs: type[Any],
                                                          outputs: type[Any]) -> None:
    declared = set(inspect.get_annotations(resource)) - {"_resource_type_name"}
    assert declared == keys(outputs)
    assert {f.name for f in fields(args)} <= keys(inputs)
    assert keys(inputs) - keys(outputs) <= {"planned"}  # only what `check` adds for preview's sake


def _args(args_type: type[Any]) -> Any:
    """Args with a plain value for every field (Resource constructors only pass them on)."""
    values: dict[str, Any] = {"manifest": {}, "blob_dir": ".hf-rag-space/test/blobs", "timeout_seconds": 1,
                              "private": False, "optional": False, "frontend_origin": None}
    return args_type(**{f.name: values.get(f.name, f"<{f.name}>") for f in fields(args_type)})


@pytest.mark.parametrize(("resource", "args", "provider", "inputs", "outputs"), RESOURCES, ids=IDS)
def test_the_resource_sends_exactly_its_inputs(monkeypatch: pytest.MonkeyPatch, resource: type[Resource],
                                               args: type[Any], provider: type[Any], inputs: type[Any],
                                               outputs: type[Any]) -> None:
    sent: dict[str, Any] = {}

    def record(self: Resource, provider_: ResourceProvider, name: str, props: dict[str, Any],
               opts: pulumi.ResourceOptions | None = None) -> None:
        assert isinstance(provider_, provider)
        sent.update(props)

    monkeypatch.setattr(Resource, "__init__", record)
    monkeypatch.setattr(pulumi.log, "info", lambda *a, **k: None)
    make: Any = resource  # each subclass takes (name, args)
    make("r", _args(args))
    assert set(sent) == set(inputs.__required_keys__)  # `check` adds the optional ones


def _resolve(owner: type[Any], ref: Any) -> Any:
    if isinstance(ref, ForwardRef):
        return vars(sys.modules[owner.__module__])[ref.__forward_arg__]
    return ref


def typed_params(provider: type[Any]) -> tuple[type[Any], type[Any]]:
    """The (Inputs, Outputs) TypedDicts a provider class names in its TypedProvider/HubProvider base."""
    for klass in provider.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            params = typing.get_args(base)
            if len(params) == 2 and isinstance(typing.get_origin(base), type) and issubclass(
                    typing.get_origin(base), TypedProvider):
                return _resolve(klass, params[0]), _resolve(klass, params[1])
    raise AssertionError(f"{provider.__name__} names no TypedDicts")


#: Which TypedDict each CRUD method's props parameters are (I: inputs, O: outputs), in order.
SIGNATURES = {"check": "II", "diff": "OI", "create": "I", "read": "O", "update": "OI", "delete": "O"}


@pytest.mark.parametrize(("resource", "args", "provider", "inputs", "outputs"), RESOURCES, ids=IDS)
def test_the_provider_methods_take_its_own_typed_dicts(resource: type[Resource], args: type[Any],
                                                       provider: type[Any], inputs: type[Any],
                                                       outputs: type[Any]) -> None:
    assert typed_params(provider) == (inputs, outputs)
    for name, expected in SIGNATURES.items():
        method = getattr(provider, name)
        if getattr(ResourceProvider, name) is method:
            continue  # not implemented: the SDK's default (SpaceFiles has no `check`)
        hints = typing.get_type_hints(method)
        params = [p for p in inspect.signature(method).parameters if p not in ("self", "_id", "id_")]
        assert [hints[p] for p in params] == [inputs if k == "I" else outputs for k in expected], name
