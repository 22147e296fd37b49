"""The example GitHub Actions workflow (examples/ci/): actionlint (the maintained workflow linter, built by
scripts/install-actionlint.sh) finds nothing, and the workflow does what README "Deploying from CI" says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "ci" / "pulumi.yml"
ACTIONLINT = REPO / "tools" / "bin" / "actionlint"


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = ACTIONLINT if ACTIONLINT.exists() else shutil.which("actionlint")
    assert binary, "actionlint is not installed: run scripts/install-actionlint.sh (part of `make setup`)"
    return subprocess.run([str(binary), "-no-color", str(path)], capture_output=True, text=True, timeout=120,
                          check=False)


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s.get("with") or {} for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]


def test_actionlint_finds_nothing_in_the_example_workflow() -> None:
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_misspelt_input_of_pulumis_action(tmp_path: Path) -> None:
    broken = tmp_path / "pulumi.yml"
    broken.write_text(WORKFLOW.read_text().replace("stack-name: prod", "stack_name: prod", 1))
    result = actionlint(broken)
    assert result.returncode != 0 and 'input "stack_name" is not defined' in result.stdout, result.stdout


def test_workflow_previews_prs_deploys_main_and_keeps_a_private_space_per_pr() -> None:
    flow = workflow()
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as true
    assert set(triggers["pull_request"]["types"]) >= {"opened", "synchronize", "closed"}
    assert triggers["push"]["branches"] == ["main"]
    jobs = flow["jobs"]
    pinned = re.search(r"^pulumi==(\S+)$", (REPO / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and flow["env"]["PULUMI_VERSION"] == pinned.group(1)
    assert flow["env"]["PULUMI_BACKEND_URL"].startswith("s3://")

    [preview] = pulumi_steps(jobs["preview"])
    assert preview["command"] == "preview" and preview["stack-name"] == "prod" and preview["comment-on-pr"] is True
    assert "pull_request" in jobs["preview"]["if"] and "closed" in jobs["preview"]["if"]

    pr = jobs["pr-space"]
    assert pr["env"]["STACK"] == "pr-${{ github.event.pull_request.number }}"
    script = next(s["run"] for s in pr["steps"] if "stack init" in str(s.get("run")))
    assert "config cp --stack prod" in script and 'spaceName "rag-chatbot-$STACK"' in script
    assert "private true" in script and "config rm" in script and "frontendDir" in script
    assert [s["command"] for s in pulumi_steps(pr) if "command" in s] == ["up"]

    [cleanup] = pulumi_steps(jobs["pr-space-cleanup"])
    assert cleanup["command"] == "destroy" and cleanup["remove"] is True
    assert cleanup["stack-name"] == "pr-${{ github.event.pull_request.number }}"
    assert "action == 'closed'" in jobs["pr-space-cleanup"]["if"]

    [up] = pulumi_steps(jobs["up"])
    assert up["command"] == "up" and up["stack-name"] == "prod" and jobs["up"]["if"] == "github.event_name == 'push'"
    for name in ("preview", "pr-space", "up"):  # full history: the revert warning compares revisions
        checkout = next(s for s in jobs[name]["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0
