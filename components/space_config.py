"""SpaceSecret and SpaceVariable: one dynamic resource per key of a Space's settings.

Hub endpoints: POST/DELETE/GET /api/spaces/{id}/secrets and /api/spaces/{id}/variables.
A secret's value is a secret input: encrypted in state, plaintext only inside this provider, never
returned under another key and never part of an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NotRequired, TypedDict

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components.hub import client as hub
from components.provider_base import HubProvider, changed, check_still_owner, is_unknown
from components.rules import ownership
from components.rules.names import is_env_name
from components.rules.ownership import MARKER_VARIABLE

IDENTITY: Final = ("hub_endpoint", "space_id", "key")
CONTENT: Final = ("value", "description")


class _SettingProvider(HubProvider["SpaceSettingProps", "SpaceSettingProps"]):
    """Shared CRUD for a secret or a variable; subclasses say which."""

    kind = "setting"

    def _set(self, props: SpaceSettingProps) -> None:
        raise NotImplementedError

    def _remove(self, props: SpaceSettingProps) -> None:
        raise NotImplementedError

    def _remote(self, props: SpaceSettingProps) -> tuple[bool, str | None]:
        """(exists, value if the Hub tells it)."""
        raise NotImplementedError

    def check(self, olds: SpaceSettingProps, news: SpaceSettingProps) -> CheckResult:
        failures = []
        key, value = news.get("key"), news.get("value")
        if not is_unknown(key) and not is_env_name(str(key)):
            failures.append(CheckFailure("key", f"{self.kind} name {key!r} is not a valid environment variable "
                                         "name: use letters, digits and '_', not starting with a digit."))
        if isinstance(value, str) and not is_unknown(value) and value != value.strip():
            failures.append(CheckFailure("value", f"the value of {self.kind} {key} has leading or trailing "
                                         "whitespace: set it again without the spaces or newline."))
        return CheckResult(dict(news), failures)

    def diff(self, _id: str, olds: SpaceSettingProps, news: SpaceSettingProps) -> DiffResult:
        replaces = changed(olds, news, IDENTITY)
        updates = changed(olds, news, CONTENT)
        # A new marker format (or a renamed stack) is recorded in state, with no Hub write, so that this
        # setting's delete recognises the re-marked Space. State from before markers has none to update.
        remarked = bool(olds.get("managed_by")) and olds.get("managed_by") != news.get("managed_by")
        return DiffResult(changes=bool(replaces or updates or remarked), replaces=replaces,
                          delete_before_replace=True)

    def create(self, props: SpaceSettingProps) -> CreateResult:
        check_still_owner(self.api(props), props["space_id"], props)
        self._set(props)
        return CreateResult(f"{props['space_id']}/{props['key']}", dict(props))

    def update(self, _id: str, olds: SpaceSettingProps, news: SpaceSettingProps) -> UpdateResult:
        if changed(olds, news, CONTENT):  # else only the marker in state changes: nothing to send
            check_still_owner(self.api(news), news["space_id"], news, olds.get("managed_by"))
            self._set(news)
        return UpdateResult(dict(news))

    def read(self, id_: str, props: SpaceSettingProps) -> ReadResult:
        try:
            exists, value = self._remote(props)
        except hub.SpaceGone:
            return ReadResult(None, {})
        if not exists:
            return ReadResult(None, {})
        outs = dict(props) if value is None else {**props, "value": value}
        return ReadResult(id_, outs, {k: outs[k] for k in (*IDENTITY, *CONTENT) if k in outs})

    def delete(self, _id: str, props: SpaceSettingProps) -> None:
        # A Space another stack took over (or whose marker is gone) keeps its settings: the Space's own
        # delete then leaves it too and says why. State written before markers has no `managed_by`.
        if props.get("managed_by"):
            try:
                marker = hub.space_variable(self.api(props), props["space_id"], MARKER_VARIABLE)
            except hub.SpaceGone:
                return
            if ownership.deletion_refusal(props["space_id"], marker, props["managed_by"]):
                return
        self._remove(props)


class SpaceSecretProvider(_SettingProvider):
    """A Space secret. The Hub never returns secret values, so refresh can only see that the key exists."""

    kind = "secret"

    def _set(self, props: SpaceSettingProps) -> None:
        hub.set_secret(self.api(props), props["space_id"], props["key"], props["value"], props.get("description"))

    def _remove(self, props: SpaceSettingProps) -> None:
        hub.delete_secret(self.api(props), props["space_id"], props["key"])

    def _remote(self, props: SpaceSettingProps) -> tuple[bool, str | None]:
        return props["key"] in hub.secret_keys(self.api(props), props["space_id"]), None


class SpaceVariableProvider(_SettingProvider):
    """A Space variable (public: the Hub shows its value); refresh sees value changes."""

    kind = "variable"

    def _set(self, props: SpaceSettingProps) -> None:
        hub.set_variable(self.api(props), props["space_id"], props["key"], props["value"], props.get("description"))

    def _remove(self, props: SpaceSettingProps) -> None:
        hub.delete_variable(self.api(props), props["space_id"], props["key"])

    def _remote(self, props: SpaceSettingProps) -> tuple[bool, str | None]:
        found = hub.variables(self.api(props), props["space_id"])
        return props["key"] in found, found.get(props["key"])


@dataclass(frozen=True, kw_only=True)
class SpaceSettingArgs:
    """Inputs of a SpaceSecret or SpaceVariable."""

    hub_endpoint: pulumi.Input[str]
    """The Hub's base URL (`hubEndpoint`)."""
    space_id: pulumi.Input[str]
    """The Space's `owner/name` (the Space's `space_id` output); a change replaces the setting."""
    key: str
    """The environment variable's name in the Space; a change replaces the setting."""
    value: pulumi.Input[str]
    """Its value; a SpaceSecret's is made secret (encrypted in state, never printed)."""
    description: str | None = None
    """The text the Hub shows beside it on the Space's settings page (components/managed.py)."""
    managed_by: pulumi.Input[str] | None = None
    """This stack's ownership marker (the Space's `managed_by` output): the setting is deleted only from a
    Space that carries it."""


