"""The validated stack settings (`Settings`), built by `components/config/load.py`; field names are the
snake_case of the config keys (components/config/keys.py). Secret values stay plain ``str`` here (the caller
wraps them in ``Output.secret``) but never appear in ``repr``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from components.config import managed
from components.config.choices import ALLOWED_ORIGINS, MAX_FILE_MB
from components.rules.names import space_id_of
from components.rules.urls import origin_of


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
    """``appModule`` (``module:attribute``); None detects the entry point (components/bundle/dependencies.py)."""
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
        """Space name -> value of the table's rows of `kind` that are set (components/config/managed.py)."""
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
