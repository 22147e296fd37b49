"""config.from_config: parsing, derived values and every validation rule."""

from __future__ import annotations

import contextvars
import json
import re
from pathlib import Path

import pulumi
import pytest
import yaml
from huggingface_hub import SpaceHardware
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from components.config import CONFIG_KEYS, HARDWARE_FLAVORS, SECRET_KEYS, Settings, from_config, load_settings
from components.errors import ConfigError, ConfigErrors
from components.rules.names import hub_name_problem
from components.rules.urls import origin_of

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOKEN = "hf_" + "T" * 34
SECRETS = {
    "geminiApiKey": "AIzaGeminiSecretValue",
    "qdrantUrl": "https://cluster.cloud.qdrant.io:6333",
    "qdrantApiKey": "qdrant-secret-key-value",
    "databaseUrl": "postgresql://user:pgPassw0rdSecret@db.example.com:5432/app?sslmode=require",
}


def schema_defaults() -> dict[str, str]:
    """Pulumi.yaml defaults as the raw strings Pulumi hands the program."""
    schema = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]
    raw = {}
    for key, spec in schema.items():
        if "default" in spec:
            value = spec["default"]
            raw[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return raw


def minimal_backend(root: Path) -> Path:
    """The least a backend needs for the settings to accept it: an app and its requirements."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("app = None\n")
    (root / "requirements.txt").write_text("fastapi\n")
    return root


@pytest.fixture
def backend(tmp_path: Path) -> Path:
    return minimal_backend(tmp_path / "backend")


def make_cfg(backend: Path, **overrides: str | None) -> dict[str, str | None]:
    cfg: dict[str, str | None] = {
        **schema_defaults(),
        "hfOwner": "alice",
        "spaceName": "rag-chatbot",
        "hfToken": TOKEN,
        "backendDir": str(backend),
    }
    cfg.update(overrides)
    return cfg


def load(backend: Path, env: dict[str, str] | None = None, /, **overrides: str | None) -> Settings:
    return from_config(make_cfg(backend, **overrides), env or {}, backend.parent)


def problems(backend: Path, env: dict[str, str] | None = None, /, **overrides: str | None) -> list[ConfigError]:
    with pytest.raises(ConfigError) as info:
        load(backend, env, **overrides)
    error = info.value
    return list(error.errors) if isinstance(error, ConfigErrors) else [error]


def keys(errors: list[ConfigError]) -> list[str]:
    return [e.key for e in errors]


# -- schema ---------------------------------------------------------------------------------


def test_config_keys_match_pulumi_yaml() -> None:
    text = (PROJECT_DIR / "Pulumi.yaml").read_text()
    schema = yaml.safe_load(text)["config"]
    # Every plain key is declared with a default; every secret key is documented in the comment
    # above the schema instead (Pulumi cannot declare an optional secret) and enforced in components/config/
    assert sorted(schema) == sorted(k for k in CONFIG_KEYS if k not in SECRET_KEYS)
    assert all(spec.get("description") for spec in schema.values())
    assert sorted(k for k, spec in schema.items() if "default" not in spec) == ["hfOwner", "spaceName"]
    documented = re.findall(r"^#   (\w+) ", text, re.M)
    assert documented == list(SECRET_KEYS)


def test_secret_keys_stored_in_plaintext_are_refused(backend: Path) -> None:
    cfg = make_cfg(backend, geminiApiKey="plain-but-secret-1234")
    with pytest.raises(ConfigError) as err:
        from_config(cfg, {}, backend.parent, encrypted={"hfToken"})
    assert "hf-rag-space:geminiApiKey" in str(err.value) and "--secret geminiApiKey" in str(err.value)
    assert "plain-but-secret-1234" not in str(err.value)
    assert from_config(cfg, {}, backend.parent, encrypted={"hfToken", "geminiApiKey"}).gemini_api_key


def test_hardware_flavors_match_huggingface_hub() -> None:
    assert set(HARDWARE_FLAVORS) == {h.value for h in SpaceHardware}


# -- happy path -----------------------------------------------------------------------------


def test_defaults_and_types(backend: Path) -> None:
    s = load(backend)
    assert s.space_id == "alice/rag-chatbot"
    assert s.private is False and s.health_check is True and s.frontend_git_push is False
    assert s.rollback is True and load(backend, rollback="false").rollback is False
    assert s.sleep_time == 0 and s.health_timeout_seconds == 900
    assert s.hardware == "cpu-basic" and s.log_level == "INFO" and s.health_require == "healthy"
    assert s.hub_endpoint == "https://huggingface.co"
    assert s.backend_path == backend.resolve() and s.backend_path.is_absolute()
    assert s.frontend_url is None and s.frontend_path is None
    assert s.secrets == {}
    assert s.variables == {"LOG_LEVEL": "INFO", "QDRANT_COLLECTION": "documents"}


def test_relative_backend_dir_resolves_from_project_dir(backend: Path) -> None:
    s = from_config(make_cfg(backend, backendDir="backend"), {}, backend.parent)
    assert s.backend_dir == "backend" and s.backend_path == backend.resolve()


def test_secrets_and_variables(backend: Path) -> None:
    s = load(
        backend,
        **SECRETS,
        frontendUrl="https://my-app.vercel.app/chat?x=1",
        allowedOrigins="http://localhost:3000, https://my-app.vercel.app,http://localhost:3000/",
        extraSecrets=json.dumps({"SENTRY_DSN": "https://sentry-secret@o1.ingest.sentry.io/1"}),
        extraVariables=json.dumps({"FEATURE_X": True, "TOP_K": 4}),
        logLevel="debug",
    )
    assert s.secrets == {
        "DATABASE_URL": SECRETS["databaseUrl"],
        "GEMINI_API_KEY": SECRETS["geminiApiKey"],
        "QDRANT_API_KEY": SECRETS["qdrantApiKey"],
        "QDRANT_URL": SECRETS["qdrantUrl"],
        "SENTRY_DSN": "https://sentry-secret@o1.ingest.sentry.io/1",
    }
    assert s.variables == {
        "ALLOWED_ORIGINS": "https://my-app.vercel.app,http://localhost:3000",
        "FEATURE_X": "true",
        "LOG_LEVEL": "DEBUG",
        "QDRANT_COLLECTION": "documents",
        "TOP_K": "4",
    }
    assert TOKEN in s.secret_values and SECRETS["geminiApiKey"] in s.secret_values


def test_extra_variables_allowed_origins_wins_as_given(backend: Path) -> None:
    s = load(
        backend,
        frontendUrl="https://my-app.vercel.app",
        extraVariables=json.dumps({"ALLOWED_ORIGINS": "https://elsewhere.example"}),
    )
    assert s.variables["ALLOWED_ORIGINS"] == "https://elsewhere.example"


def test_wildcard_origin_and_origin_normalisation(backend: Path) -> None:
    s = load(backend, frontendUrl="HTTPS://App.Example.com:8443/x", allowedOrigins="*")
    assert s.variables["ALLOWED_ORIGINS"] == "https://app.example.com:8443,*"


def test_repr_hides_secrets(backend: Path) -> None:
    s = load(backend, **SECRETS, extraSecrets=json.dumps({"OTHER": "other-secret-value"}))
    text = repr(s) + str(s)
    for value in [TOKEN, *SECRETS.values(), "other-secret-value"]:
        assert value not in text


# -- token ----------------------------------------------------------------------------------


def test_token_falls_back_to_hf_token_env(backend: Path) -> None:
    assert load(backend, {"HF_TOKEN": "hf_fromenv"}, hfToken=None).hf_token == "hf_fromenv"
    assert load(backend, {"HF_TOKEN": "hf_fromenv"}).hf_token == TOKEN


def test_token_without_hf_prefix_is_accepted(backend: Path) -> None:
    assert load(backend, hfToken="localhub-token").hf_token == "localhub-token"


@pytest.mark.parametrize("env", [{}, {"HF_TOKEN": ""}])
def test_missing_token_says_how_to_set_it(backend: Path, env: dict[str, str]) -> None:
    [error] = problems(backend, env, hfToken=None)
    assert error.key == "hf-rag-space:hfToken"
    assert "pulumi config set --secret hfToken hf_..." in str(error) and "HF_TOKEN" in str(error)


@pytest.mark.parametrize("source", ["config", "env"])
def test_token_with_whitespace_is_rejected_without_printing_it(backend: Path, source: str) -> None:
    bad = TOKEN + "\n"
    errors = problems(backend, {"HF_TOKEN": bad}, hfToken=None) if source == "env" else problems(backend, hfToken=bad)
    assert keys(errors) == ["hf-rag-space:hfToken"]
    assert TOKEN not in str(errors[0]) and "whitespace" in str(errors[0])


# -- names ----------------------------------------------------------------------------------

VALID_NAMES = ["a", "rag-chatbot", "Foo-BAR_foo.bar123", "_private_", "x" * 96, "my_space.v1"]
INVALID_NAMES = [
    "",
    "-abc",
    "abc-",
    ".abc",
    "abc.",
    "a--b",
    "a..b",
    "space.git",
    "x" * 97,
    "a b",
    "a/b",
    "café",
]


@pytest.mark.parametrize("name", VALID_NAMES + INVALID_NAMES)
def test_hub_name_rules_agree_with_huggingface_hub(name: str) -> None:
    try:
        validate_repo_id(name)
        hub_valid = bool(name) and "/" not in name  # a name, not an owner/name id
    except HFValidationError:
        hub_valid = False
    assert (hub_name_problem(name) is None) is hub_valid


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_space_and_owner_names(backend: Path, name: str) -> None:
    errors = problems(backend, spaceName=name, hfOwner=name)
    assert keys(errors) == ["hf-rag-space:hfOwner", "hf-rag-space:spaceName"]


def test_missing_required_keys_are_reported_together(backend: Path) -> None:
    errors = problems(backend, hfOwner=None, spaceName=None, hfToken=None)
    assert keys(errors) == ["hf-rag-space:hfOwner", "hf-rag-space:spaceName", "hf-rag-space:hfToken"]
    assert all("pulumi config set" in str(e) for e in errors)


def test_missing_defaulted_key_is_an_error_not_a_python_default(backend: Path) -> None:
    cfg = make_cfg(backend)
    del cfg["hardware"]
    with pytest.raises(ConfigError, match="hf-rag-space:hardware"):
        from_config(cfg, {}, backend.parent)


# -- backend and frontend dirs --------------------------------------------------------------


def test_backend_dir_missing(backend: Path) -> None:
    [error] = problems(backend, backendDir=str(backend / "nope"))
    assert error.key == "hf-rag-space:backendDir" and "does not exist" in error.message


@pytest.mark.parametrize("missing", ["app/main.py", "requirements.txt"])
def test_backend_dir_incomplete(backend: Path, missing: str) -> None:
    (backend / missing).unlink()
    [error] = problems(backend)
    assert error.key == "hf-rag-space:backendDir" and missing in error.message


def test_frontend_dir(backend: Path, tmp_path: Path) -> None:
    [error] = problems(backend, frontendDir=str(tmp_path / "frontend"))
    assert error.key == "hf-rag-space:frontendDir"
    client = tmp_path / "frontend" / "src" / "services" / "api.ts"
    client.parent.mkdir(parents=True)
    [error] = problems(backend, frontendDir=str(tmp_path / "frontend"))
    assert error.key == "hf-rag-space:frontendClientFile"
    client.write_text("export {}\n")
    assert load(backend, frontendDir=str(tmp_path / "frontend")).frontend_path == (tmp_path / "frontend")


def test_frontend_optional_lets_frontend_dir_be_missing(backend: Path, tmp_path: Path) -> None:
    """`frontendOptional` is read before `frontendDir`: with it, a missing directory is no error (the patch is
    skipped there); the configured path is kept, the resolved one is None."""
    missing = str(tmp_path / "no-frontend")
    settings = load(backend, frontendDir=missing, frontendOptional="true")
    assert (settings.frontend_dir, settings.frontend_path, settings.frontend_optional) == (missing, None, True)
    assert keys(problems(backend, frontendDir=missing, frontendOptional="false")) == ["hf-rag-space:frontendDir"]


# -- secret values --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["geminiApiKey", "qdrantUrl", "qdrantApiKey", "databaseUrl"])
@pytest.mark.parametrize("pad", [" {}", "{}\n", "\t{} "])
def test_secret_with_whitespace_names_key_not_value(backend: Path, key: str, pad: str) -> None:
    [error] = problems(backend, **{key: pad.format(SECRETS[key])})
    assert error.key == f"hf-rag-space:{key}" and "whitespace" in error.message
    assert SECRETS[key] not in str(error)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@h/db?sslmode=require",
        "postgres://u:p@h:5432/db?sslmode=require&application_name=x",
        "postgresql+psycopg://u:p@h/db?sslmode=verify-full",
        "postgresql+asyncpg://u:p@h/db?ssl=require",
    ],
)
def test_database_url_valid(backend: Path, url: str) -> None:
    assert load(backend, databaseUrl=url).secrets["DATABASE_URL"] == url


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("mysql://u:pgPassw0rdSecret@h/db?sslmode=require", "Postgres URL"),
        ("pgPassw0rdSecret", "Postgres URL"),
        ("postgresql://u:pgPassw0rdSecret@h/db", "sslmode=require"),
        ("postgresql://u:pgPassw0rdSecret@h/db?sslmode=disable", "sslmode=require"),
        ("postgresql+asyncpg://u:pgPassw0rdSecret@h/db", "sslmode=require"),
    ],
)
def test_database_url_invalid(backend: Path, url: str, fix: str) -> None:
    [error] = problems(backend, databaseUrl=url)
    assert error.key == "hf-rag-space:databaseUrl" and fix in error.message
    assert "pgPassw0rdSecret" not in str(error)


@pytest.mark.parametrize("url", ["http://127.0.0.1:6333", "http://localhost:6333", "http://[::1]:6333"])
def test_qdrant_url_plain_http_only_on_loopback(backend: Path, url: str) -> None:
    assert load(backend, qdrantUrl=url).secrets["QDRANT_URL"] == url


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("http://cluster.qdrant.io:6333", "https://"),
        ("cluster.qdrant.io", "https://"),
        ("https://cluster.qdrant.io:6333/", "must not end with '/'"),
        ("https://cluster.qdrant.io:6333 ", "whitespace"),
    ],
)
def test_qdrant_url_invalid(backend: Path, url: str, fix: str) -> None:
    [error] = problems(backend, qdrantUrl=url)
    assert error.key == "hf-rag-space:qdrantUrl" and fix in error.message
    assert url.strip() not in str(error)


# -- origins --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["my-app.vercel.app", "ftp://my-app.example", "https://"])
def test_frontend_url_invalid(backend: Path, url: str) -> None:
    assert keys(problems(backend, frontendUrl=url)) == ["hf-rag-space:frontendUrl"]


@pytest.mark.parametrize("entry", ["ftp://x.example", "x.example", "https://x.example/path", "https://x.example?q=1"])
def test_allowed_origins_invalid(backend: Path, entry: str) -> None:
    [error] = problems(backend, allowedOrigins=f"https://ok.example,{entry}")
    assert error.key == "hf-rag-space:allowedOrigins" and repr(entry) in error.message


def test_origin_of() -> None:
    assert origin_of("https://a.example/b/c?d#e") == "https://a.example"
    assert origin_of("http://localhost:3000") == "http://localhost:3000"
    assert origin_of("http://[::1]:8000/x") == "http://[::1]:8000"
    assert origin_of("https://a.example:99999") is None
    assert origin_of("https://user:pw@a.example") is None


# -- maps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "fix"),
    [
        ("extraSecrets", "not json", "map of NAME -> value"),
        ("extraSecrets", '["a"]', "map of NAME -> value"),
        ("extraSecrets", '{"1BAD": "secret-value-1"}', "not a valid environment variable name"),
        ("extraSecrets", '{"BAD-NAME": "secret-value-1"}', "not a valid environment variable name"),
        ("extraSecrets", '{"NUM": 12345678}', "must be a string"),
        ("extraSecrets", '{"PADDED": " secret-value-1"}', "whitespace"),
        ("extraSecrets", '{"LOG_LEVEL": "secret-value-1"}', "Space variable"),
        ("extraSecrets", '{"GEMINI_API_KEY": "secret-value-1"}', "geminiApiKey"),
        ("extraVariables", '{"DATABASE_URL": "x"}', "Space secret"),
        ("extraVariables", '{"NESTED": {"a": 1}}', "string, number or boolean"),
        ("extraVariables", '{"bad name": "x"}', "not a valid environment variable name"),
    ],
)
def test_extra_maps_invalid(backend: Path, key: str, value: str, fix: str) -> None:
    [error] = problems(backend, **{key: value})
    assert error.key == f"hf-rag-space:{key}" and fix in error.message
    assert "secret-value-1" not in str(error)


def test_same_name_in_both_maps(backend: Path) -> None:
    errors = problems(backend, extraSecrets='{"SHARED": "secret-value-1"}', extraVariables='{"SHARED": "x"}')
    assert keys(errors) == ["hf-rag-space:extraSecrets"]


# -- scalars --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("logLevel", "verbose"),
        ("hardware", "h100-giant"),
        ("sleepTime", "-2"),
        ("sleepTime", "soon"),
        ("healthRequire", "always"),
        ("healthTimeoutSeconds", "0"),
        ("healthTimeoutSeconds", "-5"),
        ("healthPath", "api/health"),
        ("hubEndpoint", "ftp://hub.example"),
        ("hubEndpoint", "huggingface.co"),
        ("frontendDevUrl", "localhost:8000"),
        ("private", "yes"),
        ("healthCheck", "1"),
        ("rollback", "off"),
        ("qdrantCollection", " "),
        ("backendDir", ""),
        ("maxFileSizeMB", "0"),
        ("maxFileSizeMB", "5001"),
        ("maxFileSizeMB", "1.5"),
    ],
)
def test_invalid_scalar(backend: Path, key: str, value: str) -> None:
    [error] = problems(backend, **{key: value})
    assert error.key == f"hf-rag-space:{key}"


def test_scalar_normalisation(backend: Path) -> None:
    s = load(
        backend,
        logLevel="warning",
        hardware="T4-Small",
        sleepTime="-1",
        healthRequire="Reachable",
        hubEndpoint="http://127.0.0.1:8080/",
        private="true",
    )
    assert (s.log_level, s.hardware, s.sleep_time) == ("WARNING", "t4-small", -1)
    assert (s.health_require, s.hub_endpoint, s.private) == ("reachable", "http://127.0.0.1:8080", True)


def test_all_problems_in_one_error_without_secret_values(backend: Path) -> None:
    errors = problems(
        backend,
        hfOwner="-bad",
        spaceName="a..b",
        hardware="nope",
        logLevel="LOUD",
        healthPath="health",
        geminiApiKey=SECRETS["geminiApiKey"] + " ",
        databaseUrl="postgresql://user:pgPassw0rdSecret@h/db",
        qdrantUrl="http://qdrant.example/",
    )
    assert len(errors) == 8
    with pytest.raises(ConfigErrors) as info:
        load(backend, hfOwner="-bad", spaceName="a..b", databaseUrl="postgresql://u:pgPassw0rdSecret@h/db")
    message = str(info.value)
    assert message.startswith("3 configuration problems")
    assert "pgPassw0rdSecret" not in message and SECRETS["geminiApiKey"] not in message


# -- load_settings --------------------------------------------------------------------------


def test_load_settings_reads_pulumi_config(backend: Path) -> None:
    def run() -> Settings:
        config = {f"hf-rag-space:{k}": v for k, v in make_cfg(backend, backendDir="backend").items() if v is not None}
        pulumi.runtime.set_all_config(config, secret_keys=["hf-rag-space:hfToken"])
        return load_settings(project_dir=backend.parent)

    previous = pulumi.runtime.settings.SETTINGS.project
    pulumi.runtime.settings._set_project("hf-rag-space")
    try:
        s = contextvars.copy_context().run(run)
    finally:
        pulumi.runtime.settings._set_project(previous)
    assert s.space_id == "alice/rag-chatbot" and s.backend_path == backend.resolve()


# -- issue 11: what the config may do ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("spacename", "spaceName"), ("geminiKey", "geminiApiKey"), ("hf_token", "hfToken"),
     ("adopt_space", "adoptSpace"), ("qdrantApiKy", "qdrantApiKey")],
)
def test_unknown_key_suggests_the_closest(backend: Path, key: str, suggestion: str) -> None:
    cfg = make_cfg(backend)
    with pytest.raises(ConfigError) as info:
        from_config(cfg, {}, backend.parent, namespace_keys={*cfg, key})
    assert info.value.key == f"hf-rag-space:{key}"
    assert f"did you mean `{suggestion}`" in str(info.value) and f"pulumi config rm {key}" in str(info.value)


def test_unknown_key_without_a_close_match(backend: Path) -> None:
    cfg = make_cfg(backend)
    with pytest.raises(ConfigError) as info:
        from_config(cfg, {}, backend.parent, namespace_keys={*cfg, "zzzzzz"})
    assert "did you mean" not in str(info.value) and "Pulumi.yaml" in str(info.value)
    assert from_config(cfg, {}, backend.parent, namespace_keys=set(cfg)).space_name == "rag-chatbot"


def test_load_settings_sees_unknown_keys_of_its_namespace_only(backend: Path) -> None:
    def run() -> Settings:
        config = {f"hf-rag-space:{k}": v for k, v in make_cfg(backend, backendDir="backend").items() if v is not None}
        config["hf-rag-space:geminiKey"] = "AIzaSomething"
        config["aws:region"] = "eu-west-1"  # another namespace: not ours to judge
        pulumi.runtime.set_all_config(config, secret_keys=["hf-rag-space:hfToken", "hf-rag-space:geminiKey"])
        return load_settings(project_dir=backend.parent)

    previous = pulumi.runtime.settings.SETTINGS.project
    pulumi.runtime.settings._set_project("hf-rag-space")
    try:
        with pytest.raises(ConfigError) as info:
            contextvars.copy_context().run(run)
    finally:
        pulumi.runtime.settings._set_project(previous)
    assert info.value.key == "hf-rag-space:geminiKey" and "`geminiApiKey`" in str(info.value)
    assert "AIzaSomething" not in str(info.value) and "aws" not in str(info.value)


@pytest.mark.parametrize("key", ["hfToken", "geminiApiKey", "qdrantUrl", "qdrantApiKey", "databaseUrl"])
@pytest.mark.parametrize("inside", [" ", "\n", "\t", "\u00a0"])
def test_whitespace_inside_a_secret_names_the_key(backend: Path, key: str, inside: str) -> None:
    value = TOKEN if key == "hfToken" else SECRETS[key]
    bad = value[:8] + inside + value[8:]
    [error] = problems(backend, **{key: bad})
    assert error.key == f"hf-rag-space:{key}" and "whitespace" in error.message
    assert value[8:] not in str(error) and value[:8] + inside not in str(error)


def test_whitespace_inside_hf_token_env(backend: Path) -> None:
    [error] = problems(backend, {"HF_TOKEN": TOKEN[:10] + " " + TOKEN[10:]}, hfToken=None)
    assert error.key == "hf-rag-space:hfToken" and "HF_TOKEN environment variable" in error.message
    assert TOKEN[10:] not in str(error)


def test_extra_secret_may_hold_inner_whitespace(backend: Path) -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"
    assert load(backend, extraSecrets=json.dumps({"SIGNING_KEY": pem})).secrets["SIGNING_KEY"] == pem


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("OPENAI_API_KEY", "x", "ends in _KEY"),
        ("github_token", "x", "ends in _TOKEN"),
        ("JWT_SECRET", "x", "ends in _SECRET"),
        ("DB_PASSWORD", "x", "ends in PASSWORD"),
        ("UPSTREAM", "hf_" + "a" * 34, "Hugging Face token"),
        ("UPSTREAM", "sk-proj-" + "a1B2" * 8, "OpenAI-style key"),
        ("UPSTREAM", "sk_live_" + "a1B2" * 6, "Stripe key"),
        ("UPSTREAM", "ghp_" + "a1B2" * 9, "GitHub token"),
        ("UPSTREAM", "glpat-" + "a1B2" * 5, "GitLab token"),
        ("UPSTREAM", "AKIA" + "ABCDEFGHIJKLMNOP", "AWS access key id"),
        ("UPSTREAM", "xoxb-1234567890-abcdef", "Slack token"),
        ("UPSTREAM", "AIza" + "a" * 35, "Google API key"),
        ("UPSTREAM", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "JSON Web Token"),
        ("UPSTREAM", "-----BEGIN RSA PRIVATE KEY-----", "private key"),
        ("UPSTREAM", "postgresql://app:pw@db.example.com/rag", "password in a URL"),
    ],
)
def test_secret_looking_variable_points_to_extra_secrets(backend: Path, name: str, value: str, why: str) -> None:
    [error] = problems(backend, extraVariables=json.dumps({name: value}))
    assert error.key == "hf-rag-space:extraVariables" and why in error.message and name in error.message
    assert f"--secret --path 'extraSecrets.{name}'" in error.message and "public" in error.message
    if value != "x":
        assert value not in str(error)


@pytest.mark.parametrize("name", ["TOP_K", "MAX_TOKENS", "KEYWORDS", "MODEL_NAME", "PUBLIC_URL"])
def test_ordinary_variables_pass(backend: Path, name: str) -> None:
    assert load(backend, extraVariables=json.dumps({name: "https://example.com/x"})).variables[name]


def test_managed_variable_holding_a_token_is_refused(backend: Path) -> None:
    [error] = problems(backend, qdrantCollection="hf_" + "b" * 34)
    assert error.key == "hf-rag-space:qdrantCollection" and "Hugging Face token" in error.message


@pytest.mark.parametrize("key", ["extraVariables", "extraSecrets"])
def test_ownership_marker_name_is_reserved(backend: Path, key: str) -> None:
    [error] = problems(backend, **{key: json.dumps({"MANAGED_BY_PULUMI_STACK": "other/stack"})})
    assert error.key == f"hf-rag-space:{key}" and "ownership marker" in error.message


@pytest.mark.parametrize("endpoint", ["http://hub.example.com", "http://10.0.0.1:8080", "http://127.0.0.1.nip.io"])
def test_hub_endpoint_must_be_https_off_loopback(backend: Path, endpoint: str) -> None:
    [error] = problems(backend, hubEndpoint=endpoint)
    assert error.key == "hf-rag-space:hubEndpoint" and "https://" in error.message


@pytest.mark.parametrize("endpoint", ["http://localhost:9000", "http://127.0.0.1:1", "http://127.8.9.1",
                                      "http://[::1]:8080", "https://hub.example.com"])
def test_hub_endpoint_loopback_or_https_passes(backend: Path, endpoint: str) -> None:
    assert load(backend, hubEndpoint=endpoint).hub_endpoint == endpoint


@pytest.fixture
def frontend(tmp_path: Path) -> Path:
    root = tmp_path / "frontend"
    (root / "src" / "services").mkdir(parents=True)
    (root / "src" / "services" / "api.ts").write_text("export {}\n")
    return root


@pytest.mark.parametrize("client", ["/etc/passwd", "../outside.ts", "src/../../outside.ts", "src/..\\..\\x.ts"])
def test_frontend_client_file_must_stay_relative(backend: Path, frontend: Path, client: str) -> None:
    [error] = problems(backend, frontendDir=str(frontend), frontendClientFile=client)
    assert error.key == "hf-rag-space:frontendClientFile" and "inside frontendDir" in error.message


def test_frontend_client_file_link_out_is_refused(backend: Path, frontend: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.ts"
    outside.write_text("export {}\n")
    (frontend / "src" / "services" / "client.ts").symlink_to(outside)
    (frontend / "linked").symlink_to(tmp_path)
    for client in ("src/services/client.ts", "linked/outside.ts"):
        [error] = problems(backend, frontendDir=str(frontend), frontendClientFile=client)
        assert error.key == "hf-rag-space:frontendClientFile" and "link out of frontendDir" in error.message
    # A link that stays inside is fine.
    (frontend / "src" / "alias.ts").symlink_to(frontend / "src" / "services" / "api.ts")
    assert load(backend, frontendDir=str(frontend), frontendClientFile="src/alias.ts").frontend_client_file


@pytest.mark.parametrize(("value", "fix"), [("rag-chatbot", "owner/name"), ("alice/a--b", "owner/name"),
                                             ("alice/other", "this stack's Space is alice/rag-chatbot")])
def test_adopt_space_must_name_this_space(backend: Path, value: str, fix: str) -> None:
    [error] = problems(backend, adoptSpace=value)
    assert error.key == "hf-rag-space:adoptSpace" and fix in error.message


def test_adopt_space(backend: Path) -> None:
    assert load(backend).adopt_space is None
    assert load(backend, adoptSpace="alice/rag-chatbot").adopt_space == "alice/rag-chatbot"


# -- issue 13: sleep time ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sleep", ["300", "-1"])
def test_sleep_time_on_free_hardware_is_refused(backend: Path, sleep: str) -> None:
    [error] = problems(backend, sleepTime=sleep)
    assert error.key == "hf-rag-space:sleepTime" and "48 h" in error.message and "hardware" in error.message
    assert load(backend, sleepTime=sleep, hardware="cpu-upgrade").sleep_time == int(sleep)
    assert load(backend, sleepTime="0").sleep_time == 0
