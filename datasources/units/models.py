"""SQLAlchemy models of the work-unit database.

Nothing here references the community database: the community side knows a member only by
`Member.code` and a unit only by `WorkUnit.code`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from datasources.common import NAMING_CONVENTION, AppraisalGrade, str_enum, timestamp, utcnow
from datasources.outbox import AuditOutboxColumns


class UnitKind(enum.Enum):
    AGENCY = "agency"  # 机关
    PUBLIC_INSTITUTION = "public_institution"  # 事业单位
    STATE_ENTERPRISE = "state_enterprise"  # 国有企业
    TWO_NEW = "two_new"  # 两新组织


class UnitLevel(enum.Enum):
    CITY = "city"  # 市直
    DISTRICT = "district"  # 区直
    TOWN = "town"  # 镇街


class Gender(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class PoliticalStatus(enum.Enum):
    FULL = "full"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员
    DEVELOPMENT_TARGET = "development_target"  # 发展对象
    ACTIVIST = "activist"  # 入党积极分子


class OrganisationStatus(enum.Enum):
    """A unit's or branch's standing: never deleted, retired (撤销) with a date instead."""

    ACTIVE = "active"  # 在用
    RETIRED = "retired"  # 已撤销


class MemberStatus(enum.Enum):
    """Whether he is still in the Party (党籍状态); a member is never deleted."""

    ACTIVE = "active"  # 在党
    LEFT = "left"  # 出党/停止党籍


class UnitsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkUnit(UnitsBase):
    __tablename__ = "work_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, "unit_kind"), index=True)
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, "unit_level"), index=True)
    # The district the unit sits in; its members may live in any district.
    district_name: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus, "unit_status"),
        default=OrganisationStatus.ACTIVE,
        server_default=OrganisationStatus.ACTIVE.value,
        index=True,
    )
    retired_on: Mapped[date | None] = mapped_column(Date)  # 撤销日期
    retire_reason: Mapped[str | None] = mapped_column(Text)

    branches: Mapped[list[PartyBranch]] = relationship(back_populates="unit", lazy="raise")


class PartyBranch(UnitsBase):
    __tablename__ = "party_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_units.id"), index=True)
    secretary_name: Mapped[str | None] = mapped_column(String(40))
    founded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus, "branch_status"),
        default=OrganisationStatus.ACTIVE,
        server_default=OrganisationStatus.ACTIVE.value,
        index=True,
    )
    retired_on: Mapped[date | None] = mapped_column(Date)  # 撤销日期
    retire_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[WorkUnit] = relationship(back_populates="branches", lazy="raise")


class Member(UnitsBase):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_unit_id_name", "unit_id", "name"),
        Index("ix_members_branch_id_name", "branch_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The stable key the community side stores in its reports.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    political_status: Mapped[PoliticalStatus] = mapped_column(
        str_enum(PoliticalStatus, "political_status"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_units.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("party_branches.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    job_title: Mapped[str | None] = mapped_column(String(60))
    # In service (在职); retired members report through other channels.
    in_service: Mapped[bool] = mapped_column(default=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # 党籍: still in the Party, or left it (出党/停止党籍) on a date with a reason.
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"),
        default=MemberStatus.ACTIVE,
        server_default=MemberStatus.ACTIVE.value,
        index=True,
    )
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(Text)
    # 转正: the day a probationary member became a full member (null before units 0007).
    full_member_on: Mapped[date | None] = mapped_column(Date)
    # 退休/离开在职: when and why he stopped being in service (null while in service).
    service_ended_on: Mapped[date | None] = mapped_column(Date)
    service_end_reason: Mapped[str | None] = mapped_column(Text)


class MasterEvent(UnitsBase):
    """One change of the units side's master data (主数据变更记录): a unit, branch or member
    created, changed, transferred, retired or given a new status, by whom and when.

    `changes` maps each changed field to `{"from": old, "to": new}`; a personal field
    (docs/access.md, "Personal fields": name, phone, skills, birth date) is recorded as
    `{"changed": true}` without its values. `mutation` and `client_key` are the writer's
    mutation and `clientMutationId` (null for an import's rows): a retried request finds
    its first result through them (unique per writer identity).
    """

    __tablename__ = "master_events"
    __table_args__ = (
        Index("ix_master_events_entity", "entity_type", "entity_id"),
        Index(
            "uq_master_events_client_key",
            "actor_identity",
            "mutation",
            "client_key",
            unique=True,
            sqlite_where=text("client_key IS NOT NULL"),
            postgresql_where=text("client_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))  # WorkUnit, PartyBranch, Member
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(30))  # created, updated, transferred, ...
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    actor_subject: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_organisation: Mapped[str | None] = mapped_column(String(120))
    actor_identity: Mapped[str] = mapped_column(String(64))
    mutation: Mapped[str | None] = mapped_column(String(40))
    client_key: Mapped[str | None] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class OrganisationEvaluation(UnitsBase):
    """The unit branch's organisation evaluation (组织评价) of a member for a year.

    The grade may not be above the member's appraisal ceiling (评议等次上限) unless the
    district organisation department overrode it on appeal (`override_reason`).

    A revision supersedes the earlier row (`superseded_at` set), which stays as history.
    `client_key` is the writer's `clientMutationId`: kept with the row, on the side it is
    written to, so a retried request finds its first result in the same transaction.
    """

    __tablename__ = "organisation_evaluations"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        Index(
            "uq_organisation_evaluations_current",
            "member_id",
            "year",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index(
            "uq_organisation_evaluations_client_key",
            "evaluator_identity",
            "client_key",
            unique=True,
            sqlite_where=text("client_key IS NOT NULL"),
            postgresql_where=text("client_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("party_branches.id"), index=True)
    year: Mapped[int]
    grade: Mapped[AppraisalGrade] = mapped_column(str_enum(AppraisalGrade, "organisation_grade"))
    comment: Mapped[str] = mapped_column(Text)
    evaluator_subject: Mapped[str] = mapped_column(String(120))
    # The writer's `Viewer.identity_key`: his key is his, not every caller's of his subject.
    # Null on rows from before units migration 0004 (their keys match by subject, see there).
    evaluator_identity: Mapped[str | None] = mapped_column(String(64))
    client_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(timestamp())
    # The member's appraisal ceiling (评议等次上限) when the grade was recorded; null when
    # no policy covered him, and on rows from before units migration 0006 (not known then).
    ceiling_grade: Mapped[AppraisalGrade | None] = mapped_column(
        str_enum(AppraisalGrade, "organisation_ceiling_grade")
    )
    # An appeal granted by the district organisation department (区委组织部特批): a grade
    # above the ceiling, recorded by the district with its reason. Null for every other row.
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(120))


class AppraisalPolicy(UnitsBase):
    """The year-end appraisal policy (民主评议规则) the district organisation department sets:
    data, not code. A change appends a new version; earlier versions stay as history.

    `district_code` is '' for the policy of every district; a district's own policy wins.
    """

    __tablename__ = "appraisal_policies"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("min_services >= 0", name="min_services_non_negative"),
        CheckConstraint("min_hours >= 0", name="min_hours_non_negative"),
        Index("uq_appraisal_policies_version", "year", "district_code", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    district_code: Mapped[str] = mapped_column(String(32), default="")
    version: Mapped[int] = mapped_column(default=1)
    # Reports made after this date (China Standard Time) are late (逾期报到).
    reporting_deadline: Mapped[date] = mapped_column(Date)
    min_services: Mapped[int] = mapped_column(default=0)  # 年度最少服务次数
    min_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal(0))  # 年度最少时长
    count_orders: Mapped[bool] = mapped_column(default=True)  # 点单服务
    count_activities: Mapped[bool] = mapped_column(default=True)  # 活动
    count_posts: Mapped[bool] = mapped_column(default=True)  # 岗位
    count_wishes: Mapped[bool] = mapped_column(default=True)  # 微心愿
    ceiling_grade: Mapped[AppraisalGrade] = mapped_column(
        str_enum(AppraisalGrade, "policy_ceiling_grade")
    )
    include_activists: Mapped[bool] = mapped_column(default=False)  # 入党积极分子
    include_development_targets: Mapped[bool] = mapped_column(default=False)  # 发展对象
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class AuditOutbox(AuditOutboxColumns, UnitsBase):
    """Audit entries of committed changes not yet delivered to the audit log: written in
    the change's own transaction (datasources.outbox), deleted once delivered."""

    __tablename__ = "units_audit_outbox"


class NotificationOutbox(UnitsBase):
    """Notifications (消息) a units-side change causes, committed in the change's own
    transaction and relayed to the community side's feed (datasources.notification_relay),
    then deleted. `kind` is a community `NotificationKind` value, kept as a string: this
    side references nothing of the community's."""

    __tablename__ = "notification_outbox"
    # The relay's key is `units-outbox:<id>`: an id is never reused, also on SQLite, whose
    # plain integer key would give a delivered (deleted) row's id to the next row.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    addressee: Mapped[str] = mapped_column(String(120))  # e.g. member:M001
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str | None] = mapped_column(String(40))  # a GraphQL type name
    object_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow, index=True)


