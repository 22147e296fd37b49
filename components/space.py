"""The Space dynamic resource: a Docker Space on the Hub (visibility, hardware, sleep time), marked with
the stack that manages it (components/ownership.py has the rules).

Hub endpoints: POST /api/repos/create, GET /api/spaces/{id}, PUT /api/spaces/{id}/settings,
POST /api/spaces/{id}/hardware, POST /api/spaces/{id}/sleeptime, DELETE /api/repos/delete,
GET/POST /api/spaces/{id}/variables (the marker), GET /api/whoami-v2 (only when a Space is to be created).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components import hub, ownership
from components.provider_base import HubProvider, changed, is_unknown
from components.settings import MARKER_VARIABLE

IDENTITY = ("owner", "name", "hub_endpoint")
SETTINGS = ("private", "hardware", "sleep_time")
#: `managed_by` (the marker this stack writes) changes only with a stack rename or state written before
#: markers: an update re-marks the Space. `adopt` is consulted when adopting and never makes a diff.
MARKER = ("managed_by",)


class SpaceProvider(HubProvider):
    """CRUD for one Space. Owner, name or endpoint change: delete, then create anew."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        creating = not olds or changed(olds, news, IDENTITY)
        if creating and not any(is_unknown(news.get(k)) for k in IDENTITY):
            # A read-only check, made only when the Space is to be created: a no-change run sends nothing.
            try:
                user, orgs = hub.namespaces(self.api(news))
            except hub.HubError as error:
                failures.append(CheckFailure("owner", str(error)))
            else:
                if news["owner"] != user and news["owner"] not in orgs:
                    allowed = ", ".join(sorted({user, *orgs}))
                    failures.append(CheckFailure("owner", (
                        f"hf-rag-space:hfOwner '{news['owner']}' is neither the token's user nor one of its "
                        f"organisations ({allowed}): set `pulumi config set hfOwner <one of those>` or use a "
                        "token of that owner.")))
                else:
                    failures += self._check_existing(news)
        return CheckResult(news, failures)

    def _check_existing(self, news: dict[str, Any]) -> list[CheckFailure]:
        """Read before create: a Space that exists already must be one this stack may adopt."""
        space_id = f"{news['owner']}/{news['name']}"
        api = self.api(news)
        try:
            if hub.get_space(api, space_id) is None:
                return []
            marker = hub.space_variable(api, space_id, MARKER_VARIABLE)
        except hub.HubError as error:
            return [CheckFailure("name", str(error))]
        refusal = ownership.adoption_refusal(space_id, marker, str(news.get("managed_by")), bool(news.get("adopt")))
        return [CheckFailure("name", refusal)] if refusal else []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = changed(olds, news, IDENTITY)
        updates = changed(olds, news, (*SETTINGS, *MARKER))
        return DiffResult(changes=bool(replaces or updates), replaces=replaces,
                          delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        space_id = f"{props['owner']}/{props['name']}"
        api = self.api(props)
        marker = {MARKER_VARIABLE: (str(props["managed_by"]), ownership.MARKER_DESCRIPTION)}
        # Read before create: the marker of an existing Space decides, and the create request is sent only
        # for a missing Space (the Hub answers a free account's create of an existing Space with 402).
        created = hub.get_space(api, space_id) is None and hub.create_space(
            api, space_id, private=bool(props["private"]), hardware=props["hardware"],
            sleep_time=int(props["sleep_time"]), space_variables=marker)
        if not created:
            current = hub.space_variable(api, space_id, MARKER_VARIABLE)
            refusal = ownership.adoption_refusal(space_id, current, str(props["managed_by"]), bool(props.get("adopt")))
            if refusal:
                raise hub.HubError(refusal)
            if current != props["managed_by"]:
                hub.set_variable(api, space_id, MARKER_VARIABLE, *marker[MARKER_VARIABLE])
            # Adopted (an interrupted run, or taken over on purpose): bring its settings to what is asked.
            hub.update_space(api, space_id, private=bool(props["private"]))
        return CreateResult(space_id, self._outs(api, space_id, props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        api = self.api(news)
        current = hub.space_variable(api, id_, MARKER_VARIABLE)
        refusal = ownership.update_refusal(id_, current, str(news["managed_by"]), olds.get("managed_by"),
                                           bool(news.get("adopt")))
        if refusal:
            raise hub.HubError(refusal)
        if current != news["managed_by"]:
            hub.set_variable(api, id_, MARKER_VARIABLE, str(news["managed_by"]), ownership.MARKER_DESCRIPTION)
        hub.update_space(
            api, id_,
            private=bool(news["private"]) if olds.get("private") != news["private"] else None,
            hardware=news["hardware"] if olds.get("hardware") != news["hardware"] else None,
            sleep_time=int(news["sleep_time"]) if olds.get("sleep_time") != news["sleep_time"] else None,
        )
        return UpdateResult(self._outs(api, id_, news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = hub.get_space(self.api(props), id_)
        if state is None:
            return ReadResult(None, {})
        inputs = {k: props[k] for k in (*IDENTITY, *SETTINGS) if k in props}
        inputs["private"] = state.private  # visibility flipped by hand shows as drift
        outs = {**props, **inputs, "host": state.host, "subdomain": state.subdomain}
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        api = self.api(props)
        if hub.get_space(api, id_) is None:
            return
        refusal = ownership.deletion_refusal(id_, hub.space_variable(api, id_, MARKER_VARIABLE),
                                             props.get("managed_by"))
        if refusal:
            pulumi.log.warn(refusal)
            return
        hub.delete_space(api, id_)

    def _outs(self, api: Any, space_id: str, props: dict[str, Any]) -> dict[str, Any]:
        state = hub.get_space(api, space_id)
        if state is None:
            raise hub.HubError(f"Space {space_id} vanished right after it was written; run `pulumi up` again.")
        return {**props, "space_id": space_id, "host": state.host, "subdomain": state.subdomain}


@dataclass(frozen=True, kw_only=True)
class SpaceArgs:
    """Inputs of a Space."""

    hub_endpoint: pulumi.Input[str]
    owner: pulumi.Input[str]
    name: pulumi.Input[str]
    private: pulumi.Input[bool] = False
    hardware: pulumi.Input[str] = "cpu-basic"
    sleep_time: pulumi.Input[int] = 0
    managed_by: pulumi.Input[str]
    """The ownership marker of this stack, `<project>/<stack>` (ownership.stack_marker)."""
    adopt: pulumi.Input[bool] = False
    """True when `adoptSpace` names this Space: an existing Space is taken over whatever its marker."""


class Space(Resource, module="hf", name="Space"):
    """A Docker Space. `host` is where the Hub serves it (the Space URL)."""

    space_id: pulumi.Output[str]
    host: pulumi.Output[str]
    subdomain: pulumi.Output[str]

    def __init__(self, name: str, args: SpaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # `space_id` is known from the inputs: in a preview of a settings update (a visibility flipped by
        # hand, say) the secrets, variables and files keep a known `space_id` and show no change, instead of
        # an unknown one that would make each of them a "replace".
        props = {**args.__dict__, "space_id": pulumi.Output.concat(args.owner, "/", args.name), "host": None,
                 "subdomain": None}
        super().__init__(SpaceProvider(), name, props, opts)
