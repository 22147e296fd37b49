"""The Space dynamic resource: a Docker Space on the Hub (visibility, hardware, sleep time), marked with
the stack that manages it (components/rules/ownership.py has the rules; components/hub/plans.py what a plan allows).

Hub endpoints: POST /api/repos/create, GET /api/spaces/{id}, PUT /api/spaces/{id}/settings,
POST /api/spaces/{id}/hardware, POST /api/spaces/{id}/sleeptime, DELETE /api/repos/delete,
GET/POST /api/spaces/{id}/variables (the marker), GET /api/whoami-v2 (only when a Space is to be created or
moved to billed hardware).

Settings are applied by comparing what is asked with what the Hub reports, so create, adoption, update and
drift repair all send exactly the differences. `sleepTime` 0 means the Hub's default: fixed 48 h on
cpu-basic (nothing to send), never sleeping on billed hardware (sent as -1 when the Space says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypedDict

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components.errors import OwnershipError
from components.hub import client as hub
from components.hub import plans
from components.provider_base import HubProvider, changed, is_unknown
from components.rules import ownership
from components.rules.names import space_id_of
from components.rules.ownership import MARKER_VARIABLE

IDENTITY: Final = ("owner", "name", "hub_endpoint")
SETTINGS: Final = ("private", "hardware", "sleep_time")
#: `managed_by` (the marker this stack writes) changes only with a stack rename or state written before
#: instance markers: an update re-marks the Space. `check` keeps the marker the state recorded. `adopt` is
#: consulted when adopting and never makes a diff.
MARKER: Final = ("managed_by",)
FREE_HARDWARE = plans.FREE_HARDWARE
NEVER_SLEEP = -1


def sleep_as_configured(remote: int | None, hardware: str | None, wanted: int) -> int:
    """The Space's sleep time (`gcTimeout`) in the terms of the `sleepTime` setting, 0 being the Hub's default.

    On cpu-basic it is fixed (48 h): always 0. On billed hardware the default is never sleeping, so "never"
    (-1, 0 or no value) reads as `wanted` when that is 0 or -1, else as -1; any other value is itself.
    """
    if hardware in (None, "", FREE_HARDWARE):
        return 0
    if remote is None or remote <= 0:
        return wanted if wanted in (0, NEVER_SLEEP) else NEVER_SLEEP
    return remote


def settings_changes(state: hub.SpaceState, *, private: bool, hardware: str, sleep_time: int) -> dict[str, Any]:
    """The `hub.update_space` arguments that bring the Space from `state` to what is asked (empty: nothing)."""
    changes: dict[str, Any] = {}
    if state.private != private:
        changes["private"] = private
    hardware_changes = (state.hardware or FREE_HARDWARE) != hardware
    if hardware_changes:
        changes["hardware"] = hardware
    if hardware != FREE_HARDWARE and (
            hardware_changes or sleep_as_configured(state.sleep_time, hardware, sleep_time) != sleep_time):
        changes["sleep_time"] = sleep_time or NEVER_SLEEP  # 0: the default of billed hardware, never sleeping
    return changes


class SpaceProvider(HubProvider["SpaceInputs", "SpaceOutputs"]):
    """CRUD for one Space. Owner, name or endpoint change: delete, then create anew."""

    def check(self, olds: SpaceInputs, news: SpaceInputs) -> CheckResult:
        failures: list[CheckFailure] = []
        if olds.get("managed_by") and not is_unknown(news.get("managed_by")):
            # The state's marker wins over this checkout's derivation (ownership.kept_marker).
            news = {**news, "managed_by": ownership.kept_marker(olds["managed_by"], str(news["managed_by"]))}
        if any(is_unknown(news.get(k)) for k in (*IDENTITY, "hardware")):
            return CheckResult(dict(news), failures)
        creating = not olds or bool(changed(olds, news, IDENTITY))
        to_billed = not creating and olds.get("hardware") != news["hardware"] and news["hardware"] != FREE_HARDWARE
        if not (creating or to_billed):
            return CheckResult(dict(news), failures)  # a no-change run sends nothing
        # Read-only checks, made only when the Space is to be created or moved to billed hardware.
        api = self.api(news)
        try:
            account = plans.account_from_whoami(hub.whoami(api))
        except hub.HubError as error:
            return CheckResult(dict(news), [CheckFailure("owner", str(error))])
        owner = str(news["owner"])
        if account.namespace(owner) is None:
            allowed = ", ".join(sorted({account.user.name, *account.orgs}))
            failures.append(CheckFailure("owner", (
                f"hf-rag-space:hfOwner '{owner}' is neither the token's user nor one of its "
                f"organisations ({allowed}): set `pulumi config set hfOwner <one of those>` or use a "
                "token of that owner.")))
            return CheckResult(dict(news), failures)
        exists = False
        if creating:
            exists, refusal = self._check_existing(api, news)
            failures += [CheckFailure("name", refusal)] if refusal else []
        problem = plans.plan_problem(account, owner, str(news["hardware"]), creating=not exists)
        if problem:
            key = "hardware" if news["hardware"] != FREE_HARDWARE else "hfOwner"
            failures.append(CheckFailure(
                "hardware", f"hf-rag-space:{key}: Space {space_id_of(owner, str(news['name']))}: {problem}"))
        return CheckResult(dict(news), failures)

    def _check_existing(self, api: Any, news: SpaceInputs) -> tuple[bool, str | None]:
        """Read before create: (whether the Space exists, why this stack may not adopt it)."""
        space_id = space_id_of(str(news["owner"]), str(news["name"]))
        try:
            if hub.get_space(api, space_id) is None:
                return False, None
            marker = hub.space_variable(api, space_id, MARKER_VARIABLE)
        except hub.HubError as error:
            return True, str(error)
        return True, ownership.adoption_refusal(space_id, marker, str(news.get("managed_by")), bool(news.get("adopt")))

    def diff(self, _id: str, olds: SpaceOutputs, news: SpaceInputs) -> DiffResult:
        replaces = changed(olds, news, IDENTITY)
        updates = changed(olds, news, (*SETTINGS, *MARKER))
        return DiffResult(changes=bool(replaces or updates), replaces=replaces,
                          delete_before_replace=True)

    def create(self, props: SpaceInputs) -> CreateResult:
        space_id = space_id_of(str(props["owner"]), str(props["name"]))
        api = self.api(props)
        marker = {MARKER_VARIABLE: (str(props["managed_by"]), ownership.MARKER_DESCRIPTION)}
        # Read before create: the marker of an existing Space decides, and the create request is sent only
        # for a missing Space (the Hub answers a free account's create of an existing Space with 402).
        created = hub.get_space(api, space_id) is None and self._create(api, space_id, props, marker)
        if not created:
            current = hub.space_variable(api, space_id, MARKER_VARIABLE)
            refusal = ownership.adoption_refusal(space_id, current, str(props["managed_by"]), bool(props.get("adopt")))
            if refusal:
                raise OwnershipError(refusal)
            if current != props["managed_by"]:
                hub.set_variable(api, space_id, MARKER_VARIABLE, *marker[MARKER_VARIABLE])
        # Created or adopted (an interrupted run, or taken over on purpose): bring every setting to what is asked.
        self._apply(api, space_id, props)
        return CreateResult(space_id, dict(self._outs(api, space_id, props)))

    def _create(self, api: Any, space_id: str, props: SpaceInputs,
                marker: dict[str, tuple[str, str]]) -> bool:
        try:
            return hub.create_space(api, space_id, private=bool(props["private"]), hardware=props["hardware"],
                                    sleep_time=int(props["sleep_time"]), space_variables=marker)
        except hub.PlanRequired as error:
            owner = str(props["owner"])
            is_org = owner != hub.whoami(api).get("name")
            raise hub.PlanRequired(f"Creating Space {space_id}: the Hub refused it (402): "
                                   f"{plans.plan_required(owner, is_org)}", 402) from error

    def _apply(self, api: Any, space_id: str, props: SpaceInputs) -> None:
        state = hub.get_space(api, space_id)
        if state is None:
            raise hub.HubError(f"Space {space_id} vanished while it was being set up; run `pulumi up` again.")
        changes = settings_changes(state, private=bool(props["private"]), hardware=str(props["hardware"]),
                                   sleep_time=int(props["sleep_time"]))
        if changes:
            hub.update_space(api, space_id, **changes)

    def update(self, id_: str, olds: SpaceOutputs, news: SpaceInputs) -> UpdateResult:
        api = self.api(news)
        current = hub.space_variable(api, id_, MARKER_VARIABLE)
        refusal = ownership.update_refusal(id_, current, str(news["managed_by"]), olds.get("managed_by"),
                                           bool(news.get("adopt")))
        if refusal:
            raise OwnershipError(refusal)
        if current != news["managed_by"]:
            hub.set_variable(api, id_, MARKER_VARIABLE, str(news["managed_by"]), ownership.MARKER_DESCRIPTION)
        self._apply(api, id_, news)
        return UpdateResult(dict(self._outs(api, id_, news)))

    def read(self, id_: str, props: SpaceOutputs) -> ReadResult:
        state = hub.get_space(self.api(props), id_)  # None only when the repository itself is missing
        if state is None:
            return ReadResult(None, {})
        inputs: dict[str, Any] = {k: props[k] for k in (*IDENTITY, *SETTINGS, *MARKER, "adopt") if k in props}
        # What was changed by hand shows as drift: visibility, hardware and sleep time.
        inputs["private"] = state.private
        if state.hardware:
            inputs["hardware"] = state.hardware
        if "sleep_time" in props:
            inputs["sleep_time"] = sleep_as_configured(state.sleep_time, state.hardware, int(props["sleep_time"]))
        outs = {**props, **inputs, "host": state.host, "subdomain": state.subdomain}
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: SpaceOutputs) -> None:
        api = self.api(props)
        if hub.get_space(api, id_) is None:
            return
        refusal = ownership.deletion_refusal(id_, hub.space_variable(api, id_, MARKER_VARIABLE),
                                             props.get("managed_by"))
        if refusal:
            self.warn(refusal)
            return
        hub.delete_space(api, id_)

    def _outs(self, api: Any, space_id: str, props: SpaceInputs) -> SpaceOutputs:
        state = hub.get_space(api, space_id)
        if state is None:
            raise hub.HubError(f"Space {space_id} vanished right after it was written; run `pulumi up` again.")
        return {**props, "space_id": space_id, "host": state.host, "subdomain": state.subdomain}


@dataclass(frozen=True, kw_only=True)
class SpaceArgs:
    """Inputs of a Space."""

    hub_endpoint: pulumi.Input[str]
    """The Hub's base URL (`hubEndpoint`): `https://huggingface.co`, or localhub's."""
    owner: pulumi.Input[str]
    """The user or organization the Space belongs to (`hfOwner`); part of its id, a change replaces it."""
    name: pulumi.Input[str]
    """The Space's name (`spaceName`); part of its id, a change replaces it."""
    private: pulumi.Input[bool] = False
    """Whether only the owner (and the token) can see the Space (`private`)."""
    hardware: pulumi.Input[str] = "cpu-basic"
    """The Hub's hardware flavor (`hardware`); anything but cpu-basic is billed and needs a payment method."""
    sleep_time: pulumi.Input[int] = 0
    """Seconds of inactivity before the Space sleeps (`sleepTime`); 0 is the Hub's default, -1 never."""
    managed_by: pulumi.Input[str]
    """The ownership marker derived for this stack (ownership.stack_marker); `check` keeps the one in state."""
    adopt: pulumi.Input[bool] = False
    """True when `adoptSpace` names this Space: an existing Space is taken over whatever its marker."""


