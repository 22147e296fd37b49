"""The only module of the product that talks to the Hub through huggingface_hub.

Providers call the small functions here; each turns the client's exceptions into a typed `HubError`
(components/errors.py: `NotFound`, `Conflict`, `PreconditionFailed`, `RateLimited`, ...) whose message says
what went wrong and what to do. Idempotent Space calls that huggingface_hub does not retry itself
(settings, secrets, variables, runtime reads) are retried by components/retry.py (`IDEMPOTENT`: capped
exponential backoff with jitter, honouring `Retry-After`, each retry logged). Commits are never retried
blindly: callers re-read the remote head and re-plan (`REPLANNED`; see space_files.py).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from components import retry as _retry
from components.errors import (
    Conflict,
    HubError,
    NotFound,
    PaymentMethodRequired,
    PermissionDenied,
    PlanRequired,
    PreconditionFailed,
    RateLimited,
    ServerError,
    SpaceGone,
    SpaceTimeout,
    TokenRejected,
    Unreachable,
)
from components.hub.xet_memory import bound_xet_upload_memory

if TYPE_CHECKING:
    import httpx2
    from huggingface_hub import HfApi

# huggingface_hub (and its httpx2) are imported inside the functions that use them: a `pulumi preview`
# or `up` with nothing to change never calls the Hub, and importing the client costs about 0.2 s in
# both the program and the provider process (bench/engine_overhead.py measured it).

T = TypeVar("T")
TOKEN_CONFIG_KEY = "hfToken"
RETRY_STATUSES = _retry.RETRY_STATUSES
MAX_ATTEMPTS = 6
MAX_BACKOFF_SECONDS = 20.0
#: A 429 asking for a longer wait than this is not waited out inside `pulumi up` (a commit quota can
#: ask for most of an hour): the error says how long to wait before running `pulumi up` again.
MAX_WAIT_SECONDS = 60.0
#: All the waiting one call (or one re-planned write) may do: 2 minutes, however often the Hub says 60 s.
MAX_TOTAL_WAIT_SECONDS = 120.0
#: Files the Hub writes itself into every new repo; we neither upload nor delete them.
HUB_OWNED_FILES = frozenset({".gitattributes"})


def client(endpoint: str, token: str) -> HfApi:
    """A client for one Hub endpoint (the real Hub or localhub)."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint.rstrip("/"), token=token, library_name="hf-rag-space")


_RATELIMIT_RESET = re.compile(r";\s*t=(\d+)")
_RETRY_IN_MINUTES = re.compile(r"retry this action in (\d+) minute", re.IGNORECASE)


def _retry_after(response: httpx2.Response | None, server_message: str = "") -> float | None:
    """Seconds the Hub asks us to wait: `Retry-After`, else the `RateLimit` header's `t=`, else the
    "retry this action in N minutes" of the Hub's commit-quota message."""
    if response is not None:
        value = response.headers.get("Retry-After")
        try:
            if value is not None:
                return float(value)
        except ValueError:
            pass
        reset = _RATELIMIT_RESET.search(response.headers.get("RateLimit") or "")
        if reset:
            return float(reset.group(1))
    minutes = _RETRY_IN_MINUTES.search(server_message)
    return float(minutes.group(1)) * 60 if minutes else None


