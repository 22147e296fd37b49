"""Credential files and credentialed requirement lines: things that never leave the machine.

Pure and fast (names first, then a look at the content of files that would be uploaded). The
content scan for secrets *inside* ordinary files is ``components/secret_scan.py``.
"""

from __future__ import annotations

import json
import re

from pathspec import GitIgnoreSpec

#: Credential files by name (gitignore syntax, any folder), with the kind named in messages.
_NAMED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SSH private key", ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk")),
    ("private key or certificate bundle", ("*.pem", "*.key", "*.p12", "*.pfx")),
    ("netrc credentials", (".netrc", "_netrc")),
    ("npm credentials", (".npmrc",)),
    ("PyPI credentials", (".pypirc",)),
    ("git credentials", (".git-credentials",)),
    ("docker config", (".docker/", ".dockercfg", "docker-config.json")),
    ("kube config", (".kube/", "kubeconfig", "*.kubeconfig", "kubeconfig.y*ml")),
    ("cloud credentials", ("credentials*.json", "application_default_credentials.json")),
    ("secrets file", ("secrets.*",)),
    ("environment file", (".env*",)),
    ("AWS credentials folder", (".aws/",)),
    ("SSH folder", (".ssh/",)),
    ("GnuPG folder", (".gnupg/",)),
)
_SPECS = tuple((kind, GitIgnoreSpec.from_lines(patterns)) for kind, patterns in _NAMED)
#: Environment files (dotenv) and their templates, by name: never uploaded and never a reason to refuse a
#: deploy (the Space's environment comes from its secrets and variables). `.env`, `.env.<anything>`
#: (`.env.example`, `.env.production`, `.env.hf-template`), `.env-sample`, `.env_local`, `<name>.env`
#: (`prod.env`), `env.example`/`env.sample`/`env.template`. Not `.envrc` (direnv: a shell script, refused as a
#: credential file) and not a folder named `.env` (a virtualenv, or a package).
_ENVIRONMENT_FILE = re.compile(r"(\.env([._-].+)?|.+\.env|env\.(example|sample|template|dist|local))")


def is_environment_file(rel: str) -> bool:
    """Whether the file ``rel`` (posix, relative) is an environment file or a template of one, by its name.

    The one source of truth for what "environment file" means: the bundle skips these (listed in
    preview, never uploaded) and the settings check reads the variable names the templates declare."""
    name = rel.rstrip("/").rsplit("/", 1)[-1]
    return not rel.endswith("/") and _ENVIRONMENT_FILE.fullmatch(name) is not None
_PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")
_KUBECONFIG = re.compile(rb"^kind:\s*Config\s*$", re.MULTILINE)
#: `scheme://userinfo@host`: credentials in a URL (`git+ssh://git@host` is a login name, not a secret).
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<userinfo>[^/\s@]+)@")


def credential_kind_by_name(rel: str) -> str | None:
    """The kind of credential file ``rel`` (posix, relative) is by its name or folder, or None."""
    for kind, spec in _SPECS:
        if spec.match_file(rel):
            return kind
    return None


def credential_kind_by_content(rel: str, data: bytes) -> str | None:
    """The kind of credential ``data`` holds as a whole file (private key block, service-account JSON,
    docker or kube config), or None."""
    if _PRIVATE_KEY_BLOCK.search(data):
        return "private key block"
    if rel.endswith(".json") and (b'"private_key"' in data or b'"auths"' in data):
        try:
            document = json.loads(data)
        except ValueError:
            return None
        if isinstance(document, dict):
            if "private_key" in document:
                return "service-account JSON with a private_key"
            if isinstance(document.get("auths"), dict):
                return "docker config"
    if rel.endswith((".yaml", ".yml", "config")) and _KUBECONFIG.search(data) and b"users:" in data:
        return "kube config"
    return None


def requirement_credentials(text: str) -> list[int]:
    """Line numbers (1-based) of requirement lines carrying credentials in a URL
    (`https://user:pass@index`, `git+https://TOKEN@github.com/...`)."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split(" #", 1)[0]
        for match in _URL_USERINFO.finditer(code):
            if match["scheme"].endswith("ssh") and ":" not in match["userinfo"]:
                continue  # git+ssh://git@github.com: the SSH login, authenticated by a key elsewhere
            lines.append(number)
            break
    return lines
