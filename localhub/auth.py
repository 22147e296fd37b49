"""Tokens, users, orgs and the permission rules of the Hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from localhub.errors import HubError, repo_not_found

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


@dataclass(frozen=True)
class Principal:
    """Who sent a request: a user name and the token's role (``read`` or ``write``)."""

    user: str
    role: str


@dataclass
class Auth:
    """Token table (token -> user and role), org membership (org -> users) and who is on a free plan.

    A user is a paying PRO user with a payment method unless one of its tokens says ``:free``; an org has a
    paid Team plan unless its member list ends with ``:free`` (localhub/README.md "2026 behaviours").
    """

    tokens: dict[str, Principal] = field(default_factory=dict)
    orgs: dict[str, list[str]] = field(default_factory=dict)
    free_users: set[str] = field(default_factory=set)
    free_orgs: set[str] = field(default_factory=set)

    @classmethod
    def from_specs(cls, tokens: dict[str, str], orgs: dict[str, list[str]]) -> Auth:
        """``tokens`` maps a token to ``USER[:read][:free]``; ``orgs`` an org to ``[USER, ...]`` whose last
        item may end with ``:free`` (the CLI's ``--org ORG=USER[,USER...][:free]``)."""
        table = {}
        free_users: set[str] = set()
        for token, spec in tokens.items():
            user, *flags = spec.split(":")
            if set(flags) - {"read", "write", "free"}:
                raise ValueError(f"token flags must be 'read', 'write' or 'free', got {spec!r}")
            table[token] = Principal(user, "read" if "read" in flags else "write")
            if "free" in flags:
                free_users.add(user)
        members: dict[str, list[str]] = {}
        free_orgs: set[str] = set()
        for org, users in orgs.items():
            names = list(users)
            if names and names[-1].endswith(":free"):
                names[-1] = names[-1].removesuffix(":free")
                free_orgs.add(org)
            members[org] = [n for n in names if n]
        return cls(table, members, free_users, free_orgs)

    def is_paid(self, namespace: str) -> bool:
        """Whether the namespace (user or org) has a paid plan (PRO / Team)."""
        return namespace not in (self.free_orgs if namespace in self.orgs else self.free_users)

    def can_pay(self, namespace: str) -> bool:
        """Whether the namespace has a payment method (free accounts here have none)."""
        return self.is_paid(namespace)

    def principal(self, request: Request) -> Principal | None:
        """The caller, None when anonymous; 401 for an unknown token."""
        header = request.headers.get("authorization", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        principal = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            raise HubError(401, INVALID_CREDENTIALS)
        return principal

    def require(self, request: Request) -> Principal:
        principal = self.principal(request)
        if principal is None:
            raise HubError(401, "You must be authenticated to access this resource.")
        return principal

    def user_orgs(self, user: str) -> list[str]:
        return sorted(org for org, members in self.orgs.items() if user in members)

    def is_member(self, user: str, namespace: str) -> bool:
        return user == namespace or user in self.orgs.get(namespace, [])

    def check_read(self, principal: Principal | None, namespace: str, private: bool, repo_id: str) -> None:
        """Private repos are invisible (404 RepoNotFound, 401 anonymous) to anyone outside their namespace."""
        if private and (principal is None or not self.is_member(principal.user, namespace)):
            raise repo_not_found(repo_id, anonymous=principal is None)

    def check_write(self, principal: Principal | None, namespace: str, private: bool, repo_id: str) -> Principal:
        """Writes need a write token of a member of the namespace (401 / 404 / 403 otherwise)."""
        if principal is None:
            raise HubError(401, "You must be authenticated to access this resource.")
        self.check_read(principal, namespace, private, repo_id)
        if not self.is_member(principal.user, namespace):
            raise HubError(403, f"You don't have the rights to write to {repo_id}.")
        if principal.role != "write":
            raise HubError(403, "You don't have the rights to perform this action: your token is read-only.")
        return principal

    def whoami(self, principal: Principal) -> dict[str, Any]:
        return {
            "type": "user",
            "id": f"localhub-{principal.user}",
            "name": principal.user,
            "fullname": principal.user,
            "email": f"{principal.user}@localhub.invalid",
            "emailVerified": True,
            "canPay": self.can_pay(principal.user),
            "isPro": self.is_paid(principal.user),
            "periodEnd": None,
            "avatarUrl": "/avatars/default.svg",
            "orgs": [
                {
                    "type": "org",
                    "name": org,
                    "fullname": org,
                    "roleInOrg": "admin",
                    "isEnterprise": False,
                    "plan": "team" if self.is_paid(org) else "NO_PLAN",
                    "canPay": self.can_pay(org),
                }
                for org in self.user_orgs(principal.user)
            ],
            "auth": {
                "type": "access_token",
                "accessToken": {"displayName": "localhub", "role": principal.role},
            },
        }
