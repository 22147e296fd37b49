"""The entry points: `load_settings` (the stack's config through ``pulumi.Config()``) and `from_config` (raw
config strings): every problem collected and raised together as one ``ConfigError``.

Defaults are Pulumi.yaml's (generated from components/config/keys.py; the CLI merges them before the
program runs), so a missing defaulted key is an error and only optional keys may be absent.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import fields
from pathlib import Path

from components.config.keys import CONFIG_KEYS, KEYS, SECRET_KEYS
from components.config.managed import MANAGED
from components.config.model import Settings
from components.config.reader import Reader, Values
from components.errors import ConfigError

log = logging.getLogger(__name__)


def unknown_key_problem(key: str) -> str:
    """Why `key` (set in this project's namespace) is refused, with the closest known key if any."""
    by_lower = {k.lower(): k for k in CONFIG_KEYS}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f"did you mean `{by_lower[close[0]]}`? " if close else "the settings are listed in Pulumi.yaml; "
    return (f"is not a setting of this project ({hint}remove it with `pulumi config rm {key}`"
            + (f" and set `{by_lower[close[0]]}` instead)" if close else ")"))


def from_config(
    cfg: Mapping[str, str | None],
    env: Mapping[str, str],
    project_dir: Path,
    encrypted: Collection[str] | None = None,
    namespace_keys: Collection[str] | None = None,
    plaintext_entries: Collection[str] | None = None,
) -> Settings:
    """Build settings from raw Pulumi config strings; raise one ConfigError listing every problem.

    Args:
        cfg: config key -> raw value as Pulumi gives it ("true"/"false", integers as
            strings, maps as JSON); None or absent when not set.
        env: environment, for the ``HF_TOKEN`` fallback.
        project_dir: directory of Pulumi.yaml; relative directories are resolved from it.
        encrypted: the keys stored encrypted (`pulumi config set --secret`); when given, a key
            of SECRET_KEYS set in plaintext is an error. Pulumi.yaml cannot say "optional but
            secret" (a declared key without default is required, a secret one may not have a
            default), so the secret keys are left out of its schema and enforced here.
        namespace_keys: every key set in this project's config namespace; when given, a key
            that is not in CONFIG_KEYS (a typo such as `spacename`) is an error with the
            closest known key as a suggestion.
        plaintext_entries: names of `extraSecrets` entries the stack file stores in plaintext
            (`plaintext_map_entries`): the engine calls a map secret when any entry is, so a
            plain entry beside encrypted ones is seen only there.
    """
    reader = Reader(cfg, env, project_dir, MANAGED)
    for key in sorted(set(namespace_keys or ()) - set(CONFIG_KEYS)):
        reader.fail(key, unknown_key_problem(key))
    stored_in_plaintext(reader, encrypted, plaintext_entries)
    return read_settings(reader)


def stored_in_plaintext(reader: Reader, encrypted: Collection[str] | None,
                        plaintext_entries: Collection[str] | None) -> None:
    """Refuse a secret key, or an `extraSecrets` entry, that the stack stores in plaintext."""
    plain_entries = set(plaintext_entries or ())
    if encrypted is not None:
        for key in SECRET_KEYS:
            if key == "extraSecrets" and reader.cfg.get(key) and key not in encrypted:
                plain_entries |= set(_json_keys(reader.cfg.get(key)))  # the whole map is plaintext: every entry
            elif reader.cfg.get(key) and key not in encrypted:
                reader.fail(key, f"is stored in plaintext in the stack file: re-set it encrypted with "
                            f"`pulumi config set --secret {key} <value>`")
    for name in sorted(plain_entries):
        reader.fail("extraSecrets", f"entry {name} is stored in plaintext in the stack file (set without "
                    f"`--secret`): re-set it encrypted with `pulumi config set --secret --path "
                    f"'extraSecrets.{name}' <value>`")


def read_settings(reader: Reader) -> Settings:
    """Run every key's reader in declaration order; the Settings, or one ConfigError with every problem."""
    values: Values = {}
    for key in KEYS:
        if key.read is not None:
            key.read(reader, key, values)
        if key.after is not None:
            key.after(reader, key, values)
    if reader.errors:
        raise ConfigError.combine(reader.errors)
    # Every value was checked above: a required field left None would be a reader's bug.
    unset = [f.name for f in fields(Settings) if values.get(f.name, "") is None and "None" not in str(f.type)]
    if unset:
        raise AssertionError(f"settings read without an error but unset: {unset}")
    known = {f.name for f in fields(Settings)}
    settings = Settings(**{name: value for name, value in values.items() if name in known})
    log.debug("settings read for Space %s", settings.space_id)
    return settings


def load_settings(project_dir: Path | None = None) -> Settings:
    """Read the stack's config through ``pulumi.Config()`` and validate it."""
    import pulumi
    from pulumi.runtime.config import is_config_secret

    config = pulumi.Config()
    raw = {key: config.get(key) for key in CONFIG_KEYS}
    encrypted = {key for key in SECRET_KEYS if is_config_secret(f"{config.name}:{key}")}
    root = project_dir or Path(pulumi.get_root_directory() or os.getcwd())
    plain = plaintext_map_entries(root, pulumi.get_stack(), f"{config.name}:extraSecrets")
    return from_config(raw, os.environ, root, encrypted, namespace_keys(config.name), plain)


def plaintext_map_entries(project_dir: Path, stack: str, key: str) -> list[str]:
    """The entries of map `key` that the stack file (`Pulumi.<stack>.yaml`, ownership.stack_file) stores in
    plaintext, i.e. not as `{secure: ...}`. Empty when the file or the key is not there (config from
    elsewhere: the engine's whole-key check still applies)."""
    import yaml

    from components.rules.ownership import stack_file

    try:
        document = yaml.safe_load(stack_file(project_dir, stack).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return []
    value = (document.get("config") or {}).get(key) if isinstance(document, dict) else None
    if not isinstance(value, dict):
        return []
    return sorted(str(name) for name, entry in value.items() if not (isinstance(entry, dict) and "secure" in entry))


def _json_keys(raw: str | None) -> list[str]:
    """The keys of a JSON object text, or none."""
    try:
        data = json.loads(raw or "")
    except ValueError:
        return []
    return [str(k) for k in data] if isinstance(data, dict) else []


def namespace_keys(namespace: str) -> set[str]:
    """Every key set in `namespace` (stack file or Pulumi.yaml), as the runtime hands them to the program."""
    from pulumi.runtime.config import CONFIG, get_config_env

    prefix = f"{namespace}:"
    return {k[len(prefix):] for k in (*CONFIG.get(), *get_config_env()) if k.startswith(prefix)}
