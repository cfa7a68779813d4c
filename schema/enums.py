"""GraphQL enums over the datasources' own enums, with the Chinese terms.

`strawberry.enum` registers the GraphQL definition on the model's enum class itself, so
the schema and the datasources share one Python type; the aliases below re-export them.
"""

from __future__ import annotations

from typing import TypeAlias

import strawberry

from datasources import common
from datasources.community import duty_models
from datasources.community import models as community
from datasources.community import order_models as orders
from datasources.community import partner_models as partners
from datasources.units import models as units

strawberry.enum(
    units.UnitKind,
    description="Kind of work unit (单位类型): AGENCY 机关, PUBLIC_INSTITUTION 事业单位, "
    "STATE_ENTERPRISE 国有企业, TWO_NEW 两新组织.",
)
strawberry.enum(
    units.UnitLevel,
    description="Administrative level of a unit (单位层级): CITY 市直, DISTRICT 区直, TOWN 镇街.",
)
strawberry.enum(units.Gender, description="Gender (性别): MALE 男, FEMALE 女.")
strawberry.enum(
    common.AppraisalGrade,
    description="A year's evaluation grade (评价等次), on both sides: EXCELLENT 优秀, QUALIFIED "
    "合格, BASICALLY_QUALIFIED 基本合格, UNQUALIFIED 不合格.",
)
strawberry.enum(
    units.PoliticalStatus,
    description="Political status (政治面貌): FULL 正式党员, PROBATIONARY 预备党员, "
    "DEVELOPMENT_TARGET 发展对象, ACTIVIST 入党积极分子.",
)
strawberry.enum(
    units.OrganisationStatus,
    description="Standing of a unit or branch (状态): ACTIVE 在用, RETIRED 已撤销 (kept, with "
    "its date; receives no new members).",
)
strawberry.enum(
    units.MemberStatus,
    description="A member's Party standing (党籍状态): ACTIVE 在党, LEFT 出党/停止党籍.",
)
strawberry.enum(community.StreetKind, description="街道 (STREET) or 镇 (TOWN).")
strawberry.enum(
    community.RedPropertyStatus,
    description="Red-property status (红色物业): NONE 未创建, CANDIDATE 创建中, "
    "CERTIFIED 红色物业, REVOKED 已撤销.",
)
strawberry.enum(
    community.ReportStatus,
    description="State of a member's report (报到状态): PENDING 待确认, CONFIRMED 已报到, "
    "RETURNED 已退回, CLOSED 已结束 (moved, left service, withdrawn or closed: see endReason).",
)
strawberry.enum(
    community.ReportEndReason,
    description="Why a report ended (报到结束原因): MOVED 迁出 (the new community confirmed "
    "his move), LEFT_SERVICE 离职 (he left service or his record was closed), WITHDRAWN 改报 "
    "(replaced before it was confirmed), RETURNED 退回, CLOSED 社区注销.",
)
strawberry.enum(
    community.ReportChannel,
    description="How a member reported (报到方式): ONLINE 线上, OFFLINE 线下.",
)
strawberry.enum(
    community.Availability,
    description="When a supporter can serve (服务时间): WEEKDAY_EVENINGS 工作日晚上, "
    "WEEKENDS 周末, HOLIDAYS 节假日, WEEKDAY_DAYTIME 工作日白天, ON_CALL 随叫随到.",
)
strawberry.enum(
    community.PairingStatus,
    description="State of a unit pairing (结对状态): ACTIVE 结对中, ENDED 已结束.",
)
strawberry.enum(
    community.PartyKind,
    description="Kind of party to an alliance or agreement (成员类型): UNIT 单位, COMMUNITY 社区, "
    "PROPERTY_COMPANY 物业服务企业, ORGANISATION 其他组织.",
)
strawberry.enum(
    community.MeetingFrequency, description="How often joint meetings are held (联席会议频次)."
)
strawberry.enum(
    community.AgreementStatus,
    description="State of a co-building agreement (协议状态): DRAFT 草拟, ACTIVE 履行中, "
    "EXPIRED 已到期, ENDED 已终止.",
)
strawberry.enum(
    community.ProjectStatus,
    description="State of a concrete project (实事项目状态): PLANNED 计划, IN_PROGRESS 推进中, "
    "DONE 已完成, CANCELLED 已取消.",
)
strawberry.enum(
    community.CategorySource,
    description="Whose category set a service category comes from (分类来源): CHANCHENG 禅城十类, "
    "QIANJIANG 潜江十岗, JUNAN 莒南七类, LOCAL 本区自定.",
)
strawberry.enum(
    community.ListItemStatus,
    description="State of a list entry (清单状态): PENDING_REVIEW 待审核, PUBLISHED 已发布, "
    "REJECTED 未通过, FULFILLED 已完成, WITHDRAWN 已撤回.",
)
strawberry.enum(
    community.ProviderKind, description="Who offers a resource or service (提供方类型)."
)
strawberry.enum(
    community.RequesterKind,
    description="Who raised a demand (需求来源): RESIDENT 居民, GRID_WORKER 网格员代点, COMMUNITY 社区.",
)
strawberry.enum(
    community.ClaimantKind,
    name="DemandClaimantKind",
    description="Who claimed a demand, a micro-wish, a post or a project (认领方): MEMBER 党员, "
    "UNIT 单位 (its Party organisation, 双服务).",
)
strawberry.enum(
    community.PostStatus, description="State of a post (岗位状态): OPEN 招募中, CLOSED 已关闭."
)
strawberry.enum(
    community.MicroWishStatus,
    description="State of a micro-wish (微心愿状态): PUBLISHED 待认领, CLAIMED 已认领, "
    "FULFILLED 已实现, CONFIRMED 已确认, WITHDRAWN 已撤回.",
)
strawberry.enum(
    community.PostClaimStatus,
    description="State of a claim of a post (认领状态): ACTIVE 已认领, RELEASED 已退出.",
)
strawberry.enum(
    duty_models.PostDutyStatus,
    description="State of a duty session (值守状态): PENDING 待确认, CONFIRMED 已确认 (counts "
    "as a service), REJECTED 未通过.",
)
strawberry.enum(
    orders.OrderStatus,
    description="State of a service order (订单状态): ORDERED 待派单, DISPATCHED 已派单, "
    "ACCEPTED 已接单, CLOSED 已结单, RATED 已评价, CONFIRMED 已确认 (社区代为确认), "
    "CANCELLED 已取消.",
)
strawberry.enum(
    orders.TakerKind,
    description="Who an order is dispatched to (接单方): MEMBER 党员, UNIT 结对单位.",
)
strawberry.enum(
    orders.RatingBasis,
    description="Who rated or confirmed a completed order and why (评价依据): RESIDENT 居民本人"
    "评价; on his behalf by the community: OFFLINE 线下代点单或网格员代提需求 (no resident "
    "account on record), COMMUNITY_DEMAND 社区自身的需求 (no resident), NOT_RATED_IN_TIME 居民"
    "逾期未评价 (he did not rate within the year's rating period, `ratingPolicy`, 7 days by "
    "default), LEGACY 规则实施前由社区确认.",
)

