"""Auth, whoami, and repo create / info / settings / delete through the real client."""

from __future__ import annotations

import httpx
import pytest
from huggingface_hub import HfApi, SpaceHardware
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, RepositoryNotFoundError

from localhub import LocalHub
from tests.hub.conftest import commit_files, create_space


def test_whoami(hub: LocalHub) -> None:
    me = HfApi(endpoint=hub.endpoint, token="alice-token").whoami()
    assert me["name"] == "alice" and me["type"] == "user"
    assert [o["name"] for o in me["orgs"]] == ["acme", "hobby"]
    assert me["auth"]["accessToken"]["role"] == "write"
    assert HfApi(endpoint=hub.endpoint, token="alice-read").whoami()["auth"]["accessToken"]["role"] == "read"


def test_unknown_token_is_401(hub: LocalHub) -> None:
    with pytest.raises(HfHubHTTPError) as err:
        HfApi(endpoint=hub.endpoint, token="nope").whoami()
    assert err.value.response.status_code == 401
    r = httpx.get(f"{hub.endpoint}/api/whoami-v2", headers={"authorization": "Bearer nope"})
    assert r.headers["x-error-message"] == "Invalid credentials in Authorization header"


def test_no_token_on_write_is_401(hub: LocalHub) -> None:
    r = httpx.post(f"{hub.endpoint}/api/repos/create", json={"name": "x", "type": "space", "sdk": "docker"})
    assert r.status_code == 401


def test_create_space_with_settings(api: HfApi, space_id: str) -> None:
    url = api.create_repo(
        space_id,
        repo_type="space",
        space_sdk="docker",
        private=True,
        space_hardware=SpaceHardware.CPU_UPGRADE,
        space_sleep_time=3600,
        space_secrets=[{"key": "API_KEY", "value": "s3cret"}],
        space_variables=[{"key": "MODE", "value": "prod", "description": "d"}],
    )
    assert url.repo_id == space_id and url.repo_type == "space"
    info = api.space_info(space_id)
    assert info.id == space_id and info.private is True and info.sdk == "docker"
    assert info.sha is not None and len(info.sha) == 40 and info.last_modified is not None
    assert info.runtime is not None and info.runtime.stage == "NO_APP_FILE"
    assert info.runtime.requested_hardware == "cpu-upgrade" and info.runtime.sleep_time == 3600
    assert info.subdomain == space_id.replace("/", "-").lower()
    assert info.host is not None and info.host.startswith("http://127.0.0.1:")
    assert list(api.get_space_secrets(space_id)) == ["API_KEY"]
    assert api.get_space_variables(space_id)["MODE"].value == "prod"


def test_create_conflict_and_exist_ok(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    with pytest.raises(HfHubHTTPError) as err:
        create_space(api, space_id)
    assert err.value.response.status_code == 409
    assert "url" in err.value.response.json()
    assert api.create_repo(space_id, repo_type="space", space_sdk="docker", exist_ok=True).repo_id == space_id


def test_invalid_name_is_400(hub: LocalHub) -> None:
    r = httpx.post(
        f"{hub.endpoint}/api/repos/create",
        json={"name": "bad--name", "type": "space", "sdk": "docker"},
        headers={"authorization": "Bearer alice-token"},
    )
    assert r.status_code == 400


def test_missing_sdk_is_bad_request(hub: LocalHub) -> None:
    r = httpx.post(
        f"{hub.endpoint}/api/repos/create",
        json={"name": "nosdk", "type": "space"},
        headers={"authorization": "Bearer alice-token"},
    )
    assert r.status_code == 400


def test_read_token_cannot_write(hub: LocalHub, space_id: str) -> None:
    ro = HfApi(endpoint=hub.endpoint, token="alice-read")
    with pytest.raises(HfHubHTTPError) as err:
        create_space(ro, space_id)
    assert err.value.response.status_code == 403


def test_other_namespace_is_403(hub: LocalHub, api: HfApi, space_id: str) -> None:
    bob = HfApi(endpoint=hub.endpoint, token="bob-token")
    with pytest.raises(HfHubHTTPError) as err:
        create_space(bob, space_id)
    assert err.value.response.status_code == 403
    create_space(api, space_id)
    with pytest.raises(HfHubHTTPError) as err:
        bob.add_space_secret(space_id, "K", "v")
    assert err.value.response.status_code == 403
    assert bob.space_info(space_id).id == space_id  # public: readable


def test_org_namespace(api: HfApi, hub: LocalHub) -> None:
    repo_id = "acme/org-space"
    create_space(api, repo_id, exist_ok=True)
    assert api.space_info(repo_id).author == "acme"
    with pytest.raises(HfHubHTTPError) as err:
        create_space(HfApi(endpoint=hub.endpoint, token="bob-token"), "acme/bob-space")
    assert err.value.response.status_code == 403


def test_private_repo_is_hidden(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id, private=True)
    for client in (HfApi(endpoint=hub.endpoint, token="bob-token"), HfApi(endpoint=hub.endpoint, token=False)):
        with pytest.raises(RepositoryNotFoundError):
            client.space_info(space_id)
    assert not HfApi(endpoint=hub.endpoint, token="bob-token").repo_exists(space_id, repo_type="space")


def test_update_settings_visibility(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    api.update_repo_settings(space_id, repo_type="space", private=True)
    assert api.space_info(space_id).private is True
    api.update_repo_settings(space_id, repo_type="space", private=False)
    assert api.space_info(space_id).private is False


def test_card_data_from_readme(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    commit_files(api, space_id, {"README.md": b"---\ntitle: Hello\nsdk: docker\napp_port: 7860\n---\nhi\n"})
    info = api.space_info(space_id)
    assert info.card_data is not None and info.card_data["title"] == "Hello"
    assert {s.rfilename for s in info.siblings or []} == {".gitattributes", "README.md"}


def test_delete_repo(api: HfApi, space_id: str) -> None:
    create_space(api, space_id)
    api.delete_repo(space_id, repo_type="space")
    with pytest.raises(RepositoryNotFoundError):
        api.space_info(space_id)
    api.delete_repo(space_id, repo_type="space", missing_ok=True)
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(space_id, repo_type="space")


def test_missing_repo_is_repository_not_found(api: HfApi) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.get_space_runtime("alice/does-not-exist")
    with pytest.raises(HFValidationError):  # client-side validation never reaches the server
        api.space_info("alice/bad--id")


def test_list_spaces(hub: LocalHub, api: HfApi, space_id: str) -> None:
    create_space(api, space_id, private=True)
    mine = [s.id for s in api.list_spaces(author="alice")]
    assert space_id in mine
    bob = HfApi(endpoint=hub.endpoint, token="bob-token")
    assert space_id not in [s.id for s in bob.list_spaces(author="alice")]
