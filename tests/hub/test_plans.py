"""Accounts and plans (localhub/README.md "2026 behaviours"): 402 for Docker/Gradio on free cpu-basic
without a paid plan, answered before the 409; 403 for paid hardware without a payment method; whoami-v2."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi, SpaceHardware
from huggingface_hub.errors import HfHubHTTPError

from localhub import LocalHub

PRO_TEXT = "hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription"
PAYMENT_TEXT = "You must add a payment method to your account to upgrade your space's hardware"


@pytest.fixture
def free_api(hub: LocalHub) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token="fred-token")


def _status(call: object) -> tuple[int, str]:
    assert callable(call)
    with pytest.raises(HfHubHTTPError) as err:
        call()
    return err.value.response.status_code, str(err.value)


def test_whoami_reports_plans(api: HfApi, free_api: HfApi) -> None:
    pro, free = api.whoami(), free_api.whoami()
    assert (pro["isPro"], pro["canPay"]) == (True, True)
    assert (free["isPro"], free["canPay"]) == (False, False)
    plans = {org["name"]: org["plan"] for org in free["orgs"]}
    assert plans == {"acme": "team", "hobby": "NO_PLAN"}


@pytest.mark.parametrize("sdk", ["docker", "gradio"])
def test_free_account_cannot_create_docker_or_gradio_on_cpu_basic(free_api: HfApi, sdk: str) -> None:
    status, text = _status(lambda: free_api.create_repo(f"fred/app-{sdk}", repo_type="space", space_sdk=sdk))
    assert status == 402 and PRO_TEXT in text
    assert not free_api.repo_exists(f"fred/app-{sdk}", repo_type="space")


def test_free_account_creates_static_and_pro_creates_docker(api: HfApi, free_api: HfApi) -> None:
    free_api.create_repo("fred/site", repo_type="space", space_sdk="static")
    assert free_api.space_info("fred/site").sdk == "static"
    api.create_repo("alice/pro-docker", repo_type="space", space_sdk="docker")
    assert api.space_info("alice/pro-docker").sdk == "docker"


def test_402_comes_before_409(free_api: HfApi) -> None:
    free_api.create_repo("fred/taken", repo_type="space", space_sdk="static")
    status, _ = _status(lambda: free_api.create_repo("fred/taken", repo_type="space", space_sdk="docker"))
    assert status == 402  # not 409: a free account cannot learn that its Docker Space exists this way
    # (exist_ok=True would make the client read the repo after the 402 (HFH-2.4 create_repo), then fail to
    # build a RepoUrl for a non-huggingface.co host: a client limitation with a custom endpoint.)
    status, _ = _status(lambda: free_api.create_repo("fred/taken", repo_type="space", space_sdk="static"))
    assert status == 409


def test_org_plans(free_api: HfApi) -> None:
    free_api.create_repo("acme/team-app", repo_type="space", space_sdk="docker")  # free member, paid org
    status, text = _status(lambda: free_api.create_repo("hobby/app", repo_type="space", space_sdk="docker"))
    assert status == 402 and PRO_TEXT in text


def test_paid_hardware_needs_a_payment_method(api: HfApi, free_api: HfApi) -> None:
    status, text = _status(
        lambda: free_api.create_repo(
            "fred/gpu", repo_type="space", space_sdk="docker", space_hardware=SpaceHardware.T4_SMALL
        )
    )
    assert status == 403 and PAYMENT_TEXT in text
    free_api.create_repo("fred/static-hw", repo_type="space", space_sdk="static")
    status, text = _status(lambda: free_api.request_space_hardware("fred/static-hw", SpaceHardware.CPU_UPGRADE))
    assert status == 403 and PAYMENT_TEXT in text
    api.create_repo("alice/upgraded", repo_type="space", space_sdk="docker", space_hardware=SpaceHardware.CPU_UPGRADE)
    assert api.get_space_runtime("alice/upgraded").requested_hardware == "cpu-upgrade"
