"""The redactor: each kind of secret it replaces, what it leaves alone, and where providers get the values."""

from __future__ import annotations

import json
import logging
import secrets
import string
from typing import Any
from urllib.parse import quote

import pytest

from components.redact import RedactingFormatter, Redactor, marker, secrets_of_config, url_secret_parts
from components.rules.secret_scan import PLUGINS
from components.rules.tokens import TOKEN_FORMATS


def google_key() -> str:
    return "AIza" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(35))


@pytest.fixture
def password() -> str:
    return f"pw-{secrets.token_hex(12)}"


@pytest.fixture
def redact(password: str) -> Redactor:
    return Redactor({"DATABASE_URL": f"postgresql://app:{password}@db.example.com:5432/rag?sslmode=require",
                     "QDRANT_API_KEY": f"qd-{secrets.token_hex(4)}",
                     "PIP_EXTRA_INDEX_URL": f"https://pkgs.example.com/{secrets.token_hex(12)}/simple"})


def test_each_secret_value_is_replaced_by_a_marker_naming_it(redact: Redactor, password: str) -> None:
    url = f"postgresql://app:{password}@db.example.com:5432/rag?sslmode=require"
    assert redact(f"connect {url} failed") == f"connect {marker('DATABASE_URL')} failed"
    assert redact(f"as JSON: {json.dumps({'u': url})}") == 'as JSON: {"u": "[redacted DATABASE_URL]"}'
    assert password not in redact(f"encoded {quote(url, safe='')}")


def test_the_password_of_a_url_secret_is_a_secret_on_its_own(redact: Redactor, password: str) -> None:
    assert redact(f"auth failed for app, password {password}") == \
        "auth failed for app, password [redacted DATABASE_URL password]"


def test_a_token_in_a_url_path_is_found_where_a_tool_prints_only_the_path(redact: Redactor) -> None:
    index = next(v for k, v in redact_values(redact).items() if k == "PIP_EXTRA_INDEX_URL")
    token = index.split("/")[3]
    line = f"WARNING: Retrying after connection broken by 'ProtocolError': /{token}/simple/fastapi/"
    assert token not in redact(line) and "[redacted PIP_EXTRA_INDEX_URL token]" in redact(line)
    assert url_secret_parts("https://pypi.org/simple/") == {}  # ordinary path words are no tokens


def redact_values(redact: Redactor) -> dict[str, str]:
    return {n.name: n.text for n in redact._needles if "%" not in n.text}


def test_pydantic_truncation_keeps_no_part_of_the_secret(password: str) -> None:
    url = f"postgresql://app:{password}@db.example.com:5432/rag?sslmode=require"
    long_key = secrets.token_hex(40)
    redact = Redactor({"DATABASE_URL": url, "EXTRA": long_key})
    shown = f"input_value='{url[:24]}...{url[-24:]}', input_type=str"
    assert password[:7] not in redact(shown) and redact(shown).startswith("input_value='[redacted DATABASE_URL]...")
    # The tail after '@' holds no part of the secret: left as it is.
    assert redact(shown).endswith(f"...{url[-24:]}', input_type=str")
    cut = f"input_value='{long_key[:24]}...{long_key[-24:]}'"
    assert redact(cut) == "input_value='[redacted EXTRA]...[redacted EXTRA]'"
    # An ordinary word before an ellipsis is no secret fragment.
    assert redact("connecting to postgres... retrying") == "connecting to postgres... retrying"


def test_known_formats_are_replaced_whoever_owns_the_key() -> None:
    redact = Redactor({})
    key, hf = google_key(), f"hf_{secrets.token_hex(20)}"
    text = f"key {key} token {hf} url https://bob:hunter2-{secrets.token_hex(3)}@db.example.com/x"
    out = redact(text)
    assert key not in out and hf not in out and "hunter2" not in out
    assert "[redacted Google API key]" in out and "[redacted Hugging Face token]" in out
    assert "https://bob:[redacted" in out and "@db.example.com/x" in out
    github = "ghp_" + secrets.token_hex(18)
    assert github not in redact(f"GITHUB={github}")


def test_token_formats_come_from_the_scanner_and_the_settings_lists() -> None:
    """One source of truth: the redactor's formats are the file scanner's plugins and settings' list."""
    from components.redact import known_formats

    kinds = {str(f.secret_type) for f in known_formats()}
    assert {kind for kind, _ in TOKEN_FORMATS} <= kinds
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[str, Any] = get_mapping_from_secret_type_to_class()
    names = {cls.__name__: str(cls.secret_type) for cls in mapping.values()}
    assert {names[p] for p in PLUGINS} <= kinds
    from components.rules import secret_plugins
    from components.rules.secret_scan import OWN_PLUGINS

    assert {str(getattr(secret_plugins, p).secret_type) for p in OWN_PLUGINS} <= kinds


def test_the_stack_vendors_key_formats_are_redacted_in_what_the_app_prints() -> None:
    """A Groq, Anthropic or Neon secret the stack does not know, echoed by the app, is still replaced:
    the scanner's own plugins (components/rules/secret_plugins.py) are the redactor's formats too."""
    redact = Redactor({})
    groq = "gsk_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(48))
    anthropic = "sk-ant-api03-" + secrets.token_urlsafe(70)[:93] + "AA"
    neon_password = "npg_" + secrets.token_urlsafe(12)[:12]
    text = f"GROQ={groq} ANTHROPIC={anthropic} postgresql://neondb_owner:{neon_password}@ep-x.neon.tech/db"
    out = redact(text)
    assert groq not in out and anthropic not in out and neon_password not in out