def wait_text(seconds: float) -> str:
    """`45 s`, or `about 12 min (until 14:05 UTC)` for longer waits."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    until = time.strftime("%H:%M UTC", time.gmtime(time.time() + seconds))
    return f"about {seconds / 60:.0f} min (until {until})"


def explain(exc: BaseException, what: str) -> HubError:
    """Turn a client exception into a short message naming the action and the fix (and, for an HTTP
    error, the Hub's request id). The caller raises it `from exc`, so the cause stays attached."""
    if isinstance(exc, HubError):
        return exc
    error = _explain(exc, what)
    if error.server_message is None:
        error.server_message = _server_message(exc)
    request_id = getattr(exc, "request_id", None)
    if request_id:
        error.request_id = str(request_id)
        error.args = (f"{error.args[0]} (Hub request id: {request_id})",)
    return error


def _server_message(exc: BaseException) -> str | None:
    """What the Hub's answer said (huggingface_hub's `server_message`: the body's `error`), or None."""
    return (getattr(exc, "server_message", None) or "").strip() or None


def _explain(exc: BaseException, what: str) -> HubError:
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, RepositoryNotFoundError):
        return SpaceGone(f"{what}: not found on the Hub (deleted, or not visible to this token).", 404)
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        status = response.status_code if response is not None else None
        server = _server_message(exc) or ""
        detail = f" The Hub said: {server}" if server else ""
        if status == 401:
            return _token_rejected(what, detail)
        if status == 402:
            return PlanRequired(f"{what}: the Hub requires a paid plan (402): a Docker Space on free cpu-basic "
                                f"hardware needs PRO (users) or Team/Enterprise (organisations).{detail}", 402)
        if status == 403 and "payment method" in server.lower():
            return PaymentMethodRequired(f"{what}: billed hardware needs a payment method on the owner's account "
                                         f"(403): add one on https://huggingface.co/settings/billing, or use "
                                         f"`pulumi config set hardware cpu-basic`.{detail}", 403)
        if status == 403:
            return _cannot_write(what, detail)
        if status == 404:
            # Only a missing repository (RepositoryNotFoundError, above) means "gone": a missing revision,
            # file or route (RevisionNotFoundError, EntryNotFoundError, a bare 404) must not drop state.
            kind = {"RevisionNotFoundError": "revision", "RemoteEntryNotFoundError": "file",
                    "EntryNotFoundError": "file"}.get(type(exc).__name__, "resource")
            return NotFound(f"{what}: {kind} not found (404); the Space itself exists. Run `pulumi refresh` "
                            f"or `pulumi up` again.{detail}", 404)
        if status == 409:
            return Conflict(f"{what}: the name is already taken (409). Pick another `spaceName`.{detail}", 409)
        if status == 412:
            return PreconditionFailed(f"{what}: the Space changed on the Hub while we worked (412). Run `pulumi "
                                      f"up` again: it re-reads the Space and sends only what differs.{detail}", 412)
        if status == 429:
            wait = _retry_after(response, server)
            when = f"wait {wait_text(wait)}" if wait is not None else "wait a few minutes"
            return RateLimited(f"{what}: rate limited by the Hub (429): {when}, then run `pulumi up` again; it "
                               f"sends only what is still missing (the Hub allows about 128 commits per repo per "
                               f"hour).{detail}", 429, wait)
        kind_of = ServerError if status in RETRY_STATUSES else HubError
        return kind_of(f"{what}: the Hub answered {status}.{detail}", status)
    if isinstance(exc, httpx2.TransportError):
        return Unreachable(f"{what}: cannot reach the Hub ({type(exc).__name__}: {exc}). Check `hubEndpoint` "
                           "and your network, then run `pulumi up` again.")
    return _explain_xet(exc, what) or HubError(f"{what}: {type(exc).__name__}: {exc}")


def _token_rejected(what: str, detail: str = "") -> HubError:
    return TokenRejected(f"{what}: the Hub rejected the token (401). Check `hfToken` / HF_TOKEN: it must be "
                         f"a valid token for this Hub.{detail}", 401)


def _cannot_write(what: str, detail: str = "") -> HubError:
    return PermissionDenied(f"{what}: permission denied (403). Use a token with write access, and an owner "
                            f"(`hfOwner`) that is the token's user or one of its organisations.{detail}", 403)


#: hf_xet 1.8 reports an HTTP failure as ``... HTTP status server error (503 Service Unavailable), domain: URL``
#: (an OSError such as ConnectionError, or a RuntimeError) and a network failure as
#: ``... error sending request for url (URL)``: no response object, so the status is read from the text.
_XET_HTTP_STATUS = re.compile(r"HTTP status (?:client|server) error \((\d{3})[^)]*\), domain: (\S+)")
_XET_UNREACHABLE = re.compile(r"error sending request for url \((\S+?)\)")


