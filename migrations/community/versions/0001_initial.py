"""Initial schema of the community database.

Enum columns are VARCHAR(32) with a CHECK listing the allowed values (the models'
`str_enum`, `native_enum=False`), written out here. Every constraint and index has its
final name (`op.f`), so replaying this revision does not depend on the naming convention
the models use today.

The two partial unique indexes (one active report per member, one active pairing per
unit and community) carry both `sqlite_where` and `postgresql_where`.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:41:24.193193
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )

    op.create_table(
        "property_companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("red_property_status", sa.String(length=32), nullable=False),
        sa.Column("has_party_branch", sa.Boolean(), nullable=False),
        sa.Column("covered_by_sector_committee", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(length=40), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "red_property_status IN ('none', 'candidate', 'certified', 'revoked')",
            name=op.f("ck_property_companies_red_property_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_property_companies_code")),
    )
    op.create_index(
        op.f("ix_property_companies_name"), "property_companies", ["name"], unique=False
    )
    op.create_index(
        op.f("ix_property_companies_red_property_status"),
        "property_companies",
        ["red_property_status"],
        unique=False,
    )

    op.create_table(
        "service_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "source IN ('chancheng', 'qianjiang', 'junan', 'local')",
            name=op.f("ck_service_categories_category_source"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_service_categories_code")),
    )

    op.create_table(
        "streets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('street', 'town')", name=op.f("ck_streets_street_kind")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_streets_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streets")),
        sa.UniqueConstraint("code", name=op.f("uq_streets_code")),
    )
    op.create_index(op.f("ix_streets_district_id"), "streets", ["district_id"], unique=False)
    op.create_index(op.f("ix_streets_name"), "streets", ["name"], unique=False)

    op.create_table(
        "alliances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=False),
        sa.Column("meeting_frequency", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "meeting_frequency IN ('monthly', 'quarterly')",
            name=op.f("ck_alliances_meeting_frequency"),
        ),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name=op.f("fk_alliances_street_id_streets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliances")),
        sa.UniqueConstraint("code", name=op.f("uq_alliances_code")),
    )
    op.create_index(op.f("ix_alliances_name"), "alliances", ["name"], unique=False)
    op.create_index(op.f("ix_alliances_street_id"), "alliances", ["street_id"], unique=False)

    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("secretary_name", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name=op.f("fk_communities_street_id_streets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("code", name=op.f("uq_communities_code")),
    )
    op.create_index(op.f("ix_communities_name"), "communities", ["name"], unique=False)
    op.create_index(op.f("ix_communities_street_id"), "communities", ["street_id"], unique=False)

    op.create_table(
        "alliance_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("party_kind", sa.String(length=32), nullable=False),
        sa.Column("party_code", sa.String(length=32), nullable=False),
        sa.Column("party_name", sa.String(length=120), nullable=True),
        sa.Column("rotation_order", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "party_kind IN ('unit', 'community', 'property_company', 'organisation')",
            name=op.f("ck_alliance_parties_party_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliances.id"],
            name=op.f("fk_alliance_parties_alliance_id_alliances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_parties")),
        sa.UniqueConstraint("alliance_id", "party_kind", "party_code", name="uq_alliance_party"),
    )
    op.create_index(
        op.f("ix_alliance_parties_alliance_id"), "alliance_parties", ["alliance_id"], unique=False
    )
    op.create_index(
        op.f("ix_alliance_parties_party_code"), "alliance_parties", ["party_code"], unique=False
    )

    op.create_table(
        "co_building_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'expired', 'ended')",
            name=op.f("ck_co_building_agreements_agreement_status"),
        ),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_co_building_agreements_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliances.id"],
            name=op.f("fk_co_building_agreements_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_co_building_agreements_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_co_building_agreements")),
        sa.UniqueConstraint("code", name=op.f("uq_co_building_agreements_code")),
    )
    op.create_index(
        op.f("ix_co_building_agreements_alliance_id"),
        "co_building_agreements",
        ["alliance_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_co_building_agreements_community_id"),
        "co_building_agreements",
        ["community_id"],
        unique=False,
    )

    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("secretary_name", sa.String(length=40), nullable=True),
        sa.CheckConstraint("level BETWEEN 1 AND 6", name=op.f("ck_grids_level_range")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_grids_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["grids.id"], name=op.f("fk_grids_parent_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint("code", name=op.f("uq_grids_code")),
    )
    op.create_index(op.f("ix_grids_community_id"), "grids", ["community_id"], unique=False)
    op.create_index(op.f("ix_grids_parent_id"), "grids", ["parent_id"], unique=False)

    op.create_table(
        "resource_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("provider_kind", sa.String(length=32), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider_kind IN ('member', 'unit', 'community', 'property_company')",
            name=op.f("ck_resource_items_provider_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending_review', 'published', 'rejected', 'fulfilled', 'withdrawn')",
            name=op.f("ck_resource_items_resource_status"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_resource_items_category_id_service_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resource_items_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_items")),
    )
    op.create_index(
        op.f("ix_resource_items_category_id"), "resource_items", ["category_id"], unique=False
    )
    op.create_index(
        op.f("ix_resource_items_community_id"), "resource_items", ["community_id"], unique=False
    )
    op.create_index(
        op.f("ix_resource_items_provider_code"), "resource_items", ["provider_code"], unique=False
    )
    op.create_index(op.f("ix_resource_items_status"), "resource_items", ["status"], unique=False)

    op.create_table(
        "service_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("provider_kind", sa.String(length=32), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider_kind IN ('member', 'unit', 'community', 'property_company')",
            name=op.f("ck_service_items_service_provider_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending_review', 'published', 'rejected', 'fulfilled', 'withdrawn')",
            name=op.f("ck_service_items_service_status"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_service_items_category_id_service_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_service_items_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_items")),
    )
    op.create_index(
        op.f("ix_service_items_category_id"), "service_items", ["category_id"], unique=False
    )
    op.create_index(
        op.f("ix_service_items_community_id"), "service_items", ["community_id"], unique=False
    )
    op.create_index(
        op.f("ix_service_items_provider_code"), "service_items", ["provider_code"], unique=False
    )
    op.create_index(op.f("ix_service_items_status"), "service_items", ["status"], unique=False)

    op.create_table(
        "unit_pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("contact_name", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'ended')", name=op.f("ck_unit_pairings_pairing_status")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_unit_pairings_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_pairings")),
    )
    op.create_index(
        op.f("ix_unit_pairings_community_id"), "unit_pairings", ["community_id"], unique=False
    )
    op.create_index(
        op.f("ix_unit_pairings_unit_code"), "unit_pairings", ["unit_code"], unique=False
    )
    op.create_index(
        "uq_unit_pairings_active",
        "unit_pairings",
        ["unit_code", "community_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "agreement_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party_kind", sa.String(length=32), nullable=False),
        sa.Column("party_code", sa.String(length=32), nullable=False),
        sa.Column("party_name", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "party_kind IN ('unit', 'community', 'property_company', 'organisation')",
            name=op.f("ck_agreement_parties_agreement_party_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["co_building_agreements.id"],
            name=op.f("fk_agreement_parties_agreement_id_co_building_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_parties")),
        sa.UniqueConstraint("agreement_id", "party_kind", "party_code", name="uq_agreement_party"),
    )
    op.create_index(
        op.f("ix_agreement_parties_agreement_id"),
        "agreement_parties",
        ["agreement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_agreement_parties_party_code"), "agreement_parties", ["party_code"], unique=False
    )

    op.create_table(
        "agreement_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("owner_kind", sa.String(length=32), nullable=False),
        sa.Column("owner_code", sa.String(length=32), nullable=False),
        sa.Column("budget_yuan", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "owner_kind IN ('unit', 'community', 'property_company', 'organisation')",
            name=op.f("ck_agreement_projects_project_owner_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'cancelled')",
            name=op.f("ck_agreement_projects_project_status"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["co_building_agreements.id"],
            name=op.f("fk_agreement_projects_agreement_id_co_building_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_projects")),
    )
    op.create_index(
        op.f("ix_agreement_projects_agreement_id"),
        "agreement_projects",
        ["agreement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_agreement_projects_due_on"), "agreement_projects", ["due_on"], unique=False
    )
    op.create_index(
        op.f("ix_agreement_projects_owner_code"), "agreement_projects", ["owner_code"], unique=False
    )

    op.create_table(
        "compounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("property_company_id", sa.Integer(), nullable=True),
        sa.Column("has_owners_committee", sa.Boolean(), nullable=False),
        sa.Column("has_owner_unit", sa.Boolean(), nullable=False),
        sa.Column("has_security", sa.Boolean(), nullable=False),
        sa.Column("party_branch_name", sa.String(length=120), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("built_year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_compounds_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_compounds_grid_id_grids")),
        sa.ForeignKeyConstraint(
            ["property_company_id"],
            ["property_companies.id"],
            name=op.f("fk_compounds_property_company_id_property_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compounds")),
        sa.UniqueConstraint("code", name=op.f("uq_compounds_code")),
    )
    op.create_index(op.f("ix_compounds_community_id"), "compounds", ["community_id"], unique=False)
    op.create_index(op.f("ix_compounds_grid_id"), "compounds", ["grid_id"], unique=False)
    op.create_index(op.f("ix_compounds_name"), "compounds", ["name"], unique=False)
    op.create_index(
        op.f("ix_compounds_property_company_id"), "compounds", ["property_company_id"], unique=False
    )

    op.create_table(
        "demand_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("requester_kind", sa.String(length=32), nullable=False),
        sa.Column("requester_name", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "requester_kind IN ('resident', 'grid_worker', 'community')",
            name=op.f("ck_demand_items_requester_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending_review', 'published', 'rejected', 'fulfilled', 'withdrawn')",
            name=op.f("ck_demand_items_demand_status"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_demand_items_category_id_service_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_demand_items_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_demand_items_grid_id_grids")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_items")),
    )
    op.create_index(
        op.f("ix_demand_items_category_id"), "demand_items", ["category_id"], unique=False
    )
    op.create_index(
        op.f("ix_demand_items_community_id"), "demand_items", ["community_id"], unique=False
    )
    op.create_index(op.f("ix_demand_items_grid_id"), "demand_items", ["grid_id"], unique=False)
    op.create_index(op.f("ix_demand_items_status"), "demand_items", ["status"], unique=False)

    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("floors", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_buildings_compound_id_compounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("code", name=op.f("uq_buildings_code")),
        sa.UniqueConstraint("compound_id", "name", name="uq_buildings_compound_name"),
    )
    op.create_index(op.f("ix_buildings_compound_id"), "buildings", ["compound_id"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("availability", sa.Integer(), nullable=False),
        sa.Column("intentions", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('online', 'offline')", name=op.f("ck_reports_report_channel")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'returned', 'closed')",
            name=op.f("ck_reports_report_status"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_reports_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_reports_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_building_id"), "reports", ["building_id"], unique=False)
    op.create_index(
        "ix_reports_community_id_reported_on",
        "reports",
        ["community_id", "reported_on"],
        unique=False,
    )
    op.create_index(op.f("ix_reports_member_code"), "reports", ["member_code"], unique=False)
    op.create_index(
        "uq_reports_active_member",
        "reports",
        ["member_code"],
        unique=True,
        sqlite_where=sa.text("status IN ('pending', 'confirmed')"),
        postgresql_where=sa.text("status IN ('pending', 'confirmed')"),
    )

    op.create_table(
        "report_skills",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_skills_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", "skill", name=op.f("pk_report_skills")),
    )
    op.create_index(op.f("ix_report_skills_skill"), "report_skills", ["skill"], unique=False)


def downgrade() -> None:
    # Dependents first; dropping a table drops its indexes and constraints with it.
    op.drop_table("report_skills")
    op.drop_table("reports")
    op.drop_table("buildings")
    op.drop_table("demand_items")
    op.drop_table("compounds")
    op.drop_table("agreement_projects")
    op.drop_table("agreement_parties")
    op.drop_table("unit_pairings")
    op.drop_table("service_items")
    op.drop_table("resource_items")
    op.drop_table("grids")
    op.drop_table("co_building_agreements")
    op.drop_table("alliance_parties")
    op.drop_table("communities")
    op.drop_table("alliances")
    op.drop_table("streets")
    op.drop_table("service_categories")
    op.drop_table("property_companies")
    op.drop_table("districts")
