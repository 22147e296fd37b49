"""URL settings never carry, nor echo, credentials (`user:password@`): refused naming the key, redacted."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from components.errors import ConfigError, ConfigErrors
from components.rules.urls import redact_url
from tests.unit.test_settings import load, minimal_backend, problems


@pytest.fixture
def backend(tmp_path: Path) -> Path:
    return minimal_backend(tmp_path / "backend")


def everything_said(errors: list[ConfigError]) -> str:
    return "\n".join(f"{e.key} {e.message} {e}" for e in errors) + str(ConfigErrors(errors))


@pytest.mark.parametrize("key", ["hubEndpoint", "frontendUrl", "frontendDevUrl"])
@pytest.mark.parametrize("shape", ["https://me:{c}@hub.example.com", "https://{c}@hub.example.com",
                                   "https://:{c}@hub.example.com", "http://me:{c}@hub.example.com/x",
                                   "ftp://me:{c}@hub.example.com", "https://me:{c}/x@hub.example.com",
                                   "me:{c}@hub.example.com"])
def test_credentials_in_a_url_are_refused_and_never_echoed(backend: Path, key: str, shape: str) -> None:
    canary = f"hf_{secrets.token_hex(16)}"
    errors = problems(backend, **{key: shape.format(c=canary)})
    assert [e.key for e in errors] == [f"hf-rag-space:{key}"]
    assert "credentials" in errors[0].message and f"pulumi config set {key}" in errors[0].message
    assert canary not in everything_said(errors)


@pytest.mark.parametrize("key", ["hubEndpoint", "frontendUrl", "frontendDevUrl"])
def test_other_bad_urls_are_echoed_without_userinfo(backend: Path, key: str) -> None:
    errors = problems(backend, **{key: "notaurl"})
    assert errors[0].key == f"hf-rag-space:{key}" and "'notaurl'" in errors[0].message


def test_allowed_origins_entry_with_credentials_is_redacted(backend: Path) -> None:
    canary = secrets.token_hex(16)
    errors = problems(backend, allowedOrigins=f"https://u:{canary}@app.example.com")
    assert errors[0].key == "hf-rag-space:allowedOrigins" and canary not in everything_said(errors)


def test_redact_url() -> None:
    assert redact_url("https://me:pw@hub.example.com/x") == "https://***@hub.example.com/x"
    assert redact_url("me:pw@host") == "***@host"
    assert redact_url("https://hub.example.com") == "https://hub.example.com"


def test_plain_urls_still_load(backend: Path) -> None:
    settings = load(backend, hubEndpoint="https://hub.example.com", frontendUrl="https://app.example.com")
    assert settings.hub_endpoint == "https://hub.example.com"
