"""Every config key of this project, declared once: name, type, default, secret or not, the Space secret or
variable it becomes, its one-line doc and its reader.

From this table follow the reader (`load.read_settings` runs each key's reader in this order), the unknown-key
suggestions (`load.unknown_key_problem`), the managed Space secrets and variables (`managed.MANAGED`), and the
`config:` block of Pulumi.yaml and the README's config table (`docs.py`, written by `scripts/config_docs.py`,
checked by tests/unit/test_config_docs.py). Adding a key: one `Key(...)` here, a `Settings` field when it
carries a value, a reader when no existing one fits, its tests; then `make config-docs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from components.config import card, files, generic, names, numbers, space, urls
from components.config.choices import (
    ALLOWED_ORIGINS,
    DOCKERFILE_MODES,
    HARDWARE_FLAVORS,
    HEALTH_REQUIRE,
    LOG_LEVELS,
    MAX_FILE_MB,
)
from components.config.reader import Reader, Values

Read = Callable[[Reader, "Key", Values], None]
"""A key's reader: reads `key` through the reader, stores its `Settings` field(s) in the values."""

Type = Literal["string", "boolean", "integer", "map", "list"]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


#: The default of a key that has none: required (hfOwner, spaceName) or a secret (never in Pulumi.yaml's schema).
NO_DEFAULT = _NoDefault()


@dataclass(frozen=True)
class SpaceSetting:
    """The Space secret (a secret key) or variable (a plain key) a config key becomes."""

    name: str
    """The Space secret or variable name (an environment variable of the app)."""
    purpose: str
    """README table and Hub description."""
    attribute: str
    """The `Settings` attribute holding the value sent to the Space (None: not set, nothing sent)."""
    example: str
    """A valid value of the right form, never a real credential, with a `{tag}` to make it unique."""


@dataclass(frozen=True)
class Key:
    """One config key."""

    name: str
    doc: str
    """One line: Pulumi.yaml's description (the header comment for a secret key) and the README table."""
    read: Read | None
    """Its reader; None for a key read together with the key before it (extraVariables with extraSecrets)."""
    type: Type = "string"
    default: object = NO_DEFAULT
    secret: bool = False
    space: SpaceSetting | None = None
    choices: tuple[str, ...] = ()
    normalise: Callable[[str], str] = str
    attribute: str | None = None
    """The `Settings` field, when it is not the snake_case of the name."""
    after: Read | None = None
    """A check across keys that runs once this key is read (kept where it always ran: same order of problems)."""

    @property
    def field(self) -> str:
        """The `Settings` field this key's value goes to."""
        return self.attribute or re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()


