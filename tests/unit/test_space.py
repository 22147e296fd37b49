"""Issue 13, the Space side, without a Hub: plans read from whoami-v2 shapes, huggingface_hub's typed errors,
read before create, sleep time and hardware applied and read back (a fake HfApi records every call)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from huggingface_hub import SpaceInfo
from huggingface_hub._space_api import SpaceVariable
from huggingface_hub.errors import (
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from pulumi.dynamic import ResourceProvider

from components.hub import client as hub
from components.hub import plans
from components.rules.ownership import MARKER_VARIABLE
from components.space import SpaceProvider as _SpaceProvider
from components.space import settings_changes, sleep_as_configured

#: Driven as the engine drives it, plain dicts in and out (its methods' TypedDicts are the provider's own view).
SpaceProvider: type[ResourceProvider] = _SpaceProvider
SPACE = "alice/rag-chatbot"
ME = "hf-rag-space/test"

#: whoami-v2 of a free user (the real Hub's shape, hub-api-contract.md 5.1) in a free and a paid org.
FREE_USER = {
    "type": "user", "name": "alice", "plan": "NO_PLAN", "canPay": False, "isPro": False, "periodEnd": None,
    "orgs": [{"type": "org", "name": "acme", "plan": "team", "canPay": True, "isEnterprise": False},
             {"type": "org", "name": "hobby", "plan": "NO_PLAN", "canPay": False}],
    "auth": {"type": "access_token", "accessToken": {"displayName": "t", "role": "write"}},
}
PRO_USER = {**FREE_USER, "isPro": True, "canPay": True, "plan": "PRO"}


def http_error(status: int, server: str = "", cls: type[HfHubHTTPError] = HfHubHTTPError) -> HfHubHTTPError:
    request = httpx2.Request("GET", "https://hub.example/api/spaces/alice/rag-chatbot")
    return cls(f"{status} error", response=httpx2.Response(status, request=request), server_message=server or None)


# -- plans ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("whoami", "owner", "hardware", "creating", "expected"), [
    (FREE_USER, "alice", "cpu-basic", True, "PRO subscription (https://huggingface.co/subscribe/pro)"),
    (FREE_USER, "hobby", "cpu-basic", True, "Team or Enterprise"),
    (FREE_USER, "acme", "cpu-basic", True, None),  # a free member of a paid org
    (FREE_USER, "alice", "cpu-basic", False, None),  # an existing Space is adopted: no create, no 402
    (FREE_USER, "alice", "t4-small", True, "no payment method: add one on https://huggingface.co/settings/billing"),
    (FREE_USER, "hobby", "t4-small", False, "organizations/hobby/settings/billing"),
    (FREE_USER, "acme", "t4-small", True, None),
    (PRO_USER, "alice", "cpu-basic", True, None),
    (PRO_USER, "alice", "a10g-small", True, None),
    ({"name": "alice", "orgs": []}, "alice", "cpu-basic", True, None),  # whoami says nothing: no guess
])
def test_plan_problem(whoami: dict[str, Any], owner: str, hardware: str, creating: bool,
                      expected: str | None) -> None:
    problem = plans.plan_problem(plans.account_from_whoami(whoami), owner, hardware, creating=creating)
    assert problem is None if expected is None else expected in (problem or "")


@pytest.mark.parametrize(("org", "paid"), [
    ({"plan": "team"}, True), ({"plan": "enterprise"}, True), ({"plan": "NO_PLAN"}, False),
    ({"plan": "free"}, False), ({"isEnterprise": True, "plan": "NO_PLAN"}, True), ({}, None),
])
def test_org_plans(org: dict[str, Any], paid: bool | None) -> None:
    account = plans.account_from_whoami({"name": "u", "orgs": [{"name": "o", **org}]})
    namespace = account.namespace("o")
    assert namespace is not None and namespace.paid is paid and namespace.is_org


# -- typed errors -----------------------------------------------------------------------------------------


def test_only_a_missing_repository_is_gone() -> None:
    assert isinstance(hub.explain(http_error(404, cls=RepositoryNotFoundError), "Reading"), hub.SpaceGone)
    for cls in (RevisionNotFoundError, RemoteEntryNotFoundError, HfHubHTTPError):
        error = hub.explain(http_error(404, cls=cls), "Reading")
        assert not isinstance(error, hub.SpaceGone) and error.status == 404


def test_402_and_payment_method_403_are_named() -> None:
    assert isinstance(hub.explain(http_error(402, "requires a PRO subscription"), "Creating"), hub.PlanRequired)
    paying = hub.explain(http_error(403, "You must add a payment method to your account to upgrade your "
                                         "space's hardware"), "Requesting hardware")
    assert isinstance(paying, hub.PaymentMethodRequired) and "settings/billing" in str(paying)
    assert "read-only" not in str(paying) and "write access" not in str(paying)
    plain = hub.explain(http_error(403, "You don't have the rights"), "Writing")
    assert not isinstance(plain, hub.PaymentMethodRequired) and "write access" in str(plain)


# -- sleep time and hardware --------------------------------------------------------------------------------


@pytest.mark.parametrize(("remote", "hardware", "wanted", "seen"), [
    (172800, "cpu-basic", 0, 0),  # fixed 48 h on free hardware: the default
    (None, "t4-small", 0, 0), (-1, "t4-small", 0, 0), (-1, "t4-small", -1, -1),
    (-1, "t4-small", 300, -1), (300, "t4-small", 300, 300), (300, "t4-small", 0, 300),
    (172800, "t4-small", 0, 172800),  # a 48 h sleep on billed hardware is not its default
])
def test_sleep_as_configured(remote: int | None, hardware: str, wanted: int, seen: int) -> None:
    assert sleep_as_configured(remote, hardware, wanted) == seen


def state(private: bool = False, hardware: str = "cpu-basic", sleep_time: int | None = 172800) -> hub.SpaceState:
    return hub.SpaceState(space_id=SPACE, private=private, host="https://x.hf.space", subdomain="x",
                          hardware=hardware, sleep_time=sleep_time, stage="RUNNING", sha="0" * 40)


@pytest.mark.parametrize(("current", "asked", "changes"), [
    (state(), (False, "cpu-basic", 0), {}),
    (state(private=True), (False, "cpu-basic", 0), {"private": False}),
    (state(), (False, "t4-small", 0), {"hardware": "t4-small", "sleep_time": -1}),
    (state(), (False, "t4-small", 300), {"hardware": "t4-small", "sleep_time": 300}),
    (state(hardware="t4-small", sleep_time=300), (False, "t4-small", 0), {"sleep_time": -1}),  # back to default
    (state(hardware="t4-small", sleep_time=-1), (False, "t4-small", 0), {}),
    (state(hardware="t4-small", sleep_time=-1), (False, "t4-small", 300), {"sleep_time": 300}),
    (state(hardware="t4-small", sleep_time=300), (False, "cpu-basic", 0), {"hardware": "cpu-basic"}),
])
def test_settings_changes(current: hub.SpaceState, asked: tuple[bool, str, int], changes: dict[str, Any]) -> None:
    private, hardware, sleep_time = asked
    assert settings_changes(current, private=private, hardware=hardware, sleep_time=sleep_time) == changes


# -- the provider against a fake HfApi -------------------------------------------------------------------------


class FakeApi:
    """Just enough of HfApi for the Space provider; `writes` records every non-read call."""

    def __init__(self, whoami: dict[str, Any], space: dict[str, Any] | None = None,
                 variables: dict[str, str] | None = None) -> None:
        self.me = whoami
        self.space = space
        self.vars = dict(variables or {})
        self.writes: list[tuple[str, Any]] = []
        self.create_error: HfHubHTTPError | None = None
        self.info_error: HfHubHTTPError | None = None

    def whoami(self) -> dict[str, Any]:
        return self.me

    def space_info(self, space_id: str) -> SpaceInfo:
        if self.info_error is not None:
            raise self.info_error
        if self.space is None:
            raise http_error(404, cls=RepositoryNotFoundError)
        return SpaceInfo(id=space_id, sha="0" * 40, host="https://alice-rag-chatbot.hf.space",
                         subdomain="alice-rag-chatbot", **self.space)

    def get_space_variables(self, space_id: str) -> dict[str, SpaceVariable]:
        return {k: SpaceVariable(k, {"value": v}) for k, v in self.vars.items()}

    def add_space_variable(self, space_id: str, key: str, value: str, description: str | None = None) -> None:
        self.writes.append(("variable", (key, value)))
        self.vars[key] = value

    def create_repo(self, space_id: str, **kwargs: Any) -> None:
        self.writes.append(("create", kwargs))
        if self.create_error is not None:
            raise self.create_error
        hardware = kwargs.get("space_hardware", "cpu-basic")
        self.space = {"private": kwargs["private"], "runtime": {
            "stage": "BUILDING", "hardware": {"current": None, "requested": hardware},
            "gcTimeout": kwargs.get("space_sleep_time", 172800)}}
        for item in kwargs.get("space_variables") or []:
            self.vars[item["key"]] = item["value"]

    def update_repo_settings(self, space_id: str, **kwargs: Any) -> None:
        self.writes.append(("settings", kwargs))
        assert self.space is not None
        self.space["private"] = kwargs["private"]

    def request_space_hardware(self, space_id: str, hardware: str, sleep_time: int | None = None) -> None:
        self.writes.append(("hardware", (hardware, sleep_time)))
        assert self.space is not None
        self.space["runtime"]["hardware"]["requested"] = hardware
        if sleep_time is not None:
            self.space["runtime"]["gcTimeout"] = sleep_time

    def set_space_sleep_time(self, space_id: str, sleep_time: int) -> None:
        self.writes.append(("sleeptime", sleep_time))
        assert self.space is not None
        self.space["runtime"]["gcTimeout"] = sleep_time


def space_json(private: bool = False, hardware: str = "cpu-basic", sleep: int | None = 172800) -> dict[str, Any]:
    return {"private": private, "runtime": {"stage": "RUNNING", "hardware": {"current": hardware,
                                                                              "requested": hardware},
                                            "gcTimeout": sleep}}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, FakeApi]]:
    holder: dict[str, FakeApi] = {}
    monkeypatch.setattr(hub, "client", lambda endpoint, token: holder["api"])
    monkeypatch.setenv("HF_TOKEN", "hf_unit")
    yield holder


def props(**overrides: Any) -> dict[str, Any]:
    return {"hub_endpoint": "https://hub.example", "owner": "alice", "name": "rag-chatbot", "private": False,
            "hardware": "cpu-basic", "sleep_time": 0, "managed_by": ME, "adopt": False, "space_id": SPACE,
            **overrides}


def test_free_account_fails_check_with_the_plan_and_writes_nothing(fake: dict[str, FakeApi]) -> None:
    fake["api"] = api = FakeApi(FREE_USER)
    [failure] = SpaceProvider().check({}, props()).failures
    assert "PRO subscription" in failure.reason and "hf-rag-space:hfOwner" in failure.reason
    assert api.writes == []
    assert SpaceProvider().check({}, props(owner="acme")).failures == []  # a paid org
    fake["api"] = FakeApi(PRO_USER)
    assert SpaceProvider().check({}, props()).failures == []


def test_existing_space_of_a_free_account_is_adopted_without_a_create(fake: dict[str, FakeApi]) -> None:
    fake["api"] = api = FakeApi(FREE_USER, space_json(), {MARKER_VARIABLE: ME})
    assert SpaceProvider().check({}, props()).failures == []  # no plan gate: nothing is created
    api.create_error = http_error(402)  # what the Hub would answer to a create (402 before 409)
    SpaceProvider().create(props())
    assert [w for w, _ in api.writes] == []  # read first: no create, nothing else to change


def test_402_at_create_gets_the_plan_message(fake: dict[str, FakeApi]) -> None:
    fake["api"] = api = FakeApi(FREE_USER)
    api.create_error = http_error(402, "hosting Docker Spaces on free cpu-basic requires a PRO subscription")
    with pytest.raises(hub.HubError) as info:
        SpaceProvider().create(props())
    assert "PRO subscription (https://huggingface.co/subscribe/pro)" in str(info.value)
    fake["api"] = api = FakeApi(FREE_USER)
    api.create_error = http_error(402)
    with pytest.raises(hub.HubError, match="Team or Enterprise"):
        SpaceProvider().create(props(owner="hobby", space_id="hobby/rag-chatbot"))


def test_paid_hardware_without_payment_method_fails_check(fake: dict[str, FakeApi]) -> None:
    fake["api"] = FakeApi(FREE_USER)
    [failure] = SpaceProvider().check({}, props(hardware="t4-small")).failures
    assert "payment method" in failure.reason and "hf-rag-space:hardware" in failure.reason
    # Moving an existing Space to billed hardware is checked too; a no-change check makes no call at all.
    [failure] = SpaceProvider().check(props(), props(hardware="t4-small")).failures
    assert "payment method" in failure.reason
    fake["api"] = FakeApi({})  # any Hub call would now fail the assertion below
    assert SpaceProvider().check(props(), props()).failures == []


def test_adoption_applies_visibility_hardware_and_sleep(fake: dict[str, FakeApi]) -> None:
    fake["api"] = api = FakeApi(PRO_USER, space_json(private=True), {MARKER_VARIABLE: ME})
    SpaceProvider().create(props(hardware="t4-small", sleep_time=300))
    assert api.writes == [("settings", {"repo_type": "space", "private": False}), ("hardware", ("t4-small", 300))]


def test_sleep_back_to_zero_restores_the_default_and_read_sees_drift(fake: dict[str, FakeApi]) -> None:
    fake["api"] = api = FakeApi(PRO_USER, space_json(hardware="t4-small", sleep=300), {MARKER_VARIABLE: ME})
    old = props(hardware="t4-small", sleep_time=300)
    SpaceProvider().update(SPACE, old, props(hardware="t4-small", sleep_time=0))
    assert api.writes == [("sleeptime", -1)]
    # Drift made by hand: hardware and sleep time are read back as they are.
    api.space = space_json(hardware="cpu-upgrade", sleep=600)
    read = SpaceProvider().read(SPACE, old)
    assert read.inputs is not None
    assert read.inputs["hardware"] == "cpu-upgrade" and read.inputs["sleep_time"] == 600
    api.space = space_json(hardware="t4-small", sleep=-1)
    read = SpaceProvider().read(SPACE, props(hardware="t4-small", sleep_time=0))
    assert read.inputs is not None and read.inputs["sleep_time"] == 0  # the default: no drift


@pytest.mark.parametrize("cls", [RevisionNotFoundError, RemoteEntryNotFoundError, HfHubHTTPError])
def test_read_keeps_the_space_on_any_other_404(fake: dict[str, FakeApi], cls: type[HfHubHTTPError]) -> None:
    fake["api"] = api = FakeApi(PRO_USER, space_json(), {MARKER_VARIABLE: ME})
    api.info_error = http_error(404, cls=cls)
    with pytest.raises(hub.HubError) as info:
        SpaceProvider().read(SPACE, props())
    assert not isinstance(info.value, hub.SpaceGone)
    api.info_error = http_error(404, cls=RepositoryNotFoundError)
    assert SpaceProvider().read(SPACE, props()).id is None  # only a missing repository is gone
