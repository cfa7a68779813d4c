"""Who is reading: the viewer, and how each datasource narrows its queries to him.

Scope lives where data is read. Every loader asks its datasource's policy for the WHERE
clauses of the viewer before it runs a statement, so a new field or path (nested lists,
`node`, `_entities`, `totalCount`, filters) cannot see more than the policy allows. A model
without a rule is invisible: the policies deny by default.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import ColumnElement


class Role(enum.Enum):
    DISTRICT = "district"  # 区委组织部
    STREET = "street"  # 街道党工委 (publishes notices to its communities; reads public data)
    UNIT_BRANCH = "unit_branch"  # 单位党支部 (or the unit's Party committee without branch)
    COMMUNITY = "community"  # 社区党委
    GRID_WORKER = "grid_worker"  # 网格员 (community staff of a grid)
    GRID_BRANCH_SECRETARY = "grid_branch_secretary"  # 网格党支部书记
    COMPOUND_BRANCH_SECRETARY = "compound_branch_secretary"  # 小区党支部书记
    POSITION_HOLDER = "position_holder"  # 三长 (小区长/楼栋长/单元长) or 党员中心户
    MEMBER = "member"  # 党员
    RESIDENT = "resident"  # 居民
    PROPERTY_COMPANY = "property_company"  # 物业服务企业
    AUDITOR = "auditor"  # 审计（只读）
    ANONYMOUS = "anonymous"  # no token: public data only


# The scope claims each role must carry (any one of a tuple's alternatives for the last).
REQUIRED_SCOPE: dict[Role, tuple[str | tuple[str, ...], ...]] = {
    Role.DISTRICT: ("district",),
    Role.STREET: ("street",),
    Role.UNIT_BRANCH: ("unit",),
    Role.COMMUNITY: ("community",),
    Role.GRID_WORKER: ("community", "grid"),
    Role.GRID_BRANCH_SECRETARY: ("community", "grid"),
    Role.COMPOUND_BRANCH_SECRETARY: ("community", "compound"),
    Role.POSITION_HOLDER: ("community", "position"),
    Role.MEMBER: ("member",),
    Role.RESIDENT: ("community",),
    Role.PROPERTY_COMPANY: ("company",),
    Role.AUDITOR: (),
    Role.ANONYMOUS: (),
}
# The scope claims each role may carry at all (docs/access.md, "Roles and their scope"): a
# claim outside this set is refused at authentication, so no check that tests a claim's
# presence (`viewer.member is not None`) can be satisfied by a token of another role.
ALLOWED_SCOPE: dict[Role, frozenset[str]] = {
    Role.DISTRICT: frozenset({"district"}),
    Role.STREET: frozenset({"street"}),
    Role.UNIT_BRANCH: frozenset({"unit", "branch"}),
    Role.COMMUNITY: frozenset({"community"}),
    Role.GRID_WORKER: frozenset({"community", "grid"}),
    Role.GRID_BRANCH_SECRETARY: frozenset({"community", "grid"}),
    Role.COMPOUND_BRANCH_SECRETARY: frozenset({"community", "compound"}),
    Role.POSITION_HOLDER: frozenset({"community", "position"}),
    Role.MEMBER: frozenset({"member"}),
    Role.RESIDENT: frozenset({"community", "household"}),
    Role.PROPERTY_COMPANY: frozenset({"company"}),
    Role.AUDITOR: frozenset(),
    Role.ANONYMOUS: frozenset(),
}
SCOPE_KEYS = ("district", "street", "unit", "branch", "community", "grid", "compound", "member",
              "household", "company", "position")  # fmt: skip
# The community roles bounded by a grid (and the grids below it) or by one compound.
GRID_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_BRANCH_SECRETARY,
                        Role.COMPOUND_BRANCH_SECRETARY})  # fmt: skip
# The Party branch secretaries of a grid or compound: they evaluate members, the grid worker
# does not; the grid worker orders on a resident's behalf, they do not (docs/access.md).
BRANCH_SECRETARIES = frozenset({Role.GRID_BRANCH_SECRETARY, Role.COMPOUND_BRANCH_SECRETARY})
# Deprecated: the one role that stood for all three jobs until 2026-12. Its tokens are still
# accepted, as the branch secretary of their grid or compound (docs/access.md, "Deprecated").
LEGACY_GRID_SECRETARY = "grid_secretary"


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller: a role and the codes that bound what it may see."""

    role: Role
    subject: str = "anonymous"
    # The token's `iss`: two identity providers may issue the same subject to two people.
    issuer: str = ""
    district: str | None = None
    street: str | None = None
    unit: str | None = None
    branch: str | None = None
    community: str | None = None
    grid: str | None = None
    compound: str | None = None
    member: str | None = None
    household: str | None = None
    company: str | None = None
    position: str | None = None  # the code of the position (职务) a position holder holds
    # The role a deprecated token named (`grid_secretary`), kept in `identity` so that such
    # a caller keeps his identity (idempotency keys, his orders) through the transition.
    token_role: str | None = None

    @property
    def sees_everything(self) -> bool:
        """The district organisation department and the auditor read the whole district."""
        return self.role in (Role.DISTRICT, Role.AUDITOR)

    @property
    def is_community_side(self) -> bool:
        return self.role is Role.COMMUNITY or self.role in GRID_ROLES

    def scope_claims(self) -> dict[str, str]:
        return {key: value for key in SCOPE_KEYS if (value := getattr(self, key)) is not None}

    @property
    def identity(self) -> str:
        """Who this is, as one canonical string: issuer + subject + role + scope.

        The subject alone is not an identity: two tokens of different roles or scopes may
        carry the same `sub`. Idempotency keys, residents' own records, rate limits and the
        audit log all key on this (or on `identity_key`, its fixed-length digest).
        """
        return json.dumps(
            [self.issuer, self.subject, self.token_role or self.role.value, self.scope_claims()],
            ensure_ascii=False, separators=(",", ":"), sort_keys=True,
        )  # fmt: skip

    @property
    def organisation(self) -> str:
        """Whom the caller acts for, as "kind:code": his community (also a grid secretary's),
        unit, district or company; a member or resident acts for himself ("person:" and his
        identity key). Records keep it to tell the actor's own organisation from others."""
        codes = {
            Role.DISTRICT: ("district", self.district),
            Role.STREET: ("street", self.street),
            Role.UNIT_BRANCH: ("unit", self.unit),
            Role.COMMUNITY: ("community", self.community),
            Role.GRID_WORKER: ("community", self.community),
            Role.GRID_BRANCH_SECRETARY: ("community", self.community),
            Role.COMPOUND_BRANCH_SECRETARY: ("community", self.community),
            Role.PROPERTY_COMPANY: ("company", self.company),
        }
        if self.role in codes:
            kind, code = codes[self.role]
            return f"{kind}:{code or ''}"
        if self.role in (Role.MEMBER, Role.RESIDENT, Role.POSITION_HOLDER):
            return f"person:{self.identity_key}"
        return str(self.role.value)

    @property
    def identity_key(self) -> str:
        """`identity` as 64 hex characters, for columns and cache keys of fixed width."""
        return hashlib.sha256(self.identity.encode("utf-8")).hexdigest()


