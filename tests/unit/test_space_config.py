"""SpaceSecret/SpaceVariable `read` (issue 13): only a missing repository drops the resource from state;
any other 404 (a missing revision, entry or route) is an error that keeps it. A fake client raises
huggingface_hub's own typed errors; the real hub.call translation runs."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from huggingface_hub.errors import (
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from components.hub import client as hub
from components.provider_base import HubProvider
from components.space_config import SpaceSecretProvider, SpaceVariableProvider

PROPS = {"hub_endpoint": "https://hub.example", "space_id": "alice/rag", "key": "GEMINI_API_KEY",
         "value": "v", "description": "d", "managed_by": "hf-rag-space/test#0123456789ab"}


def not_found(kind: type[HfHubHTTPError]) -> HfHubHTTPError:
    request = httpx2.Request("GET", "https://hub.example/api/spaces/alice/rag/secrets")
    return kind("404 Client Error", response=httpx2.Response(404, request=request))


class FakeApi:
    """Answers every settings listing with `error` (or, without one, with `GEMINI_API_KEY`)."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def _answer(self, _space_id: str) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        return {"GEMINI_API_KEY": type("Var", (), {"value": "v"})()}

    get_space_secrets = _answer
    get_space_variables = _answer


PROVIDERS = [SpaceSecretProvider, SpaceVariableProvider]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("kind", [RevisionNotFoundError, RemoteEntryNotFoundError, HfHubHTTPError])
def test_a_404_that_is_not_the_repository_keeps_the_resource(monkeypatch: pytest.MonkeyPatch,
                                                              provider: type[HubProvider],
                                                              kind: type[HfHubHTTPError]) -> None:
    monkeypatch.setattr(HubProvider, "api", lambda self, props: FakeApi(not_found(kind)))
    with pytest.raises(hub.HubError) as raised:
        provider().read("alice/rag/GEMINI_API_KEY", dict(PROPS))
    assert raised.value.status == 404 and not isinstance(raised.value, hub.SpaceGone)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_only_a_missing_repository_drops_it(monkeypatch: pytest.MonkeyPatch, provider: type[HubProvider]) -> None:
    monkeypatch.setattr(HubProvider, "api", lambda self, props: FakeApi(not_found(RepositoryNotFoundError)))
    result = provider().read("alice/rag/GEMINI_API_KEY", dict(PROPS))
    assert result.id is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_present_key_is_kept(monkeypatch: pytest.MonkeyPatch, provider: type[HubProvider]) -> None:
    monkeypatch.setattr(HubProvider, "api", lambda self, props: FakeApi(None))
    result = provider().read("alice/rag/GEMINI_API_KEY", dict(PROPS))
    assert result.id == "alice/rag/GEMINI_API_KEY"
    assert result.outs is not None and result.outs["key"] == "GEMINI_API_KEY"
