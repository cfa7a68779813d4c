"""SQLAlchemy models of the community database.

Members and units live on the work-unit side; here they appear only as stable codes
(`member_code`, `unit_code`), which the hub resolves through the other datasource.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from datasources.common import NAMING_CONVENTION, str_enum, timestamp, utcnow
from datasources.outbox import AuditOutboxColumns


class StreetKind(enum.Enum):
    STREET = "street"  # 街道
    TOWN = "town"  # 镇


class RedPropertyStatus(enum.Enum):
    NONE = "none"  # 未创建
    CANDIDATE = "candidate"  # 创建中
    CERTIFIED = "certified"  # 红色物业
    REVOKED = "revoked"  # 已撤销


class ReportStatus(enum.Enum):
    PENDING = "pending"  # 待确认
    CONFIRMED = "confirmed"  # 已报到
    RETURNED = "returned"  # 已退回
    CLOSED = "closed"  # 已迁出/关闭


class ReportEndReason(enum.Enum):
    """Why a report ended (报到结束原因): it has an end date then (`Report.ended_on`)."""

    MOVED = "moved"  # 迁出: the new community confirmed his move
    LEFT_SERVICE = "left_service"  # 离职/不再在职: he left service, or his record was closed
    WITHDRAWN = "withdrawn"  # 改报: replaced by another report before it was confirmed
    RETURNED = "returned"  # 退回: the community sent it back
    CLOSED = "closed"  # 社区注销: closed by the community for another reason


class ReportChannel(enum.Enum):
    ONLINE = "online"  # 线上（小程序）
    OFFLINE = "offline"  # 线下


class Availability(enum.IntFlag):
    """When a supporter can serve; stored as a bit set so filters stay one indexed column."""

    WEEKDAY_EVENINGS = 1  # 工作日晚上
    WEEKENDS = 2  # 周末
    HOLIDAYS = 4  # 节假日
    WEEKDAY_DAYTIME = 8  # 工作日白天
    ON_CALL = 16  # 随叫随到（应急）


class CompoundKind(enum.Enum):
    """What a compound is (小区类型), which decides who governs it and who meets for it."""

    COMMERCIAL = "commercial"  # 有物业小区: property company and owners' committee
    UNIT_BUILT = "unit_built"  # 单位自建小区: built and managed by a unit (自建单位)
    THREE_NO = "three_no"  # 三无小区: no competent unit, no property service, no 业委会


class PairingStatus(enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"


class PartyKind(enum.Enum):
    UNIT = "unit"  # 单位
    COMMUNITY = "community"  # 社区
    PROPERTY_COMPANY = "property_company"  # 物业服务企业
    ORGANISATION = "organisation"  # 其他组织


class MeetingFrequency(enum.Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class AgreementStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRED = "expired"
    ENDED = "ended"


class ProjectStatus(enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class CategorySource(enum.Enum):
    CHANCHENG = "chancheng"  # 禅城十类服务
    QIANJIANG = "qianjiang"  # 潜江十类岗位
    JUNAN = "junan"  # 莒南七类服务
    LOCAL = "local"  # defined by the district


class ListItemStatus(enum.Enum):
    PENDING_REVIEW = "pending_review"  # 待审核
    PUBLISHED = "published"  # 已发布
    REJECTED = "rejected"  # 未通过
    FULFILLED = "fulfilled"  # 已完成
    WITHDRAWN = "withdrawn"  # 已撤回


class ProviderKind(enum.Enum):
    MEMBER = "member"
    UNIT = "unit"
    COMMUNITY = "community"
    PROPERTY_COMPANY = "property_company"


class RequesterKind(enum.Enum):
    RESIDENT = "resident"  # 居民
    GRID_WORKER = "grid_worker"  # 网格员代点
    COMMUNITY = "community"  # 社区


class ClaimantKind(enum.Enum):
    MEMBER = "member"  # 党员认领
    UNIT = "unit"  # 单位认领


class CommunityBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class District(CommunityBase):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    city: Mapped[str] = mapped_column(String(60))


class Street(CommunityBase):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[StreetKind] = mapped_column(str_enum(StreetKind, "street_kind"))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class PropertyCompany(CommunityBase):
    __tablename__ = "property_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    red_property_status: Mapped[RedPropertyStatus] = mapped_column(
        str_enum(RedPropertyStatus, "red_property_status"), index=True
    )
    has_party_branch: Mapped[bool] = mapped_column(default=False)
    # Covered by the property-sector Party committee (物业行业党委) instead of an own branch.
    covered_by_sector_committee: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(20))


class Community(CommunityBase):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(default=0)
    residents: Mapped[int] = mapped_column(default=0)
    secretary_name: Mapped[str | None] = mapped_column(String(40))
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class Grid(CommunityBase):
    """A grid (网格); levels follow the district's scheme, e.g. third to fifth level."""

    __tablename__ = "grids"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 6", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    level: Mapped[int]
    secretary_name: Mapped[str | None] = mapped_column(String(40))
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class Compound(CommunityBase):
    __tablename__ = "compounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    property_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("property_companies.id"), index=True
    )
    has_owners_committee: Mapped[bool] = mapped_column(default=False)  # 业委会
    has_owner_unit: Mapped[bool] = mapped_column(default=False)  # 产权单位
    has_security: Mapped[bool] = mapped_column(default=False)  # 安保
    party_branch_name: Mapped[str | None] = mapped_column(String(120))  # 小区党支部
    households: Mapped[int] = mapped_column(default=0)
    built_year: Mapped[int | None]
    kind: Mapped[CompoundKind] = mapped_column(
        str_enum(CompoundKind, "compound_kind"),
        default=CompoundKind.COMMERCIAL,
        server_default=CompoundKind.COMMERCIAL.value,
    )
    # The unit that built the compound (自建单位), a work unit's stable code; unit-built only.
    self_built_unit_code: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))  # 小区地址
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class Building(CommunityBase):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("compound_id", "name", name="uq_buildings_compound_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    floors: Mapped[int] = mapped_column(default=6)
    households: Mapped[int] = mapped_column(default=0)
    # Units (单元): the building's entrances, numbered 1..entrances; a 单元长 leads one.
    entrances: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class ServiceCategory(CommunityBase):
    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    source: Mapped[CategorySource] = mapped_column(str_enum(CategorySource, "category_source"))
    description: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # How long an order (点单) of this category may take before it is overdue (超时).
    order_due_hours: Mapped[int] = mapped_column(default=72, server_default=text("72"))
    # The year the district set the category for (年度); null on categories before 0022.
    year: Mapped[int | None]
    # Retired (撤销, China date): master data is never deleted; a retired row stays readable
    # and takes no new children (datasources/community/master.py).
    retired_on: Mapped[date | None] = mapped_column(Date)


class Report(CommunityBase):
    """A member's report (报到) to the community where he lives.

    A report is an interval: from `reported_on` to `ended_on` (exclusive) once it ends. A
    member has at most one confirmed report and at most one pending one: a pending report
    may be a move (`moves_from_id`), which leaves the confirmed one active until the new
    community confirms it.
    """

    __tablename__ = "reports"
    __table_args__ = (
        # One confirmed report per member, and at most one pending (a first report, or a
        # move from the confirmed one); closed and returned ones stay as history.
        Index(
            "uq_reports_confirmed_member",
            "member_code",
            unique=True,
            sqlite_where=text("status = 'confirmed'"),
            postgresql_where=text("status = 'confirmed'"),
        ),
        Index(
            "uq_reports_pending_member",
            "member_code",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_reports_community_id_reported_on", "community_id", "reported_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[ReportChannel] = mapped_column(str_enum(ReportChannel, "report_channel"))
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_status"))
    availability: Mapped[int] = mapped_column(default=0)  # Availability bit set
    intentions: Mapped[list[str]] = mapped_column(JSON, default=list)  # category codes
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # The end of the interval (China date, exclusive) and why: set when closed or returned.
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[ReportEndReason | None] = mapped_column(
        str_enum(ReportEndReason, "report_end_reason")
    )
    # A move (迁移/转接): the confirmed report this one replaces once confirmed.
    moves_from_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))


class ReportSkill(CommunityBase):
    """A skill a supporter declared when reporting; a row each so filters use an index."""

    __tablename__ = "report_skills"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class UnitPairing(CommunityBase):
    """A unit's Party organisation paired with a community (单位报到/结对共建)."""

    __tablename__ = "unit_pairings"
    __table_args__ = (
        Index(
            "uq_unit_pairings_active",
            "unit_code",
            "community_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[PairingStatus] = mapped_column(str_enum(PairingStatus, "pairing_status"))
    contact_name: Mapped[str | None] = mapped_column(String(40))


class Alliance(CommunityBase):
    """A regional Party-building alliance (党建联盟)."""

    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    founded_on: Mapped[date] = mapped_column(Date)
    meeting_frequency: Mapped[MeetingFrequency] = mapped_column(
        str_enum(MeetingFrequency, "meeting_frequency")
    )
    description: Mapped[str | None] = mapped_column(Text)


class AllianceParty(CommunityBase):
    """A member party of an alliance; `rotation_order` sets the rotating chair (轮值主席)."""

    __tablename__ = "alliance_parties"
    __table_args__ = (
        UniqueConstraint("alliance_id", "party_kind", "party_code", name="uq_alliance_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    party_kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, "party_kind"))
    party_code: Mapped[str] = mapped_column(String(32), index=True)
    # Only organisations outside both systems carry their name here.
    party_name: Mapped[str | None] = mapped_column(String(120))
    rotation_order: Mapped[int] = mapped_column(default=0)
    joined_on: Mapped[date] = mapped_column(Date)
    # Set when the party leaves (退出日期, China time); rows are kept, reads skip them.
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(Text)


class CoBuildingAgreement(CommunityBase):
    """A co-building agreement (共建协议) between a community and one or more parties."""

    __tablename__ = "co_building_agreements"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    alliance_id: Mapped[int | None] = mapped_column(ForeignKey("alliances.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[AgreementStatus] = mapped_column(str_enum(AgreementStatus, "agreement_status"))


class AgreementParty(CommunityBase):
    __tablename__ = "agreement_parties"
    __table_args__ = (
        UniqueConstraint("agreement_id", "party_kind", "party_code", name="uq_agreement_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("co_building_agreements.id"), index=True)
    party_kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, "agreement_party_kind"))
    party_code: Mapped[str] = mapped_column(String(32), index=True)
    party_name: Mapped[str | None] = mapped_column(String(120))


class AgreementProject(CommunityBase):
    """A concrete project (实事项目) an agreement commits to."""

    __tablename__ = "agreement_projects"
    __table_args__ = (
        CheckConstraint(
            "(claimant_kind IS NULL) = (claimant_code IS NULL)", name="claimant_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("co_building_agreements.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    owner_kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, "project_owner_kind"))
    owner_code: Mapped[str] = mapped_column(String(32), index=True)
    budget_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, "project_status"))
    # A unit that claimed the project (认领项目, 双服务): one of the agreement's unit parties
    # takes on a project the community owns itself; null while unclaimed. The claimant
    # carries it to done; the community confirms it (验收, `confirmed_at`).
    claimant_kind: Mapped[ClaimantKind | None] = mapped_column(
        str_enum(ClaimantKind, "project_claimant_kind")
    )
    claimant_code: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(timestamp())
    confirmed_at: Mapped[datetime | None] = mapped_column(timestamp())


class ResourceItem(CommunityBase):
    """An entry of the resource list (资源清单): what a member or unit can offer."""

    __tablename__ = "resource_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    provider_kind: Mapped[ProviderKind] = mapped_column(str_enum(ProviderKind, "provider_kind"))
    provider_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[ListItemStatus] = mapped_column(
        str_enum(ListItemStatus, "resource_status"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class DemandItem(CommunityBase):
    """An entry of the demand list (需求清单): what residents need."""

    __tablename__ = "demand_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # Where the resident lives (住址): building, unit (单元), floor and room (门牌), each
    # optional; a position holder's scope is read from them (docs/access.md, "Positions").
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_no: Mapped[int | None]
    floor: Mapped[int | None]
    room: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    requester_kind: Mapped[RequesterKind] = mapped_column(str_enum(RequesterKind, "requester_kind"))
    requester_name: Mapped[str] = mapped_column(String(40))
    status: Mapped[ListItemStatus] = mapped_column(
        str_enum(ListItemStatus, "demand_status"), index=True
    )
    # Who raised it (提出人): the caller's `Viewer.identity_key`, subject and role. A resident
    # who raised it himself follows it and rates the order made from it. Null on demands
    # raised before migration 0011, which recorded only the requester's kind and name.
    raised_by_identity: Mapped[str | None] = mapped_column(String(64), index=True)
    raised_by_subject: Mapped[str | None] = mapped_column(String(120))
    raised_by_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # Who claimed it (认领): a reported member or a paired unit, one claimant; null while
    # unclaimed. Completing the claim fulfils the demand (resolvers/unit_service.py).
    claimant_kind: Mapped[ClaimantKind | None] = mapped_column(
        str_enum(ClaimantKind, "claimant_kind")
    )
    claimant_code: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(timestamp())
    completed_at: Mapped[datetime | None] = mapped_column(timestamp())
    completion_note: Mapped[str | None] = mapped_column(Text)


class ServiceItem(CommunityBase):
    """An entry of the service list (服务清单): what is offered to whom."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    provider_kind: Mapped[ProviderKind] = mapped_column(
        str_enum(ProviderKind, "service_provider_kind")
    )
    provider_code: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(160))  # who it is for, e.g. 独居老人
    status: Mapped[ListItemStatus] = mapped_column(
        str_enum(ListItemStatus, "service_status"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PrivacyPreference(CommunityBase):
    """What a member chose to withhold from the community side (optional fields only).

    Kept on the community side because it governs what this side shows and matches:
    withheld skills also drop him from skill searches, not only from the screen.
    """

    __tablename__ = "privacy_preferences"

    member_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    share_phone_with_community: Mapped[bool] = mapped_column(default=True)
    share_skills_with_community: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow, onupdate=utcnow)


class StateEvent(CommunityBase):
    """One state change of a workflow entity (报到、订单、活动…): who, when, from, to, why.

    Append-only: entities are never hard-deleted, they move to a final state, and this is
    the trail that later appraisal relies on. `entity_type` names the model.
    """

    __tablename__ = "state_events"
    __table_args__ = (Index("ix_state_events_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor_subject: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(32))
    # `Viewer.organisation` of the actor; null on events from before migration 0008.
    actor_organisation: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # Master data changes (主数据变更): {field: [before, after]} of a created, updated or
    # retired row; null on workflow events.
    changes: Mapped[dict[str, list[object]] | None] = mapped_column(JSON)


class IdempotencyKey(CommunityBase):
    """A creating mutation's client key: a retried request gets the first result back.

    Keys belong to a caller (`Viewer.identity_key`: issuer, subject, role and scope), never
    to a subject alone. `result_id` is null only inside the transaction that claimed the
    key. Rows written before migration 0008 knew only the subject: they are `legacy`,
    keyed on a digest of the subject (docs/access.md, "Identity").
    """

    __tablename__ = "idempotency_keys"

    identity_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    mutation: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))  # who, for people reading the table
    legacy: Mapped[bool] = mapped_column(default=False, server_default=false())
    result_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PostStatus(enum.Enum):
    OPEN = "open"  # 招募中
    CLOSED = "closed"  # 已关闭


class PostClaimStatus(enum.Enum):
    ACTIVE = "active"  # 已认领
    RELEASED = "released"  # 已退出


class Post(CommunityBase):
    """A post (岗位) a community publishes in a service category, for members to claim."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_on >= starts_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int]
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus, "post_status"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # The post's keeper (岗位负责人, 设岗定责): a member the community makes responsible for
    # the post; he may record duty for its claimants and confirm theirs. Null: none.
    keeper_code: Mapped[str | None] = mapped_column(String(32))


# A claim's claimant is a member (`member_code`) or a unit (`unit_code`), never both.
CLAIMANT_COLUMNS = (
    "(claimant_kind = 'member' AND member_code IS NOT NULL AND unit_code IS NULL) OR "
    "(claimant_kind = 'unit' AND unit_code IS NOT NULL AND member_code IS NULL)"
)


class PostClaim(CommunityBase):
    """A claim (认领) of a post by a member or, as an organisation, by a unit (双服务);
    released claims stay as history. A claim holds one place of the post's capacity."""

    __tablename__ = "post_claims"
    __table_args__ = (
        # One active claim per member and post, and per unit and post.
        Index(
            "uq_post_claims_active_member",
            "post_id",
            "member_code",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_post_claims_active_unit",
            "post_id",
            "unit_code",
            unique=True,
            sqlite_where=text("status = 'active' AND unit_code IS NOT NULL"),
            postgresql_where=text("status = 'active' AND unit_code IS NOT NULL"),
        ),
        CheckConstraint(CLAIMANT_COLUMNS, name="one_claimant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    claimant_kind: Mapped[ClaimantKind] = mapped_column(
        str_enum(ClaimantKind, "post_claimant_kind"),
        default=ClaimantKind.MEMBER,
        server_default=ClaimantKind.MEMBER.value,
    )
    # The claiming member; null on a unit's claim.
    member_code: Mapped[str | None] = mapped_column(String(32), index=True)
    # The claiming unit (单位认领); null on a member's claim.
    unit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[PostClaimStatus] = mapped_column(str_enum(PostClaimStatus, "post_claim_status"))
    claimed_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(timestamp())


class MicroWishStatus(enum.Enum):
    PUBLISHED = "published"  # 待认领
    CLAIMED = "claimed"  # 已认领
    FULFILLED = "fulfilled"  # 已实现
    CONFIRMED = "confirmed"  # 已确认
    WITHDRAWN = "withdrawn"  # 已撤回


class MicroWish(CommunityBase):
    """A micro-wish (微心愿) a community publishes for a resident in need; exactly one member
    or unit claims it, fulfils it, and the community confirms. Withdrawn wishes stay as history."""

    __tablename__ = "micro_wishes"
    __table_args__ = (
        CheckConstraint(
            "(claimant_kind IS NULL AND claimed_by IS NULL AND claimed_by_unit IS NULL) OR "
            "(claimant_kind = 'member' AND claimed_by IS NOT NULL AND claimed_by_unit IS NULL) "
            "OR (claimant_kind = 'unit' AND claimed_by_unit IS NOT NULL AND claimed_by IS NULL)",
            name="one_claimant",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    beneficiary_name: Mapped[str] = mapped_column(String(60))  # personal: masked for members
    status: Mapped[MicroWishStatus] = mapped_column(
        str_enum(MicroWishStatus, "micro_wish_status"), index=True
    )
    # Who claimed it: a member (`claimed_by`) or a unit (`claimed_by_unit`, 单位认领, 双服务);
    # `claimant_kind` says which, null while unclaimed.
    claimant_kind: Mapped[ClaimantKind | None] = mapped_column(
        str_enum(ClaimantKind, "wish_claimant_kind")
    )
    claimed_by: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_by_unit: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(timestamp())
    fulfilled_at: Mapped[datetime | None] = mapped_column(timestamp())
    confirmed_at: Mapped[datetime | None] = mapped_column(timestamp())
    fulfilment_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


# The operations models live in their own modules; importing them here registers their
# tables on `CommunityBase.metadata` for migrations and seeding.
from datasources.community import (  # noqa: E402,F401
    activity_models,
    attachment_models,
    commendation_models,
    commitment_models,
    duty_models,
    evaluation_models,
    group_models,
    household_models,
    notification_models,
    opinion_models,
    order_models,
    partner_models,
    points_models,
    position_models,
    rating_policy_models,
    unit_service_models,
)
from datasources.community.donations import models as donation_models  # noqa: E402,F401
from datasources.community.resident_points import models as resident_points_models  # noqa: E402,F401
from datasources.community.spaces import models as space_models  # noqa: E402,F401


class AuditOutbox(AuditOutboxColumns, CommunityBase):
    """Audit entries of committed changes not yet delivered to the audit log: written in
    the change's own transaction (datasources.outbox), deleted once delivered."""

    __tablename__ = "community_audit_outbox"


from datasources.community.help import models as help_models  # noqa: E402,F401