class SpaceInputs(TypedDict):
    """What the `Space` resource sends its provider: the `SpaceArgs` fields and the id the program derives
    (the outputs it seeds with None are not sent: the SDK drops None-valued props)."""

    hub_endpoint: str
    """`SpaceArgs.hub_endpoint`."""
    owner: str
    """`SpaceArgs.owner`."""
    name: str
    """`SpaceArgs.name`."""
    private: bool
    """`SpaceArgs.private` (in `read`: what the Hub reports)."""
    hardware: str
    """`SpaceArgs.hardware` (in `read`: what the Hub reports)."""
    sleep_time: int
    """`SpaceArgs.sleep_time` (in `read`: what the Hub reports, in the setting's terms)."""
    managed_by: str
    """`SpaceArgs.managed_by`, or the marker the state recorded (`check`)."""
    adopt: bool
    """`SpaceArgs.adopt`."""
    space_id: str
    """`owner/name` (settings.space_id_of), known from the inputs: the resource id."""


class SpaceOutputs(SpaceInputs):
    """What `create`, `update` and `read` return: the inputs and what the Hub reports."""

    host: str
    """Where the Hub serves the Space (its URL, `https://<subdomain>.hf.space`)."""
    subdomain: str
    """The Space's subdomain on the Hub."""