def _explain_xet(exc: BaseException, what: str) -> HubError | None:
    """An hf_xet failure (token refresh, Xet storage) with the same treatment as the HTTP ones: a refused
    token gets the 401/403 guidance, a 429/5xx keeps its status (so `retryable` says yes), an unreachable
    storage host is named. None when `exc` is not one."""
    if not isinstance(exc, (OSError, RuntimeError)):
        return None
    text = str(exc)
    http = _XET_HTTP_STATUS.search(text)
    if http:
        status, url = int(http.group(1)), http.group(2)
        token_route = "/xet-write-token/" in url or "/xet-read-token/" in url
        detail = f" hf_xet said: {text}"
        if status == 401:
            return _token_rejected(what, detail)
        if status == 403:
            return _cannot_write(what, detail)
        where = "the Hub's Xet token route" if token_route else f"the Hub's Xet storage ({_host(url)})"
        if status == 429:
            return RateLimited(f"{what}: rate limited by {where} (429) after hf_xet's retries: wait a few "
                               f"minutes, then run `pulumi up` again; content already stored is not sent again."
                               f"{detail}", 429)
        kind_of = ServerError if status in RETRY_STATUSES else HubError
        return kind_of(f"{what}: {where} answered {status} after hf_xet's retries.{detail}", status)
    unreachable = _XET_UNREACHABLE.search(text)
    if unreachable:
        return Unreachable(f"{what}: cannot reach the Hub's Xet storage at {_host(unreachable.group(1))} (hf_xet: "
                           f"{text}). Check your network, proxy and firewall for that host, then run `pulumi up` "
                           "again: content already stored is not sent again.")
    return None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def retryable(error: BaseException) -> bool:
    """A failure worth retrying now: a 429 whose wait is short (or unknown), a 5xx, a network error."""
    if not isinstance(error, HubError):
        return False
    if isinstance(error, RateLimited):
        return error.retry_after is None or error.retry_after <= MAX_WAIT_SECONDS
    return isinstance(error, (ServerError, Unreachable))


#: Idempotent Hub calls: transient failures retried (`retryable`), 6 attempts, waits of 0.5 s to 20 s (or the
#: Hub's `Retry-After`, up to a minute), 2 minutes of waiting at most.
IDEMPOTENT = _retry.Policy(retry_on=retryable, attempts=MAX_ATTEMPTS, total_wait=MAX_TOTAL_WAIT_SECONDS,
                          cap=MAX_BACKOFF_SECONDS, max_wait=MAX_WAIT_SECONDS)
#: A commit re-planned from a fresh head before each attempt (SpaceFiles, restore_revision): a 412 too,
#: logged as a warning.
REPLANNED = _retry.Policy(retry_on=lambda e: isinstance(e, PreconditionFailed) or retryable(e),
                         attempts=MAX_ATTEMPTS, total_wait=MAX_TOTAL_WAIT_SECONDS, cap=MAX_BACKOFF_SECONDS,
                         max_wait=MAX_WAIT_SECONDS, level=logging.WARNING)


