"""Stack settings: every config key of Pulumi.yaml, typed and validated in one place.

Defaults live only in Pulumi.yaml (the CLI merges them before the program runs), so
``Settings.from_config`` treats a missing defaulted key as an error and only optional keys
may be absent. All problems are collected and raised together as one ``ConfigError``.
Secret values stay plain ``str`` here (the caller wraps them in ``Output.secret``) but never
appear in ``repr`` or in error messages.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Literal, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

from components import managed
from components.errors import ConfigError

T = TypeVar("T")

#: Every key of the Pulumi.yaml config schema, in schema order.
CONFIG_KEYS = (
    "hfOwner",
    "spaceName",
    "private",
    "hardware",
    "sleepTime",
    "hubEndpoint",
    "hfToken",
    "backendDir",
    "frontendUrl",
    "frontendDir",
    "frontendClientFile",
    "frontendDevUrl",
    "frontendGitPush",
    "frontendOptional",
    *(row.key for row in managed.MANAGED),  # geminiApiKey ... allowedOrigins (components/managed.py)
    "extraSecrets",
    "extraVariables",
    "shareHfTokenWithApp",
    "healthCheck",
    "healthPath",
    "healthTimeoutSeconds",
    "healthRequire",
    "rollback",
    "adoptSpace",
    "allowSecretsIn",
    "maxFileSizeMB",
    "appModule",
    "include",
    "exclude",
    "systemPackages",
    "corsCheckPath",
    "spaceTitle",
    "spaceEmoji",
    "spaceDescription",
    "appPort",
    "dockerfile",
    "corsOriginsVariable",
)

#: Keys whose values are secrets (never printed).
SECRET_KEYS = ("hfToken", *(row.key for row in managed.rows("secret")), "extraSecrets")

#: Space secret name -> config key, for the secrets this project manages (components/managed.py).
MANAGED_SECRETS = {row.name: row.key for row in managed.rows("secret")}

#: Space variable name -> config key, for the variables this project manages (components/managed.py).
MANAGED_VARIABLES = {row.name: row.key for row in managed.rows("variable")}

#: Hardware flavors of huggingface_hub 2.4.0 ``SpaceHardware`` (a unit test keeps them in sync).
HARDWARE_FLAVORS = (
    "cpu-basic",
    "cpu-upgrade",
    "zero-a10g",
    "t4-small",
    "t4-medium",
    "l4x1",
    "l4x4",
    "l40sx1",
    "l40sx4",
    "l40sx8",
    "a10g-small",
    "a10g-large",
    "a10g-largex2",
    "a10g-largex4",
    "a100-large",
    "a100x4",
    "a100x8",
    "rtx-pro-6000",
    "rtx-pro-6000x2",
    "rtx-pro-6000x4",
    "rtx-pro-6000x8",
)

#: The Space variable that marks a Space as managed by one stack; its value is `<project>/<stack>`.
#: Not a secret (it names the stack, nothing more) and visible on the Space's settings page.
MARKER_VARIABLE = "MANAGED_BY_PULUMI_STACK"

#: The Hub's limit on a Space card's ``short_description`` (config ``spaceDescription``).
SPACE_DESCRIPTION_MAX = 60

#: Names the app's runtime depends on: a Space secret or variable of that name would take over the dynamic
#: loader (LD_*), Python's import path (PYTHON*), the search path for programs, the home folder, or the port
#: the app must listen on (the Docker Spaces runtime sets PORT; hub-docs `spaces-sdks-docker.md`).
RUNTIME_ENV_NAMES = ("PATH", "HOME", "PORT", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONPATH",
                     "PYTHONHOME")
#: Names the Hub itself sets in every Space's environment: hub-docs `spaces-overview.md`, "Helper environment
#: variables" (CPU_CORES, MEMORY, SPACE_AUTHOR_NAME, SPACE_REPO_NAME, SPACE_TITLE, SPACE_ID, SPACE_HOST,
#: SPACE_CREATOR_USER_ID), and with "Sign-in with HF" (`hf_oauth: true`) `spaces-oauth.md`: OAUTH_CLIENT_ID,
#: OAUTH_CLIENT_SECRET, OAUTH_SCOPES, OPENID_PROVIDER_URL (every OAUTH_* name is kept for the Hub).
HUB_ENV_NAMES = ("SPACE_ID", "SPACE_HOST", "SPACE_AUTHOR_NAME", "SPACE_REPO_NAME", "SPACE_TITLE",
                 "SPACE_CREATOR_USER_ID", "CPU_CORES", "MEMORY", "OPENID_PROVIDER_URL")
HUB_ENV_PREFIXES = ("OAUTH_",)

#: Space variables whose name ends like this hold secrets (variables are public): extraSecrets.
SECRET_NAME_SUFFIXES = ("_KEY", "_TOKEN", "_SECRET", "PASSWORD")

#: Well-known credential formats (kind, pattern): a variable value matching one is refused.
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}"),
        ("OpenAI-style key", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
        ("Stripe key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("JSON Web Token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"),
        ("private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("password in a URL", r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    )
)

#: Largest backend file by default, in MB (Pulumi.yaml's `maxFileSizeMB` default; a unit test keeps them equal).
#: The Hub takes large and binary files (LFS/Xet), but the program reads each file whole (manifest, secret
#: scan, staging) and a Space repo is meant to hold an app, not data (about 1 GB per Space), so a file over
#: half a GB is almost surely a mistake.
MAX_FILE_MB = 512
#: Upper bound of ``maxFileSizeMB``: the Hub stores files up to 50 GB through LFS/Xet, but the program reads
#: each file whole (hashing, secret scan, staging), so a bound far above a Space app's needs is refused.
MAX_FILE_MB_CEILING = 5000

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HEALTH_REQUIRE = ("healthy", "reachable")
#: Config ``dockerfile``: the backend's own Dockerfile when it has one, only its own, or always the generated one.
DOCKERFILE_MODES = ("auto", "own", "generated")
#: The Space variable the CORS origins are written to unless ``corsOriginsVariable`` names the app's own.
ALLOWED_ORIGINS = "ALLOWED_ORIGINS"

_HUB_NAME = re.compile(r"[A-Za-z0-9_.-]{1,96}")
#: A Space secret or variable name: it becomes an environment variable of the app (`is_env_name`).
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_APP_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")
_GLOB = re.compile(r"[^\s\\](.*\S)?")
_DEBIAN_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?")
_SSL_MODES = ("require", "verify-ca", "verify-full")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_TOKEN_HINT = "set it with `pulumi config set --secret hfToken hf_...` or export HF_TOKEN"


def is_env_name(name: str) -> bool:
    """True when `name` is a valid Space secret or variable name (the whole string matches ENV_NAME)."""
    return ENV_NAME.fullmatch(name) is not None


def reserved_env_name(name: str) -> str | None:
    """Who sets `name` in the app's environment when a Space secret or variable must not (RUNTIME_ENV_NAMES,
    HUB_ENV_NAMES, HUB_ENV_PREFIXES), or None for a name that is the user's to choose."""
    if name in RUNTIME_ENV_NAMES:
        return "the app's runtime depends on it (the container and Python set it)"
    if name in HUB_ENV_NAMES or name.startswith(HUB_ENV_PREFIXES):
        return "the Hub sets it in every Space (its helper and OAuth variables)"
    return None


