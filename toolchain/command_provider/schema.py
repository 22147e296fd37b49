"""The input properties of `command:local:Command` / `command:local:run`, and a Pulumi package schema.

The schema covers only what this implementation serves (the `local` module); it is what
`GetSchema` returns, for tools that ask (YAML programs, `pulumi package get-schema`). Python programs
use the generated `pulumi_command` SDK and never ask for it.
"""

from __future__ import annotations

import json
from typing import Any

from . import VERSION

COMMAND_TOKEN = "command:local:Command"
RUN_TOKEN = "command:local:run"
LOGGING_TOKEN = "command:local:Logging"

_STRING: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

# Inputs shared by the resource and the invoke (`BaseInputs` + `logging`), wire name -> schema type.
BASE_INPUTS: dict[str, dict[str, Any]] = {
    "addPreviousOutputInEnv": {"type": "boolean", "default": True},
    "archivePaths": _STRINGS,
    "assetPaths": _STRINGS,
    "dir": _STRING,
    "environment": {"type": "object", "additionalProperties": {"type": "string"}},
    "interpreter": _STRINGS,
    "logging": {"$ref": f"#/types/{LOGGING_TOKEN}"},
    "stdin": _STRING,
}
COMMAND_INPUTS: dict[str, dict[str, Any]] = {
    **BASE_INPUTS,
    "create": _STRING,
    "delete": _STRING,
    "triggers": {"type": "array", "items": {"$ref": "pulumi.json#/Any"}, "replaceOnChanges": True},
    "update": _STRING,
}
RUN_INPUTS: dict[str, dict[str, Any]] = {**BASE_INPUTS, "command": _STRING}
BASE_OUTPUTS: dict[str, dict[str, Any]] = {
    "archive": {"$ref": "pulumi.json#/Archive"},
    "assets": {"type": "object", "additionalProperties": {"$ref": "pulumi.json#/AssetOrArchive"}},
    "stderr": _STRING,
    "stdout": _STRING,
}


def schema_json() -> str:
    """The package schema, as JSON text."""
    logging_values = [{"name": v, "value": v} for v in ("stdout", "stderr", "stdoutAndStderr", "none")]
    package = {
        "name": "command",
        "version": VERSION,
        "displayName": "Command",
        "description": "Project-owned implementation of pulumi-command's local Command and run.",
        "config": {},
        "provider": {},
        "types": {LOGGING_TOKEN: {"type": "string", "enum": logging_values}},
        "resources": {
            COMMAND_TOKEN: {
                "description": "A local command to be executed.",
                "inputProperties": COMMAND_INPUTS,
                "properties": {**COMMAND_INPUTS, **BASE_OUTPUTS},
                "required": ["stderr", "stdout"],
            },
        },
        "functions": {
            RUN_TOKEN: {
                "inputs": {"type": "object", "properties": RUN_INPUTS, "required": ["command"]},
                "outputs": {"type": "object", "properties": {**RUN_INPUTS, **BASE_OUTPUTS},
                            "required": ["command", "stderr", "stdout"]},
            },
        },
    }
    return json.dumps(package, sort_keys=True)
