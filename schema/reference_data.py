"""Reference data for a year (年度基础数据), set by the district: red-property scoring
criteria and award tiers (upserted by key, never deleted), and founding an alliance with
its parties and chair rota (`foundAlliance`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers import reference_data as rules
from resolvers.alliances import PartyRef
from schema.alliances import AlliancePayload
from schema.base import Info
from schema.bounds import between
from schema.enums import MeetingFrequency, PartyKind
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate
from schema.partners import Alliance
from schema.property import PropertyAwardTier, PropertyCriterion, PropertyScorer

_ERRORS = "Why it was refused (业务错误); empty on success."
_DISTRICT = "只有区委组织部可以设定年度基础数据和成立党建联盟。"


@strawberry.input(description="One scoring criterion (评分细则) of a year.")
class PropertyCriterionInput:
    code: str = strawberry.field(description="Criterion code (细则编码), unique in the year.")
    name: str = strawberry.field(description="What is scored (评分内容).")
    scorer: PropertyScorer = strawberry.field(description="Who scores it (评分主体).")
    max_score: int = strawberry.field(
        metadata=between(1, 100), description="Highest score (满分), 1 to 100."
    )
    sort_order: int = strawberry.field(
        metadata=between(0, 10_000), default=0, description="Position in the list (排序)."
    )


@strawberry.input(description="Set a year's scoring criteria (设定年度评分细则).")
class SetPropertyCriteriaInput:
    year: int = strawberry.field(metadata=between(2000, 2100), description="The year (年度).")
    criteria: list[PropertyCriterionInput] = strawberry.field(
        description="Criteria by code: new codes are added, given ones changed, others stay."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="One award tier (奖补档次) of a year.")
class PropertyAwardTierInput:
    name: str = strawberry.field(description="Tier name (档次名称), unique in the year.")
    min_total: Decimal = strawberry.field(
        metadata=between(0, 1000), description="Lowest total that reaches it (最低总分)."
    )
    amount_yuan: Decimal = strawberry.field(
        metadata=between(0, 10**9), description="Amount in yuan (奖补金额)."
    )
    passes: bool = strawberry.field(default=True, description="Passes the evaluation (视为合格).")


@strawberry.input(description="Set a year's award tiers (设定年度奖补档次).")
class SetPropertyAwardTiersInput:
    year: int = strawberry.field(metadata=between(2000, 2100), description="The year (年度).")
    tiers: list[PropertyAwardTierInput] = strawberry.field(
        description="Tiers by name: new names are added, given ones changed, others stay."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="A founding party of an alliance (发起成员单位).")
class FoundingPartyInput:
    kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    code: str = strawberry.field(description="Its code (成员编码).")
    name: str | None = strawberry.field(
        default=None, description="Name, required for other organisations (名称)."
    )
    rotation_order: int = strawberry.field(
        metadata=between(1, 10_000), description="Its chair turn (轮值顺序), from 1."
    )


@strawberry.input(description="Found a Party-building alliance (成立党建联盟).")
class FoundAllianceInput:
    code: str | None = strawberry.field(
        default=None, description="Code (联盟编码); assigned by the hub if omitted."
    )
    name: str = strawberry.field(description="Name (联盟名称).")
    street_code: str | None = strawberry.field(default=None, description="Its street (街道编码).")
    founded_on: date = strawberry.field(description="Founding day (成立日期).")
    meeting_frequency: MeetingFrequency = strawberry.field(description="Joint meetings (会议频次).")
    description: str | None = strawberry.field(default=None, description="Purpose (简介).")
    parties: list[FoundingPartyInput] = strawberry.field(
        description="Its founding parties (成员单位), two or more, each once."
    )
    chair_term_months: int = strawberry.field(
        default=12,
        metadata=between(1, 24),
        description="Months per chair turn (轮值任期月数), 1 to 24.",
    )
    chair_terms: int = strawberry.field(
        default=2,
        metadata=between(1, 24),
        description="Chair turns scheduled from the founding day (排定任期数), 1 to 24.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.type(description="Result of setting a year's criteria (评分细则设定结果).")
class PropertyCriteriaPayload:
    criteria: list[PropertyCriterion] = strawberry.field(
        description="The year's criteria now; empty if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of setting a year's award tiers (奖补档次设定结果).")
class PropertyAwardTiersPayload:
    tiers: list[PropertyAwardTier] = strawberry.field(
        description="The year's tiers now, highest first; empty if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Mutations of a year's reference data (年度基础数据).")
class ReferenceDataMutation:
    @strawberry.mutation(
        description="Set a year's red-property scoring criteria (设定评分细则): the district. "
        "Upserts by code, never deletes; refused once the year has scores (INVALID_STATE). "
        "Each created or changed criterion records its changed fields."
    )
    async def set_property_criteria(
        self,
        info: Info,
        input: Annotated[SetPropertyCriteriaInput, strawberry.argument(description="Criteria.")],
    ) -> PropertyCriteriaPayload:
        items = [rules.Criterion(code=c.code.strip(), name=c.name, scorer=c.scorer,
                                 max_score=c.max_score, sort_order=c.sort_order)
                 for c in input.criteria]  # fmt: skip
        change = Change(name="setPropertyCriteria", entity="PropertyCriterion",
                        key=input.client_mutation_id, forbidden=_DISTRICT,
                        targets=[str(input.year)])  # fmt: skip
        return await mutate(
            info, change, PropertyCriteriaPayload,
            rules.set_criteria(info.context, input.year, items),
            lambda rows: PropertyCriteriaPayload(criteria=[
                PropertyCriterion(code=r.code, name=r.name, scorer=r.scorer,
                                  max_score=r.max_score) for r in rows]),
        )  # fmt: skip

    @strawberry.mutation(
        description="Set a year's award tiers (设定奖补档次): the district. Upserts by name, "
        "never deletes; refused once the year is closed (INVALID_STATE)."
    )
    async def set_property_award_tiers(
        self,
        info: Info,
        input: Annotated[SetPropertyAwardTiersInput, strawberry.argument(description="Tiers.")],
    ) -> PropertyAwardTiersPayload:
        items = [rules.Tier(name=t.name, min_total=t.min_total, amount_yuan=t.amount_yuan,
                            passes=t.passes) for t in input.tiers]  # fmt: skip
        change = Change(name="setPropertyAwardTiers", entity="PropertyAwardTier",
                        key=input.client_mutation_id, forbidden=_DISTRICT,
                        targets=[str(input.year)])  # fmt: skip
        return await mutate(
            info, change, PropertyAwardTiersPayload,
            rules.set_tiers(info.context, input.year, items),
            lambda rows: PropertyAwardTiersPayload(tiers=[
                PropertyAwardTier(name=r.name, min_total=r.min_total,
                                  amount_yuan=r.amount_yuan, passes=r.passes) for r in rows]),
        )  # fmt: skip

    @strawberry.mutation(
        description="Found a Party-building alliance (成立党建联盟): the district, with two or "
        "more parties (communities, units, property companies, other organisations) and the "
        "chair rota from the founding day in rotation order. Retrying with the same "
        "clientMutationId returns the first result."
    )
    async def found_alliance(
        self,
        info: Info,
        input: Annotated[FoundAllianceInput, strawberry.argument(description="The alliance.")],
    ) -> AlliancePayload:
        founding = rules.Founding(
            code=input.code, name=input.name, street_code=input.street_code,
            founded_on=input.founded_on, meeting_frequency=input.meeting_frequency,
            description=input.description,
            parties=[(PartyRef(p.kind, p.code.strip(), p.name), p.rotation_order)
                     for p in input.parties],
            chair_term_months=input.chair_term_months, chair_terms=input.chair_terms,
        )  # fmt: skip
        change = Change(name="foundAlliance", entity="Alliance", key=input.client_mutation_id,
                        forbidden=_DISTRICT)  # fmt: skip
        return await mutate(
            info, change, AlliancePayload,
            rules.found_alliance(info.context, founding, input.client_mutation_id),
            lambda row: AlliancePayload(alliance=Alliance.from_row(row)),
        )  # fmt: skip
