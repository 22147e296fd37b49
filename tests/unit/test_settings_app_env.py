"""Settings that reach the app's environment or its Space card: names the runtime or the Hub owns, names
that differ only by case, the deploy token as an app secret, plaintext extraSecrets entries, and card text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config import from_config, plaintext_map_entries
from components.rules.card import card_text_problem
from components.rules.names import HUB_ENV_NAMES, RUNTIME_ENV_NAMES, reserved_env_name
from tests.unit.test_settings import TOKEN, load, make_cfg, minimal_backend, problems


@pytest.fixture
def backend(tmp_path: Path) -> Path:
    return minimal_backend(tmp_path / "backend")


@pytest.mark.parametrize("name", [*RUNTIME_ENV_NAMES, *HUB_ENV_NAMES, "OAUTH_SCOPES", "OAUTH_ANYTHING"])
@pytest.mark.parametrize("key", ["extraSecrets", "extraVariables"])
def test_names_the_runtime_or_the_hub_sets_are_refused(backend: Path, key: str, name: str) -> None:
    errors = problems(backend, **{key: json.dumps({name: "x-value"})})
    assert [e.key for e in errors] == [f"hf-rag-space:{key}"]
    assert name in errors[0].message and f"pulumi config rm --path '{key}.{name}'" in errors[0].message


@pytest.mark.parametrize("name", ["PATHS", "MY_PATH", "HOMEPAGE_URL", "SPACE_NAME_SUFFIX", "TOP_K", "OAUTH",
                                  "path", "port"])
def test_ordinary_names_are_the_users(backend: Path, name: str) -> None:
    assert reserved_env_name(name) is None
    assert load(backend, extraVariables=json.dumps({name: "1"})).extra_variables == {name: "1"}


def test_invalid_environment_names_are_refused(backend: Path) -> None:
    for name in ("1ABC", "MY-KEY", "A B", "É"):
        errors = problems(backend, extraSecrets=json.dumps({name: "v"}))
        assert "not a valid environment variable name" in errors[0].message, name


def test_names_differing_only_by_case_fail_naming_both(backend: Path) -> None:
    errors = problems(backend, extraSecrets=json.dumps({"database_url": "postgresql://x"}))
    assert [e.key for e in errors] == ["hf-rag-space:extraSecrets"]
    assert "DATABASE_URL (`databaseUrl`)" in errors[0].message
    assert "database_url (`extraSecrets.database_url`)" in errors[0].message
    errors = problems(backend, extraSecrets=json.dumps({"Webhook": "a"}), extraVariables=json.dumps({"WEBHOOK": "1"}))
    assert "Webhook (`extraSecrets.Webhook`) and WEBHOOK (`extraVariables.WEBHOOK`)" in errors[0].message
    errors = problems(backend, extraVariables=json.dumps({"Log_Level": "x"}))
    assert "LOG_LEVEL (`logLevel`)" in errors[0].message


def test_the_deploy_token_as_an_app_secret_needs_the_opt_in(backend: Path) -> None:
    errors = problems(backend, extraSecrets=json.dumps({"HF_TOKEN": TOKEN}))
    assert [e.key for e in errors] == ["hf-rag-space:extraSecrets"]
    assert "HF_TOKEN holds the deploy token" in errors[0].message
    assert "pulumi config set shareHfTokenWithApp true" in errors[0].message and TOKEN not in str(errors[0])
    errors = problems(backend, {"HF_TOKEN": TOKEN}, hfToken=None, geminiApiKey=TOKEN)
    assert [e.key for e in errors] == ["hf-rag-space:geminiApiKey"]
    shared = load(backend, extraSecrets=json.dumps({"HF_TOKEN": TOKEN}), shareHfTokenWithApp="true")
    assert shared.secrets["HF_TOKEN"] == TOKEN
    other = "hf_" + "R" * 34  # a token of its own (read-only) is fine
    assert load(backend, extraSecrets=json.dumps({"HF_TOKEN": other})).secrets["HF_TOKEN"] == other


def test_plaintext_extra_secret_entries_fail_with_the_command_to_reset_each(backend: Path, tmp_path: Path) -> None:
    cfg = make_cfg(backend, extraSecrets=json.dumps({"WEBHOOK_SECRET": "w-secret", "PLAIN_ONE": "p-secret"}))
    # Mixed: the engine calls the map secret (one entry is); the stack file shows which entry is plain.
    with pytest.raises(Exception) as err:
        from_config(cfg, {}, backend.parent, encrypted={"hfToken", "extraSecrets"},
                             plaintext_entries=["PLAIN_ONE"])
    text = str(err.value)
    assert "pulumi config set --secret --path 'extraSecrets.PLAIN_ONE' <value>" in text
    assert "WEBHOOK_SECRET" not in text and "p-secret" not in text
    # All plain: every entry named with its own command.
    with pytest.raises(Exception) as err:
        from_config(cfg, {}, backend.parent, encrypted={"hfToken"})
    assert "'extraSecrets.PLAIN_ONE'" in str(err.value) and "'extraSecrets.WEBHOOK_SECRET'" in str(err.value)
    stack = tmp_path / "project"
    stack.mkdir()
    (stack / "Pulumi.yaml").write_text("name: p\n")
    (stack / "Pulumi.dev.yaml").write_text(
        "config:\n  p:extraSecrets:\n    WEBHOOK_SECRET:\n      secure: v1:abc\n    PLAIN_ONE: p-secret\n")
    assert plaintext_map_entries(stack, "dev", "p:extraSecrets") == ["PLAIN_ONE"]
    assert plaintext_map_entries(stack, "other", "p:extraSecrets") == []


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x85", "\u2028", "\u2029", "\u202e"])
@pytest.mark.parametrize("key", ["spaceTitle", "spaceDescription"])
def test_card_text_with_control_or_separator_characters_is_refused(backend: Path, key: str, char: str) -> None:
    errors = problems(backend, **{key: f"Docs{char}Chat"})
    assert [e.key for e in errors] == [f"hf-rag-space:{key}"]
    assert f"U+{ord(char):04X}" in errors[0].message


def test_card_text_keeps_emoji_sequences_and_accents(backend: Path) -> None:
    assert card_text_problem("Café des docs 👩\u200d💻") is None
    assert load(backend, spaceTitle="Café 👩\u200d💻").card_title == "Café 👩\u200d💻"


@pytest.mark.parametrize("key", ["healthPath", "corsCheckPath", "qdrantCollection"])
def test_other_values_written_into_the_readme_are_one_line(backend: Path, key: str) -> None:
    errors = problems(backend, **{key: "/api/health\u2028| fake | row |"})
    assert f"hf-rag-space:{key}" in [e.key for e in errors]
    assert any("U+2028" in e.message for e in errors)


def test_variable_values_in_the_readme_table_cannot_start_a_line(backend: Path) -> None:
    from components.bundle.templating import render_readme

    value = "first\nsneaky | x\u2028third"
    readme = render_readme(load(backend, extraVariables=json.dumps({"NOTE": value})))
    row = next(line for line in readme.splitlines() if line.startswith("| `NOTE`"))
    assert row == "| `NOTE` | `first\\nsneaky \\| x\\u2028third` | Additional variable |"
    assert "\u2028" not in readme and "sneaky" not in readme.replace(row, "")
