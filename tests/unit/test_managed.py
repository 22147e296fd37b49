"""One source of truth: the managed-settings table (components/config/managed.py) against Pulumi.yaml, what the settings
send, the README and the Hub descriptions; one token rule, one Space-id formula, one environment-name rule."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from pulumi.dynamic import ResourceProvider

from components.bundle.templating import render_readme
from components.config import CONFIG_KEYS, MANAGED_SECRETS, MANAGED_VARIABLES, SECRET_KEYS, Settings, managed
from components.deployment import _description
from components.errors import ConfigError
from components.rules.names import is_env_name, space_id_of
from components.rules.tokens import resolve_token
from components.space_config import SpaceSecretProvider, SpaceVariableProvider
from localhub.errors import HubError as LocalhubError
from localhub.spaces_common import check_env_key
from tests.unit.test_settings import load, minimal_backend
from tests.unit.test_templating import settings as example_settings

PULUMI_YAML = Path(__file__).resolve().parents[2] / "Pulumi.yaml"
TOKEN = "hf_" + "T" * 34


@pytest.fixture
def backend_dir(tmp_path: Path) -> Path:
    return minimal_backend(tmp_path / "backend")


# -- Pulumi.yaml, which cannot import the table ---------------------------------------------------


def test_pulumi_yaml_declares_the_table_and_config_keys() -> None:
    text = PULUMI_YAML.read_text()
    schema = yaml.safe_load(text)["config"]
    assert list(schema) == [k for k in CONFIG_KEYS if k not in SECRET_KEYS]  # same keys, same order
    comment = dict(re.findall(r"^#   (\w+) +(.*)$", text, re.M))
    assert list(comment) == list(SECRET_KEYS)  # the header comment lists every secret key, in order
    for row in managed.rows("secret"):
        assert comment[row.key].startswith(f"{row.name} Space secret"), row
    for row in managed.rows("variable"):
        assert row.name in schema[row.key]["description"], row
    assert [k for k in CONFIG_KEYS if k in {r.key for r in managed.MANAGED}] == [r.key for r in managed.MANAGED]


def test_the_table_is_consistent() -> None:
    assert len({r.key for r in managed.MANAGED}) == len({r.name for r in managed.MANAGED}) == len(managed.MANAGED)
    attributes = {f.name for f in fields(Settings)} | {n for n in dir(Settings) if not n.startswith("_")}
    for row in managed.MANAGED:
        assert is_env_name(row.name) and row.purpose and row.attribute in attributes, row
    assert {r.name: r.key for r in managed.MANAGED if r.kind == "secret"} == MANAGED_SECRETS
    assert {r.name: r.key for r in managed.MANAGED if r.kind == "variable"} == MANAGED_VARIABLES


# -- what the settings send -------------------------------------------------------------------------


def test_each_secret_row_becomes_its_space_secret(backend_dir: Path) -> None:
    values = managed.example_values("secret", "t3st")
    s = load(backend_dir, **values)
    assert s.secrets == {row.name: values[row.key] for row in managed.rows("secret")}
    assert load(backend_dir).secrets == {}


def test_each_variable_row_becomes_its_space_variable(backend_dir: Path) -> None:
    values = managed.example_values("variable", "t3st")
    s = load(backend_dir, **values)
    assert s.variables == {"QDRANT_COLLECTION": "documents-t3st", "LOG_LEVEL": "INFO",
                           "ALLOWED_ORIGINS": "https://t3st.example.com"}
    assert set(s.variables) == {row.name for row in managed.rows("variable")}


def test_managed_names_are_refused_as_extras_naming_their_key(backend_dir: Path) -> None:
    import json

    for row in managed.MANAGED:
        with pytest.raises(ConfigError) as error:
            load(backend_dir, extraSecrets=json.dumps({row.name: "some-value-123"}))
        assert row.name in str(error.value) and "hf-rag-space:extraSecrets" in str(error.value)


@pytest.mark.parametrize("row", managed.rows("variable"), ids=lambda r: r.key)
def test_a_token_in_any_managed_variable_is_refused(backend_dir: Path, row: managed.Managed) -> None:
    token = "hf_" + "A" * 34
    with pytest.raises(ConfigError) as error:
        load(backend_dir, **{row.key: token})
    assert f"hf-rag-space:{row.key}" in str(error.value) and f"public Space variable {row.name}" in str(error.value)


# -- README and Hub descriptions ---------------------------------------------------------------------


def test_readme_and_hub_descriptions_come_from_the_table() -> None:
    readme = render_readme(example_settings())
    for row in managed.rows("secret"):
        assert f"| `{row.name}` | {row.purpose} | no |" in readme
        assert f"`pulumi config set --secret {row.key} ...` for `{row.name}`" in readme
    for row in managed.MANAGED:
        assert _description(row.name) == f"{row.purpose} (managed by hf-rag-space)"
    assert _description("SENTRY_DSN") == "Additional setting (managed by hf-rag-space)"


# -- one token rule ----------------------------------------------------------------------------------


def test_token_rule_config_first_then_environment() -> None:
    assert resolve_token(TOKEN, {"HF_TOKEN": "hf_other"}) == TOKEN
    assert resolve_token(None, {"HF_TOKEN": TOKEN}) == TOKEN
    assert resolve_token("", {"HF_TOKEN": TOKEN}) == TOKEN


@pytest.mark.parametrize(("config", "env", "names"), [
    (None, {}, "hfToken"),
    (f"{TOKEN}\n", {}, "hfToken"),
    (f" {TOKEN}", {"HF_TOKEN": TOKEN}, "hfToken"),
    (None, {"HF_TOKEN": f"{TOKEN}\n"}, "HF_TOKEN"),
])
def test_token_rule_rejects_missing_or_whitespace(config: str | None, env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve_token(config, env)
    message = str(error.value)
    assert error.value.key == "hf-rag-space:hfToken" and names in message and "HF_TOKEN" in message
    assert TOKEN not in message


def test_providers_use_the_same_token_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider process used to strip a pasted newline that the program refuses: now both refuse it."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    provider = SpaceSecretProvider()
    provider._token_config = f"{TOKEN}\n"
    with pytest.raises(ConfigError, match="whitespace"):
        provider.token()
    provider._token_config = None
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert provider.token() == TOKEN
    monkeypatch.setenv("HF_TOKEN", f" {TOKEN} ")
    with pytest.raises(ConfigError, match="HF_TOKEN"):
        provider.api({"hub_endpoint": "http://127.0.0.1:9"})


# -- one Space-id formula, one environment-name rule ------------------------------------------------


def test_space_id_formula(backend_dir: Path) -> None:
    assert space_id_of("alice", "rag-chatbot") == "alice/rag-chatbot"
    assert load(backend_dir).space_id == space_id_of("alice", "rag-chatbot")


NAMES = ["GEMINI_API_KEY", "_x", "a1", "A_B_9", "", "1ABC", "A-B", "A B", "A.B", "ABC\n", "\nABC", "É", "ÄBC",
         "A\u0660"]


@pytest.mark.parametrize("name", NAMES)
def test_env_name_rule_agrees_with_localhub_and_the_providers(name: str) -> None:
    """localhub emulates the Hub's rule and must not import the product: both must agree on these names."""
    try:
        check_env_key(name)
        hub_accepts = True
    except LocalhubError:
        hub_accepts = False
    assert is_env_name(name) == hub_accepts
    providers: tuple[ResourceProvider, ...] = (SpaceSecretProvider(), SpaceVariableProvider())  # as the engine: dicts
    for provider in providers:
        failures = provider.check({}, {"key": name, "value": "v"}).failures
        assert (not failures) == hub_accepts, (provider, failures)
    assert hub_accepts == (name in ("GEMINI_API_KEY", "_x", "a1", "A_B_9"))
