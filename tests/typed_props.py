"""The props TypedDicts of each dynamic resource type, and a check of a stack's state against them."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any, NotRequired

from components import frontend_patch_provider, health, space, space_config, space_files

#: Dynamic type token suffix -> (Inputs, Outputs) TypedDicts.
TYPES: dict[str, tuple[type[Any], type[Any]]] = {
    "hf:Space": (space.SpaceInputs, space.SpaceOutputs),
    "hf:SpaceSecret": (space_config.SpaceSettingProps, space_config.SpaceSettingProps),
    "hf:SpaceVariable": (space_config.SpaceSettingProps, space_config.SpaceSettingProps),
    "hf:SpaceFiles": (space_files.SpaceFilesInputs, space_files.SpaceFilesOutputs),
    "hf:SpaceHealth": (health.SpaceHealthInputs, health.SpaceHealthOutputs),
    "hf:FrontendClientPatch": (frontend_patch_provider.FrontendClientPatchInputs,
                               frontend_patch_provider.FrontendClientPatchOutputs),
}
ENGINE_KEYS = {"__provider"}


def keys(typed_dict: type[Any]) -> set[str]:
    """All keys of a TypedDict, required or not."""
    return set(typing.get_type_hints(typed_dict))


def required_keys(typed_dict: type[Any]) -> set[str]:
    """The keys not marked NotRequired (read from the hints: with `from __future__ import annotations`,
    Python 3.11's `__required_keys__` counts every key as required)."""
    hints = typing.get_type_hints(typed_dict, include_extras=True)
    return {key for key, hint in hints.items() if typing.get_origin(hint) is not NotRequired}


def mismatch(typed_dict: type[Any], props: Mapping[str, Any]) -> str:
    """How `props`' keys break `typed_dict` (a key it lacks `+key`, a required key missing `-key`); '' if none.
    None values count as absent: the SDK drops None-valued props on the way to the engine."""
    have = {k for k, v in props.items() if v is not None} - ENGINE_KEYS
    extra = sorted(f"+{k}" for k in have - keys(typed_dict))
    missing = sorted(f"-{k}" for k in required_keys(typed_dict) - have)
    return " ".join(extra + missing)


def state_mismatches(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """For each dynamic resource of a `pulumi stack export`: how its state's `inputs` and `outputs` break
    its TypedDicts (`mismatch`); empty when they match."""
    found = []
    for resource in resources:
        kind = str(resource["type"]).rsplit("/", 1)[-1]
        if kind not in TYPES:
            continue
        for part, typed in zip(("inputs", "outputs"), TYPES[kind], strict=True):
            problem = mismatch(typed, resource.get(part) or {})
            if problem:
                found.append(f"{resource['urn'].rsplit('::', 1)[-1]} {part}: {problem}")
    return found


def dynamic_types(resources: Iterable[Mapping[str, Any]]) -> set[str]:
    """The dynamic resource kinds (`hf:Space`, ...) present in a state."""
    return {str(r["type"]).rsplit("/", 1)[-1] for r in resources} & set(TYPES)