def space_id_of(owner: str, name: str) -> str:
    """The Space's repo id, ``owner/name``: the one formula (settings, the Space resource, its provider)."""
    return f"{owner}/{name}"


def resolve_token(config_value: str | None, env: Mapping[str, str]) -> str:
    """The Hub token: stack config `hfToken` (secret) first, then the HF_TOKEN environment variable.

    The one rule for the program (settings) and every provider: a missing token, or one with whitespace
    (a pasted space or newline), raises a ConfigError naming `hfToken` and HF_TOKEN; never stripped.
    """
    value, source = config_value or None, "hfToken"
    if value is None:
        value, source = env.get("HF_TOKEN") or None, "HF_TOKEN"
    if value is None:
        raise ConfigError("hfToken", f"no Hugging Face token; {_TOKEN_HINT}")
    if _has_whitespace(value):
        where = "the HF_TOKEN environment variable" if source == "HF_TOKEN" else "the value"
        raise ConfigError("hfToken", f"{where} contains whitespace (a space, tab or pasted newline); "
                          f"{_TOKEN_HINT} without it")
    return value


def hub_name_problem(value: str) -> str | None:
    """Return why ``value`` is not a valid Hub user, org or repo name, or None when it is.

    Rules (huggingface_hub ``validate_repo_id`` and the Hub server): 1-96 ASCII characters from
    ``[A-Za-z0-9_.-]``; no leading or trailing ``-`` or ``.``; no ``--`` or ``..``; no ``.git`` suffix.
    """
    if not _HUB_NAME.fullmatch(value):
        return "must be 1-96 characters from letters, digits, '-', '_' and '.'"
    if value[0] in "-." or value[-1] in "-.":
        return "must not start or end with '-' or '.'"
    if "--" in value or ".." in value:
        return "must not contain '--' or '..'"
    if value.endswith(".git"):
        return "must not end with '.git'"
    return None


def may_carry_token(url: str) -> bool:
    """True when a bearer token may be sent to ``url``: https, or plain http to a loopback host only."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme == "https" or (scheme == "http" and is_loopback(parts.hostname))


def is_loopback(host: str | None) -> bool:
    """True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_kind(value: str) -> str | None:
    """The kind of credential `value` holds (a well-known token format), or None."""
    return next((kind for kind, pattern in TOKEN_FORMATS if pattern.search(value)), None)


def secret_like_name(name: str) -> str | None:
    """The suffix that makes a variable name look like a secret's (`_KEY`, `_TOKEN`, ...), or None."""
    return next((s for s in SECRET_NAME_SUFFIXES if name.upper().endswith(s)), None)


def unknown_key_problem(key: str) -> str:
    """Why `key` (set in this project's namespace) is refused, with the closest known key if any."""
    by_lower = {k.lower(): k for k in CONFIG_KEYS}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f"did you mean `{by_lower[close[0]]}`? " if close else "the settings are listed in Pulumi.yaml; "
    return (f"is not a setting of this project ({hint}remove it with `pulumi config rm {key}`"
            + (f" and set `{by_lower[close[0]]}` instead)" if close else ")"))


def redact_url(value: str) -> str:
    """`value` with any credentials (everything between `scheme://` and the last `@`) shown as `***`."""
    if "@" not in value:
        return value
    scheme, sep, rest = value.partition("://")
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}" if sep else f"***@{value.rsplit('@', 1)[1]}"