class SpaceSettingProps(TypedDict):
    """A SpaceSecret's or SpaceVariable's props: what its resource sends and what its state holds, the same
    keys (the Hub computes nothing; `read` reports a variable's value as the Hub has it)."""

    hub_endpoint: str
    """`SpaceSettingArgs.hub_endpoint`."""
    space_id: str
    """`SpaceSettingArgs.space_id`."""
    key: str
    """`SpaceSettingArgs.key`."""
    value: str
    """`SpaceSettingArgs.value` (secret for a SpaceSecret: plaintext only inside the provider)."""
    description: NotRequired[str]
    """`SpaceSettingArgs.description` (absent when None: the SDK drops None-valued props)."""
    managed_by: NotRequired[str]
    """`SpaceSettingArgs.managed_by` (absent when None, and in state written before ownership markers)."""


class _SpaceSetting(Resource):
    """What a `SpaceSecret` and a `SpaceVariable` declare: one setting of a Space, by key."""

    hub_endpoint: pulumi.Output[str]
    """The Hub's base URL."""
    space_id: pulumi.Output[str]
    """The Space's `owner/name`."""
    key: pulumi.Output[str]
    """The setting's name in the Space."""
    value: pulumi.Output[str]
    """The setting's value. A secret's is a secret output (the Hub never returns it, so refresh keeps this
    one); a variable's is public (the Hub shows it; refresh reads it back)."""
    description: pulumi.Output[str | None]
    """The description the Hub shows."""
    managed_by: pulumi.Output[str | None]
    """The ownership marker the setting was written under."""


class SpaceSecret(_SpaceSetting, module="hf", name="SpaceSecret"):
    """One secret of a Space; its value stays secret in state and output."""

    def __init__(self, name: str, args: SpaceSettingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {**args.__dict__, "value": pulumi.Output.secret(args.value)}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["value"]))
        super().__init__(SpaceSecretProvider(), name, props, opts)


class SpaceVariable(_SpaceSetting, module="hf", name="SpaceVariable"):
    """One variable of a Space."""

    def __init__(self, name: str, args: SpaceSettingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SpaceVariableProvider(), name, dict(args.__dict__), opts)
