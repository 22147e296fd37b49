"""What every Hub-backed dynamic provider shares: credentials from `configure()`, the client, diffs.

Credentials never travel as resource inputs and are never pickled: `configure()` runs in the provider
process after unpickling and reads the stack's `hfToken` (or HF_TOKEN), so `pulumi destroy` works with
a rotated token without an `up` first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import ConfigureRequest, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from components import hub, ownership
from components.settings import MARKER_VARIABLE, resolve_token

if TYPE_CHECKING:
    from huggingface_hub import HfApi


class HubProvider(ResourceProvider):
    """A dynamic provider that talks to one Hub endpoint named by its `hub_endpoint` input."""

    _token_config: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._token_config = req.config.get(hub.TOKEN_CONFIG_KEY)

    def api(self, props: Mapping[str, Any]) -> HfApi:
        return hub.client(str(props["hub_endpoint"]), self.token())

    def token(self) -> str:
        """The Hub token, by the program's own rule (settings.resolve_token: never stripped)."""
        return resolve_token(self._token_config, os.environ)


def is_unknown(value: Any) -> bool:
    """True for a value not known yet (during preview). SDK 3.259 hands check/diff an
    `pulumi.output.Unknown` instance; older SDKs (and the wire) use the UNKNOWN sentinel string."""
    return isinstance(value, Unknown) or value == UNKNOWN


def with_unknowns_as_sentinel(props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` with every unknown top-level value spelled as the UNKNOWN sentinel string."""
    return {k: UNKNOWN if is_unknown(v) else v for k, v in props.items()}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The named keys whose value differs (or is not known yet). Never compares whole dicts:
    `olds` holds `__provider` and outputs too."""
    return [k for k in keys if is_unknown(news.get(k)) or olds.get(k) != news.get(k)]


def check_still_owner(api: HfApi, space_id: str, props: Mapping[str, Any], previous: str | None = None) -> None:
    """Before writing to a Space's secrets, variables or files: raise when its ownership marker names
    another stack (taken over with `adoptSpace`). One read, made only when there is something to write.
    `previous` is the marker this resource's state recorded (the pre-instance `<project>/<stack>` one)."""
    this_stack = props.get("managed_by")
    if not this_stack:
        return
    marker = hub.space_variable(api, space_id, MARKER_VARIABLE)
    refusal = ownership.update_refusal(space_id, marker, str(this_stack), previous, adopt=False)
    if refusal:
        raise hub.HubError(refusal)
