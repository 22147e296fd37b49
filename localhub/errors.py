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


def repo_not_found(repo_id: str) -> HubError:
    return HubError(404, f"Repository Not Found for url: {repo_id}.", "RepoNotFound")


def revision_not_found(revision: str) -> HubError:
    return HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")


def entry_not_found(path: str, headers: dict[str, str] | None = None) -> HubError:
    return HubError(404, f"Entry not found: {path}", "EntryNotFound", headers=headers)


def bad_request(message: str) -> HubError:
    return HubError(400, message)


async def hub_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubError)
    return exc.response()