def call(what: str, fn: Callable[[], T], *, retry: bool = True, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run one Hub call; translate its errors (raised `from` the client's); retry transient failures when
    `retry` (idempotent calls), each retry logged (components/retry.py)."""
    def once() -> T:
        try:
            return fn()
        except Exception as exc:
            error = explain(exc, what)
            if error is exc:
                raise
            raise error from exc

    return _retry.run(what, once, IDEMPOTENT if retry else _retry.NEVER, sleep=sleep)


# --- identity ------------------------------------------------------------------------------------

def whoami(api: HfApi) -> dict[str, Any]:
    """whoami-v2: the token's user, its orgs, and what their plans allow (`isPro`, `canPay`, `plan`)."""
    info: dict[str, Any] = call("Checking the token (whoami)", api.whoami)
    return info


# --- Spaces --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpaceState:
    """What the Hub reports about a Space."""

    space_id: str
    private: bool
    host: str
    subdomain: str
    hardware: str | None
    sleep_time: int | None
    stage: str | None
    sha: str | None


def get_space(api: HfApi, space_id: str) -> SpaceState | None:
    """The Space, or None when it does not exist."""
    try:
        info = call(f"Reading Space {space_id}", lambda: api.space_info(space_id))
    except SpaceGone:
        return None
    runtime = info.runtime
    subdomain = info.subdomain or ""
    host = info.host or (f"https://{subdomain}.hf.space" if subdomain else "")
    return SpaceState(
        space_id=space_id,
        private=bool(info.private),
        host=host.rstrip("/"),
        subdomain=subdomain,
        hardware=str(runtime.requested_hardware or runtime.hardware or "") or None if runtime else None,
        sleep_time=runtime.sleep_time if runtime else None,
        stage=str(runtime.stage) if runtime else None,
        sha=info.sha,
    )


def create_space(api: HfApi, space_id: str, *, private: bool, hardware: str, sleep_time: int,
                 space_variables: Mapping[str, tuple[str, str]] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> bool:
    """Create a Docker Space with `space_variables` (name -> (value, description)) set in the same request;
    returns False when it already existed (the caller decides whether it may adopt it).

    Creating is not idempotent, but adopting makes it safe to retry: after a transient failure (5xx,
    short 429, lost connection) we re-read whether the Space exists, adopt it if it does (the failed
    request may have created it), and send the create again only if it does not.
    """
    extra: dict[str, Any] = {"space_hardware": hardware} if hardware != "cpu-basic" else {}
    if sleep_time:
        extra["space_sleep_time"] = sleep_time
    if space_variables:
        extra["space_variables"] = [{"key": k, "value": v, "description": d}
                                    for k, (v, d) in space_variables.items()]
    what = f"Creating Space {space_id}"
    first = True

    def attempt() -> bool:
        nonlocal first
        if not first and get_space(api, space_id) is not None:
            return False  # the failed request did create it (or an earlier run did): adopt it
        first = False
        call(what, lambda: api.create_repo(space_id, repo_type="space", space_sdk="docker", private=private,
                                           **extra), retry=False)
        return True

    try:
        return _retry.run(what, attempt, IDEMPOTENT, sleep=sleep)
    except Conflict:
        pass
    # It exists. One we can see goes back to the caller (adopted or refused by its ownership marker);
    # one we cannot see is somebody else's.
    if get_space(api, space_id) is None:
        raise Conflict(f"{what}: the name is taken by a Space you cannot see. Pick another `spaceName`.", 409)
    return False


def update_space(api: HfApi, space_id: str, *, private: bool | None = None, hardware: str | None = None,
                 sleep_time: int | None = None) -> None:
    """Change only what is given. A sleep time given with hardware goes in the same request; -1 is "never"."""
    if private is not None:
        call(f"Setting visibility of {space_id}", lambda: api.update_repo_settings(
            space_id, repo_type="space", private=private))
    if hardware is not None:
        call(f"Requesting hardware {hardware} for {space_id}",
             lambda: api.request_space_hardware(space_id, hardware, sleep_time=sleep_time))  # type: ignore[arg-type]
    elif sleep_time is not None:
        call(f"Setting sleep time of {space_id}", lambda: api.set_space_sleep_time(space_id, sleep_time))


def space_variable(api: HfApi, space_id: str, key: str) -> str | None:
    """The value of one variable of the Space, or None when it has no such variable."""
    return variables(api, space_id).get(key)


def delete_space(api: HfApi, space_id: str) -> None:
    """Delete the Space; already gone is fine."""
    call(f"Deleting Space {space_id}", lambda: api.delete_repo(space_id, repo_type="space", missing_ok=True))


# --- files ---------------------------------------------------------------------------------------

def git_blob_hasher(size: int) -> Any:
    """A SHA-1 primed with git's blob header: feed it the `size` content bytes to get the blob id."""
    return hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)


LFS_PREFIX = "sha256:"
#: Files at least this large are streamed from their staged copy (never held in memory) and counted for
#: the upload progress log.
STREAM_FILE_BYTES = 8 * 1024 * 1024
#: Without Xet, staged files of at least this size are sent through counted readers (the progress log); smaller
#: ones are passed by path, so a commit of thousands of small files holds no file open per upload.
COUNTED_FILE_BYTES = 1024 * 1024
#: How often a commit on its way logs the bytes sent.
UPLOAD_PROGRESS_SECONDS = 10.0
#: Through Xet, a commit's staged files are pre-uploaded in batches of about this many bytes, each its own hf_xet
#: session (huggingface_hub's public `HfApi.preupload_lfs_files`, before the one `create_commit`): hf_xet keeps
#: a session's chunks in xorbs of up to 64 MiB until it ends, so one session for 42 MiB of small binaries held
#: them all (twice: buffer and serialized copy). A file larger than this is a batch of its own.
XET_BATCH_BYTES = 16 * 1024 * 1024


def remote_identity(entry: Any) -> str:
    """What identifies a remote file's content: `sha256:<hex>` for an LFS/Xet file (its `oid` is the blob
    id of the pointer, never equal to the content's blob id; localhub/README.md), else the git blob id."""
    lfs = getattr(entry, "lfs", None)
    if lfs is not None and getattr(lfs, "sha256", None):
        return f"{LFS_PREFIX}{lfs.sha256}"
    return str(entry.blob_id)


def same_content(remote: str | None, blob_id: str | None, sha256: str | None) -> bool:
    """Whether a remote identity (`remote_identity`) is this local content (its git blob id and sha256)."""
    return remote is not None and (remote == blob_id or (sha256 is not None and remote == f"{LFS_PREFIX}{sha256}"))


def remote_files(api: HfApi, space_id: str) -> tuple[dict[str, str], str | None]:
    """Every file of the Space's main branch: path -> `remote_identity`, and the head commit."""
    head = call(f"Reading Space {space_id}", lambda: api.space_info(space_id)).sha

    def listing() -> dict[str, str]:
        return {
            entry.path: remote_identity(entry)
            for entry in api.list_repo_tree(space_id, repo_type="space", recursive=True, revision=head)
            if getattr(entry, "blob_id", None) is not None
        }

    return call(f"Listing files of {space_id}", listing), head


@dataclass(frozen=True)
class StagedFile:
    """A file to upload from its staged copy, streamed; `sha256` is what its content must hash to."""

    path: str
    sha256: str
    size: int


class _CountingReader(io.BufferedReader):
    """A file whose reads are counted (the bytes the client has taken so far): the git-LFS path's progress."""

    def __init__(self, path: str) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.count = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.count += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        data = super().read1(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        self.count += n
        return n


class _XetProgress:
    """Stands in for huggingface_hub's `XetUploadProgressReporter` (which draws tqdm bars on stderr): keeps
    hf_xet's latest group report (bytes processed of the total, new bytes sent) for the progress log."""

    latest: Any = None

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        _XetProgress.latest = None

    def update_progress(self, group_report: Any, _item_reports: Any = None) -> None:
        _XetProgress.latest = group_report

    def close(self) -> None:
        return None


_XET_PATCH_LOCK = threading.Lock()
#: hf_xet's own retry budget for Xet storage (429, 5xx, network): as many attempts as `call` makes, over at
#: most this long. It retries inside the upload; our re-plan loop (space_files.py) comes after it.
XET_RETRY_SECONDS = 120


def _xet_available() -> bool:
    from huggingface_hub.utils._runtime import is_xet_available

    return bool(is_xet_available())


def _give_hf_xet_our_retry_budget() -> None:
    """Before hf_xet's session exists (it reads its config once): our attempts and a bounded total wait
    instead of its 6 minutes; a value the user set in the environment wins."""
    os.environ.setdefault("HF_XET_CLIENT_RETRY_MAX_ATTEMPTS", str(MAX_ATTEMPTS))
    os.environ.setdefault("HF_XET_CLIENT_RETRY_MAX_DURATION", f"{XET_RETRY_SECONDS}s")


@contextmanager
def _progress_through(via_xet: bool) -> Iterator[None]:
    """No progress bar on stderr: through Xet, hf_xet's reports go to `_XetProgress`; through git-LFS,
    huggingface_hub's bars are switched off (its `disable_progress_bars`)."""
    from huggingface_hub.utils import _xet_progress_reporting, disable_progress_bars

    if not via_xet:
        with disable_progress_bars():
            yield
        return
    with _XET_PATCH_LOCK:
        original = _xet_progress_reporting.XetUploadProgressReporter
        _xet_progress_reporting.XetUploadProgressReporter = _XetProgress  # type: ignore[misc, assignment]
        try:
            yield
        finally:
            _xet_progress_reporting.XetUploadProgressReporter = original  # type: ignore[misc]


def _progress_text(label: str, via_xet: bool, readers: list[_CountingReader], total: int) -> str:
    mib = 2**20
    if not via_xet:
        sent = min(total, sum(r.count for r in readers))
        return f"{label}: uploaded {sent / mib:.1f} of {total / mib:.1f} MiB ({100 * sent // max(total, 1)}%)"
    report = _XetProgress.latest
    if report is None:
        return f"{label}: preparing {total / mib:.1f} MiB for Xet (chunking, deduplicating)"
    done, size = int(report.total_bytes_completed), max(int(report.total_bytes), total)
    return (f"{label}: uploaded {done / mib:.1f} of {size / mib:.1f} MiB ({100 * done // max(size, 1)}%) through "
            f"Xet, {int(report.total_transfer_bytes_completed) / mib:.1f} MiB of it new data sent")


def _progress_logger(text: Callable[[], str], every: float,
                     on_progress: Callable[[str], None]) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            on_progress(text())

    thread = threading.Thread(target=run, daemon=True, name="upload-progress")
    thread.start()
    return stop, thread


def commit(api: HfApi, space_id: str, *, uploads: Mapping[str, bytes | StagedFile], deletions: list[str],
           message: str, parent: str | None, on_progress: Callable[[str], None] = lambda _m: None,
           progress_every: float = UPLOAD_PROGRESS_SECONDS) -> str:
    """One commit with these uploads and deletions on top of `parent`; returns the new commit id.

    With hf_xet available (huggingface_hub's default), every file the Hub stores as LFS travels through Xet,
    chunked and deduplicated, whatever its size: `StagedFile` uploads are passed by path (huggingface_hub
    sends a whole commit through git-LFS as soon as one file is a file object, HFH-2.4
    ``_commit_api._upload_files``). Without hf_xet, `StagedFile`s of `COUNTED_FILE_BYTES` and more are
    streamed to git-LFS from counted readers, smaller ones passed by path (no open file per upload).
    Either way `on_progress` gets "uploaded X of Y MiB" every `progress_every` seconds (from
    hf_xet's own progress reports through Xet), nothing is drawn on stderr, and a staged file whose content
    no longer hashes to its sha256 fails the commit before anything is sent.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    via_xet = _xet_available()
    if via_xet:
        _give_hf_xet_our_retry_budget()
        bound_xet_upload_memory()  # one xorb in flight, freed buffers not kept (hub/xet_memory.py)
    readers: list[_CountingReader] = []
    operations: list[Any] = []
    try:
        for path, data in uploads.items():
            if isinstance(data, StagedFile):
                counted = not via_xet and data.size >= COUNTED_FILE_BYTES
                source: Any = _CountingReader(data.path) if counted else data.path
                if counted:
                    readers.append(source)
                operation = CommitOperationAdd(path_in_repo=path, path_or_fileobj=source)  # hashes it (sha256)
                if operation.upload_info.sha256.hex() != data.sha256:
                    raise HubError(f"The staged content of {path} changed while deploying: run `pulumi up` again.")
                if counted:
                    source.count = 0
            else:
                operation = CommitOperationAdd(path_in_repo=path, path_or_fileobj=data)
            operations.append(operation)
        operations += [CommitOperationDelete(path_in_repo=p) for p in deletions]
        streamed = sum(d.size for d in uploads.values() if isinstance(d, StagedFile) and d.size >= COUNTED_FILE_BYTES)
        label = f"{space_id}: commit of {len(uploads)} file(s)"
        stop, thread = _progress_logger(lambda: _progress_text(label, via_xet, readers, streamed), progress_every,
                                        on_progress)
        try:
            with _progress_through(via_xet):
                if via_xet:
                    _preupload_in_batches(api, space_id, operations, uploads)
                info = call(f"Committing {len(uploads)} file(s) and {len(deletions)} deletion(s) to {space_id}",
                            lambda: api.create_commit(space_id, operations, commit_message=message,
                                                      repo_type="space", parent_commit=parent), retry=False)
        finally:
            stop.set()
            thread.join(timeout=5)
        return str(info.oid)
    finally:
        for reader in readers:
            reader.close()


def _preupload_in_batches(api: HfApi, space_id: str, operations: list[Any],
                          uploads: Mapping[str, bytes | StagedFile]) -> None:
    """Pre-upload the LFS files of all but the last `XET_BATCH_BYTES` batch of staged files, one Xet session per
    batch; `create_commit` then uploads the last batch and commits them all at once (an uploaded file is not
    sent again: huggingface_hub skips an addition it marked ``_is_uploaded``). Nothing is done for a commit of
    one batch or less (the usual one), so its requests are exactly `create_commit`'s own."""
    def preupload(batch: list[Any], size: int) -> None:
        logging.getLogger(__name__).debug("Uploading a batch of %d file(s) (%.1f MiB) to %s", len(batch),
                                          size / 2**20, space_id)
        call(f"Uploading {len(batch)} file(s) to {space_id}", lambda: api.preupload_lfs_files(
            space_id, additions=batch, repo_type="space", free_memory=False), retry=False)

    batch: list[Any] = []
    size = 0
    for operation in operations:
        staged = uploads.get(getattr(operation, "path_in_repo", ""))
        if not isinstance(staged, StagedFile):
            continue
        if batch and size + staged.size > XET_BATCH_BYTES:
            preupload(batch, size)
            batch, size = [], 0
        batch.append(operation)
        size += staged.size


# --- secrets and variables -----------------------------------------------------------------------

def secret_keys(api: HfApi, space_id: str) -> set[str]:
    """Names of the Space's secrets (the Hub never returns values)."""
    return set(call(f"Listing secrets of {space_id}", lambda: api.get_space_secrets(space_id)))


def set_secret(api: HfApi, space_id: str, key: str, value: str, description: str | None) -> None:
    call(f"Setting secret {key} on {space_id}",
         lambda: api.add_space_secret(space_id, key, value, description=description))


def delete_secret(api: HfApi, space_id: str, key: str) -> None:
    with suppress(NotFound):  # deleting what is not there: a missing Space or key (any 404) is fine
        call(f"Deleting secret {key} from {space_id}", lambda: api.delete_space_secret(space_id, key))


def variables(api: HfApi, space_id: str) -> dict[str, str]:
    """The Space's variables: name -> value."""
    found = call(f"Listing variables of {space_id}", lambda: api.get_space_variables(space_id))
    return {key: str(var.value) for key, var in found.items()}


def set_variable(api: HfApi, space_id: str, key: str, value: str, description: str | None) -> None:
    call(f"Setting variable {key} on {space_id}",
         lambda: api.add_space_variable(space_id, key, value, description=description))


def delete_variable(api: HfApi, space_id: str, key: str) -> None:
    with suppress(NotFound):  # deleting what is not there: a missing Space or key (any 404) is fine
        call(f"Deleting variable {key} from {space_id}", lambda: api.delete_space_variable(space_id, key))


# --- runtime: stages, waiting, logs --------------------------------------------------------------

#: Stages a Space passes through while a build or start is under way.
INTERMEDIATE_STAGES = frozenset({"BUILDING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"})
#: Stages in which the Space failed; the logs say why.
ERROR_STAGES = frozenset({"BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR"})
#: How long a Space that still shows RUNNING right after a change may take to start its new build.
SETTLE_SECONDS = 15.0
PROGRESS_EVERY_SECONDS = 10.0


@dataclass(frozen=True)
class Runtime:
    """What the Space's runtime reports: stage, why it failed, and the commit it runs when known."""

    stage: str
    error_message: str | None
    sha: str | None


def space_runtime(api: HfApi, space_id: str) -> Runtime:
    """The Space's current runtime (retried on transient errors)."""
    runtime = call(f"Reading the runtime of {space_id}", lambda: api.get_space_runtime(space_id))
    raw = runtime.raw or {}
    stage = runtime.stage
    sha = raw.get("sha")
    return Runtime(stage=str(stage.value if hasattr(stage, "value") else stage),
                   error_message=raw.get("errorMessage") or None, sha=str(sha) if sha else None)


def wait_for_new_build(api: HfApi, space_id: str, *, revision: str | None, timeout: float,
                       expect_rebuild: bool = True, on_progress: Callable[[str], None] = lambda _m: None,
                       on_stage: Callable[[Runtime], None] = lambda _r: None,
                       poll_seconds: float = 1.0, settle_seconds: float = SETTLE_SECONDS,
                       clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = time.sleep) -> Runtime:
    """Poll `get_space_runtime` until the Space has finished building and starting `revision`.

    `HfApi.wait_for_space` stops at the first non-intermediate stage, which right after a commit may
    still be the previous build's RUNNING. So a final stage counts only once the runtime reports
    `revision` as its sha, or after a building/starting stage was seen, or (the build having been
    faster than the first poll, or the change not needing one) after `settle_seconds` of no change
    (also when the runtime reports another sha: its meaning is not documented, so it never blocks).
    Reports progress through `on_progress` every PROGRESS_EVERY_SECONDS and every runtime read to
    `on_stage` (the live logs follow the stages). Raises SpaceTimeout.
    """
    start = clock()
    next_progress = start + PROGRESS_EVERY_SECONDS
    seen_build = not expect_rebuild
    while True:
        runtime = space_runtime(api, space_id)
        on_stage(runtime)
        now = clock()
        elapsed = now - start
        if runtime.stage in INTERMEDIATE_STAGES:
            seen_build = True
        else:
            runs_revision = bool(revision) and runtime.sha == revision
            settled = elapsed >= settle_seconds  # no build started: the change needed none, or it was quick
            if settled and not (runs_revision or seen_build):
                on_progress(f"{space_id}: {runtime.stage} with no new build after {elapsed:.0f} s; checking it")
            if runs_revision or seen_build or settled:
                return runtime
        if elapsed >= timeout:
            raise SpaceTimeout(
                f"Space {space_id} is still {runtime.stage} after {elapsed:.0f} s (healthTimeoutSeconds="
                f"{timeout:.0f}). Look at its build logs on the Hub; raise `healthTimeoutSeconds` if the "
                "build is just slow.", runtime.stage)
        if now >= next_progress:
            on_progress(f"{space_id}: {runtime.stage}, {elapsed:.0f} s elapsed")
            next_progress = now + PROGRESS_EVERY_SECONDS
        sleep(max(0.0, min(poll_seconds, timeout - elapsed)))


def wake_and_wait(api: HfApi, space_id: str, *, poke: Callable[[], object], timeout: float,
                  on_progress: Callable[[str], None] = lambda _m: None, poll_seconds: float = 1.0,
                  clock: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], None] = time.sleep) -> Runtime:
    """Wake a SLEEPING Space with `poke` (a request to its URL; errors ignored: it may answer 503 while it
    starts) and poll until it leaves SLEEPING and the building/starting stages. Raises SpaceTimeout."""
    start = clock()
    with suppress(Exception):
        poke()
    while True:
        runtime = space_runtime(api, space_id)
        if runtime.stage != "SLEEPING" and runtime.stage not in INTERMEDIATE_STAGES:
            on_progress(f"{space_id}: woke up, {runtime.stage}")
            return runtime
        elapsed = clock() - start
        if elapsed >= timeout:
            raise SpaceTimeout(f"Space {space_id} did not wake up in {elapsed:.0f} s (healthTimeoutSeconds); it is "
                               f"still {runtime.stage}.", runtime.stage)
        if runtime.stage == "SLEEPING":
            with suppress(Exception):
                poke()
        sleep(poll_seconds)


def space_logs(api: HfApi, space_id: str, *, build: bool, tail: int = 40,
               on_error: Callable[[str], None] | None = None) -> list[str]:
    """The last `tail` lines of the Space's build or run logs (what could be read of them).

    The logs only explain a failure, so an error while reading them must not hide that failure: it is
    reported through `on_error` (default: a Pulumi warning) and the lines read so far are returned.
    """
    lines: list[str] = []
    try:
        for chunk in api.fetch_space_logs(space_id, build=build):
            lines.extend(chunk.splitlines())
    except Exception as exc:  # any failure is reported, none is raised
        kind = "build" if build else "run"
        message = f"{space_id}: could not read the {kind} logs: {explain(exc, 'Reading logs')}"
        if on_error is None:
            import pulumi

            pulumi.log.warn(message)
        else:
            on_error(message)
    return [line.rstrip() for line in lines[-tail:]]


def follow_logs(api: HfApi, space_id: str, *, build: bool) -> Iterator[str]:
    """The Space's build or run log as it is written (huggingface_hub's `fetch_space_logs(follow=True)`,
    the Hub's SSE stream, reconnecting on errors), until the Hub closes the stream: the build is over, or
    the run's process exited."""
    yield from api.fetch_space_logs(space_id, build=build, follow=True)


# --- restoring a revision ------------------------------------------------------------------------

def files_at(api: HfApi, space_id: str, revision: str) -> dict[str, str]:
    """Every file of the Space at `revision`: path -> `remote_identity`."""
    def listing() -> dict[str, str]:
        return {
            entry.path: remote_identity(entry)
            for entry in api.list_repo_tree(space_id, repo_type="space", recursive=True, revision=revision)
            if getattr(entry, "blob_id", None) is not None
        }

    return call(f"Listing files of {space_id} at {revision[:12]}", listing)


#: Attempts of a restore commit; each re-reads the head and plans again, so it is never sent twice.
RESTORE_ATTEMPTS = 3


def restore_revision(api: HfApi, space_id: str, revision: str, *, message: str,
                     sleep: Callable[[float], None] = time.sleep) -> str:
    """Make the Space's files those of `revision` again, as ONE new commit on top of the head (history is
    kept, nothing is force-pushed); returns the commit that holds them (the head when nothing differed).

    Only what differs is sent: huggingface_hub's `CommitOperationCopy` from `revision` for every changed or
    missing file (an LFS/Xet file is copied by reference on the Hub, a regular one is read at `revision`
    and uploaded again: `_commit_api._fetch_files_to_copy`), `CommitOperationDelete` for files `revision`
    did not have. A 412 (someone committed meanwhile) or a transient error re-plans from the new head."""
    from huggingface_hub import CommitOperationCopy, CommitOperationDelete

    target = files_at(api, space_id, revision)

    def attempt() -> str:
        current, head = remote_files(api, space_id)
        operations: list[Any] = [
            CommitOperationCopy(src_path_in_repo=path, path_in_repo=path, src_revision=revision)
            for path in sorted(target) if path not in HUB_OWNED_FILES and current.get(path) != target[path]
        ]
        operations += [CommitOperationDelete(path_in_repo=path) for path in sorted(current)
                       if path not in target and path not in HUB_OWNED_FILES]
        if not operations:
            return str(head)
        info = call(f"Restoring the files of {revision[:12]} on {space_id}",
                    lambda: api.create_commit(space_id, operations, commit_message=message, repo_type="space",
                                              parent_commit=head), retry=False)
        return str(info.oid)

    return _retry.run(f"Restoring the files of {revision[:12]} on {space_id}", attempt,
                      replace(REPLANNED, attempts=RESTORE_ATTEMPTS), sleep=sleep)
