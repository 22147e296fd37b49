"""components/rules/globs.py answers exactly as pathspec's GitIgnoreSpec for the product's fixed pattern lists."""

from __future__ import annotations

import itertools

import pytest
from pathspec import GitIgnoreSpec

from components import space_files
from components.bundle import build as bundle
from components.rules import credentials
from components.rules.globs import Globs

NAMES = ["__pycache__", "x.pyc", "tests", "test_app.py", "app_test.py", "conftest.py", "node_modules", ".git",
         ".venv", "build", "dist", "pkg.egg-info", "site-packages", "pyvenv.cfg", "app.log", ".aider.conf",
         ".vscode", "id_rsa", "key.pem", "secrets.toml", "secrets.py", ".kube", "kubeconfig.yaml", "credentials.json",
         "model.bin", "weights.safetensors", "saved_model", "x.tar.gz", "main.py", "data.txt", "README.md",
         ".hf-rag-space", ".DS_Store", "a.crt", "logs", "x.lfs.y", ".aws", ".ssh", ".gnupg", ".docker", ".netrc",
         ".envrc", ".npmrc", ".pypirc", ".git-credentials", ".pgpass", "prod.tfvars", "history", ".claude", ".eggs"]
_GENERATED = {"/".join(parts) + end for n in (1, 2, 3)
              for parts in itertools.product(NAMES[:12] if n == 3 else NAMES, repeat=n) for end in ("", "/")}
PATHS = [*sorted(_GENERATED), "./tests/", "/app.log", "app/saved_model/a/b", "deep/x/y/model.npy"]
LISTS = {
    "deny": list(bundle.DENY.lines),
    **{f"noise: {why}": list(patterns) for why, patterns in bundle.NOISE},
    **{f"credential: {kind}": list(patterns) for kind, patterns in credentials._NAMED},
    "lfs": [line.split()[0] for line in space_files.DEFAULT_GITATTRIBUTES.decode().splitlines()],
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_globs_match_exactly_what_gitignorespec_matches(name: str) -> None:
    lines = LISTS[name]
    fast, slow = Globs(lines), GitIgnoreSpec.from_lines(lines)
    differ = [p for p in PATHS if fast.match_file(p) != slow.match_file(p)]
    assert not differ, differ[:10]
    assert any(slow.match_file(p) for p in PATHS), "the table should hit each list at least once"


def test_a_negated_list_keeps_the_ordered_evaluation() -> None:
    globs = Globs(["secrets.*", "!secrets.py"])
    assert globs.match_file("app/secrets.toml")
    assert not globs.match_file("app/secrets.py")


def test_credential_kind_by_name_agrees_with_each_kind_checked_in_turn() -> None:
    slow = [(kind, GitIgnoreSpec.from_lines(patterns)) for kind, patterns in credentials._NAMED]
    expected = {p: next((kind for kind, spec in slow if spec.match_file(p)), None) for p in PATHS}
    assert {p: credentials.credential_kind_by_name(p) for p in PATHS} == expected
    assert {"SSH folder", "secrets file", "kube config"} <= set(expected.values())
