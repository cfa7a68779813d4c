"""The residents' rating period (居民评价期限) as policy: query and mutation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from datasources.community.rating_policy_models import DEFAULT_RATING_DAYS
from datasources.community.rating_policy_models import RatingPolicy as Row
from datasources.scope import Role
from resolvers import rating_policy as rules
from schema.actors import shown_subject
from schema.base import Info
from schema.bounds import YEAR, between
from schema.mutations import Audited, Change, UserError, mutate
from schema.performance import Year, _check_year

_DEFAULT_NOTE = "未设置时的默认期限（结单后 7 天）"


@strawberry.type(
    description="The residents' rating period (居民评价期限) of a year: how many days after "
    "an order is closed its resident alone may rate it; after that his community may "
    "confirm it on his behalf (ratingBasis NOT_RATED_IN_TIME). Set by the district per "
    "year; 7 days where none is set (isDefault)."
)
class RatingPolicy:
    year: int = strawberry.field(description="The year of the orders' closing (年度), China time.")
    district_code: str | None = strawberry.field(
        description="The district it is for (区编码); null: every district."
    )
    version: int = strawberry.field(
        description="Version (版本); each change adds one; 0 for the default."
    )
    rating_days: int = strawberry.field(description="Days after the closing (评价期限天数).")
    is_default: bool = strawberry.field(
        description="The documented default (默认值, 7 days): no version set for the year."
    )
    note: str | None = strawberry.field(description="Remark (说明).")
    updated_at: datetime | None = strawberry.field(
        description="When this version was set (修改时间); null for the default."
    )
    updated_by_subject: strawberry.Private[str | None]

    @strawberry.field(
        description="Who set this version (修改人): the district's token subject, shown to "
        "the district and the auditor only; null for everyone else and for the default."
    )
    def updated_by(self, info: Info) -> str | None:
        if self.updated_by_subject is None:
            return None
        return shown_subject(info.context.viewer, self.updated_by_subject, None)

    @strawberry.field(description="Every version of this year's rule, newest first (历史版本).")
    async def history(self, info: Info) -> list[RatingPolicy]:
        if self.is_default:
            return []
        async with info.context.sources.community.session() as session:
            rows = await rules.versions(session, self.year, self.district_code or "")
        return [rating_policy_of(row) for row in rows]


def rating_policy_of(row: Row) -> RatingPolicy:
    return RatingPolicy(
        year=row.year, district_code=row.district_code or None, version=row.version,
        rating_days=row.rating_days, is_default=False, note=row.note, updated_at=row.updated_at,
        updated_by_subject=row.updated_by,
    )  # fmt: skip


def _period(period: rules.RatingPeriod) -> RatingPolicy:
    if period.policy is not None:
        return rating_policy_of(period.policy)
    return RatingPolicy(
        year=period.year, district_code=None, version=0, rating_days=DEFAULT_RATING_DAYS,
        is_default=True, note=_DEFAULT_NOTE, updated_at=None, updated_by_subject=None,
    )  # fmt: skip


@strawberry.input(description="Set a year's residents' rating period (设置居民评价期限).")
class SetRatingPolicyInput:
    year: int = strawberry.field(
        metadata=YEAR, description="The year of the orders' closing (年度)."
    )
    rating_days: int = strawberry.field(
        metadata=between(1, 60),
        description="Days after the closing the resident alone may rate (评价期限天数), 1-60.",
    )
    district_code: str | None = strawberry.field(
        default=None, description="Only for this district (区编码); null: every district."
    )
    note: str | None = strawberry.field(default=None, description="Remark (说明).")
    client_mutation_id: str | None = strawberry.field(
        default=None,
        description="Echoed back; setting the same values again adds no version (idempotent).",
    )


@strawberry.type(description="Result of setting the rating period (设置居民评价期限结果).")
class RatingPolicyPayload:
    policy: RatingPolicy | None = strawberry.field(
        description="The rule's current version; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations of the residents' rating period (居民评价期限).")
class RatingPolicyMutation:
    @strawberry.mutation(
        description="Set a year's residents' rating period (设置居民评价期限): the district "
        "organisation department only, for every district or its own. A change adds a new "
        "version and keeps the earlier ones (history); orders closed in that year may be "
        "confirmed on the resident's behalf only once it has passed. Orders already "
        "completed are not rewritten."
    )
    async def set_rating_policy(
        self,
        info: Info,
        input: Annotated[SetRatingPolicyInput, strawberry.argument(description="The rule.")],
    ) -> RatingPolicyPayload:
        action = rules.set_period(
            info.context, year=input.year, days=input.rating_days,
            district=input.district_code or "", note=input.note,
        )  # fmt: skip
        change = Change(
            name="setRatingPolicy",
            entity=rules.POLICY,
            key=input.client_mutation_id,
            targets=[str(input.year)],
            forbidden="只有区委组织部可以设置居民评价期限。",
        )
        return await mutate(
            info, change, RatingPolicyPayload, action,
            lambda row: RatingPolicyPayload(policy=rating_policy_of(row)),
            audited=lambda row: Audited(rules.POLICY, [str(row.id)],
                                        {"year": str(row.year), "version": str(row.version),
                                         "ratingDays": str(row.rating_days)}),
        )  # fmt: skip


@strawberry.type(description="Root field of the residents' rating period (居民评价期限).")
class RatingPolicyQuery:
    @strawberry.field(
        description="The residents' rating period in force for a year (居民评价期限): the "
        "district's own rule, else the one for every district, else the default of 7 days "
        "(isDefault). For any signed-in viewer; null without a token."
    )
    async def rating_policy(
        self,
        info: Info,
        year: Year,
        district_code: Annotated[
            str | None,
            strawberry.argument(description="A district's rule (区编码); default: the viewer's."),
        ] = None,
    ) -> RatingPolicy | None:
        _check_year(year)
        if info.context.viewer.role is Role.ANONYMOUS:
            return None
        district = district_code or info.context.viewer.district
        async with info.context.sources.community.session() as session:
            period = await rules.period_for(session, year, district)
        return _period(period)


__all__ = ["RatingPolicyMutation", "RatingPolicyQuery"]