KEYS: tuple[Key, ...] = (
    Key("hfOwner", "User or organisation that owns the Space (must be the token's user or one of its orgs).",
        space.hub_name),
    Key("spaceName", "Space name (Hub rules, 96 characters at most; letters, digits, '-', '_', '.').",
        space.hub_name),
    Key("private", "Create the Space as private. Health checks then send the token.", generic.boolean,
        "boolean", False),
    Key("hardware", "Space hardware flavor (cpu-basic is free).", generic.choice, default="cpu-basic",
        choices=HARDWARE_FLAVORS, normalise=str.lower),
    Key("sleepTime", "Seconds of inactivity before the Space sleeps, on billed hardware only; 0 is the Hub's "
        "default (never on billed hardware; cpu-basic sleeps after 48 h, fixed), -1 never sleeps.", space.sleep_time,
        "integer", 0),
    Key("hubEndpoint", "Hub API endpoint. The demo and tests point it at localhub.", space.hub_endpoint,
        default="https://huggingface.co"),
    Key("hfToken", "Hugging Face write token; falls back to the HF_TOKEN environment variable.", space.token,
        secret=True),
    Key("backendDir", "Directory of the FastAPI backend (an entry point such as app/main.py or main.py, and "
        "requirements.txt or pyproject.toml), relative to this project.", files.backend, default="backend"),
    Key("frontendUrl", "Public URL of the frontend; its origin is always added to ALLOWED_ORIGINS.",
        urls.frontend_url, default=""),
    Key("frontendOptional", "The frontend may be missing on a machine (CI, a colleague without it); there the "
        "patch is skipped (\"not here\").", files.frontend_optional, "boolean", False),
    Key("frontendDir", "Frontend checkout whose API client is patched to call the Space; empty leaves the "
        "frontend alone.", files.frontend_dir, default=""),
    Key("frontendClientFile", "The API client file inside frontendDir that holds `this.baseUrl = ...`.",
        files.client_file, default="src/services/api.ts"),
    Key("frontendDevUrl", "Backend URL the frontend uses when it runs on localhost.", urls.required_url,
        default="http://localhost:8000"),
    Key("frontendGitPush", "Commit the patched client file in frontendDir and push it.", generic.boolean,
        "boolean", False),
    Key("geminiApiKey", "GEMINI_API_KEY Space secret.", generic.secret, secret=True, space=SpaceSetting(
        "GEMINI_API_KEY", "Google Gemini API key (embeddings and answers)", "gemini_api_key", "gemini-{tag}")),
    Key("qdrantUrl", "QDRANT_URL Space secret (https, no trailing slash).", urls.qdrant_url, secret=True,
        space=SpaceSetting("QDRANT_URL", "Qdrant cluster URL (https, no trailing slash)", "qdrant_url",
                           "https://qdrant-{tag}.example.com")),
    Key("qdrantApiKey", "QDRANT_API_KEY Space secret.", generic.secret, secret=True, space=SpaceSetting(
        "QDRANT_API_KEY", "Qdrant API key", "qdrant_api_key", "qdrant-{tag}")),
    Key("databaseUrl", "DATABASE_URL Space secret (postgres URL with sslmode=require).", urls.database_url,
        secret=True, space=SpaceSetting(
            "DATABASE_URL", "Postgres URL with `sslmode=require` (chat history)", "database_url",
            "postgresql://app:pw-{tag}@db.example.com:5432/rag?sslmode=require")),
    Key("qdrantCollection", "Qdrant collection name (QDRANT_COLLECTION Space variable).", card.qdrant_collection,
        default="documents", space=SpaceSetting(
            "QDRANT_COLLECTION", "Qdrant collection holding the document chunks", "qdrant_collection",
            "documents-{tag}")),
    Key("logLevel", "Backend log level, DEBUG/INFO/WARNING/ERROR/CRITICAL (LOG_LEVEL Space variable).",
        generic.choice, default="INFO", choices=LOG_LEVELS, normalise=str.upper,
        space=SpaceSetting("LOG_LEVEL", "Backend log level", "log_level", "INFO")),
    Key("allowedOrigins", "Extra comma-separated CORS origins; the frontendUrl origin is always added "
        "(ALLOWED_ORIGINS variable).", urls.allowed_origins, default="", space=SpaceSetting(
            "ALLOWED_ORIGINS", "Comma-separated CORS origins", "allowed_origins_variable",
            "https://{tag}.example.com")),
    Key("extraSecrets", "map NAME -> value of more Space secrets (`--secret --path 'extraSecrets.NAME'`).",
        names.extras, "map", secret=True),
    Key("extraVariables", "Map of additional Space variables, NAME -> value.", None, "map", {}),
    Key("shareHfTokenWithApp", "Allow a Space secret (e.g. extraSecrets.HF_TOKEN) to hold the deploy token; "
        "off: refused, a write token inside the app can take over the account's repos.", names.deploy_token_shared,
        "boolean", False),
    Key("healthCheck", "Wait for the Space to run and check its health endpoint and CORS after each change.",
        generic.boolean, "boolean", True),
    Key("healthPath", "Path of the backend's health endpoint.", card.route_path, default="/api/health"),
    Key("healthTimeoutSeconds", "How long to wait for the Space to build, start and answer healthy.",
        numbers.health_timeout, "integer", 900),
    Key("healthRequire", "healthy: every configured service must be connected; reachable: any 200 JSON answer "
        "will do.", generic.choice, default="healthy", choices=HEALTH_REQUIRE, normalise=str.lower),
    Key("rollback", "When a new files revision fails to build, start or pass the health check, restore the last "
        "healthy revision's files as a new commit and fail the update (needs healthCheck; secrets and variables "
        "are not rolled back).", generic.boolean, "boolean", True),
    Key("adoptSpace", "owner/name of an existing Space, made by hand or by another stack, that this stack may "
        "take over (it then carries this stack's marker); empty adopts only Spaces marked by this stack.",
        space.adopt_space, default="", after=names.public_variables),
    Key("allowSecretsIn", "Backend files (paths as on the Space, e.g. app/core/config.py) whose secret-scanner "
        "findings are known false positives; set with `pulumi config set --plaintext --path 'allowSecretsIn[0]' "
        "PATH`. The stack's own secret values are refused in every file.", files.path_list, "list", []),
    Key("maxFileSizeMB", "Largest backend file in MB (1-5000). Binary files over 1 MiB and files over 10 MiB go "
        "to the Hub as LFS/Xet in the same commit; a bigger file fails preview naming it (large data belongs in "
        "a dataset repo or Qdrant).", files.max_file_mb, "integer", MAX_FILE_MB, attribute="max_file_mb"),
    Key("appModule", "The FastAPI app as module:attribute (e.g. server.api:app); empty detects app/main.py, "
        "main.py, app.py or src/<package>/main.py.", files.app_module, default=""),
    Key("include", "Globs (gitignore syntax) of backend files to upload although .gitignore/.dockerignore leave "
        "them out, e.g. `--path 'include[0]' 'data/*.json'`.", files.string_list, "list", []),
    Key("exclude", "Globs (gitignore syntax) of backend files never to upload, e.g. `--path 'exclude[0]' "
        "'notebooks/'`.", files.string_list, "list", []),
    Key("systemPackages", "Extra Debian packages installed by the generated Dockerfile, e.g. `--path "
        "'systemPackages[0]' libpq-dev`.", files.string_list, "list", []),
    Key("corsCheckPath", "Path the CORS preflight check probes; empty uses the app's first POST route (else "
        "healthPath).", card.route_path, default=""),
    Key("spaceTitle", "Space card title (README front matter `title`); empty shows the Space name.",
        card.space_title, default=""),
    Key("spaceEmoji", "Space card emoji (README front matter `emoji`): one emoji, e.g. 🤖.", card.space_emoji,
        default="💬"),
    Key("spaceDescription", "Space card short_description (README front matter), one line of at most 60 "
        "characters (the Hub's limit).", card.space_description,
        default="FastAPI RAG chatbot backend: Gemini, Qdrant and Postgres"),
    Key("appPort", "Port the app listens on, written to the Space card's app_port (where the Hub sends "
        "requests); 0 reads it from the backend's own Dockerfile (`--port N`, a `uvicorn.run(port=...)` in the "
        "script CMD runs, EXPOSE), else 7860, the Hub's default. Also the port of the generated Dockerfile.",
        numbers.app_port, "integer", 0),
    Key("dockerfile", "Which Dockerfile the Space gets: auto (the backend's own when it has one, else a generated "
        "one), own (the backend's, which must exist) or generated (always the generated one; the backend's own "
        "is not uploaded).", generic.choice, default="auto", choices=DOCKERFILE_MODES, normalise=str.lower),
    Key("corsOriginsVariable", "The environment variable the app reads its CORS origins from (e.g. CORS_ORIGINS); "
        "the stack writes the comma-separated origins (frontendUrl + allowedOrigins) to it instead of "
        "ALLOWED_ORIGINS.", names.cors_origins_variable, default=ALLOWED_ORIGINS),
)

#: Every config key, in declaration order.
CONFIG_KEYS = tuple(key.name for key in KEYS)

#: Keys whose values are secrets (never printed; not in Pulumi.yaml's schema).
SECRET_KEYS = tuple(key.name for key in KEYS if key.secret)

BY_NAME = {key.name: key for key in KEYS}
