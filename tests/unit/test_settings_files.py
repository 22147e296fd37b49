"""Settings for what reaches the Hub: ``allowSecretsIn``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_settings import backend, keys, load, problems  # noqa: F401 (backend is a fixture)


def test_allow_secrets_in_defaults_to_nothing(backend: Path) -> None:  # noqa: F811
    assert load(backend).allow_secrets_in == ()


def test_allow_secrets_in_is_a_list_of_relative_paths(backend: Path) -> None:  # noqa: F811
    settings = load(backend, allowSecretsIn='["app/fixtures.py", "app/a.py", "app/a.py"]')
    assert settings.allow_secrets_in == ("app/a.py", "app/fixtures.py")


@pytest.mark.parametrize("raw", ['"app/a.py"', '{"a": 1}', "[1]", '["/etc/passwd"]', '["../x.py"]', '[""]'])
def test_allow_secrets_in_refuses_anything_else_naming_the_key(backend: Path, raw: str) -> None:  # noqa: F811
    errors = problems(backend, allowSecretsIn=raw)
    assert keys(errors) == ["hf-rag-space:allowSecretsIn"]
    assert "allowSecretsIn" in str(errors[0])