def test_a_private_key_block_is_replaced_whole() -> None:
    body = secrets.token_hex(30)
    text = f"before\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nafter"
    assert Redactor({})(text) == "before\n[redacted private key]\nafter"


def test_markers_are_never_matched_again_and_ordinary_text_is_kept(redact: Redactor) -> None:
    text = "Space alice/rag-chatbot is RUNNING at http://127.0.0.1:7860/api/health; 12 files, sha 0a1b2c3d"
    assert redact(text) == text
    assert redact(redact("token hf_" + "a1" * 20)) == redact("token hf_" + "a1" * 20)
    assert Redactor({"SHORT": "abc"})("abc is too short to search for alone") == "abc is too short to search for alone"


def test_json_values_are_redacted_keys_and_all(redact: Redactor) -> None:
    qdrant = redact_values(redact)["QDRANT_API_KEY"]
    data = {"services": {qdrant: "ok", "qdrant": qdrant}, "list": [qdrant], "n": 3}
    shown = "[redacted QDRANT_API_KEY]"
    assert redact.value(data) == {"services": {shown: "ok", "qdrant": shown}, "list": [shown], "n": 3}


def test_errors_show_their_message_or_their_whole_traceback_redacted(redact: Redactor) -> None:
    qdrant = redact_values(redact)["QDRANT_API_KEY"]
    try:
        raise ValueError(f"bad {qdrant}")
    except ValueError as error:
        shown = redact.error_text(error)
        assert "Traceback (most recent call last)" in shown and qdrant not in shown
        assert redact.error_text(error, explained=(ValueError,)) == "bad [redacted QDRANT_API_KEY]"


def test_secrets_of_config_reads_every_secret_the_settings_send() -> None:
    config = {"geminiApiKey": "gem", "databaseUrl": "postgresql://u:p@h/d", "qdrantUrl": None,
              "extraSecrets": json.dumps({"WEBHOOK_SECRET": "w", "EMPTY": ""}), "hfToken": "hf_cfg",
              "spaceName": "not-a-secret"}
    found = secrets_of_config(config.get, {"HF_TOKEN": "hf_env"})
    assert found == {"GEMINI_API_KEY": "gem", "DATABASE_URL": "postgresql://u:p@h/d", "WEBHOOK_SECRET": "w",
                     "hfToken": "hf_cfg", "HF_TOKEN": "hf_env"}
    assert secrets_of_config({"extraSecrets": {"A": "b"}}.get, {}) == {"A": "b"}  # an object, not JSON text


def test_logging_output_goes_through_the_redactor(redact: Redactor) -> None:
    qdrant = redact_values(redact)["QDRANT_API_KEY"]
    record = logging.LogRecord("httpx", logging.WARNING, __file__, 1, "GET %s", (f"https://q/?k={qdrant}",), None)
    assert RedactingFormatter(redact).format(record) == "WARNING:httpx:GET https://q/?k=[redacted QDRANT_API_KEY]"


def test_provider_methods_raise_redacted_errors_without_their_cause() -> None:
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from components.hub import client as hub
    from components.provider_base import HubProvider, ProviderError

    key = google_key()

    class Echoing(HubProvider):
        def create(self, props: dict) -> None:  # type: ignore[override]
            try:
                raise OSError(f"cause holding {key}")
            except OSError as cause:
                raise hub.HubError(f"the Hub said {key}") from cause

        def delete(self, _id: str, props: dict) -> None:
            raise KeyError(key)

    provider = Echoing()
    provider.configure(ConfigureRequest(Config({"hf-rag-space:geminiApiKey": key}, "hf-rag-space")))
    with pytest.raises(hub.HubError) as explained:
        provider.create({})
    assert str(explained.value) == "the Hub said [redacted GEMINI_API_KEY]"
    assert explained.value.__cause__ is None and explained.value.__suppress_context__
    with pytest.raises(ProviderError) as programming:
        provider.delete("id", {})
    assert "Traceback" in str(programming.value) and "KeyError: '[redacted GEMINI_API_KEY]'" in str(programming.value)
    assert key not in str(programming.value)


def test_a_provider_process_logs_and_warns_through_the_redactor(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    from components.provider_base import install_log_redaction

    key = google_key()
    root = logging.getLogger()
    for stale in [h for h in root.handlers if getattr(h, "_hf_rag_space", False)]:
        root.removeHandler(stale)  # installed by an earlier test, writing to that test's captured stderr
    logging.captureWarnings(False)  # likewise: capture anew inside this test's own warnings context
    before = list(root.handlers)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            install_log_redaction(Redactor({"GEMINI_API_KEY": key}))
            logging.getLogger("huggingface_hub").warning("request to https://x/?key=%s failed", key)
            warnings.warn(f"deprecated, key {key}", UserWarning, stacklevel=1)
        err = capsys.readouterr().err
        assert key not in err and err.count("[redacted GEMINI_API_KEY]") == 2
    finally:
        logging.captureWarnings(False)
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
