"""Credential files and credentialed requirement lines: things that never leave the machine.

Pure and fast (names first, then a look at the content of files that would be uploaded). The
content scan for secrets *inside* ordinary files is ``components/rules/secret_scan.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from components.rules.globs import Globs

#: Credential files by name (gitignore syntax, any folder), with the kind named in messages.
_NAMED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SSH private key", ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk")),
    ("private key or certificate bundle", ("*.pem", "*.key", "*.p12", "*.pfx")),
    ("netrc credentials", (".netrc", "_netrc")),
    ("npm credentials", (".npmrc",)),
    ("PyPI credentials", (".pypirc",)),
    ("git credentials", (".git-credentials",)),
    ("Postgres password file", (".pgpass", "pgpass.conf")),
    ("Terraform variables", ("*.tfvars", "*.tfvars.json", "*.auto.tfvars")),
    ("docker config", (".docker/", ".dockercfg", "docker-config.json")),
    ("kube config", (".kube/", "kubeconfig", "*.kubeconfig", "kubeconfig.y*ml")),
    ("cloud credentials", ("credentials*.json", "application_default_credentials.json")),
    ("secrets file", ("secrets.*", "!secrets.py")),  # a secrets.py module reads them; its content is scanned
    ("direnv file", (".envrc",)),
    ("AWS credentials folder", (".aws/",)),
    ("SSH folder", (".ssh/",)),
    ("GnuPG folder", (".gnupg/",)),
)
_SPECS = tuple((kind, Globs(patterns)) for kind, patterns in _NAMED)
#: Every kind's patterns less the negations: what a path must match to be of any kind (a superset).
_ANY_NAMED = Globs([p for _, patterns in _NAMED for p in patterns if not p.startswith("!")])
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


def credential_kind_by_name(rel: str) -> str | None:
    """The kind of credential file ``rel`` (posix, relative) is by its name or folder, or None."""
    if not _ANY_NAMED.match_file(rel):  # one search for the usual answer (a path matches no kind)
        return None
    for kind, spec in _SPECS:
        if spec.match_file(rel):
            return kind
    return None


def credential_kind_by_content(rel: str, data: bytes) -> str | None:
    """The kind of credential ``data`` holds as a whole file (private key block, service-account JSON,
    docker or kube config, a docker-compose file with literal secret values, a git config with a
    credentialed remote), or None."""
    if _PRIVATE_KEY_BLOCK.search(data):
        return "private key block"
    name = rel.rsplit("/", 1)[-1]
    if _COMPOSE_FILE.fullmatch(name) and _compose_secrets(data):
        return f"docker-compose file with secret values ({', '.join(_compose_secrets(data))})"
    if _GIT_CONFIG_SECTION.search(data) and _CREDENTIALED_GIT_URL.search(data):
        return "git config with a credentialed remote URL"
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


#: Names whose content check parses the whole file (JSON, YAML, compose, kube and git configs): read whole.
_WHOLE_FILE_SUFFIXES = (".json", ".yaml", ".yml", "config")


def needs_whole_file(rel: str) -> bool:
    """Whether `credential_kind_by_content` must see ``rel`` whole (its format is parsed), not in windows."""
    return rel.endswith(_WHOLE_FILE_SUFFIXES) or bool(_COMPOSE_FILE.fullmatch(rel.rsplit("/", 1)[-1]))


def credential_kind_by_windows(windows: Iterable[bytes]) -> str | None:
    """`credential_kind_by_content` for a large file of any other name, from overlapping windows of it
    (lazy_files.windows; an overlap of a few KB keeps every line of a config whole in some window)."""
    git_section = git_url = False
    for window in windows:
        if _PRIVATE_KEY_BLOCK.search(window):
            return "private key block"
        git_section = git_section or bool(_GIT_CONFIG_SECTION.search(window))
        git_url = git_url or bool(_CREDENTIALED_GIT_URL.search(window))
    return "git config with a credentialed remote URL" if git_section and git_url else None


#: docker-compose's file names (compose.yaml, docker-compose.override.yml, docker-compose.prod.yaml).
_COMPOSE_FILE = re.compile(r"(docker-)?compose([.-][\w.-]+)?\.ya?ml")
#: ``NAME_PASSWORD: value`` / ``- NAME_SECRET=value`` / ``"NAME_KEY": "value"`` in a compose file.
_COMPOSE_SECRET = re.compile(
    rb"""(?im)^[ \t-]*["']?(?P<name>[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|_KEY|TOKEN))["']?[ \t]*[:=][ \t]*"""
    rb"""(?P<value>[^\s#]*)""")
