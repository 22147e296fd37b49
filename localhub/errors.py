"""Hub-style HTTP errors: status, `X-Error-Code`, `X-Error-Message` and a JSON `{"error": ...}` body."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse


class HubError(Exception):
    """An error answered the way the real Hub answers it."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self) -> JSONResponse:
        headers = {"X-Error-Message": self.message.replace("\n", " "), **self.headers}
        if self.code:
            headers["X-Error-Code"] = self.code
        return JSONResponse({"error": self.message, **self.extra}, status_code=self.status, headers=headers)


#: The Hub's text for a missing or invisible repo. The client prints its own "Repository Not Found for url: ..."
#: and appends the server's text only when it is not already part of it: HFH ``tests/test_hf_api.py``
#: ``test_create_commit_repo_does_not_exist`` expects nothing appended (HFH-2.4 ``utils/_http.py`` ``_format``).
REPO_NOT_FOUND = "Repository not found"
#: What the Hub tells an anonymous caller about a missing or private repo, with a 401 (recorded in
#: lemonade-sdk/lemonade#25 for ``/api/models/.../revision/main``, 01-ai/Yi#226 for ``resolve``; why a 401:
#: HFH-2.4 ``utils/_http.py`` comment and the gist it links).
ANONYMOUS_NOT_FOUND = "Invalid username or password."


def repo_not_found(repo_id: str, anonymous: bool = False) -> HubError:
    """404 ``X-Error-Code: RepoNotFound`` (401 for an ``anonymous`` caller): what ``hf_raise_for_status`` maps to
    ``RepositoryNotFoundError`` (``repo_exists`` / ``file_exists`` then answer False; the code matters: the
    client's 401 fallback only matches ``https://`` URLs). ``repo_id`` is not repeated: the client names the URL."""
    del repo_id
    if anonymous:
        return HubError(401, ANONYMOUS_NOT_FOUND, "RepoNotFound")
    return HubError(404, REPO_NOT_FOUND, "RepoNotFound")


def revision_not_found(revision: str) -> HubError:
    return HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")


def entry_not_found(path: str, headers: dict[str, str] | None = None) -> HubError:
    return HubError(404, f"Entry not found: {path}", "EntryNotFound", headers=headers)


def bad_request(message: str) -> HubError:
    return HubError(400, message)


async def hub_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubError)
    return exc.response()
