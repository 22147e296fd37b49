"""Pulumi property values on the wire: secrets, unknowns, assets, and the structural diff of inputs.

The engine sends properties as `google.protobuf.Struct`; special values are objects tagged with the
signature key (`sdk/go/common/resource/properties.go`). With `acceptSecrets`, secret values arrive
wrapped as `{SIG: SECRET_SIG, "value": v}`; computed values during preview are the UNKNOWN string.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def from_struct(message: struct_pb2.Struct | None) -> dict[str, Any]:
    """A Struct as plain Python values (numbers become floats, as on the wire)."""
    if message is None:
        return {}
    result: dict[str, Any] = json_format.MessageToDict(message)
    return result


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """Plain Python values as a Struct."""
    message = struct_pb2.Struct()
    message.update(values)
    return message


def is_secret(value: Any) -> bool:
    """Whether `value` is a secret wrapper."""
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def secret(value: Any) -> Any:
    """Wrap `value` as a secret (idempotent)."""
    return value if is_secret(value) else {SIG_KEY: SECRET_SIG, "value": value}


def unwrap(value: Any) -> Any:
    """`value` with every secret wrapper removed, deeply."""
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    """Whether a secret wrapper occurs anywhere in `value`."""
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def contains_unknown(value: Any) -> bool:
    """Whether a computed (unknown) value occurs anywhere in `value`."""
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def _join(path: str, key: str | int) -> str:
    """A detailed-diff property path, in the engine's syntax (`a.b`, `a[0]`, `a["x.y"]`)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    simple = key.replace("_", "").isalnum() and not key[:1].isdigit()
    if not path:
        return key if simple else f'["{key}"]'
    return f"{path}.{key}" if simple else f'{path}["{key}"]'


def object_diff(old: Any, new: Any, path: str = "") -> dict[str, str]:
    """Changed paths between `old` and `new` as {path: "ADD"|"DELETE"|"UPDATE"}.

    Like `resource.PropertyMap.Diff` + `plugin.NewDetailedDiffFromObjectDiff`: objects and arrays are
    descended into, `None` counts as absent, secretness alone is not a change, and an unknown new value
    is an update. Assets/archives are compared whole.
    """
    old, new = unwrap(old), unwrap(new)
    if old == new:
        return {}
    if old is None:
        return {path: "ADD"}
    if new is None:
        return {path: "DELETE"}
    special = (isinstance(old, dict) and SIG_KEY in old) or (isinstance(new, dict) and SIG_KEY in new)
    if isinstance(old, dict) and isinstance(new, dict) and not special:
        diffs: dict[str, str] = {}
        for key in sorted(set(old) | set(new)):
            diffs.update(object_diff(old.get(key), new.get(key), _join(path, key)))
        return diffs
    if isinstance(old, list) and isinstance(new, list):
        diffs = {}
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else None
            after = new[index] if index < len(new) else None
            if index >= len(old):
                diffs[_join(path, index)] = "ADD"
            elif index >= len(new):
                diffs[_join(path, index)] = "DELETE"
            else:
                diffs.update(object_diff(before, after, _join(path, index)))
        return diffs
    return {path: "UPDATE"}
