"""Gated repos: their files are for the namespace's members only (access requests are not emulated).

On the Hub a gated repo's page and info stay public, but its files answer ``X-Error-Code: GatedRepo``, which the
client raises as ``GatedRepoError`` (HFH PR #1225; HFH-2.4 ``utils/_http.py`` ``hf_raise_for_status``;
``file_exists`` re-raises it, ``repo_exists`` answers True). Anonymous callers get 401 "... You must have
access to it and be authenticated to access it. Please log in." (resolve, e.g. black-forest-labs/FLUX.1-dev in
ToTheBeginning/PuLID#97); a signed-in user without access gets 403 "... is restricted and you are not in the
authorized list. Visit ... to ask for access." (paths-info, huggingface/dataset-viewer#2083).
"""

from __future__ import annotations

from starlette.requests import Request

from localhub.errors import HubError
from localhub.hub import Repo, endpoint, hub_of, web_prefix


def check_file_access(request: Request, repo: Repo) -> None:
    """Raise the Hub's GatedRepo error when ``repo`` is gated and the caller is not a member of its namespace."""
    if not repo.meta.get("gated"):
        return
    principal = repo.principal
    if principal is not None and hub_of(request).auth.is_member(principal.user, repo.key.namespace):
        return
    what = f"{repo.key.type} {repo.key.repo_id}"
    if principal is None:
        message = f"Access to {what} is restricted. You must have access to it and be authenticated to access it. "
        raise HubError(401, message + "Please log in.", "GatedRepo")
    page = f"{endpoint(request)}/{web_prefix(repo.key.type)}{repo.key.repo_id}"
    message = f"Access to {what} is restricted and you are not in the authorized list. Visit {page} to ask for access."
    raise HubError(403, message, "GatedRepo")
