"""Readers of the keys that name Space secrets and variables: `extraSecrets`/`extraVariables` (valid, not
reserved, not managed, not clashing by case), the deploy token kept out of the app, nothing secret in a
public variable, and the variable that carries the CORS origins."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from components.config.choices import ALLOWED_ORIGINS
from components.config.reader import Reader, Values, whitespace_fix
from components.rules.names import is_env_name, reserved_env_name, secret_like_name
from components.rules.ownership import MARKER_VARIABLE
from components.rules.tokens import token_kind

if TYPE_CHECKING:
    from components.config.keys import Key


def _managed(r: Reader, kind: str) -> dict[str, str]:
    """Space name -> config key of the managed rows of `kind`."""
    return {row.name: row.key for row in r.table if row.kind == kind}


def json_map(r: Reader, key: str, *, secret: bool) -> dict[str, str]:
    """A map NAME -> value (`--path 'KEY.NAME'`), names valid environment names, values strings (numbers and
    booleans too for variables; secrets without surrounding whitespace)."""
    raw = r.optional(key)
    if raw is None:
        return {}
    how = f"pulumi config set {'--secret ' if secret else ''}--path '{key}.NAME' <value>"
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        r.fail(key, f"must be a map of NAME -> value; set entries with `{how}`")
        return {}
    result: dict[str, str] = {}
    for name, value in data.items():
        if not is_env_name(name):
            r.fail(key, f"{name!r} is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
        elif secret and not isinstance(value, str):
            r.fail(key, f"the value of {name} must be a string; set it with `{how}`")
        elif secret and value != value.strip():
            r.fail(key, f"the value of {name} {whitespace_fix(key, how, inside=False)}")
        elif secret or isinstance(value, str):
            result[name] = value
        elif isinstance(value, bool):
            result[name] = "true" if value else "false"
        elif isinstance(value, int | float):
            result[name] = str(value)
        else:
            r.fail(key, f"the value of {name} must be a string, number or boolean")
    return result


def extras(r: Reader, key: Key, v: Values) -> None:
    """`extraSecrets` and `extraVariables`, read together: each name checked against the other map, the
    managed names, the ownership marker and the names the runtime or the Hub set."""
    secrets = json_map(r, "extraSecrets", secret=True)
    variables = json_map(r, "extraVariables", secret=False)
    for name_key, names in (("extraSecrets", secrets), ("extraVariables", variables)):
        for name in sorted(names):
            who = reserved_env_name(name)
            if who:
                r.fail(name_key, f"{name} cannot be set by this stack: {who}, and a Space "
                       f"{'secret' if name_key == 'extraSecrets' else 'variable'} of that name would take it "
                       f"over in the app's environment; use another name and remove it with "
                       f"`pulumi config rm --path '{name_key}.{name}'`")
    case_clashes(r, secrets, variables)
    managed_secrets, managed_variables = _managed(r, "secret"), _managed(r, "variable")
    for name in sorted(secrets):
        if name == MARKER_VARIABLE:
            r.fail("extraSecrets", f"{name} is the ownership marker this project writes itself; use another name")
        elif name in managed_secrets:
            r.fail("extraSecrets", f"{name} is managed; set it with `{managed_secrets[name]}` instead")
        elif name in managed_variables or name in variables:
            r.fail("extraSecrets", f"{name} is also a Space variable; a name can be one or the other")
    for name in sorted(variables):
        if name in managed_secrets:
            r.fail("extraVariables", f"{name} is a Space secret; use `{managed_secrets[name]}`")
    v["extra_secrets"], v["extra_variables"] = secrets, variables


def case_clashes(r: Reader, secrets: Mapping[str, str], variables: Mapping[str, str]) -> None:
    """Refuse two Space setting names that differ only by case (`database_url` and DATABASE_URL): each
    becomes a resource named by the lower-cased name (so the engine would stop on a duplicate URN), and
    the app, reading one, would not see the other. Names each side by its config key."""
    owners: dict[str, list[tuple[str, str]]] = {}
    for row in r.table:
        owners.setdefault(row.name.lower(), []).append((row.name, f"`{row.key}`"))
    owners.setdefault(MARKER_VARIABLE.lower(), []).append((MARKER_VARIABLE, "the ownership marker"))
    for key, names in (("extraSecrets", secrets), ("extraVariables", variables)):
        for name in sorted(names):
            owners.setdefault(name.lower(), []).append((name, f"`{key}.{name}`"))
    for entries in owners.values():
        spellings = {name for name, _ in entries}
        if len(spellings) < 2:
            continue  # one spelling: an exact clash, reported by `extras` with its own fix
        extra = next(where for _, where in entries if where.startswith("`extra"))
        key = extra.strip("`").split(".", 1)[0]
        both = " and ".join(f"{name} ({where})" for name, where in entries)
        r.fail(key, f"{both} differ only by case: the app would see two settings where one was meant, and "
               f"the stack cannot hold both; keep one spelling (remove the other with "
               f"`pulumi config rm --path '{extra.strip('`')}'`)")


def deploy_token_shared(r: Reader, key: Key, v: Values) -> None:
    """`shareHfTokenWithApp`: refuse a Space secret holding the deploy token (`hfToken`/HF_TOKEN, a write
    token) unless the user opted in: anyone who gets the app to print its environment would hold write
    access to every repo of the account."""
    hf_token = v.get("hf_token")
    if not hf_token or r.boolean(key.name):
        return
    managed_secrets = _managed(r, "secret")
    secrets = {**{name: r.optional(k) or "" for name, k in managed_secrets.items()}, **v["extra_secrets"]}
    for name in sorted(n for n, value in secrets.items() if value == hf_token):
        where = managed_secrets.get(name, "extraSecrets")
        r.fail(where, f"{name} holds the deploy token (the write token of `hfToken`/HF_TOKEN): inside the app "
               "it lets anyone who makes the app print its environment take over every repo of the account. "
               "Give the app a read-only or fine-grained token of its own instead; to share the deploy "
               "token on purpose, `pulumi config set shareHfTokenWithApp true`")


def public_variables(r: Reader, key: Key, v: Values) -> None:
    """Refuse a Space variable that looks like a secret: variables and the README that lists them
    are public. Names ending in _KEY/_TOKEN/_SECRET/PASSWORD, or values in a token format (the
    managed variables' config values as set, the table's rows of kind variable)."""
    fix = "set it as a Space secret instead: `pulumi config set --secret --path 'extraSecrets.{name}' <value>`"
    for name, value in sorted(v["extra_variables"].items()):
        if name == MARKER_VARIABLE:
            r.fail("extraVariables", f"{name} is the ownership marker this project writes itself; remove it "
                   f"with `pulumi config rm --path 'extraVariables.{name}'`")
            continue
        suffix = secret_like_name(name)
        kind = token_kind(value)
        if suffix or kind:
            why = f"its name ends in {suffix}" if suffix else f"its value looks like a {kind}"
            r.fail("extraVariables", f"{name} looks like a secret ({why}), but Space variables and the "
                   f"README that lists them are public: {fix.format(name=name)} and remove it with "
                   f"`pulumi config rm --path 'extraVariables.{name}'`")
    for row in (row for row in r.table if row.kind == "variable"):
        kind = token_kind(r.optional(row.key) or "")
        if kind:
            r.fail(row.key, f"its value looks like a {kind}, but it becomes the public Space variable "
                   f"{row.name}: set the real value")


def cors_origins_variable(r: Reader, key: Key, v: Values) -> None:
    """`corsOriginsVariable`: an environment name that is not another managed setting or extraSecrets entry."""
    value = r.required(key.name) or ALLOWED_ORIGINS
    if not is_env_name(value):
        r.fail(key.name, f"{value!r} is not an environment variable name; set the one the app reads its CORS "
               "origins from, e.g. `pulumi config set corsOriginsVariable CORS_ORIGINS`")
    elif value != ALLOWED_ORIGINS and (value in _managed(r, "secret") or value in _managed(r, "variable")
                                       or value in v["extra_secrets"]):
        r.fail(key.name, f"{value} is already another managed setting or an extraSecrets entry; name the "
               "variable the app reads its CORS origins from")
    v[key.field] = value
