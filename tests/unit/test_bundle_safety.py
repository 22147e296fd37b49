"""What never reaches the Hub: symlinks out or onto excluded paths, credential files, secrets inside
files (detect-secrets), credentialed requirement lines; staged copies private and removed."""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest

from components.bundle.build import Bundle, build_bundle
from components.errors import BundleError
from components.rules import secret_scan
from components.rules.credentials import credential_kind_by_content, credential_kind_by_name, requirement_credentials
from components.space_files import STAGED_BY, remove_staging, stage_blobs
from tests.unit.test_bundle import write

GENERATED = {"dockerfile": "FROM python:3.11-slim\n", "readme": "---\nsdk: docker\n---\n"}


def bundle(root: Path, **kwargs: object) -> Bundle:
    return build_bundle(root, **GENERATED, **kwargs)  # type: ignore[arg-type]


def refusal(root: Path, **kwargs: object) -> str:
    with pytest.raises(BundleError) as info:
        bundle(root, **kwargs)
    return str(info.value)


def rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits


@pytest.fixture
def root(tmp_path: Path) -> Path:
    backend = tmp_path / "backend"
    write(backend, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n", ".gitignore": "*.log\n"})
    return backend


# -- symlinks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["app/escape.py", "app/data"])
def test_link_outside_the_backend_is_refused_naming_link_and_target(root: Path, tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside"
    write(outside, {"x.py": "X = 1\n"})
    (root / link).symlink_to(outside / "x.py" if link.endswith(".py") else outside)
    assert f"{link} is a symlink to {outside / 'x.py' if link.endswith('.py') else outside}, outside backendDir" \
        in refusal(root)


@pytest.mark.parametrize("name", ["app", "requirements.txt", ".gitignore"])
def test_files_the_product_reads_may_not_link_outside(root: Path, tmp_path: Path, name: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    source = root / name
    os.replace(source, outside / name)
    source.symlink_to(outside / name)
    assert f"{name} is a symlink to {outside / name}, outside backendDir" in refusal(root)


def test_app_linking_inside_the_backend_is_followed(root: Path) -> None:
    os.replace(root / "app", root / "src")
    (root / "app").symlink_to("src")
    assert bundle(root).files["app/main.py"] == b"app = None\n"


def test_link_inside_to_an_ignored_or_denied_file_is_refused(root: Path) -> None:
    write(root, {".env": "GEMINI_API_KEY=x\n", "notes.log": "n", "tests/test_x.py": ""})
    (root / ".gitignore").write_text(".env\n*.log\n")
    (root / "app" / "settings.txt").symlink_to("../.env")
    (root / "app" / "notes.txt").symlink_to("../notes.log")
    (root / "app" / "t").symlink_to("../tests")
    message = refusal(root)
    assert "app/settings.txt is a symlink to .env, which is an environment file" in message
    assert "app/notes.txt is a symlink to notes.log, which is left out by default (a log file" in message
    assert "app/t is a symlink to tests, which is on the deny list" in message


def test_link_to_the_backend_root_and_cycles_are_refused(root: Path) -> None:
    (root / "app" / "up").symlink_to("..")
    (root / "app" / "self").symlink_to(".")
    (root / "app" / "a").symlink_to("b")
    (root / "app" / "b").symlink_to("a")
    message = refusal(root)
    assert "app/up is a symlink to the backend root (..)" in message
    assert "app/self is a symlink cycle: it links to app, a folder holding it" in message
    assert "app/a is a symlink cycle (app/a -> b)" in message and "app/b is a symlink cycle" in message


def test_links_inside_to_included_files_and_folders_are_followed(root: Path) -> None:
    write(root, {"shared/util.py": "U = 1\n", "app/real.py": "R = 1\n"})
    (root / "app" / "util").symlink_to("../shared")
    (root / "app" / "alias.py").symlink_to("real.py")
    files = bundle(root).files
    assert files["app/util/util.py"] == b"U = 1\n" and files["app/alias.py"] == b"R = 1\n"


def test_file_reached_through_a_linked_folder_is_checked_at_its_real_path(root: Path) -> None:
    write(root, {"shared/util.py": "U = 1\n", "shared/private.py": "P = 1\n"})
    (root / ".gitignore").write_text(".env\n/shared/private.py\n")
    (root / "app" / "util").symlink_to("../shared")
    assert "app/util/private.py is shared/private.py through a symlink, which is ignored" in refusal(root)


# -- credential files -------------------------------------------------------------------------

CREDENTIAL_NAMES = [
    "id_rsa", "id_ed25519", "id_ecdsa", "server.pem", "tls.key", "cert.p12", "cert.pfx", ".netrc", ".npmrc",
    ".pypirc", ".git-credentials", ".docker/config.json", ".dockercfg", ".kube/config", "kubeconfig",
    "credentials.json", "credentials-prod.json", "secrets.yaml", "secrets.toml", ".envrc",
    ".aws/credentials", ".ssh/known_hosts", ".gnupg/pubring.kbx",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_credential_file_in_any_folder_is_refused_naming_it(root: Path, name: str) -> None:
    canary = rand(ALNUM, 24)
    write(root, {f"app/deep/er/{name}": f"value {canary}\n"})
    message = refusal(root)
    top = name.split("/")[0]
    assert f"app/deep/er/{top} is a credential file" in message and canary not in message


def test_gitignored_credential_file_is_skipped_and_reincluded_one_refused(root: Path) -> None:
    write(root, {"app/server.pem": "k", "app/id_rsa": "k"})
    (root / ".gitignore").write_text("*.pem\nid_rsa\n")
    assert "app/server.pem" not in bundle(root).files
    (root / ".gitignore").write_text("*.pem\n!app/server.pem\nid_rsa\n")
    assert "app/server.pem is a credential file (private key or certificate bundle) and .gitignore re-includes" \
        in refusal(root)


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("app/keys/deploy.txt", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
     "private key block"),
    ("app/gcp.json", '{"type": "service_account", "private_key": "k", "client_email": "x"}', "service-account"),
    ("app/dock.json", '{"auths": {"registry.example.com": {"auth": "dTpw"}}}', "docker config"),
    ("app/cluster.yaml", "apiVersion: v1\nkind: Config\nusers:\n- name: u\n", "kube config"),
])
def test_credential_content_is_refused_whatever_the_name(root: Path, name: str, content: str, kind: str) -> None:
    write(root, {name: content})
    message = refusal(root)
    assert f"{name} holds a {kind}" in message


def test_credential_helpers_leave_ordinary_files_alone() -> None:
    for rel in ["app/main.py", "app/id_rsa.pub", "app/keys.py", "app/secret_santa.py", "app/environment.py",
                "app/certs/root.crt", "app/config.json"]:
        assert credential_kind_by_name(rel) is None, rel
    assert credential_kind_by_content("app/config.json", b'{"auths": "none", "a": 1}') is None
    assert credential_kind_by_content("app/schema.json", b'{"private_key": ') is None  # not JSON: not a key file


# -- secrets inside files ---------------------------------------------------------------------

def secret_kinds() -> dict[str, tuple[str, str]]:
    """kind -> (line of Python holding a random secret of that kind, detect-secrets' name)."""
    upper = string.ascii_uppercase + string.digits
    b64 = ALNUM + "-_"
    return {
        "aws": (f'KEY = "AKIA{rand(upper, 16)}"', "AWS Access Key"),
        "github": (f'TOKEN = "ghp_{rand(ALNUM, 36)}"', "GitHub Token"),
        "gitlab": (f'TOKEN = "glpat-{rand(ALNUM, 20)}"', "GitLab Token"),
        "openai": (f'KEY = "sk-{rand(ALNUM, 20)}T3BlbkFJ{rand(ALNUM, 20)}"', "OpenAI Token"),
        "stripe": (f'KEY = "sk_live_{rand(ALNUM, 24)}"', "Stripe Access Key"),
        "slack": (f'TOKEN = "xoxb-{rand(string.digits, 12)}-{rand(string.digits, 12)}-{rand(ALNUM, 24)}"',
                  "Slack Token"),
        "private key": ('KEY = """-----BEGIN EC PRIVATE KEY-----"""', "Private Key"),
        "jwt": (f'JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{rand(b64, 43)}"', "JSON Web Token"),
        "url": (f'DB = "postgres://app:{rand(ALNUM, 16)}@db.example.com/rag"', "Postgres URL with a password"),
        "basic auth": (f'URL = "https://app:{rand(ALNUM, 16)}@api.example.com/v1"', "Basic Auth Credentials"),
    }


@pytest.mark.parametrize("kind", list(secret_kinds()))
def test_secret_inside_a_python_file_fails_naming_file_line_and_kind(root: Path, kind: str) -> None:
    line, name = secret_kinds()[kind]
    write(root, {"app/core/config.py": f"import os\n\n{line}\n"})
    message = refusal(root)
    if kind == "private key":  # a private key block makes the file a credential file (never allowed)
        assert "app/core/config.py holds a private key block" in message
    else:
        assert f"app/core/config.py line 3 holds a secret ({name})" in message
        assert "allowSecretsIn" in message and ".gitignore" in message
        assert line.split('"')[1] not in message  # never the value


def github_token() -> str:
    return f"ghp_{rand(ALNUM, 36)}"


#: Uploaded files detect-secrets used to skip: by extension/name filter, or as "binary" (not UTF-8).
SKIPPED_BEFORE: dict[str, tuple[str, str]] = {
    "source map": ("static/app.js.map", "utf-8"),
    "stylesheet": ("static/site.css", "utf-8"),
    "svg": ("static/logo.svg", "utf-8"),
    "lock file by extension": ("frontend/deps.lock", "utf-8"),
    "lock file by name": ("frontend/yarn.lock", "utf-8"),
    "swagger in the path": ("static/swagger/init.js", "utf-8"),
    "one Latin-1 byte": ("app/core/settings.py", "latin-1"),
    "UTF-16 with BOM": ("app/notes.txt", "utf-16"),
    "UTF-16 BE with BOM": ("app/notes_be.txt", "utf-16-be-bom"),
}


def encode(text: str, encoding: str) -> bytes:
    return b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)


@pytest.mark.parametrize("case", list(SKIPPED_BEFORE))
def test_secret_in_any_uploaded_text_file_is_found(root: Path, case: str) -> None:
    rel, encoding = SKIPPED_BEFORE[case]
    token = github_token()
    write(root, {rel: encode(f"/* caf\u00e9 */\nconst t = '{token}';\n", encoding)})
    message = refusal(root)
    assert f"{rel} line 2 holds a secret (GitHub Token)" in message and token not in message


def test_genuine_binaries_skip_the_text_scan_but_not_the_byte_checks(root: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert secret_scan.text_of(png) is None and secret_scan.text_of(b"\xff\xfea\x00") == "a"
    write(root, {"static/logo.png": png})
    assert bundle(root).files["static/logo.png"] == png
    hf = f"hf_{rand(ALNUM, 34)}"
    write(root, {"static/logo.png": png + f"tEXt{hf}".encode()})
    assert "static/logo.png contains something shaped like a Hugging Face token" in refusal(root)
    write(root, {"static/logo.png": png + b"gemini-value-123"})
    assert "static/logo.png contains the value of GEMINI_API_KEY" in refusal(
        root, secrets={"GEMINI_API_KEY": "gemini-value-123"})
    (root / "static" / "logo.png").unlink()
    write(root, {"app/notes.txt": f"token {hf}\n".encode("utf-16")})  # the byte checks read UTF-16 text too
    assert "app/notes.txt contains something shaped like a Hugging Face token" in refusal(root)
    write(root, {"app/notes.txt": "key gemini-value-123\n".encode("utf-16")})
    assert "app/notes.txt contains the value of GEMINI_API_KEY" in refusal(
        root, secrets={"GEMINI_API_KEY": "gemini-value-123"})


def test_a_cache_from_other_scan_rules_is_not_trusted(root: Path, tmp_path: Path) -> None:
    """Contents found clean while .css files were skipped must be scanned again."""
    token = github_token()
    write(root, {"static/site.css": f"a {{}}\n/* {token} */\n"})
    data = (root / "static" / "site.css").read_bytes()
    cache = tmp_path / "scanned-clean"
    old_header = "# clean contents (sha256) for detect-secrets==1.5.0: " + hashlib.sha256(
        " ".join(secret_scan.PLUGINS).encode()).hexdigest()
    cache.write_text(f"{old_header}\n{hashlib.sha256(data).hexdigest()}\n")
    assert "static/site.css line 2 holds a secret (GitHub Token)" in refusal(root, scan_cache=cache)


def test_allow_secrets_in_skips_the_scanner_for_that_file_only(root: Path) -> None:
    aws = secret_kinds()["aws"][0]
    write(root, {"app/fixtures.py": aws + "\n", "app/other.py": aws + "\n"})
    message = refusal(root, allow_secrets_in=("app/fixtures.py",))
    assert "app/other.py line 1" in message and "app/fixtures.py" not in message
    (root / "app" / "other.py").unlink()
    assert "app/fixtures.py" in bundle(root, allow_secrets_in=("app/fixtures.py",)).files
    # ... but never the stack's own secret values.
    write(root, {"app/fixtures.py": 'KEY = "gemini-value-123"\n'})
    assert "app/fixtures.py contains the value of GEMINI_API_KEY" in refusal(
        root, allow_secrets_in=("app/fixtures.py",), secrets={"GEMINI_API_KEY": "gemini-value-123"})


def test_ordinary_code_is_not_flagged(root: Path) -> None:
    write(root, {"app/core/config.py": 'import os\nPASSWORD = os.environ["DB_PASSWORD"]\nURL = "https://${HOST}/x"\n'
                                       'SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"\n'})
    example = Path(__file__).resolve().parents[2] / "examples" / "rag-backend"
    assert "app/core/config.py" in bundle(root).files and bundle(example).files


def test_clean_contents_are_cached_and_not_scanned_again(root: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache" / "scanned-clean"
    bundle(root, scan_cache=cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600

    def fail(files: object) -> list[secret_scan.Finding]:
        raise AssertionError(f"scanned again: {files}")

    monkeypatch.setattr(secret_scan, "_scan_with_detect_secrets", fail)
    bundle(root, scan_cache=cache)  # nothing new: no scan
    write(root, {"app/new.py": secret_kinds()["github"][0] + "\n"})
    with pytest.raises(AssertionError, match=r"app/new\.py"):
        bundle(root, scan_cache=cache)
    monkeypatch.undo()
    assert "app/new.py line 1" in refusal(root, scan_cache=cache)  # a dirty file is never cached clean
    assert "app/new.py line 1" in refusal(root, scan_cache=cache)


# -- requirements -----------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "--extra-index-url https://user:{c}@pypi.example.com/simple",
    "--index-url=https://__token__:{c}@gitlab.example.com/api/v4/projects/1/packages/pypi/simple",
    "mylib @ git+https://{c}@github.com/acme/mylib.git",
    "git+https://oauth2:{c}@gitlab.example.com/acme/lib.git#egg=lib",
])
def test_credentialed_requirement_lines_are_refused_naming_the_line(root: Path, line: str) -> None:
    canary = rand(ALNUM, 20)
    (root / "requirements.txt").write_text(f"fastapi\n{line.format(c=canary)}\n")
    message = refusal(root)
    assert "requirements.txt line 2 carries credentials in a URL" in message and canary not in message


INCLUDED_BUT_NEVER_UPLOADED: dict[str, tuple[dict[str, str | bytes], str, str]] = {
    # case: (files besides requirements.txt, include line, the rule the message names)
    "gitignored .env": ({".env": "GEMINI_API_KEY={c}\n", ".gitignore": ".env\n*.log\n"}, "-r .env",
                        "an environment file"),
    "secrets file": ({"config/secrets.txt": "token={c}\n", ".gitignore": "config/secrets.txt\n"},
                     "--requirement=config/secrets.txt", "a credential file (secrets file)"),
    "gitignored log": ({"ops.txt": "pw {c}\n", ".gitignore": "*.txt\n"}, "-c ops.txt", "ignored by .gitignore"),
    "log (noise)": ({"ops.log": "pw {c}\n"}, "-c ops.log", "left out by default (a log file"),
    "denied folder": ({"tests/requirements.txt": "pytest  # {c}\n"}, "-r tests/requirements.txt",
                      "on the deny list"),
    "config exclude": ({"private/reqs.txt": "lib  # {c}\n"}, "-rprivate/reqs.txt", "ignored by .gitignore"),
    "private key content": ({"deploy/key.txt": "-----BEGIN OPENSSH PRIVATE KEY-----\n{c}\n"},
                            "-r deploy/key.txt", "a credential file (private key block)"),
}


@pytest.mark.parametrize("case", list(INCLUDED_BUT_NEVER_UPLOADED))
def test_an_include_follows_the_rules_of_every_uploaded_file(root: Path, case: str) -> None:
    extra, line, rule = INCLUDED_BUT_NEVER_UPLOADED[case]
    canary = rand(ALNUM, 24)
    write(root, {rel: text.format(c=canary) if isinstance(text, str) else text for rel, text in extra.items()})
    write(root, {"requirements.txt": f"fastapi\n{line}  # shared\n"})
    target = line.split("=")[-1].split()[-1].removeprefix("-r")
    message = refusal(root, exclude=("private/",) if case == "config exclude" else ())
    assert f"requirements.txt line 2 includes {target} " in message and f"which is {rule}" in message
    assert canary not in message


def test_an_include_through_a_symlink_onto_an_excluded_file_is_refused(root: Path) -> None:
    write(root, {".env": "KEY=value-that-is-secret\n", ".gitignore": ".env\n"})
    (root / "deps").mkdir()
    (root / "deps" / "all.txt").symlink_to("../.env")
    write(root, {".gitignore": ".env\ndeps/\n", "requirements.txt": "-r deps/all.txt\n"})
    assert "requirements.txt line 1 includes deps/all.txt (-r), which is" in refusal(
        root, include=("deps/",))


def test_requirement_urls_without_credentials_pass() -> None:
    text = "fastapi\nlib @ git+ssh://git@github.com/acme/lib.git\n--index-url https://pypi.example.com/simple\n"
    assert requirement_credentials(text) == []


# -- staged copies ----------------------------------------------------------------------------

def test_staged_copies_are_private_and_removed(tmp_path: Path) -> None:
    blob_dir = tmp_path / "project" / ".hf-rag-space" / "dev" / "blobs"
    (tmp_path / "project" / ".hf-rag-space").mkdir(parents=True, mode=0o755)
    os.chmod(tmp_path / "project" / ".hf-rag-space", 0o755)
    other = tmp_path / "project" / ".hf-rag-space" / "prod"
    other.mkdir()
    b = Bundle({"app/main.py": b"x = 1\n"})
    stage_blobs(b.files, b.manifest, blob_dir)
    for folder in (blob_dir, blob_dir.parent, blob_dir.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for blob in blob_dir.iterdir():
        assert stat.S_IMODE(blob.stat().st_mode) == 0o600, blob
    (blob_dir.parent / "scanned-clean").write_text("x")
    remove_staging(blob_dir)  # the program that staged them (this process) still runs: a replacement
    assert len(list(blob_dir.iterdir())) == 2
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout
    (blob_dir / STAGED_BY).write_text(finished)  # as after `pulumi destroy`: no program runs
    remove_staging(blob_dir)
    assert not blob_dir.parent.exists() and other.exists()
    other.rmdir()
    stage_blobs(b.files, b.manifest, blob_dir)
    (blob_dir / STAGED_BY).write_text(finished)
    remove_staging(blob_dir)
    assert not (tmp_path / "project" / ".hf-rag-space").exists() and (tmp_path / "project").exists()


def test_copies_staged_by_an_older_version_are_made_private_and_stale_ones_dropped(tmp_path: Path) -> None:
    blob_dir = tmp_path / ".hf-rag-space" / "dev" / "blobs"
    old = Bundle({"app/main.py": b"x = 1\n", "app/gone.py": b"y = 2\n"})
    stage_blobs(old.files, old.manifest, blob_dir)
    (blob_dir / STAGED_BY).unlink()  # as staged before the marker existed: blobs were written 0644 then
    for blob in blob_dir.iterdir():
        blob.chmod(0o644)
    new = Bundle({"app/main.py": b"x = 1\n", "app/copy.py": b"x = 1\n", "app/new.py": b"z = 3\n"})
    stage_blobs(new.files, new.manifest, blob_dir)
    blobs = {blob.name: stat.S_IMODE(blob.stat().st_mode) for blob in blob_dir.iterdir() if blob.name != STAGED_BY}
    assert blobs == {digest: 0o600 for digest in set(new.manifest.values())}


def test_prefilter_keeps_every_file_a_plugin_pattern_matches_and_config_files() -> None:
    kinds = secret_kinds()
    files = {f"app/{k.replace(' ', '_')}.py": (line + "\n").encode() for k, (line, _) in kinds.items()}
    files |= {"app/plain.py": b"x = 1\n", "config/app.yaml": b"key: value\n"}
    kept = secret_scan._candidates({path: data.decode() for path, data in files.items()})
    assert set(kept) == set(files) - {"app/plain.py"}


def test_staging_recorded_in_state_maps_to_this_checkout_only() -> None:
    """State holds `.hf-rag-space/<stack>/blobs` relative to the project; older state held one checkout's
    absolute path, which maps to the same folder of whichever checkout runs (never the other's)."""
    from components.space_files import local_staging

    assert local_staging(".hf-rag-space/prod/blobs") == Path(".hf-rag-space/prod/blobs")
    assert local_staging("/home/alice/project/.hf-rag-space/prod/blobs") == Path(".hf-rag-space/prod/blobs")
    assert local_staging("/home/alice/.hf-rag-space/x/.hf-rag-space/prod/blobs") == Path(".hf-rag-space/prod/blobs")
    assert local_staging("/etc") is None and local_staging("../elsewhere") is None and local_staging("") is None
