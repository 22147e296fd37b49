"""The one table of the settings this project writes to a Space as secrets and variables.

Each row ties a config key (``pulumi config``) to the Space secret or variable it becomes, with the purpose
shown in the Space's README and next to the key on the Hub. settings.py (keys, validation, the values sent),
templating.py (README), deployment.py (Hub descriptions), the tests and the benches all read it; Pulumi.yaml,
which cannot import Python, is checked against it by tests/unit/test_managed.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["secret", "variable"]


@dataclass(frozen=True)
class Managed:
    """One managed Space setting."""

    key: str
    """The config key (`pulumi config set [--secret] <key>`)."""
    name: str
    """The Space secret or variable name (an environment variable of the app)."""
    kind: Kind
    purpose: str
    """README table and Hub description."""
    attribute: str
    """The `Settings` attribute holding the value sent to the Space (None: not set, nothing sent)."""
    example: str
    """A valid value of the right form, never a real credential, with a `{tag}` to make it unique
    (test canaries, bench stacks); see `example_values`."""


MANAGED: tuple[Managed, ...] = (
    Managed("geminiApiKey", "GEMINI_API_KEY", "secret", "Google Gemini API key (embeddings and answers)",
            "gemini_api_key", "gemini-{tag}"),
    Managed("qdrantUrl", "QDRANT_URL", "secret", "Qdrant cluster URL (https, no trailing slash)",
            "qdrant_url", "https://qdrant-{tag}.example.com"),
    Managed("qdrantApiKey", "QDRANT_API_KEY", "secret", "Qdrant API key", "qdrant_api_key", "qdrant-{tag}"),
    Managed("databaseUrl", "DATABASE_URL", "secret", "Postgres URL with `sslmode=require` (chat history)",
            "database_url", "postgresql://app:pw-{tag}@db.example.com:5432/rag?sslmode=require"),
    Managed("qdrantCollection", "QDRANT_COLLECTION", "variable", "Qdrant collection holding the document chunks",
            "qdrant_collection", "documents-{tag}"),
    Managed("logLevel", "LOG_LEVEL", "variable", "Backend log level", "log_level", "INFO"),
    Managed("allowedOrigins", "ALLOWED_ORIGINS", "variable", "Comma-separated CORS origins",
            "allowed_origins_variable", "https://{tag}.example.com"),
)


def rows(kind: Kind) -> tuple[Managed, ...]:
    """The rows of one kind, in table order."""
    return tuple(row for row in MANAGED if row.kind == kind)


def by_name(name: str) -> Managed | None:
    """The row of a Space secret or variable name, or None for a name the table does not manage."""
    return next((row for row in MANAGED if row.name == name), None)


def example_values(kind: Kind, tag: str) -> dict[str, str]:
    """Config key -> a valid example value holding `tag`, for every row of `kind`."""
    return {row.key: row.example.format(tag=tag) for row in rows(kind)}
