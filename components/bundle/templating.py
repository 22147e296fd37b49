"""Render the Space's generated files (Dockerfile, README.md) from ``templates/``.

One strict Jinja2 environment (``StrictUndefined``: a typo fails instead of rendering empty);
output is deterministic so content hashes, and therefore diffs, stay stable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import yaml

from components.bundle.routes import Route
from components.config import Settings, managed

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
APP_PORT = 7860

#: README front matter constants (Space card metadata; title, emoji and short_description come from config).
CARD_COLOR_FROM = "blue"
CARD_COLOR_TO = "indigo"

_FRONT_MATTER = re.compile(r"\A---\r?\n.*?\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


def table_cell(value: object) -> str:
    """`value` as the text of one Markdown table cell: a control character or line separator shown escaped
    (`\\n`, `\\u2028`), never as a line break that would end the table and start a fake line; `|` escaped."""
    import unicodedata

    out = []
    for char in str(value):
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            out.append(json.dumps(char)[1:-1] if char in "\n\r\t" else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out).replace("|", "\\|")


_ENV.filters["cell"] = table_cell


def environment() -> jinja2.Environment:
    """The one Jinja environment over templates/ (StrictUndefined, no autoescape)."""
    return _ENV


def render(name: str, **context: Any) -> str:
    """Render ``templates/<name>`` with ``context``; undefined names raise."""
    return _ENV.get_template(name).render(**context)


#: Debian packages every generated image gets (compilers for wheels without binaries, curl for HEALTHCHECK).
BASE_SYSTEM_PACKAGES = ("gcc", "g++", "curl")


def render_dockerfile(*, health_path: str, target: str = "app.main:app", app_dir: str = "",
                      system_packages: tuple[str, ...] = (), constraints: bool = False, port: int = APP_PORT) -> str:
    """The Space's Dockerfile (Hugging Face Docker rules; HEALTHCHECK on ``health_path``).

    ``target`` is the ASGI app (``module:attribute``) served by uvicorn, ``app_dir`` the folder put on
    sys.path first (``src``), ``system_packages`` extra Debian packages (config ``systemPackages``),
    ``constraints`` whether a constraints.txt comes with requirements.txt, ``port`` the card's ``app_port``.
    """
    command = ["uvicorn", target, "--host", "0.0.0.0", "--port", str(port)]
    if app_dir:
        command += ["--app-dir", app_dir]
    packages = list(dict.fromkeys([*BASE_SYSTEM_PACKAGES, *system_packages]))
    return render("Dockerfile.j2", health_url=f"http://localhost:{port}{health_path}", command=command,
                  system_packages=packages, constraints=constraints, port=port)


def render_readme(settings: Settings, routes: Sequence[Route] | None = None, body: str | None = None,
                  app_port: int = APP_PORT) -> str:
    """The Space's README.md: Space card front matter plus documentation built from ``settings``.

    Lists secret names and purposes, never values. The front matter is the Space card's YAML
    (the keys and order huggingface_hub's ``SpaceCardData.to_yaml`` writes), dumped with PyYAML and
    parsed back, so a malformed header fails here rather than on the Hub. huggingface_hub is not
    imported: it would cost every program run about 0.2 s (ARCHITECTURE.md: only hub/client.py imports
    it, when the Hub is called); tests/unit/test_templating.py checks its ``SpaceCard`` reads it back.

    ``routes`` fill the generated API table (the app's real routes, components/bundle/routes.py). ``body``,
    the backend's own README.md, replaces the generated sections (its own front matter is dropped:
    the Space card is always the product's). ``app_port`` is where the Hub sends requests (hub-docs
    ``spaces-config-reference.md``: default 7860), read from the backend's Dockerfile or config ``appPort``.
    """
    card_data = {
        "title": settings.card_title,
        "sdk": "docker",
        "app_port": app_port,
        "emoji": settings.space_emoji,
        "colorFrom": CARD_COLOR_FROM,
        "colorTo": CARD_COLOR_TO,
        "short_description": settings.space_description,
        "pinned": False,
    }
    header = yaml.safe_dump(card_data, sort_keys=False, allow_unicode=True, width=1000).strip()
    if yaml.safe_load(header) != card_data:
        raise ValueError(f"the Space card front matter does not read back: {header!r}")
    if body is None:
        body = render("README.md.j2", **readme_context(settings), routes=list(routes or []))
    else:
        body = _FRONT_MATTER.sub("", body, count=1).lstrip("\n")
    return f"---\n{header}\n---\n\n{body}"


def readme_context(settings: Settings) -> dict[str, Any]:
    """Template context for README.md.j2 (secret names only, never values)."""
    secret_names = set(settings.secrets)
    secrets = [
        {"name": row.name, "key": row.key, "purpose": row.purpose, "set": row.name in secret_names}
        for row in managed.rows("secret")
    ] + [
        {"name": name, "key": None, "purpose": "Additional secret (`extraSecrets`)", "set": True}
        for name in sorted(settings.extra_secrets)
    ]
    variables = [
        {"name": name, "value": value, "purpose": purpose(name) or "Additional variable"}
        for name, value in settings.variables.items()
    ]
    allowed = settings.variables.get(settings.cors_origins_variable, "")
    return {
        "title": settings.card_title,
        "space_id": settings.space_id,
        "health_path": settings.health_path,
        "hardware": settings.hardware,
        "private": settings.private,
        "secrets": secrets,
        "variables": variables,
        "origins": [o for o in (s.strip() for s in allowed.split(",")) if o],
        "cors_variable": settings.cors_origins_variable,
        "health_example": json.dumps(health_example(settings), indent=2),
    }


def purpose(name: str) -> str | None:
    """The purpose of a managed Space secret or variable (components/config/managed.py), None for another name."""
    row = managed.by_name(name)
    return row.purpose if row else None


def health_example(settings: Settings) -> dict[str, Any]:
    """A health answer as the example backend gives it for these settings."""

    def service(*required: str | None) -> dict[str, str]:
        return {"status": "connected" if all(required) else "not_configured"}

    return {
        "status": "healthy",
        "version": "1.0.0",
        "services": {
            "fastapi": "running",
            "qdrant": service(settings.qdrant_url),
            "postgres": service(settings.database_url),
            "gemini": service(settings.gemini_api_key),
        },
    }