class Space(Resource, module="hf", name="Space"):
    """A Docker Space. `host` is where the Hub serves it (the Space URL)."""

    hub_endpoint: pulumi.Output[str]
    """The Hub's base URL."""
    owner: pulumi.Output[str]
    """The user or organization the Space belongs to."""
    name: pulumi.Output[str]
    """The Space's name."""
    private: pulumi.Output[bool]
    """Whether the Space is private (refresh reads it from the Hub)."""
    hardware: pulumi.Output[str]
    """The Space's hardware flavor (refresh reads it from the Hub)."""
    sleep_time: pulumi.Output[int]
    """The sleep time as configured, 0 being the Hub's default (refresh reads it from the Hub)."""
    adopt: pulumi.Output[bool]
    """Whether `adoptSpace` named this Space."""
    space_id: pulumi.Output[str]
    """`owner/name`: the Space's id on the Hub and this resource's id."""
    host: pulumi.Output[str]
    """Where the Hub serves the Space: the Space URL (`spaceUrl`)."""
    subdomain: pulumi.Output[str]
    """The Space's subdomain on the Hub."""
    managed_by: pulumi.Output[str]
    """The marker in force (the state's, see ownership.kept_marker): the secrets, variables and files use it."""

    def __init__(self, name: str, args: SpaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # `space_id` is known from the inputs: in a preview of a settings update (a visibility flipped by
        # hand, say) the secrets, variables and files keep a known `space_id` and show no change, instead of
        # an unknown one that would make each of them a "replace".
        space_id = pulumi.Output.all(args.owner, args.name).apply(lambda owner_name: space_id_of(*owner_name))
        props = {**args.__dict__, "space_id": space_id, "host": None,
                 "subdomain": None}
        super().__init__(SpaceProvider(), name, props, opts)
