"""Config that reaches the app's environment or its Space card, with the real CLI against localhub: every
bad value fails `pulumi preview` naming the key, before anything is written (localhub counts the writes),
and a secret canary in it is never printed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_health import printed

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"


@dataclass
class Case:
    """One bad setting: how to set it, what preview must print, the canary it must not print, the undo."""

    what: str
    apply: Callable[[Stack, Hub], None]
    expected: tuple[str, ...]
    canary: str | None
    undo: tuple[str, ...]


def secret_entry(name: str, value: str) -> Callable[[Stack, Hub], None]:
    return lambda stack, _hub: stack.config_set(f"extraSecrets.{name}", value, secret=True, path=True)


def variable_entry(name: str, value: str) -> Callable[[Stack, Hub], None]:
    return lambda stack, _hub: stack.config_set(f"extraVariables.{name}", value, path=True)


def plain(key: str, value: str) -> Callable[[Stack, Hub], None]:
    return lambda stack, _hub: stack.config_set(key, value)


def deploy_token(stack: Stack, hub: Hub) -> None:
    stack.config_set("extraSecrets.HF_TOKEN", hub.token, secret=True, path=True)


def mixed_plain_entry(value: str) -> Callable[[Stack, Hub], None]:
    def apply(stack: Stack, _hub: Hub) -> None:
        stack.config_set("extraSecrets.WEBHOOK_SECRET", f"webhook-{secrets.token_hex(8)}", secret=True, path=True)
        stack.config_set("extraSecrets.SIGNING_KEY", value, path=True)  # --secret forgotten
    return apply


def cases() -> list[Case]:
    tag = secrets.token_hex(8)
    rm_secrets, rm_variables = ("config", "rm", "extraSecrets"), ("config", "rm", "extraVariables")
    return [
        Case("secret named PATH", secret_entry("PATH", f"/opt/{tag}/bin"),
             ("hf-rag-space:extraSecrets", "PATH cannot be set", "'extraSecrets.PATH'"), f"/opt/{tag}/bin",
             rm_secrets),
        Case("variable LD_PRELOAD", variable_entry("LD_PRELOAD", "/tmp/evil.so"),
             ("hf-rag-space:extraVariables", "LD_PRELOAD cannot be set", "runtime depends on it"), None, rm_variables),
        Case("variable PYTHONPATH", variable_entry("PYTHONPATH", "/tmp"),
             ("hf-rag-space:extraVariables", "PYTHONPATH cannot be set"), None, rm_variables),
        Case("variable PORT", variable_entry("PORT", "9000"), ("hf-rag-space:extraVariables", "PORT cannot be set"),
             None, rm_variables),
        Case("variable SPACE_ID", variable_entry("SPACE_ID", "bob/other"),
             ("hf-rag-space:extraVariables", "SPACE_ID cannot be set", "the Hub sets it"), None, rm_variables),
        Case("secret OAUTH_CLIENT_SECRET", secret_entry("OAUTH_CLIENT_SECRET", f"oauth-{tag}"),
             ("hf-rag-space:extraSecrets", "OAUTH_CLIENT_SECRET cannot be set", "the Hub sets it"), f"oauth-{tag}",
             rm_secrets),
        Case("the deploy token as extraSecrets.HF_TOKEN", deploy_token,
             ("hf-rag-space:extraSecrets", "HF_TOKEN holds the deploy token", "shareHfTokenWithApp true"), None,
             rm_secrets),
        Case("database_url beside databaseUrl", secret_entry("database_url", f"postgresql://a:pw-{tag}@h/d"),
             ("hf-rag-space:extraSecrets", "DATABASE_URL (`databaseUrl`) and database_url "
              "(`extraSecrets.database_url`) differ only by case"), f"pw-{tag}", rm_secrets),
        Case("extraSecrets entry set without --secret", mixed_plain_entry(f"signing-{tag}"),
             ("hf-rag-space:extraSecrets", "entry SIGNING_KEY is stored in plaintext",
              "pulumi config set --secret --path 'extraSecrets.SIGNING_KEY' <value>"), f"signing-{tag}", rm_secrets),
        Case("spaceTitle with a line separator", plain("spaceTitle", "Docs\u2028title: fake"),
             ("hf-rag-space:spaceTitle", "U+2028 (line separator)"), None, ("config", "rm", "spaceTitle")),
        Case("spaceDescription with NEXT LINE", plain("spaceDescription", "Answers\x85sdk: gradio"),
             ("hf-rag-space:spaceDescription", "U+0085 (next line)"), None, ("config", "rm", "spaceDescription")),
        Case("spaceTitle with an escape sequence", plain("spaceTitle", "Docs \x1b[31mred"),
             ("hf-rag-space:spaceTitle", "U+001B (escape)"), None, ("config", "rm", "spaceTitle")),
        Case("spaceDescription with a paragraph separator", plain("spaceDescription", "One\u2029Two"),
             ("hf-rag-space:spaceDescription", "U+2029 (paragraph separator)"), None,
             ("config", "rm", "spaceDescription")),
    ]


def test_settings_reaching_the_app_environment_or_card_fail_preview_and_write_nothing(project: Stack,
                                                                                       hub: Hub) -> None:
    project.config_set("databaseUrl", f"postgresql://app:pw-{secrets.token_hex(8)}@db.example.com/rag?sslmode=require",
                       secret=True)
    rows = []
    outputs: dict[str, str] = {}
    for case in cases():
        case.apply(project, hub)
        hub.reset_stats()
        result = project.preview(check=False)
        out = printed(result)
        leaked = case.canary is not None and case.canary in out
        rows.append((case.what, result.returncode, [e for e in case.expected if e not in out],
                     hub.stats()["write_requests"], leaked, "Traceback" in out or "duplicate" in out.lower()))
        outputs[case.what] = out[-3000:]  # shown when the case fails: what the CLI printed
        project.run(*case.undo)
    failing = [row for row in rows if row[1] == 0 or row[2] or row[3] or row[4] or row[5]]
    assert failing == [], (failing, {what: noise for what, noise in outputs.items()
                                     if any(row[0] == what for row in failing)})
    assert hub.token not in project.everything_printed()
    # Opting in shares the token on purpose; the good configuration then deploys.
    deploy_token(project, hub)
    project.config_set("shareHfTokenWithApp", "true")
    project.up()
    assert "HF_TOKEN" in hub.api().get_space_secrets(SPACE)
    assert hub.token not in project.everything_printed()
