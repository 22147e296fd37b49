"""Bundle problems are typed values (`errors.Problem`: path, kind, message) carried by `BundleError`,
rendered to text once; the bundle decides on their kind, never on their wording."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.errors import BundleError, Problem, render_problems
from tests.unit.test_bundle import write
from tests.unit.test_bundle_safety import bundle


@pytest.fixture
def root(tmp_path: Path) -> Path:
    backend = tmp_path / "backend"
    write(backend, {"app/main.py": "app = None\n", "requirements.txt": "fastapi\n"})
    return backend


def problems(root: Path) -> tuple[Problem, ...]:
    with pytest.raises(BundleError) as info:
        bundle(root)
    assert str(info.value).endswith(render_problems(info.value.problems))  # the one rendering
    return info.value.problems


def test_each_problem_names_its_file_and_kind(root: Path) -> None:
    write(root, {"id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n"})
    (root / "app" / "bad\u202ename.py").write_text("X = 1\n")
    found = {(p.path, p.kind) for p in problems(root)}
    assert found == {("id_rsa", "credential"), ("app/bad\u202ename.py", "name")}


def test_a_requirements_symlink_out_is_one_symlink_problem_and_no_dependency_read(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.replace(root / "requirements.txt", outside / "requirements.txt")
    (root / "requirements.txt").symlink_to(outside / "requirements.txt")
    [problem] = problems(root)  # no second "no requirements.txt" problem: the kind says it is the link
    assert (problem.path, problem.kind) == ("requirements.txt", "symlink")
    assert "outside backendDir" in str(problem)


def test_one_problem_is_its_own_text_several_are_a_list() -> None:
    one, two = Problem("a.py", "secret", "a.py holds a secret"), Problem("b", "size", "b is too big")
    assert render_problems([one]) == "a.py holds a secret"
    assert render_problems([one, two]) == "2 problems with the backend:\n  - a.py holds a secret\n  - b is too big"
    assert BundleError([one, two]).problems == (one, two)
    assert BundleError("plain").problems == (Problem("", "backend", "plain"),)
