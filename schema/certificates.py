"""Volunteer-hours certificates (志愿服务时长证明): a member, or the district for him, is
issued a certificate of his certified hours and services for a year, with a verification
code (核验码) anyone may check without signing in; the PDF is at `GET /certificates/{id}.pdf`.

Read rules: the member himself, his unit (branch), the district and the auditor. Anyone,
also without a token, checks a code through `verifyCertificate`: masked name, period,
totals and state only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeAlias

import strawberry
from strawberry import relay

from datasources.units import models
from datasources.units.lists import CertificateFilter as CertificateFilterModel
from resolvers import certificates
from schema.actors import shown_subject
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between
from schema.master_history import MasterDataEvent, master_history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, not_found
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    paginate,
)

if TYPE_CHECKING:
    from schema.units import Member

_UNITS = "schema.units"

strawberry.enum(
    models.CertificateStatus,
    description="State of a volunteer-hours certificate (证明状态): ISSUED 有效, "
    "REVOKED 已撤销 (issued in error).",
)
CertificateStatus: TypeAlias = models.CertificateStatus


class _CertificateOrder(Enum):
    ISSUED_AT = "issued_at"


@strawberry.type(
    description="One record type counted on a certificate (计入的服务类型): ORDERS 点单服务, "
    "ACTIVITIES 志愿活动, POSTS 岗位值守, WISHES 微心愿; as the year's appraisal policy counts."
)
class CertifiedService:
    kind: str = strawberry.field(description="orders, activities, posts or wishes.")
    name: str = strawberry.field(description="Its Chinese name (类型名称).")
    count: int = strawberry.field(description="Services of this type (次数).")
    hours: float = strawberry.field(description="Hours of this type (时长, 小时).")


@strawberry.input(description="Filters for certificates (证明筛选); all given must hold.")
class CertificateFilter:
    member_code: str | None = strawberry.field(
        default=None, description="Only of this member (党员编号)."
    )
    year: int | None = strawberry.field(
        default=None, metadata=between(2000, 2100), description="Only of this year (年度)."
    )
    branch_code: str | None = strawberry.field(
        default=None, description="Only of members of this branch when issued (支部编码)."
    )
    statuses: list[CertificateStatus] | None = strawberry.field(
        default=None, description="Only these states (状态)."
    )

    def to_filter(self) -> CertificateFilterModel:
        return CertificateFilterModel(
            member_code=self.member_code, year=self.year, branch_code=self.branch_code,
            statuses=as_tuple(self.statuses),
        )  # fmt: skip


@strawberry.type(
    description="A volunteer-hours certificate (志愿服务时长证明): a snapshot of a member's "
    "certified services and hours of a year (the totals the appraisal counts), taken when "
    "issued; checked by anyone through its `code`. Revoked with a reason if issued in error."
)
class VolunteerCertificate(HubNode):
    id_loader_of = loaded_by(lambda c: c.units.certificate_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member (党员编号).")
    year: int = strawberry.field(description="The certified year (年度).")
    period_from: date = strawberry.field(description="First day certified (起始日期).")
    period_to: date = strawberry.field(
        description="Last day certified (截止日期): 31 December, or the day of issue in a "
        "running year."
    )
    services: int = strawberry.field(description="Certified services (服务次数).")
    status: CertificateStatus = strawberry.field(description="Valid or revoked (状态).")
    issued_at: datetime = strawberry.field(description="When issued (开具时间).")
    issuer_role: str = strawberry.field(description="Issued by: member or district (开具人角色).")
    revoked_at: datetime | None = strawberry.field(description="When revoked (撤销时间).")
    revoked_reason: str | None = strawberry.field(description="Why revoked (撤销原因).")
    code: strawberry.Private[str]
    member_id: strawberry.Private[int]
    hours_value: strawberry.Private[Decimal]
    breakdown_value: strawberry.Private[dict[str, dict[str, object]]]
    issued_by: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=row.id, member_code=row.member_code, year=row.year, member_id=row.member_id,
            period_from=row.period_from, period_to=row.period_to, services=row.services,
            status=row.status, issued_at=row.issued_at, issuer_role=row.issuer_role,
            revoked_at=row.revoked_at, revoked_reason=row.revoked_reason, code=row.code,
            hours_value=row.hours, breakdown_value=row.breakdown or {}, issued_by=row.issued_by,
        )  # fmt: skip

    @strawberry.field(description="Certified hours (服务时长, 小时).")
    def hours(self) -> float:
        return float(self.hours_value)

    @strawberry.field(
        description="The verification code (核验码) as printed, XXXX-XXXX-XXXX: anyone checks "
        "it with `verifyCertificate`."
    )
    def verification_code(self) -> str:
        return certificates.printed(self.code)

    @strawberry.field(
        description="The counted record types (计入的服务类型), each with its totals."
    )
    def services_by_kind(self) -> list[CertifiedService]:
        return [
            CertifiedService(kind=kind, name=certificates.KIND_NAMES[kind],
                             count=int(str(part["count"])), hours=float(str(part["hours"])))
            for kind, part in self.breakdown_value.items()
        ]  # fmt: skip

    @strawberry.field(
        description="Who issued it (开具人): the token subject, for the district and the "
        "auditor; null for everyone else."
    )
    def issued_by_subject(self, info: Info) -> str | None:
        return shown_subject(info.context.viewer, self.issued_by, None)

    @strawberry.field(
        description="The member (党员), as the viewer may read him (his name is audited as "
        "any member's); the PDF prints the name as it was when issued."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(await info.context.units.member_by_id.load(self.member_id))

    @strawberry.field(description="The PDF's path (证明文件): GET it with the bearer token.")
    def pdf_path(self) -> str:
        return f"/certificates/{self.id}.pdf"

    @strawberry.field(description="Every step (证明记录), oldest first: issued, revoked.")
    async def history(self, info: Info) -> list[MasterDataEvent]:
        return await master_history(info, certificates.ENTITY, self.id)


@strawberry.type(
    description="What anyone may learn of a certificate by its code (证明核验): the masked "
    "name, the period, the totals and whether it is valid; nothing else."
)
class CertificateVerification:
    verification_code: str = strawberry.field(description="The code checked (核验码).")
    masked_name: str = strawberry.field(description="The member's masked name (张**).")
    year: int = strawberry.field(description="The certified year (年度).")
    period_from: date = strawberry.field(description="First day certified (起始日期).")
    period_to: date = strawberry.field(description="Last day certified (截止日期).")
    services: int = strawberry.field(description="Certified services (服务次数).")
    hours: float = strawberry.field(description="Certified hours (服务时长, 小时).")
    status: CertificateStatus = strawberry.field(
        description="ISSUED: valid; REVOKED: withdrawn as issued in error (已撤销, 无效)."
    )
    issued_on: date = strawberry.field(description="The day issued (开具日期).")


@strawberry.type(description="Root fields of volunteer-hours certificates (志愿服务时长证明).")
class CertificatesQuery:
    @strawberry.field(
        description="Certificates (志愿服务时长证明), newest first: the member his own, a unit "
        "(branch) its members', the district and the auditor all."
    )
    async def certificates(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CertificateFilter | None = None,
    ) -> Connection[VolunteerCertificate]:
        return await paginate(
            info, info.context.units.certificates, None, VolunteerCertificate.from_row,
            first=first, after=after, order_by=_CertificateOrder.ISSUED_AT,
            direction=OrderDirection.DESC, filter=filter,
        )  # fmt: skip

    @strawberry.field(
        description="Check a certificate by its verification code (证明核验), for anyone, also "
        "without a token: masked name, period, totals and state; null for a code that names "
        "no certificate. Dashes, spaces and case do not matter. Anonymous requests are rate "
        "limited per address."
    )
    async def verify_certificate(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The code (核验码).")],
    ) -> CertificateVerification | None:
        row = await certificates.verify(info.context, code[:64])
        if row is None:
            return None
        return CertificateVerification(
            verification_code=certificates.printed(row.code),
            masked_name=certificates.public_name(row), year=row.year,
            period_from=row.period_from, period_to=row.period_to, services=row.services,
            hours=float(row.hours), status=row.status,
            issued_on=certificates.issued_on(row),
        )  # fmt: skip


@strawberry.input(description="Issue a volunteer-hours certificate (开具志愿服务时长证明).")
class IssueCertificateInput:
    year: int = strawberry.field(
        metadata=between(2000, 2100), description="The year (年度): this year or earlier."
    )
    member_code: str | None = strawberry.field(
        default=None,
        description="The member (党员编号): the district names him; a member may omit it "
        "(himself).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Revoke a certificate issued in error (撤销证明).")
class RevokeCertificateInput:
    certificate_id: relay.GlobalID = strawberry.field(description="The certificate (证明ID).")
    reason: str = strawberry.field(description="Why (撤销原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a certificate mutation (证明操作结果).")
class CertificatePayload:
    certificate: VolunteerCertificate | None = strawberry.field(
        description="The certificate; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(row: models.VolunteerCertificate) -> CertificatePayload:
    return CertificatePayload(certificate=VolunteerCertificate.from_row(row))


@strawberry.type(description="Mutations of volunteer-hours certificates (志愿服务时长证明).")
class CertificatesMutation:
    @strawberry.mutation(
        description="Issue a certificate (开具志愿服务时长证明) of a member's certified services "
        "and hours in a year, as the appraisal counts them: the member himself, or the "
        "district for any member (NOT_FOUND for an unknown one). A snapshot: later changes "
        "of the records do not change it. The same clientMutationId again answers the same "
        "certificate."
    )
    async def issue_volunteer_certificate(
        self,
        info: Info,
        input: Annotated[IssueCertificateInput, strawberry.argument(description="It.")],
    ) -> CertificatePayload:
        key = input.client_mutation_id
        action = certificates.issue(
            info.context, member_code=input.member_code, year=input.year, key=key
        )
        change = Change(name="issueVolunteerCertificate", entity=certificates.ENTITY, key=key,
                        forbidden="只有党员本人或区委组织部可以开具志愿服务时长证明。",
                        detail={"member": input.member_code, "year": input.year})  # fmt: skip
        return await mutate(info, change, CertificatePayload, action, _payload)

    @strawberry.mutation(
        description="Revoke a certificate issued in error (撤销证明): the district, with a "
        "required reason; once (INVALID_STATE again). Verification then answers REVOKED. "
        "Nothing is deleted."
    )
    async def revoke_volunteer_certificate(
        self,
        info: Info,
        input: Annotated[RevokeCertificateInput, strawberry.argument(description="It.")],
    ) -> CertificatePayload:
        change = Change(name="revokeVolunteerCertificate", entity=certificates.ENTITY,
                        key=input.client_mutation_id, forbidden="只有区委组织部可以撤销证明。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, CertificatePayload, input.certificate_id,
            lambda row_id: certificates.revoke(info.context, row_id, input.reason),
            _payload, unknown=not_found(certificates.NOT_FOUND, "input.certificateId"),
        )  # fmt: skip