UnitKind: TypeAlias = units.UnitKind
UnitLevel: TypeAlias = units.UnitLevel
Gender: TypeAlias = units.Gender
PoliticalStatus: TypeAlias = units.PoliticalStatus
OrganisationStatus: TypeAlias = units.OrganisationStatus
MemberStatus: TypeAlias = units.MemberStatus
StreetKind: TypeAlias = community.StreetKind
RedPropertyStatus: TypeAlias = community.RedPropertyStatus
ReportStatus: TypeAlias = community.ReportStatus
ReportEndReason: TypeAlias = community.ReportEndReason
ReportChannel: TypeAlias = community.ReportChannel
Availability: TypeAlias = community.Availability
PairingStatus: TypeAlias = community.PairingStatus
PartyKind: TypeAlias = community.PartyKind
MeetingFrequency: TypeAlias = community.MeetingFrequency
AgreementStatus: TypeAlias = community.AgreementStatus
ProjectStatus: TypeAlias = community.ProjectStatus
CategorySource: TypeAlias = community.CategorySource
ListItemStatus: TypeAlias = community.ListItemStatus
ProviderKind: TypeAlias = community.ProviderKind
RequesterKind: TypeAlias = community.RequesterKind
DemandClaimantKind: TypeAlias = community.ClaimantKind
PostStatus: TypeAlias = community.PostStatus
PostClaimStatus: TypeAlias = community.PostClaimStatus
PostDutyStatus: TypeAlias = duty_models.PostDutyStatus
MicroWishStatus: TypeAlias = community.MicroWishStatus
AppraisalGrade: TypeAlias = common.AppraisalGrade
OrderStatus: TypeAlias = orders.OrderStatus
TakerKind: TypeAlias = orders.TakerKind
RatingBasis: TypeAlias = orders.RatingBasis

strawberry.enum(
    community.CompoundKind,
    description="What a compound is (小区类型): COMMERCIAL 有物业小区 (property company, owners' "
    "committee), UNIT_BUILT 单位自建小区 (a unit built and manages it), THREE_NO 三无小区 (no "
    "competent unit, no property service, no owners' committee).",
)
strawberry.enum(
    partners.LinkageForm,
    description="Form of a linkage meeting (联动形式), by the compound's kind: FOUR_PARTY 四方联动 "
    "(社区居委会、网格党支部、业委会、物业), UNIT_BUILT 单位自建小区四方联动 (社区居委会、自建单位、党小组、"
    "业委会 if the compound has one), THREE_PARTY 三无小区三方联动 (社区居委会、自管委、党小组), "
    "FOUR_PARTY_COUNCIL 四方议事会 (小区党支部、业委会、在职党员代表、居民代表).",
)
strawberry.enum(
    partners.CommitteeKind,
    description="A compound's committee (小区委员会): OWNERS 业主委员会 (业委会), SELF_MANAGEMENT "
    "居民自管委员会 (自管委, in 三无小区).",
)

CompoundKind: TypeAlias = community.CompoundKind
LinkageForm: TypeAlias = partners.LinkageForm
CommitteeKind: TypeAlias = partners.CommitteeKind
