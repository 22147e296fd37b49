"""Issue 11, what reaches the Hub, with the real CLI: every class of leak (links out or onto excluded
paths, credential files, secrets inside a .py file, credentialed index URLs) is planted at once with a
random canary; one preview names every path, `pulumi up` fails with localhub's write counters at 0,
and no canary is anywhere in localhub's data directory. Then the fixed backend deploys, with a known
false positive allowed by `allowSecretsIn` and gitignored credential files left out; staged copies
are private and `pulumi destroy` removes them."""

from __future__ import annotations

import os
import secrets
import stat
import string
from pathlib import Path

import pytest

from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import Stack
from tests.e2e.test_deploy import remote_bytes, remote_tree

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def canary() -> str:
    return f"canary{rand(20)}"


def plant(backend: Path, outside: Path, gemini: str) -> dict[str, tuple[str, str]]:
    """Plant one leak per class; return case -> (canary, text the failing preview must print)."""
    cases: dict[str, tuple[str, str]] = {}
    app = backend / "app"

    def put(rel: str, text: str) -> None:
        path = backend / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    # Symlinks.
    c = canary()
    (outside / "secret.py").write_text(f"TOKEN = '{c}'\n")
    (app / "escape.py").symlink_to(outside / "secret.py")
    cases["link outside backendDir"] = (c, f"app/escape.py is a symlink to {outside / 'secret.py'}, outside backendDir")
    c = canary()
    put(".env", f"GEMINI_API_KEY={c}\n")  # the example's .gitignore ignores .env
    (app / "settings.txt").symlink_to("../.env")
    cases["inside link to an ignored file"] = (c, "app/settings.txt is a symlink to .env, which is")
    c = canary()
    put("ops.log", f"root password {c}\n")  # ignored (*.log): never uploaded, unless a link pulls it in
    (app / "up").symlink_to("..")
    cases["link to the backend root"] = (c, "app/up is a symlink to the backend root")
    (app / "loop").symlink_to(".")
    cases["link cycle"] = ("", "app/loop is a symlink cycle")

    # Credential files, by name (any folder) and by content.
    by_name = ["id_rsa", "id_ed25519", "id_ecdsa", "server.pem", "tls.key", "cert.p12", "cert.pfx", ".netrc",
               ".npmrc", ".pypirc", ".git-credentials", ".docker/config.json", ".dockercfg", ".kube/config",
               "credentials.json", "secrets.toml", ".envrc", ".aws/credentials", ".ssh/config", ".gnupg/gpg.conf"]
    for name in by_name:
        c = canary()
        put(f"app/deploy/{name}", f"{c}\n")
        cases[f"credential file {name}"] = (c, f"app/deploy/{name.split('/')[0]} is a credential file")
    c = canary()
    put("app/keys/deploy.txt", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{c}\n-----END OPENSSH PRIVATE KEY-----\n")
    cases["private key block in any file"] = (c, "app/keys/deploy.txt holds a private key block")
    c = canary()
    put("app/gcp.json", f'{{"type": "service_account", "private_key": "{c}"}}\n')
    cases["service-account JSON"] = (c, "app/gcp.json holds a service-account JSON with a private_key")

    # Secrets inside .py files: one file per kind, so the message proves file, line and kind.
    kinds = {
        "aws": (f"AKIA{rand(16, string.ascii_uppercase + string.digits)}", "AWS Access Key"),
        "github": (f"ghp_{rand(36)}", "GitHub Token"),
        "gitlab": (f"glpat-{rand(20)}", "GitLab Token"),
        "openai": (f"sk-{rand(20)}T3BlbkFJ{rand(20)}", "OpenAI Token"),
        "stripe": (f"sk_live_{rand(24)}", "Stripe Access Key"),
        "slack": (f"xoxb-{rand(12, string.digits)}-{rand(12, string.digits)}-{rand(24)}", "Slack Token"),
        "jwt": (f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{rand(43)}", "JSON Web Token"),
        "url": (f"postgres://app:{rand(16)}@db.example.com/rag", "Postgres URL with a password"),
        "hf": (f"hf_{rand(34)}", "contains something shaped like a Hugging Face token"),
        "own secret": (gemini, "contains the value of GEMINI_API_KEY"),
    }
    for kind, (value, name) in kinds.items():
        rel = f"app/leaks/{kind.replace(' ', '_')}.py"
        put(rel, f'"""Module."""\n\nVALUE = "{value}"\n')
        shape = kind in ("hf", "own secret")  # checked by the bundle itself, per file
        text = f"{rel} {name}" if shape else f"{rel} line 3 holds a secret ({name})"
        cases[f"{kind} secret in a .py file"] = (value, text)
    # Files the scanner used to skip: by name (.map, .css, lock files) or as "binary" (Latin-1, UTF-16).
    skipped = {
        "static/app.js.map": ("utf-8", "source map"),
        "static/site.css": ("utf-8", "stylesheet"),
        "frontend/yarn.lock": ("utf-8", "lock file"),
        "app/leaks/latin1.py": ("latin-1", "Latin-1 file"),
        "app/leaks/notes_utf16.txt": ("utf-16", "UTF-16 file"),
    }
    for rel, (encoding, what) in skipped.items():
        token = f"ghp_{rand(36)}"
        path = backend / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"/* caf\u00e9 */\nconst token = '{token}';\n".encode(encoding))
        cases[f"secret in a {what}"] = (token, f"{rel} line 2 holds a secret (GitHub Token)")
    c = canary()
    put("app/leaks/private_key.py", f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{c}\n"""\n')
    cases["private key in a .py file"] = (c, "app/leaks/private_key.py holds a private key block")

    # Credentialed index URLs in requirements.txt.
    c1, c2 = canary(), canary()
    requirements = backend / "requirements.txt"
    requirements.write_text(requirements.read_text() + f"--extra-index-url https://me:{c1}@pypi.example.com/simple\n"
                            f"mylib @ git+https://{c2}@github.com/acme/mylib.git\n")
    lines = len(requirements.read_text().splitlines())
    cases["credentialed index URL"] = (c1, f"requirements.txt line {lines - 1} carries credentials in a URL")
    cases["git+https://TOKEN@ requirement"] = (c2, f"requirements.txt line {lines} carries credentials in a URL")

    # Includes copy a file into the uploaded requirements: they meet the upload rules (.env, *.log ignored).
    requirements.write_text(requirements.read_text() + "-r .env  # the settings\n-cops.log\n")
    cases["-r include of the ignored .env"] = (cases["inside link to an ignored file"][0],
                                               f"requirements.txt line {lines + 1} includes .env (-r), which is an "
                                               "environment file")
    cases["-c include of an ignored log"] = (cases["link to the backend root"][0],
                                             f"requirements.txt line {lines + 2} includes ops.log (-c), which is "
                                             "left out by default (a log file")
    return cases


def found_in(directory: Path, needle: str) -> int:
    """How many files under ``directory`` hold ``needle``."""
    data = needle.encode()
    return sum(1 for path in directory.rglob("*") if path.is_file() and data in path.read_bytes())


def test_nothing_unsafe_reaches_the_hub(project: Stack, hub: Hub, tmp_path: Path) -> None:
    backend = project.workdir / "backend"
    outside = tmp_path / "outside"
    outside.mkdir()
    gemini = f"gemini-canary-{rand(16)}"
    project.config_set("geminiApiKey", gemini, secret=True)
    cases = plant(backend, outside, gemini)
    hub_data = tmp_path / "hub"

    # 1. One preview names every path; `up` fails the same way and writes nothing to the Hub.
    hub.reset_stats()
    preview = project.preview(check=False)
    printed = preview.stdout + preview.stderr
    assert preview.returncode != 0 and "Traceback" not in printed
    missing = {case: text for case, (_, text) in cases.items() if text not in printed}
    assert not missing, (missing, printed[-6000:])
    assert "allowSecretsIn" in printed and ".gitignore" in printed  # the fixes are named
    up = project.up(check=False)
    assert up.returncode != 0 and cases["link outside backendDir"][1] in up.stdout + up.stderr
    assert hub.stats()["write_requests"] == 0 and hub.stats()["mutating_requests"] == 0
    rows = []
    for case, (value, text) in cases.items():
        if value:
            assert value not in project.everything_printed(), case
            assert found_in(hub_data, value) == 0, case
        rows.append(f"| {case} | preview | {text} | {found_in(hub_data, value) if value else '-'} |")
    print("\n".join(rows))

    # 2. The files the product reads may not link out: `app` itself and requirements.txt.
    real_app = backend.parent / "real-app"
    os.replace(backend / "app", real_app)
    os.replace(real_app, outside / "app")
    (backend / "app").symlink_to(outside / "app")
    c = canary()
    (outside / "requirements.txt").write_text(f"fastapi  # {c}\n")
    os.replace(backend / "requirements.txt", backend.parent / "requirements.bak")
    (backend / "requirements.txt").symlink_to(outside / "requirements.txt")
    result = project.up(check=False)
    printed = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"app is a symlink to {outside / 'app'}, outside backendDir" in printed
    assert f"requirements.txt is a symlink to {outside / 'requirements.txt'}, outside backendDir" in printed
    assert hub.stats()["write_requests"] == 0 and found_in(hub_data, c) == 0

    # 3. Fixed: the leaks removed, a credential file gitignored, a known false positive allowed by config.
    (backend / "app").unlink()
    (backend / "requirements.txt").unlink()
    os.replace(outside / "app", backend / "app")
    os.replace(backend.parent / "requirements.bak", backend / "requirements.txt")
    requirements = backend / "requirements.txt"
    requirements.write_text("".join(line for line in requirements.read_text().splitlines(keepends=True)
                                    if "@" not in line and not line.startswith(("-r", "-c"))))
    for rel in ("static/app.js.map", "static/site.css", "frontend/yarn.lock"):
        (backend / rel).unlink()
    for name in ("escape.py", "settings.txt", "up", "loop"):
        (backend / "app" / name).unlink()
    for folder in ("deploy", "keys", "leaks"):
        for path in sorted((backend / "app" / folder).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (backend / "app" / folder).rmdir()
    (backend / "app" / "gcp.json").unlink()
    ignored_key = canary()
    (backend / "app" / "local.pem").write_text(f"{ignored_key}\n")
    (backend / ".gitignore").write_text((backend / ".gitignore").read_text() + "\n*.pem\n")
    fixture = f"AKIA{rand(16, string.ascii_uppercase + string.digits)}"
    (backend / "app" / "aws_docs.py").write_text(f'"""The format of an AWS key id."""\nEXAMPLE = "{fixture}"\n')
    refused = project.preview(check=False)
    printed = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "app/aws_docs.py line 2 holds a secret (AWS Access Key)" in printed
    project.run("config", "set", "--plaintext", "--path", "allowSecretsIn[0]", "app/aws_docs.py")
    project.config_set("spaceEmoji", "🤖")  # the Space card from config (issue 14), through the real CLI
    project.config_set("spaceDescription", "Docs chat: answers from our handbook")
    project.up()
    card = remote_bytes(hub, "README.md").decode()
    assert "\nemoji: 🤖\n" in card and "short_description: 'Docs chat: answers from our handbook'\n" in card
    tree = set(remote_tree(hub))
    assert "app/aws_docs.py" in tree and "app/local.pem" not in tree and found_in(hub_data, fixture) >= 1
    for case, (value, _) in cases.items():
        if value and case != "own secret secret in a .py file":  # that one is checked below
            assert found_in(hub_data, value) == 0, case
    assert found_in(hub_data, ignored_key) == 0
    # The stack's own secret is stored by the Hub as a Space secret (that is its job): not in any file.
    assert not [p for p in remote_tree(hub) if gemini.encode() in remote_bytes(hub, p)]

    # 4. Staged copies: the owner's only; `pulumi destroy` removes them.
    staging = project.workdir / ".hf-rag-space"
    for directory in (staging, staging / project.name, staging / project.name / "blobs"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    blobs = list((staging / project.name / "blobs").iterdir())
    assert blobs and all(stat.S_IMODE(b.stat().st_mode) == 0o600 for b in blobs)
    project.destroy()
    assert not staging.exists()
