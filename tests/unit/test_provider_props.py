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
from tests.typed_props import keys, mismatch, required_keys
from tests.unit.test_frontend_patch import RUNBOOK_CLIENT, esbuild, needs_esbuild  # noqa: F401 (fixture)

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
    declared = {name for klass in resource.__mro__ if issubclass(klass, Resource) and klass is not Resource
                for name in inspect.get_annotations(klass)} - {"_resource_type_name"}  # shared bases too
    assert declared == keys(outputs)
    assert {f.name for f in fields(args)} <= keys(inputs)
    assert keys(inputs) - keys(outputs) <= {"planned"}  # only what `check` adds for preview's sake


def _args(args_type: type[Any], minimal: bool) -> Any:
    """Args with a plain value for every field (Resource constructors only pass them on); `minimal`: None
    for every field whose default is None."""
    values: dict[str, Any] = {"manifest": {}, "blob_dir": ".hf-rag-space/test/blobs", "timeout_seconds": 1,
                              "private": False, "optional": False}
    return args_type(**{f.name: None if minimal and f.default is None else values.get(f.name, f"<{f.name}>")
                        for f in fields(args_type)})


@pytest.mark.parametrize("minimal", [False, True], ids=["every-arg", "none-for-optional-args"])
@pytest.mark.parametrize(("resource", "args", "provider", "inputs", "outputs"), RESOURCES, ids=IDS)
def test_the_resource_sends_exactly_its_inputs(monkeypatch: pytest.MonkeyPatch, resource: type[Resource],
                                               args: type[Any], provider: type[Any], inputs: type[Any],
                                               outputs: type[Any], minimal: bool) -> None:
    """What reaches the provider: the props the Resource passes but the None ones (the SDK drops them)."""
    sent: dict[str, Any] = {}

    def record(self: Resource, provider_: ResourceProvider, name: str, props: dict[str, Any],
               opts: pulumi.ResourceOptions | None = None) -> None:
        assert isinstance(provider_, provider)
        sent.update(props)

    monkeypatch.setattr(Resource, "__init__", record)
    monkeypatch.setattr(pulumi.log, "info", lambda *a, **k: None)
    make: Any = resource  # each subclass takes (name, args)
    make("r", _args(args, minimal))
    assert set(sent) == keys(outputs)  # every output seeded: each is an attribute of the resource
    assert mismatch(inputs, sent) == ""
    if not minimal:
        assert {k for k, v in sent.items() if v is not None} == keys(inputs) - {"planned"}  # `check` adds it


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


@needs_esbuild
@pytest.mark.parametrize("here", [True, False], ids=["patched", "optional-and-not-here"])
def test_frontend_patch_create_and_read_return_the_outputs_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                here: bool) -> None:
    monkeypatch.setattr(pulumi.log, "info", lambda *a, **k: None)
    if here:
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "api.ts").write_text(RUNBOOK_CLIENT)
    sent = {"dir": str(tmp_path), "client_file": "src/api.ts", "dev_url": "http://localhost:8000",
            "space_url": "https://alice-rag.hf.space", "optional": not here, "path": None, "original": None,
            "managed": None, "line": None, "content_sha256": None}
    typed_inputs = frontend_patch_provider.FrontendClientPatchInputs
    typed_outputs = frontend_patch_provider.FrontendClientPatchOutputs
    sent = {k: v for k, v in sent.items() if v is not None}  # as the SDK sends them
    assert mismatch(typed_inputs, sent) == ""
    provider: ResourceProvider = frontend_patch_provider.FrontendClientPatchProvider()
    check = provider.check({}, {**sent, "__provider": "p"})
    assert check.failures == [] and mismatch(typed_inputs, check.inputs) == "" and "planned" in check.inputs
    result = provider.create(check.inputs)
    assert result.outs is not None and mismatch(typed_outputs, result.outs) == ""
    assert set(result.outs) <= keys(typed_outputs)
    assert {k for k, v in result.outs.items() if v is not None} == (
        keys(typed_outputs) if here else required_keys(typed_outputs))
    read = provider.read(result.id, {**result.outs, "__provider": "p"})
    assert read.outs is not None and mismatch(typed_outputs, read.outs) == ""