class CertificateStatus(enum.Enum):
    """State of a volunteer-hours certificate (证明状态)."""

    ISSUED = "issued"  # 有效
    REVOKED = "revoked"  # 已撤销 (issued in error)


class VolunteerCertificate(UnitsBase):
    """A certificate of a member's certified volunteer hours and services (志愿服务时长证明)
    for a year: a snapshot of the totals the appraisal rules count (resolvers.performance,
    `Performance.counted`), taken when issued, so it verifies the same later whatever the
    records do. Anyone may check it by its `code` (masked name, period, totals, state).

    Never deleted: one issued in error is revoked with a reason, and verification then says
    so. `client_key` is the issuer's `clientMutationId` (unique per issuer identity): a
    retried request finds its first certificate.
    """

    __tablename__ = "volunteer_certificates"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("services >= 0", name="services_non_negative"),
        CheckConstraint("hours >= 0", name="hours_non_negative"),
        Index("ix_volunteer_certificates_member_year", "member_id", "year"),
        Index(
            "uq_volunteer_certificates_client_key",
            "issuer_identity",
            "client_key",
            unique=True,
            sqlite_where=text("client_key IS NOT NULL"),
            postgresql_where=text("client_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The verification code (核验码): random, not derived from the member; stored without
    # the dashes it is printed with.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("party_branches.id"), index=True)
    # The snapshot: who, which period, what counted (as the certificate prints them).
    member_code: Mapped[str] = mapped_column(String(32))
    member_name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    services: Mapped[int]
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    # {"orders": {"count": n, "hours": "h"}, ...}: the record types the rules counted.
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, "certificate_status"), default=CertificateStatus.ISSUED
    )
    issued_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(120))
    issuer_role: Mapped[str] = mapped_column(String(40))
    issuer_identity: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str | None] = mapped_column(String(120))
    revoked_at: Mapped[datetime | None] = mapped_column(timestamp())
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
