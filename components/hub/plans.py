"""What a Hugging Face account's plan allows, read from whoami-v2 (pure, no Hub calls).

Since July 2026 the Hub answers 402 to creating a Docker (or Gradio) Space on free `cpu-basic` hardware
for a user without PRO or an organisation without a paid plan (Team/Enterprise), and 403 to paid
hardware for an account without a payment method (huggingface_hub 2.4 `create_repo` docstring and its
402 branch, huggingface_hub PR #4539 and issue #4535; gradio-app/gradio#3804 for the 403). `whoami-v2`
tells both in advance: the user's `isPro` and `canPay`, each org's `plan` and `canPay`. The Space
provider checks them in `check()`, so `pulumi preview` fails before any write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FREE_HARDWARE = "cpu-basic"
PRO_URL = "https://huggingface.co/subscribe/pro"
TEAM_URL = "https://huggingface.co/enterprise"
BILLING_URL = "https://huggingface.co/settings/billing"
#: Org `plan` values of whoami-v2 that mean "no paid plan" (the real Hub says NO_PLAN).
UNPAID_PLANS = frozenset({"", "no_plan", "free", "none"})


@dataclass(frozen=True)
class Namespace:
    """One user or organisation the token may create Spaces in, and what its plan allows."""

    name: str
    is_org: bool
    paid: bool | None
    """PRO (user) or a paid plan (org); None when whoami did not say."""
    can_pay: bool | None
    """A payment method on file; None when whoami did not say."""


@dataclass(frozen=True)
class Account:
    """The token's user and organisations, as whoami-v2 describes them."""

    user: Namespace
    orgs: dict[str, Namespace] = field(default_factory=dict)

    def namespace(self, name: str) -> Namespace | None:
        return self.user if name == self.user.name else self.orgs.get(name)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def account_from_whoami(info: Mapping[str, Any]) -> Account:
    """Read whoami-v2's answer (missing fields stay unknown: never refuse on a guess)."""
    user = Namespace(str(info.get("name", "")), False, _flag(info.get("isPro")), _flag(info.get("canPay")))
    orgs = {}
    for org in info.get("orgs") or []:
        plan = org.get("plan")
        if org.get("isEnterprise") is True:
            paid: bool | None = True
        elif isinstance(plan, str):
            paid = plan.strip().lower() not in UNPAID_PLANS
        else:
            paid = None
        name = str(org.get("name", ""))
        orgs[name] = Namespace(name, True, paid, _flag(org.get("canPay")))
    return Account(user, orgs)


def plan_required(namespace: str, is_org: bool) -> str:
    """What a free user or unpaid org needs for a Docker Space on cpu-basic, and where to get it."""
    if is_org:
        need = (f"the organisation {namespace} has no paid plan: a Docker Space on free cpu-basic hardware needs "
                f"Team or Enterprise ({TEAM_URL}; an org admin subscribes on "
                f"https://huggingface.co/organizations/{namespace}/settings/billing)")
    else:
        need = (f"the account {namespace} is not PRO: a Docker Space on free cpu-basic hardware needs a PRO "
                f"subscription ({PRO_URL})")
    return (f"{need}. Or choose paid hardware (`pulumi config set hardware cpu-upgrade`, billed per hour, needs "
            f"a payment method), or deploy to an owner with a paid plan (`pulumi config set hfOwner ...`).")


def payment_method_required(namespace: str, is_org: bool, hardware: str) -> str:
    """What an account without a payment method needs for paid hardware."""
    where = (f"https://huggingface.co/organizations/{namespace}/settings/billing" if is_org else BILLING_URL)
    return (f"hardware {hardware} is billed, and {'the organisation' if is_org else 'the account'} {namespace} has "
            f"no payment method: add one on {where}, or use `pulumi config set hardware cpu-basic`.")


def plan_problem(account: Account, owner: str, hardware: str, *, creating: bool) -> str | None:
    """Why the Hub would refuse this Space for `owner`, or None (also when whoami does not say).

    `creating`: a new Space (the cpu-basic plan gate applies); an existing one only meets the payment
    method gate when its hardware is changed to a paid flavor.
    """
    namespace = account.namespace(owner)
    if namespace is None:
        return None
    if hardware == FREE_HARDWARE:
        if creating and namespace.paid is False:
            return plan_required(owner, namespace.is_org)
        return None
    if namespace.can_pay is False:
        return payment_method_required(owner, namespace.is_org, hardware)
    return None