ANONYMOUS = Viewer(Role.ANONYMOUS)


class InvalidScope(ValueError):
    """Claims that do not give a role the codes it needs."""


def viewer_from_claims(role: str, scope: dict[str, Any], subject: str, issuer: str = "") -> Viewer:
    """The viewer a token's claims describe; `InvalidScope` for claims no caller may hold:
    an unknown role, a scope key outside the role's (`ALLOWED_SCOPE`), a missing required
    one (`REQUIRED_SCOPE`), or an empty subject (an identity needs one).

    A deprecated `grid_secretary` token becomes the branch secretary of its claim: with
    `grid`, the grid branch secretary; with `compound`, the compound branch secretary."""
    if role == LEGACY_GRID_SECRETARY:
        return _legacy_grid_secretary(scope, subject, issuer)
    try:
        parsed = Role(role)
    except ValueError as exc:
        raise InvalidScope(f"unknown role {role!r}") from exc
    if parsed is Role.ANONYMOUS:
        raise InvalidScope("a token cannot carry the anonymous role")
    unknown = set(scope) - set(SCOPE_KEYS)
    if unknown:
        raise InvalidScope(f"unknown scope keys {sorted(unknown)}")
    if not all(isinstance(value, str) and value.strip() for value in scope.values()):
        raise InvalidScope("scope values must be non-empty strings")
    foreign = set(scope) - ALLOWED_SCOPE[parsed]
    if foreign:
        raise InvalidScope(f"role {role} cannot carry scope {sorted(foreign)}")
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidScope("the token names no subject (sub)")
    for need in REQUIRED_SCOPE[parsed]:
        options = need if isinstance(need, tuple) else (need,)
        if not any(scope.get(key) for key in options):
            raise InvalidScope(f"role {role} needs scope {' or '.join(options)}")
    return Viewer(parsed, subject=subject, issuer=issuer, **scope)


def _legacy_grid_secretary(scope: dict[str, Any], subject: str, issuer: str) -> Viewer:
    """The branch secretary a `grid_secretary` token stands for: a `compound` claim names a
    compound branch, a `grid` claim a grid branch (both: the compound, as the old role scoped
    it)."""
    if scope.get("compound"):
        role = Role.COMPOUND_BRANCH_SECRETARY
        scope = {key: value for key, value in scope.items() if key != "grid"}
    else:
        role = Role.GRID_BRANCH_SECRETARY
    viewer = viewer_from_claims(role.value, scope, subject, issuer)
    return replace(viewer, token_role=LEGACY_GRID_SECRETARY)


class CrossSideFacts(Protocol):
    """Facts one side needs from the other to scope its queries, fetched once per request.

    The hub implements this with both datasources; a datasource only sees the protocol.
    """

    async def members_of_viewer_unit(self) -> Sequence[str]:
        """Codes of the members a unit viewer is responsible for (unit side)."""
        ...

    async def members_reported_to_viewer(self) -> Sequence[str]:
        """Codes of members with an active report the community viewer may see."""
        ...

    async def unit_of_viewer_member(self) -> str | None:
        """The code of a member viewer's unit (unit side); None for other viewers."""
        ...


Rule = Callable[[type[Any], Viewer, CrossSideFacts], Awaitable[list[ColumnElement[bool]]]]


class Scope:
    """A viewer bound to one datasource's policy: what loaders call before each statement."""

    def __init__(self, rule: Rule, viewer: Viewer, facts: CrossSideFacts) -> None:
        self.rule = rule
        self.viewer = viewer
        self.facts = facts

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        return await self.rule(model, self.viewer, self.facts)


class Once:
    """Compute an async value at most once, even when concurrent tasks ask together."""

    def __init__(self, compute: Callable[[], Awaitable[Any]]) -> None:
        self._compute = compute
        self._task: asyncio.Future[Any] | None = None

    async def get(self) -> Any:
        if self._task is None:
            self._task = asyncio.ensure_future(self._compute())
        return await self._task
