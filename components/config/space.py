"""Readers of the Space's own keys: owner and name, hardware's sleep time, the Hub endpoint and token,
the Space to adopt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.reader import Reader, Values
from components.config.urls import url
from components.errors import ConfigError
from components.rules.names import hub_name_problem, space_id_of
from components.rules.tokens import resolve_token
from components.rules.urls import may_carry_token, redact_url

if TYPE_CHECKING:
    from components.config.keys import Key

_WHAT = {"hfOwner": "user or organisation name", "spaceName": "Space name"}


def hub_name(r: Reader, key: Key, v: Values) -> None:
    """A Hub user, organisation or repo name (hfOwner, spaceName): required, Hub rules."""
    what = _WHAT[key.name]
    value = r.required(key.name, f"set it with `pulumi config set {key.name} <{what}>`")
    problem = hub_name_problem(value) if value is not None else None
    if problem:
        r.fail(key.name, f"{value!r} is not a valid Hub {what}: it {problem}")
        value = None
    v[key.field] = value


def sleep_time(r: Reader, key: Key, v: Values) -> None:
    """`sleepTime`: -1, 0 or seconds; a free cpu-basic Space's sleep cannot be changed."""
    value = r.parse(key.name, int, "an integer")
    if value is not None and value < -1:
        r.fail(key.name, "must be -1 (never sleep), 0 (Hub default) or a number of seconds")
    elif value and v.get("hardware") == "cpu-basic":
        r.fail(key.name, f"is {value}, but a Space on free cpu-basic hardware sleeps after 48 h of "
               "inactivity and that cannot be changed: `pulumi config set sleepTime 0`, or choose billed "
               "hardware (`pulumi config set hardware cpu-upgrade`)")
    v[key.field] = value


def hub_endpoint(r: Reader, key: Key, v: Values) -> None:
    """The Hub endpoint: https, or plain http only to a loopback host (the token is sent to it)."""
    value = url(r, key.name)
    if value is not None and not may_carry_token(value):
        r.fail(key.name, f"must be an https:// URL (the token is sent to it; plain http is allowed "
               f"only to localhost); got {redact_url(value)!r}: `pulumi config set hubEndpoint https://...`")
        value = None
    v[key.field] = value


def token(r: Reader, key: Key, v: Values) -> None:
    """`hfToken`, else HF_TOKEN (`rules.tokens.resolve_token`)."""
    try:
        v[key.field] = resolve_token(r.optional(key.name), r.env)
    except ConfigError as error:
        r.errors.append(error)
        v[key.field] = None


def adopt_space(r: Reader, key: Key, v: Values) -> None:
    """`adoptSpace`: empty, or `owner/name` of a Space this stack may take over: this stack's own Space."""
    value = r.optional(key.name)
    if value is not None:
        owner, _, name = value.partition("/")
        if not name or hub_name_problem(owner) or hub_name_problem(name):
            r.fail(key.name, f"must be the `owner/name` of the Space to take over; got {value!r}")
            value = None
    own = space_id_of(v["hf_owner"], v["space_name"]) if v.get("hf_owner") and v.get("space_name") else None
    if value and own and value != own:
        r.fail(key.name, f"names {value!r} but this stack's Space is {own}: "
               f"set it to that Space, or remove it with `pulumi config rm adoptSpace`")
    v[key.field] = value