def origin_of(url: str) -> str | None:
    """Return the ``scheme://host[:port]`` origin of an http(s) URL, or None if it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Validated stack settings; field names are the snake_case of the config keys."""

    hf_owner: str
    """User or organisation that owns the Space."""
    space_name: str
    """Space name (Hub rules)."""
    private: bool
    hardware: str
    sleep_time: int
    hub_endpoint: str
    """Hub API endpoint, without a trailing slash."""
    hf_token: str = field(repr=False)
    """Write token (from ``hfToken`` or ``HF_TOKEN``)."""
    backend_dir: str
    """``backendDir`` as configured."""
    backend_path: Path
    """``backendDir`` resolved to an absolute path."""
    frontend_url: str | None
    frontend_dir: str | None
    """``frontendDir`` as configured; None leaves the frontend alone."""
    frontend_path: Path | None
    """``frontendDir`` resolved to an absolute path."""
    frontend_client_file: str
    frontend_dev_url: str
    frontend_git_push: bool
    frontend_optional: bool = False
    """``frontendOptional``: a machine without ``frontendDir`` deploys the Space and skips the patch."""
    gemini_api_key: str | None = field(repr=False)
    qdrant_url: str | None = field(repr=False)
    qdrant_api_key: str | None = field(repr=False)
    database_url: str | None = field(repr=False)
    qdrant_collection: str
    log_level: str
    """Upper-case log level."""
    allowed_origins: tuple[str, ...]
    """Extra CORS origins (``allowedOrigins``), without the frontend origin."""
    extra_secrets: dict[str, str] = field(repr=False)
    extra_variables: dict[str, str]
    health_check: bool
    health_path: str
    health_timeout_seconds: int
    health_require: Literal["healthy", "reachable"]
    rollback: bool = True
    """``rollback``: a files revision that fails to build, start or pass the health check is replaced by the
    last healthy revision's files (needs ``healthCheck``; components/rollback.py)."""
    adopt_space: str | None = None
    """``adoptSpace``: the ``owner/name`` of an existing Space this stack may take over, or None."""
    allow_secrets_in: tuple[str, ...] = ()
    """Backend files (Space paths) whose secret-scanner findings are known false positives."""
    max_file_mb: int = MAX_FILE_MB
    """``maxFileSizeMB``: the largest backend file, in MB."""
    app_module: str | None = None
    """``appModule`` (``module:attribute``); None detects the entry point (components/layout.py)."""
    include: tuple[str, ...] = ()
    """Globs (gitignore syntax) of backend files to upload even though .gitignore/.dockerignore ignore them."""
    exclude: tuple[str, ...] = ()
    """Globs (gitignore syntax) of backend files never to upload."""
    system_packages: tuple[str, ...] = ()
    """Extra Debian packages for the generated Dockerfile."""
    cors_check_path: str | None = None
    """Path the CORS preflight probes; None: the app's first POST route (else healthPath)."""
    space_title: str
    """Space card title (``spaceTitle``); "" shows the Space name."""
    space_emoji: str
    """Space card emoji (``spaceEmoji``): one emoji."""
    space_description: str
    """Space card ``short_description`` (``spaceDescription``), at most 60 characters."""
    app_port: int | None = None
    """``appPort``: the port the app listens on (the card's ``app_port``); None reads it from the Dockerfile."""
    dockerfile: str = "auto"
    """``dockerfile``: ``auto``, ``own`` or ``generated`` (DOCKERFILE_MODES)."""
    cors_origins_variable: str = ALLOWED_ORIGINS
    """``corsOriginsVariable``: the Space variable that carries the CORS origins (the one the app reads)."""

    @property
    def card_title(self) -> str:
        """The Space card's title: ``spaceTitle``, else the Space name."""
        return self.space_title or self.space_name

    @property
    def space_id(self) -> str:
        """The Space's repo id, ``owner/name``."""
        return space_id_of(self.hf_owner, self.space_name)

    @property
    def frontend_origin(self) -> str | None:
        """Origin of ``frontendUrl``, or None when it is not set."""
        return origin_of(self.frontend_url) if self.frontend_url else None

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """The frontend origin merged with ``allowedOrigins``, de-duplicated, in order."""
        merged = [self.frontend_origin, *self.allowed_origins]
        return tuple(dict.fromkeys(o for o in merged if o))

    @property
    def allowed_origins_variable(self) -> str | None:
        """The ALLOWED_ORIGINS Space variable: ``cors_origins`` comma-joined; None when there is no origin."""
        return ",".join(self.cors_origins) or None

    def managed_values(self, kind: managed.Kind) -> dict[str, str]:
        """Space name -> value of the table's rows of `kind` that are set (components/managed.py)."""
        values = {row.name: getattr(self, row.attribute) for row in managed.rows(kind)}
        return {name: value for name, value in values.items() if value is not None}

    @property
    def secrets(self) -> dict[str, str]:
        """Space secrets: the managed ones that are set, plus ``extraSecrets`` (sorted by name)."""
        return dict(sorted((self.managed_values("secret") | self.extra_secrets).items()))

    @property
    def variables(self) -> dict[str, str]:
        """Space variables: the managed ones (QDRANT_COLLECTION, LOG_LEVEL, ALLOWED_ORIGINS), then ``extraVariables``.

        ALLOWED_ORIGINS is left out when there is no origin at all, and written under the name
        ``corsOriginsVariable`` gives; ``extraVariables`` wins on a clash (a test uses that to force a
        broken CORS setting).
        """
        managed_variables = self.managed_values("variable")
        if ALLOWED_ORIGINS in managed_variables and self.cors_origins_variable != ALLOWED_ORIGINS:
            managed_variables[self.cors_origins_variable] = managed_variables.pop(ALLOWED_ORIGINS)
        return dict(sorted((managed_variables | self.extra_variables).items()))

    @property
    def secret_values(self) -> tuple[str, ...]:
        """Every secret value (token included), e.g. to make sure none is bundled."""
        return tuple(sorted({self.hf_token, *self.secrets.values()}))

    @classmethod
    def from_config(
        cls,
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
        reader = _Reader(cfg, env, project_dir)
        for key in sorted(set(namespace_keys or ()) - set(CONFIG_KEYS)):
            reader.fail(key, unknown_key_problem(key))
        plain_entries = set(plaintext_entries or ())
        if encrypted is not None:
            for key in SECRET_KEYS:
                if key == "extraSecrets" and cfg.get(key) and key not in encrypted:
                    plain_entries |= set(_json_keys(cfg.get(key)))  # the whole map is plaintext: every entry
                elif cfg.get(key) and key not in encrypted:
                    reader.fail(key, f"is stored in plaintext in the stack file: re-set it encrypted with "
                                f"`pulumi config set --secret {key} <value>`")
        for name in sorted(plain_entries):
            reader.fail("extraSecrets", f"entry {name} is stored in plaintext in the stack file (set without "
                        f"`--secret`): re-set it encrypted with `pulumi config set --secret --path "
                        f"'extraSecrets.{name}' <value>`")
        return reader.settings()


def load_settings(project_dir: Path | None = None) -> Settings:
    """Read the stack's config through ``pulumi.Config()`` and validate it."""
    import pulumi
    from pulumi.runtime.config import is_config_secret

    config = pulumi.Config()
    raw = {key: config.get(key) for key in CONFIG_KEYS}
    encrypted = {key for key in SECRET_KEYS if is_config_secret(f"{config.name}:{key}")}
    root = project_dir or Path(pulumi.get_root_directory() or os.getcwd())
    plain = plaintext_map_entries(root, pulumi.get_stack(), f"{config.name}:extraSecrets")
    return Settings.from_config(raw, os.environ, root, encrypted, namespace_keys(config.name), plain)


def plaintext_map_entries(project_dir: Path, stack: str, key: str) -> list[str]:
    """The entries of map `key` that the stack file (`Pulumi.<stack>.yaml`, ownership.stack_file) stores in
    plaintext, i.e. not as `{secure: ...}`. Empty when the file or the key is not there (config from
    elsewhere: the engine's whole-key check still applies)."""
    import yaml

    from components.ownership import stack_file

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


class _Reader:
    """Parses one raw config mapping, collecting errors instead of stopping at the first."""

    def __init__(self, cfg: Mapping[str, str | None], env: Mapping[str, str], project_dir: Path) -> None:
        self.cfg = cfg
        self.env = env
        self.project_dir = project_dir
        self.errors: list[ConfigError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ConfigError(key, message))

    # -- raw access -------------------------------------------------------------------------

    def optional(self, key: str) -> str | None:
        """A value that may be absent; empty counts as absent."""
        value = self.cfg.get(key)
        return value if value else None

    def required(self, key: str, hint: str | None = None) -> str | None:
        """A value that must be present (Pulumi.yaml gives it a default or the user must set it)."""
        value = self.cfg.get(key)
        if value is None or (value == "" and hint is not None):
            self.fail(key, f"is not set; {hint or f'set it with `pulumi config set {key} <value>`'}")
            return None
        return value

    def secret(self, key: str) -> str | None:
        """A key-like or URL secret: whitespace anywhere in it is a paste error (the runbook's first issue)."""
        value = self.optional(key)
        if value is not None and _has_whitespace(value):
            self.fail(key, _whitespace_fix(key, f"pulumi config set --secret {key} ..."))
            return None
        return value

    def parse(self, key: str, convert: Callable[[str], T], expected: str) -> T | None:
        raw = self.required(key)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError:
            self.fail(key, f"must be {expected}, got {raw!r}")
            return None

    def choice(self, key: str, choices: tuple[str, ...], normalise: Callable[[str], str] = str) -> str | None:
        raw = self.required(key)
        if raw is None:
            return None
        value = normalise(raw.strip())
        if value not in choices:
            self.fail(key, f"must be one of {', '.join(choices)}; got {raw!r}")
            return None
        return value

    # -- keys -------------------------------------------------------------------------------

    def hub_name(self, key: str, what: str) -> str | None:
        value = self.required(key, f"set it with `pulumi config set {key} <{what}>`")
        if value is None:
            return None
        problem = hub_name_problem(value)
        if problem:
            self.fail(key, f"{value!r} is not a valid Hub {what}: it {problem}")
            return None
        return value

    def token(self) -> str | None:
        try:
            return resolve_token(self.optional("hfToken"), self.env)
        except ConfigError as error:
            self.errors.append(error)
            return None

    def credentials_in_url(self, key: str, value: str) -> bool:
        """Refuse `user:password@` in a URL setting (it would be printed, stored and sent); never echo it."""
        if "@" not in value:
            return False
        self.fail(key, f"must not contain credentials (`user:password@`); got {redact_url(value)!r}: set it "
                  f"without them (`pulumi config set {key} https://host`; the Hub token goes in hfToken)")
        return True

    def url(self, key: str) -> str | None:
        value = self.required(key)
        if value is not None and self.credentials_in_url(key, value):
            return None
        if value is not None and origin_of(value) is None:
            self.fail(key, f"must be an http(s) URL such as https://example.com; got {redact_url(value)!r}")
            return None
        return value.rstrip("/") if value is not None else None

    def hub_endpoint(self) -> str | None:
        """The Hub endpoint: https, or plain http only to a loopback host (the token is sent to it)."""
        value = self.url("hubEndpoint")
        if value is not None and not may_carry_token(value):
            self.fail("hubEndpoint", f"must be an https:// URL (the token is sent to it; plain http is allowed "
                      f"only to localhost); got {redact_url(value)!r}: `pulumi config set hubEndpoint https://...`")
            return None
        return value

    def client_file(self, frontend_path: Path | None) -> str | None:
        """`frontendClientFile`: a relative path that stays inside frontendDir, links resolved."""
        value = self.required("frontendClientFile")
        if value is None:
            return None
        fix = "set it relative to frontendDir, e.g. `pulumi config set frontendClientFile src/services/api.ts`"
        if PurePath(value).is_absolute() or value.startswith(("/", "\\")) or ".." in PurePath(value).parts \
                or ".." in value.replace("\\", "/").split("/"):
            self.fail("frontendClientFile", f"{value!r} must be a path inside frontendDir (no absolute path, no "
                      f"'..'); {fix}")
            return None
        if frontend_path is None:
            return value
        target = (frontend_path / value).resolve()
        if not target.is_relative_to(frontend_path.resolve()):
            self.fail("frontendClientFile", f"{value!r} is a link out of frontendDir (to {str(target)!r}); the "
                      f"patch may only write inside frontendDir: {fix}")
            return None
        if not target.is_file():
            self.fail("frontendClientFile", f"{value!r} does not exist in frontendDir")
            return None
        return value

    def adopt_space(self) -> str | None:
        """`adoptSpace`: empty, or `owner/name` of a Space this stack may take over."""
        value = self.optional("adoptSpace")
        if value is None:
            return None
        owner, _, name = value.partition("/")
        if not name or hub_name_problem(owner) or hub_name_problem(name):
            self.fail("adoptSpace", f"must be the `owner/name` of the Space to take over; got {value!r}")
            return None
        return value

    def directory(self, key: str, *, required: bool, missing_ok: bool = False) -> tuple[str | None, Path | None]:
        raw = self.required(key) if required else self.optional(key)
        if raw == "" and required:
            self.fail(key, f"must not be empty; set it with `pulumi config set {key} <dir>`")
        if not raw:
            return None, None
        path = (self.project_dir / raw).resolve()
        if not path.is_dir() and missing_ok:
            return raw, None
        if not path.is_dir():
            self.fail(key, f"directory {str(path)!r} does not exist; fix `pulumi config set {key} <dir>`")
            return raw, None
        return raw, path

    def backend(self) -> tuple[str | None, Path | None]:
        raw, path = self.directory("backendDir", required=True)
        if path is not None:
            from components.layout import LOOKED_FOR, has_entry_point

            missing = [] if has_entry_point(path, self.optional("appModule")) else [f"entry point ({LOOKED_FOR})"]
            if not any((path / p).is_file() for p in ("requirements.txt", "pyproject.toml")):
                missing.append("requirements.txt or pyproject.toml")
            if missing:
                self.fail(
                    "backendDir",
                    f"{str(path)!r} has no {' and no '.join(missing)}; point backendDir at the FastAPI "
                    "backend, or set appModule to its app (module:attribute)",
                )
        return raw, path

    def frontend_url(self) -> str | None:
        value = self.optional("frontendUrl")
        if value is not None and self.credentials_in_url("frontendUrl", value):
            return None
        if value is not None and origin_of(value) is None:
            self.fail("frontendUrl", f"must be an http(s) URL like https://my-app.vercel.app; "
                      f"got {redact_url(value)!r}")
            return None
        return value

    def allowed_origins(self) -> tuple[str, ...]:
        raw = self.cfg.get("allowedOrigins")
        if raw is None:
            self.required("allowedOrigins")
            return ()
        origins: list[str] = []
        for entry in (e.strip() for e in raw.split(",")):
            if not entry:
                continue
            origin = "*" if entry == "*" else origin_of(entry)
            parts = urlsplit(entry)
            has_path = parts.path not in ("", "/") or bool(parts.query or parts.fragment)
            if origin is None or (entry != "*" and has_path):
                self.fail(
                    "allowedOrigins",
                    f"{redact_url(entry)!r} is not an origin; use comma-separated scheme://host[:port] entries "
                    "(no path) or '*'",
                )
                continue
            origins.append(origin)
        return tuple(dict.fromkeys(origins))

    def database_url(self) -> str | None:
        value = self.secret("databaseUrl")
        if value is None:
            return None
        parts = urlsplit(value)
        scheme, _, driver = parts.scheme.lower().partition("+")
        if scheme not in ("postgres", "postgresql") or not parts.netloc:
            self.fail(
                "databaseUrl",
                "must be a Postgres URL (postgresql://user:pass@host/db?sslmode=require; "
                "postgres:// and postgresql+driver:// work too); fix it with "
                "`pulumi config set --secret databaseUrl ...`",
            )
            return None
        query = parse_qs(parts.query)
        ssl = query.get("sslmode", []) + (query.get("ssl", []) if driver == "asyncpg" else [])
        if not any(mode in _SSL_MODES for mode in ssl):
            self.fail(
                "databaseUrl",
                "must require TLS: add `sslmode=require` to its query string "
                "(`pulumi config set --secret databaseUrl 'postgresql://...?sslmode=require'`)",
            )
            return None
        return value

    def qdrant_url(self) -> str | None:
        value = self.secret("qdrantUrl")
        if value is None:
            return None
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK  # local demos and tests
        if not (parts.scheme == "https" or loopback) or not parts.netloc:
            self.fail("qdrantUrl", "must be an https:// URL (https://<cluster>.cloud.qdrant.io:6333)")
            return None
        if value.endswith("/"):
            self.fail("qdrantUrl", "must not end with '/'; set it again without the trailing slash")
            return None
        return value

    def json_map(self, key: str, *, secret: bool) -> dict[str, str]:
        raw = self.optional(key)
        if raw is None:
            return {}
        how = f"pulumi config set {'--secret ' if secret else ''}--path '{key}.NAME' <value>"
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.fail(key, f"must be a map of NAME -> value; set entries with `{how}`")
            return {}
        result: dict[str, str] = {}
        for name, value in data.items():
            if not is_env_name(name):
                self.fail(key, f"{name!r} is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
                continue
            if secret:
                if not isinstance(value, str):
                    self.fail(key, f"the value of {name} must be a string; set it with `{how}`")
                    continue
                if value != value.strip():
                    self.fail(key, f"the value of {name} {_whitespace_fix(key, how, inside=False)}")
                    continue
                result[name] = value
            elif isinstance(value, bool):
                result[name] = "true" if value else "false"
            elif isinstance(value, str | int | float):
                result[name] = str(value)
            else:
                self.fail(key, f"the value of {name} must be a string, number or boolean")
        return result

    def public_variables(self, extra_variables: Mapping[str, str]) -> None:
        """Refuse a Space variable that looks like a secret: variables and the README that lists them
        are public. Names ending in _KEY/_TOKEN/_SECRET/PASSWORD, or values in a token format (the
        managed variables' config values as set, the table's rows of kind variable)."""
        fix = "set it as a Space secret instead: `pulumi config set --secret --path 'extraSecrets.{name}' <value>`"
        for name, value in sorted(extra_variables.items()):
            if name == MARKER_VARIABLE:
                self.fail("extraVariables", f"{name} is the ownership marker this project writes itself; remove it "
                          f"with `pulumi config rm --path 'extraVariables.{name}'`")
                continue
            suffix = secret_like_name(name)
            kind = token_kind(value)
            if suffix or kind:
                why = f"its name ends in {suffix}" if suffix else f"its value looks like a {kind}"
                self.fail("extraVariables", f"{name} looks like a secret ({why}), but Space variables and the "
                          f"README that lists them are public: {fix.format(name=name)} and remove it with "
                          f"`pulumi config rm --path 'extraVariables.{name}'`")
        for row in managed.rows("variable"):
            kind = token_kind(self.optional(row.key) or "")
            if kind:
                self.fail(row.key, f"its value looks like a {kind}, but it becomes the public Space variable "
                          f"{row.name}: set the real value")

    def json_strings(self, key: str, how: str, what: str) -> list[str] | None:
        """The JSON list of strings a `--path 'KEY[0]'` key holds; None (after failing) when it is not one."""
        raw = self.optional(key)
        if raw is None:
            return []
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail(key, f"must be a list{what}; set entries with `{how}`")
            return None
        return data

    def path_list(self, key: str) -> tuple[str, ...]:
        """A list of relative posix paths inside the Space (e.g. ``allowSecretsIn``)."""
        how = f"pulumi config set --plaintext --path '{key}[0]' app/path/to/file.py"
        data = self.json_strings(key, how, " of file paths")
        for item in data or ():
            if not item or item.startswith("/") or "\\" in item or ".." in item.split("/"):
                self.fail(key, f"{item!r} must be a path relative to backendDir, like app/core/config.py")
                return ()
        return tuple(sorted(set(data or ())))

    def string_list(self, key: str, item: re.Pattern[str], example: str) -> tuple[str, ...]:
        """A list of strings, each matching ``item`` (set with `--path 'KEY[0]'`)."""
        how = f"pulumi config set --plaintext --path '{key}[0]' {example}"
        data = self.json_strings(key, how, "")
        bad = [value for value in data or () if not item.fullmatch(value)]
        if bad:
            self.fail(key, f"{bad[0]!r} is not valid here, e.g. `{how}`")
            return ()
        return tuple(data or ())

    def app_module(self) -> str | None:
        value = self.optional("appModule")
        if value is not None and not _APP_MODULE.fullmatch(value):
            self.fail("appModule", f"{value!r} must be `module:attribute`, e.g. `pulumi config set appModule "
                      "server.api:app`")
            return None
        return value

    def cors_check_path(self) -> str | None:
        value = self.optional("corsCheckPath")
        if value is not None and self.card_text("corsCheckPath", value):
            return None
        if value is not None and not value.startswith("/"):
            self.fail("corsCheckPath", f"must start with '/', e.g. /api/chat; got {value!r}")
            return None
        return value

    def card_text(self, key: str, value: str) -> bool:
        """Refuse control characters and Unicode line or paragraph separators in a value written into the
        README card (`card_text_problem`), naming the key and the character; True when it was refused."""
        problem = card_text_problem(value)
        if problem:
            self.fail(key, f"must be one line of plain text, but it holds {problem}: it is written into the "
                      f"Space's README card, whose front matter would break or show a fake line; set it again "
                      f"without it (`pulumi config set {key} '...'`)")
        return problem is not None

    def card(self) -> tuple[str | None, str | None, str | None]:
        """``spaceTitle``, ``spaceEmoji``, ``spaceDescription``: one line each, one emoji, the Hub's length limit."""
        title = self.cfg.get("spaceTitle") or ""
        if not self.card_text("spaceTitle", title) and title != title.strip():
            self.fail("spaceTitle", f"must be one line without leading or trailing spaces; got {title!r}")
        emoji = self.required("spaceEmoji", "set one emoji, e.g. `pulumi config set spaceEmoji 🤖`")
        if emoji is not None and not is_single_emoji(emoji):
            self.fail("spaceEmoji", f"must be one emoji (the Hub allows nothing else), e.g. "
                      f"`pulumi config set spaceEmoji 🤖`; got {emoji!r}")
            emoji = None
        description = self.required("spaceDescription", "set a short description of at most "
                                    f"{SPACE_DESCRIPTION_MAX} characters")
        if description is not None and self.card_text("spaceDescription", description):
            description = None
        elif description is not None and (len(description) > SPACE_DESCRIPTION_MAX or not description.strip()):
            self.fail("spaceDescription", f"must be one line of 1 to {SPACE_DESCRIPTION_MAX} characters (the Hub's "
                      f"limit for a Space card's short_description); got {len(description)}: shorten it with "
                      "`pulumi config set spaceDescription '...'`")
            description = None
        return title, emoji, description

    def extras(self) -> tuple[dict[str, str], dict[str, str]]:
        secrets = self.json_map("extraSecrets", secret=True)
        variables = self.json_map("extraVariables", secret=False)
        for key, names in (("extraSecrets", secrets), ("extraVariables", variables)):
            for name in sorted(names):
                who = reserved_env_name(name)
                if who:
                    self.fail(key, f"{name} cannot be set by this stack: {who}, and a Space "
                              f"{'secret' if key == 'extraSecrets' else 'variable'} of that name would take it "
                              f"over in the app's environment; use another name and remove it with "
                              f"`pulumi config rm --path '{key}.{name}'`")
        self.case_clashes(secrets, variables)
        for name in sorted(secrets):
            if name == MARKER_VARIABLE:
                self.fail("extraSecrets", f"{name} is the ownership marker this project writes itself; use "
                          "another name")
            elif name in MANAGED_SECRETS:
                self.fail("extraSecrets", f"{name} is managed; set it with `{MANAGED_SECRETS[name]}` instead")
            elif name in MANAGED_VARIABLES or name in variables:
                self.fail("extraSecrets", f"{name} is also a Space variable; a name can be one or the other")
        for name in sorted(variables):
            if name in MANAGED_SECRETS:
                self.fail("extraVariables", f"{name} is a Space secret; use `{MANAGED_SECRETS[name]}`")
        return secrets, variables

    def case_clashes(self, secrets: Mapping[str, str], variables: Mapping[str, str]) -> None:
        """Refuse two Space setting names that differ only by case (`database_url` and DATABASE_URL): each
        becomes a resource named by the lower-cased name (so the engine would stop on a duplicate URN), and
        the app, reading one, would not see the other. Names each side by its config key."""
        owners: dict[str, list[tuple[str, str]]] = {}
        for row in managed.MANAGED:
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
            self.fail(key, f"{both} differ only by case: the app would see two settings where one was meant, and "
                      f"the stack cannot hold both; keep one spelling (remove the other with "
                      f"`pulumi config rm --path '{extra.strip('`')}'`)")

    def deploy_token_shared(self, hf_token: str | None, secrets: Mapping[str, str], keys: Mapping[str, str]) -> None:
        """Refuse a Space secret holding the deploy token (`hfToken`/HF_TOKEN, a write token) unless the user
        opted in with `shareHfTokenWithApp`: anyone who gets the app to print its environment would hold
        write access to every repo of the account. `keys`: Space secret name -> the config key that sets it."""
        if not hf_token or self.parse("shareHfTokenWithApp", _bool, "true or false"):
            return
        for name in sorted(n for n, value in secrets.items() if value == hf_token):
            key = keys.get(name, "extraSecrets")
            self.fail(key, f"{name} holds the deploy token (the write token of `hfToken`/HF_TOKEN): inside the app "
                      "it lets anyone who makes the app print its environment take over every repo of the account. "
                      "Give the app a read-only or fine-grained token of its own instead; to share the deploy "
                      "token on purpose, `pulumi config set shareHfTokenWithApp true`")

    def settings(self) -> Settings:
        hf_owner = self.hub_name("hfOwner", "user or organisation name")
        space_name = self.hub_name("spaceName", "Space name")
        private = self.parse("private", _bool, "true or false")
        hardware = self.choice("hardware", HARDWARE_FLAVORS, str.lower)
        sleep_time = self.parse("sleepTime", int, "an integer")
        if sleep_time is not None and sleep_time < -1:
            self.fail("sleepTime", "must be -1 (never sleep), 0 (Hub default) or a number of seconds")
        elif sleep_time and hardware == "cpu-basic":
            self.fail("sleepTime", f"is {sleep_time}, but a Space on free cpu-basic hardware sleeps after 48 h of "
                      "inactivity and that cannot be changed: `pulumi config set sleepTime 0`, or choose billed "
                      "hardware (`pulumi config set hardware cpu-upgrade`)")
        hub_endpoint = self.hub_endpoint()
        hf_token = self.token()
        backend_dir, backend_path = self.backend()
        frontend_url = self.frontend_url()
        frontend_optional = self.parse("frontendOptional", _bool, "true or false")
        frontend_dir, frontend_path = self.directory("frontendDir", required=False, missing_ok=bool(frontend_optional))
        frontend_client_file = self.client_file(frontend_path)
        frontend_dev_url = self.url("frontendDevUrl")
        frontend_git_push = self.parse("frontendGitPush", _bool, "true or false")
        gemini_api_key = self.secret("geminiApiKey")
        qdrant_url = self.qdrant_url()
        qdrant_api_key = self.secret("qdrantApiKey")
        database_url = self.database_url()
        qdrant_collection = self.required("qdrantCollection")
        if qdrant_collection is not None and not qdrant_collection.strip():
            self.fail("qdrantCollection", "must not be empty")
        elif qdrant_collection is not None:
            self.card_text("qdrantCollection", qdrant_collection)
        log_level = self.choice("logLevel", LOG_LEVELS, str.upper)
        allowed_origins = self.allowed_origins()
        extra_secrets, extra_variables = self.extras()
        managed_secrets = {row.name: self.optional(row.key) or "" for row in managed.rows("secret")}
        self.deploy_token_shared(hf_token, {**managed_secrets, **extra_secrets}, MANAGED_SECRETS)
        health_check = self.parse("healthCheck", _bool, "true or false")
        health_path = self.required("healthPath")
        if health_path is not None and self.card_text("healthPath", health_path):
            health_path = None
        elif health_path is not None and not health_path.startswith("/"):
            self.fail("healthPath", f"must start with '/', e.g. /api/health; got {health_path!r}")
        health_timeout = self.parse("healthTimeoutSeconds", int, "an integer")
        if health_timeout is not None and health_timeout <= 0:
            self.fail("healthTimeoutSeconds", f"must be a positive number of seconds; got {health_timeout}")
        health_require = self.choice("healthRequire", HEALTH_REQUIRE, str.lower)
        rollback = self.parse("rollback", _bool, "true or false")
        adopt_space = self.adopt_space()
        own = space_id_of(hf_owner, space_name) if hf_owner and space_name else None
        if adopt_space and own and adopt_space != own:
            self.fail("adoptSpace", f"names {adopt_space!r} but this stack's Space is {own}: "
                      f"set it to that Space, or remove it with `pulumi config rm adoptSpace`")
        self.public_variables(extra_variables)
        allow_secrets_in = self.path_list("allowSecretsIn")
        max_file_mb = self.parse("maxFileSizeMB", int, "a whole number of megabytes")
        if max_file_mb is not None and not 1 <= max_file_mb <= MAX_FILE_MB_CEILING:
            self.fail("maxFileSizeMB", f"must be between 1 and {MAX_FILE_MB_CEILING} (MB); got {max_file_mb}")
        app_module = self.app_module()
        include = self.string_list("include", _GLOB, "'static/**'")
        exclude = self.string_list("exclude", _GLOB, "'data/raw/'")
        system_packages = self.string_list("systemPackages", _DEBIAN_PACKAGE, "libpq-dev")
        cors_check_path = self.cors_check_path()
        space_title, space_emoji, space_description = self.card()
        app_port = self.parse("appPort", int, "a port number (0 reads it from the backend's Dockerfile)")
        if app_port is not None and not 0 <= app_port <= 65535:
            self.fail("appPort", f"must be a port between 1 and 65535 (0 reads it from the Dockerfile); got {app_port}")
        dockerfile = self.choice("dockerfile", DOCKERFILE_MODES, str.lower)
        cors_variable = self.required("corsOriginsVariable") or ALLOWED_ORIGINS
        if not is_env_name(cors_variable):
            self.fail("corsOriginsVariable", f"{cors_variable!r} is not an environment variable name; set the one "
                      "the app reads its CORS origins from, e.g. `pulumi config set corsOriginsVariable CORS_ORIGINS`")
        elif cors_variable != ALLOWED_ORIGINS and (cors_variable in MANAGED_SECRETS or cors_variable in
                                                    MANAGED_VARIABLES or cors_variable in extra_secrets):
            self.fail("corsOriginsVariable", f"{cors_variable} is already another managed setting or an extraSecrets "
                      "entry; name the variable the app reads its CORS origins from")

        if self.errors:
            raise ConfigError.combine(self.errors)
        # Every value below was checked above; the asserts narrow the types for mypy.
        assert hf_owner and space_name and hardware and hub_endpoint and hf_token and backend_dir
        assert backend_path and frontend_client_file and frontend_dev_url and qdrant_collection
        assert log_level and health_path and health_require in HEALTH_REQUIRE
        assert private is not None and sleep_time is not None and frontend_git_push is not None
        assert health_check is not None and health_timeout is not None and rollback is not None
        assert space_title is not None and space_emoji and space_description
        return Settings(
            hf_owner=hf_owner,
            space_name=space_name,
            private=private,
            hardware=hardware,
            sleep_time=sleep_time,
            hub_endpoint=hub_endpoint,
            hf_token=hf_token,
            backend_dir=backend_dir,
            backend_path=backend_path,
            frontend_url=frontend_url,
            frontend_dir=frontend_dir,
            frontend_path=frontend_path,
            frontend_client_file=frontend_client_file,
            frontend_dev_url=frontend_dev_url,
            frontend_git_push=frontend_git_push,
            frontend_optional=bool(frontend_optional),
            gemini_api_key=gemini_api_key,
            qdrant_url=qdrant_url,
            qdrant_api_key=qdrant_api_key,
            database_url=database_url,
            qdrant_collection=qdrant_collection,
            log_level=log_level,
            allowed_origins=allowed_origins,
            extra_secrets=extra_secrets,
            extra_variables=extra_variables,
            health_check=health_check,
            health_path=health_path,
            health_timeout_seconds=health_timeout,
            health_require=cast(Literal["healthy", "reachable"], health_require),
            rollback=rollback,
            adopt_space=adopt_space,
            allow_secrets_in=allow_secrets_in,
            max_file_mb=max_file_mb or MAX_FILE_MB,
            app_module=app_module,
            include=include,
            exclude=exclude,
            system_packages=system_packages,
            cors_check_path=cors_check_path,
            space_title=space_title,
            space_emoji=space_emoji,
            space_description=space_description,
            app_port=app_port or None,
            dockerfile=dockerfile or "auto",
            cors_origins_variable=cors_variable,
        )


#: Bidirectional embedding, override and isolate controls: in a card they reorder what is shown (U+202E
#: turns the rest of the line around), so the card would not read as configured.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def card_text_problem(value: str) -> str | None:
    """What makes `value` unfit for one line of the Space card (README front matter): a control character
    (Unicode category Cc: tab, newline, NUL, ESC, U+0085 NEXT LINE), a line or paragraph separator
    (U+2028, U+2029) or a bidirectional control; named by its code point. None when it is plain text."""
    import unicodedata

    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
            name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "a control character").lower()
            return f"U+{ord(char):04X} ({name})"
    return None


_CONTROL_NAMES = {"\t": "tab", "\n": "newline", "\r": "carriage return", "\x00": "NUL", "\x1b": "escape",
                  "\x85": "next line"}


#: Code points that modify or join the emoji before them: ZWJ, variation selectors, keycap, skin tones, tags.
_EMOJI_JOINER = "\u200d"
_EMOJI_MODIFIERS = ("\ufe0e", "\ufe0f", "\u20e3")


def is_single_emoji(value: str) -> bool:
    """Whether ``value`` is one emoji: one symbol (Unicode category So), optionally with variation
    selectors, a skin tone, tags or ZWJ-joined symbols (👩‍💻), or one flag (two regional indicators)."""
    import unicodedata

    bases = regional = 0
    joined = False
    for char in value:
        point = ord(char)
        if char == _EMOJI_JOINER:
            if not bases or joined:
                return False
            joined = True
            continue
        if char in _EMOJI_MODIFIERS or 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F:
            if not bases:
                return False
            continue
        if unicodedata.category(char) != "So":
            return False
        if 0x1F1E6 <= point <= 0x1F1FF:
            regional += 1
            if regional % 2 == 0:
                continue  # the second half of a flag
        if not joined:
            bases += 1
        joined = False
    return bases == 1 and not joined and regional in (0, 2) and len(value) <= 16


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(raw)
    return value == "true"


def _whitespace_fix(key: str, how: str, inside: bool = True) -> str:
    where = "contains whitespace" if inside else "has leading or trailing whitespace"
    return f"{where} (often a pasted space or newline); set it again without it: `{how}`"


def _has_whitespace(value: str) -> bool:
    return any(c.isspace() for c in value)