_GIT_CONFIG_SECTION = re.compile(rb'(?m)^\s*\[(remote|url|submodule) "')
#: A remote URL with a password or an HTTP(S) user (a token); ``ssh://git@host`` is the SSH login.
_CREDENTIALED_GIT_URL = re.compile(
    rb"(?m)^\s*(?:url|pushurl|insteadOf)\s*=\s*(?:https?://[^/\s@]+@|[a-z+]+://[^/\s@:]+:[^/\s@]+@)")


def _compose_secrets(data: bytes) -> list[str]:
    """Names of ``*_PASSWORD``/``*_SECRET``/``*_KEY``/``*_TOKEN`` entries of a compose file set to a literal
    value: not empty, not a ``${VAR}`` reference, not a placeholder (secret_plugins.is_placeholder_secret)."""
    from components.rules.secret_plugins import is_placeholder_secret

    names = []
    for match in _COMPOSE_SECRET.finditer(data):
        value = match["value"].decode("utf-8", "replace").strip("'\"")
        if value and not value.startswith("$") and not is_placeholder_secret(value):
            names.append(match["name"].decode())
    return sorted(set(names))


def requirement_credentials(text: str) -> list[int]:
    """Line numbers (1-based) of requirement lines carrying credentials in a URL, comments included
    (the file is public on the Space): ``https://user:pass@index``, ``git+https://TOKEN@github.com/...``,
    and an index URL (``--index-url``, ``--extra-index-url``, ``-i``, ``--find-links``, ``-f``) whose path
    or query holds a token (``https://pypi.fury.io/TOKEN/acme/``, ``...simple?private_token=...``)."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if any(_credentialed(match) for match in _URL.finditer(line)):
            lines.append(number)
    return lines


#: A URL in a requirement line: scheme, optional userinfo, host and the rest up to a space or a quote.
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:(?P<userinfo>[^/\s@]+)@)?(?P<host>[^/\s?#]*)"
                  r"(?P<path>[^\s?#'\"]*)(?:\?(?P<query>[^\s#'\"]*))?")
#: Query keys that carry a credential (GitLab's ``private_token``, signed URLs, ``?key=``).
_SECRET_QUERY_KEY = re.compile(r"(?i)(token|key|secret|password|passwd|auth|signature|sig|credential)")
_INDEX_OPTION = re.compile(r"(?:^|\s)(?:--index-url|--extra-index-url|-i|--find-links|-f)(?:\s*=?\s*)$")


def _credentialed(match: re.Match[str]) -> bool:
    userinfo = match["userinfo"]
    if userinfo and not (match["scheme"].endswith("ssh") and ":" not in userinfo):
        return True  # git+ssh://git@github.com is the SSH login, authenticated by a key elsewhere
    for pair in (match["query"] or "").split("&"):
        key, _, value = pair.partition("=")
        if value and _SECRET_QUERY_KEY.search(key):
            return True
    if _INDEX_OPTION.search(match.string[:match.start()]):
        return any(_looks_like_token(segment) for segment in (match["path"] or "").split("/"))
    return False


def _looks_like_token(segment: str) -> bool:
    """A path segment shaped like an access token: 16+ letters and digits, both present, not a word, a
    version or a hash-like hex run (``cu121``, ``simple``, ``pypi`` are not)."""
    if len(segment) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", segment):
        return False
    has_both = any(c.isdigit() for c in segment) and any(c.isalpha() for c in segment)
    return has_both and not re.fullmatch(r"[0-9a-f]+", segment) and len(set(segment)) >= 10
