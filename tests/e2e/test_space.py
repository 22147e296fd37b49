"""Issue 13, the Space side, with the real CLI against localhub's 2026 plan rules.

- A free account's preview fails with the plan message and no Hub write; a PRO account deploys; a free
  member of a paid org deploys to the org; a free account's existing Space is adopted without a 402.
- sleepTime 300 then 0 on billed hardware (0 restores "never sleeps"); refused on cpu-basic.
- Hardware and sleep time changed by hand: refresh shows it, up restores it; adoption applies hardware.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.rules.ownership import MARKER_VARIABLE, stack_instance, stack_marker
from localhub import serve
from tests.e2e.conftest import OWNER, Hub, copy_project
from tests.e2e.pulumi_cli import Stack

pytestmark = pytest.mark.e2e
SPACE = f"{OWNER}/rag-chatbot"
FREE_USER = "carol"


def printed(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}\n{getattr(result, 'stderr', '')}"


def configure(stack: Stack, hub: Hub, owner: str, token: str) -> None:
    for key, value in (("hfOwner", owner), ("spaceName", "rag-chatbot"), ("hubEndpoint", hub.endpoint),
                       ("backendDir", "backend"), ("frontendUrl", "https://my-app.example.com"),
                       ("healthCheck", "false")):
        stack.config_set(key, value)
    stack.config_set("hfToken", token, secret=True)


@dataclass
class FreeSetup:
    """localhub where carol has no PRO (and no payment method), is in the paid org acme and the free org
    hobby; and a stack of the project with carol's token."""

    hub: Hub
    stack: Stack


def free_hub(data_dir: Path, token: str) -> Iterator[Hub]:
    with serve(data_dir, tokens={token: f"{FREE_USER}:free"},
               orgs={"acme": [FREE_USER], "hobby": [f"{FREE_USER}:free"]}) as handle:
        yield Hub(handle, token)


@pytest.fixture
def free(tmp_path: Path) -> Iterator[FreeSetup]:
    token = f"hf_{secrets.token_hex(20)}"
    for hub in free_hub(tmp_path / "free-hub", token):
        stack = Stack.create(copy_project(tmp_path / "project"), tmp_path / "state")
        configure(stack, hub, FREE_USER, token)
        yield FreeSetup(hub, stack)


def test_free_account_is_told_what_it_needs_before_any_write(free: FreeSetup) -> None:
    free.hub.reset_stats()
    for result in (free.stack.preview(check=False), free.stack.up(check=False)):
        out = printed(result)
        assert result.returncode != 0 and "Traceback" not in out
        assert f"the account {FREE_USER} is not PRO" in out and "https://huggingface.co/subscribe/pro" in out
    # An org without a paid plan: Team/Enterprise, and where to get it.
    free.stack.config_set("hfOwner", "hobby")
    result = free.stack.preview(check=False)
    assert result.returncode != 0 and "Team or Enterprise" in printed(result)
    assert "organizations/hobby/settings/billing" in printed(result)
    # Billed hardware without a payment method.
    free.stack.config_set("hfOwner", FREE_USER)
    free.stack.config_set("hardware", "cpu-upgrade")
    result = free.stack.preview(check=False)
    assert result.returncode != 0 and "no payment method" in printed(result)
    assert free.hub.stats()["write_requests"] == 0


def test_free_member_of_a_paid_org_deploys_to_the_org(free: FreeSetup) -> None:
    free.stack.config_set("hfOwner", "acme")
    free.stack.up()
    api = free.hub.api()
    assert api.space_info("acme/rag-chatbot").sdk == "docker"
    assert free.hub.stats()["statuses"].get("402") is None
    free.stack.destroy()


def test_existing_space_of_a_free_account_is_adopted_without_a_402(tmp_path: Path) -> None:
    token = f"hf_{secrets.token_hex(20)}"
    # Made while carol was PRO (localhub started without `:free`), marked by this stack (an interrupted run).
    stack = Stack.create(copy_project(tmp_path / "project"), tmp_path / "state")
    mine = stack_marker("hf-rag-space", stack.name,
                        stack_instance(stack.workdir, "hf-rag-space", stack.name, "organization"))
    with serve(tmp_path / "hub", tokens={token: FREE_USER}) as handle:
        Hub(handle, token).api().create_repo(
            f"{FREE_USER}/rag-chatbot", repo_type="space", space_sdk="docker",
            space_variables=[{"key": MARKER_VARIABLE, "value": mine}])
    for hub in free_hub(tmp_path / "hub", token):  # the same data, carol now free
        configure(stack, hub, FREE_USER, token)
        hub.reset_stats()
        stack.up()
        stats = hub.stats()
        assert "402" not in stats["statuses"] and "POST /api/repos/create" not in stats["writes"]
        assert stats["commits"] == {f"{FREE_USER}/rag-chatbot": 1}
        assert stack.resources(":Space")[0]["id"] == f"{FREE_USER}/rag-chatbot"


def test_pro_account_deploys(project: Stack, hub: Hub) -> None:
    project.up()
    assert hub.api().space_info(SPACE).sdk == "docker"
    assert "402" not in hub.stats()["statuses"]


def runtime(hub: Hub) -> tuple[str | None, int | None]:
    info = hub.api().get_space_runtime(SPACE)
    return (str(info.requested_hardware or info.hardware) if (info.requested_hardware or info.hardware) else None,
            info.sleep_time)


def test_sleep_time_and_hardware(project: Stack, hub: Hub) -> None:
    # Refused on cpu-basic (fixed 48 h), before anything is written.
    project.config_set("sleepTime", "300")
    hub.reset_stats()
    result = project.preview(check=False)
    assert result.returncode != 0 and "hf-rag-space:sleepTime" in printed(result) and "48 h" in printed(result)
    assert hub.stats()["write_requests"] == 0
    # On billed hardware: 300, then back to 0, the Hub's default there (never sleeps).
    project.config_set("hardware", "cpu-upgrade")
    project.up()
    assert runtime(hub) == ("cpu-upgrade", 300)
    project.config_set("sleepTime", "0")
    assert project.plan() == {"rag-space": "update"}
    project.up()
    assert runtime(hub) == ("cpu-upgrade", -1)
    project.preview("--expect-no-changes")

    # Drift made by hand: refresh shows hardware and sleep time, up restores both.
    project.config_set("sleepTime", "300")
    project.up()
    api = hub.api()
    api.request_space_hardware(SPACE, "cpu-basic")
    project.refresh()
    assert project.resources(":Space")[0]["inputs"]["hardware"] == "cpu-basic"
    assert project.plan() == {"rag-space": "update"}
    project.up()
    assert runtime(hub) == ("cpu-upgrade", 300)
    api.set_space_sleep_time(SPACE, 900)
    project.refresh()
    assert project.resources(":Space")[0]["inputs"]["sleep_time"] == 900
    assert project.plan() == {"rag-space": "update"}
    project.up()
    assert runtime(hub) == ("cpu-upgrade", 300)
    project.preview("--expect-no-changes")


def test_adoption_applies_hardware_visibility_and_sleep(project: Stack, hub: Hub) -> None:
    api = hub.api()
    api.create_repo(SPACE, repo_type="space", space_sdk="docker")  # made by hand, public, cpu-basic
    project.config_set("adoptSpace", SPACE)
    project.config_set("hardware", "cpu-upgrade")
    project.config_set("sleepTime", "600")
    project.config_set("private", "true")
    project.up()
    assert runtime(hub) == ("cpu-upgrade", 600) and api.space_info(SPACE).private is True
    project.preview("--expect-no-changes")
