"""Community operations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 22:42:20.888213
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('point_rules',
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points >= 0', name=op.f('ck_point_rules_points_non_negative')),
    sa.PrimaryKeyConstraint('action', name=op.f('pk_point_rules'))
    )
    op.create_table('points_accounts',
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('member_code', name=op.f('pk_points_accounts'))
    )
    op.create_table('property_award_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('min_total', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('passes', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_award_tiers')),
    sa.UniqueConstraint('year', 'name', name='uq_property_award_tier')
    )
    op.create_table('property_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('scorer', sa.Enum('community', 'branch', name='property_scorer', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_criteria')),
    sa.UniqueConstraint('year', 'code', name='uq_property_criterion')
    )
    op.create_table('property_year_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('resident_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('community_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('branch_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('tier_name', sa.String(length=60), nullable=True),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_year_results_company_id_property_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_year_results')),
    sa.UniqueConstraint('company_id', 'year', name='uq_property_year_result')
    )
    with op.batch_alter_table('property_year_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_year_results_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_year_results_year'), ['year'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('points_per_attendance', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('published', 'certified', 'cancelled', name='activity_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_activities_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_activities_window_order')),
    sa.CheckConstraint('points_per_attendance >= 0', name=op.f('ck_activities_points_non_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_activities_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_activities_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_activities_community_starts', ['community_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_status'), ['status'], unique=False)

    op.create_table('building_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('active', 'dissolved', name='group_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dissolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_building_groups_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_groups'))
    )
    with op.batch_alter_table('building_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_groups_community_id'), ['community_id'], unique=False)

    op.create_table('member_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('self', 'group', 'grid_branch', 'community', name='evaluation_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'qualified', 'basically_qualified', 'unqualified', name='evaluation_grade', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'superseded', name='evaluation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('evaluator_subject', sa.String(length=120), nullable=False),
    sa.Column('evaluator_role', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=120), nullable=True),
    sa.Column('acknowledged_unit_code', sa.String(length=32), nullable=True),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_member_evaluations_year_range')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_member_evaluations_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_evaluations'))
    )
    with op.batch_alter_table('member_evaluations', schema=None) as batch_op:
        batch_op.create_index('ix_member_evaluations_community_year', ['community_id', 'year'], unique=False)
        batch_op.create_index('uq_member_evaluations_active', ['member_code', 'year', 'kind'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('merchants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_merchants_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchants')),
    sa.UniqueConstraint('code', name=op.f('uq_merchants_code'))
    )
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchants_community_id'), ['community_id'], unique=False)

    op.create_table('points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('earn', 'spend', 'reverse', 'expire', name='points_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=40), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_subject', sa.String(length=120), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'earn' AND points > 0) OR (kind IN ('spend', 'expire') AND points < 0) OR (kind = 'reverse' AND points != 0)", name=op.f('ck_points_entries_sign_by_kind')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_points_entries_community_id_communities')),
    sa.ForeignKeyConstraint(['member_code'], ['points_accounts.member_code'], name=op.f('fk_points_entries_member_code_points_accounts')),
    sa.ForeignKeyConstraint(['reverses_id'], ['points_entries.id'], name=op.f('fk_points_entries_reverses_id_points_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_points_entries_reverses_id'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_entries_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_points_entries_member_time', ['member_code', 'occurred_at', 'id'], unique=False)
        batch_op.create_index('uq_points_entries_earned_source', ['member_code', 'source_type', 'source_id'], unique=True, sqlite_where=sa.text("kind = 'earn'"), postgresql_where=sa.text("kind = 'earn'"))

    op.create_table('property_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('commitments', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_property_commitments_community_id_communities')),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_commitments_company_id_property_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_commitments')),
    sa.UniqueConstraint('company_id', 'community_id', 'year', name='uq_property_commitment')
    )
    with op.batch_alter_table('property_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_commitments_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_commitments_company_id'), ['company_id'], unique=False)

    op.create_table('activity_check_in_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_check_in_codes_activity_id_activities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_check_in_codes'))
    )
    with op.batch_alter_table('activity_check_in_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_check_in_codes_activity_id'), ['activity_id'], unique=False)

    op.create_table('activity_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('registered', 'waitlisted', 'cancelled', 'attended', 'certified', 'absent', name='signup_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('hours IS NULL OR hours >= 0', name=op.f('ck_activity_signups_hours_non_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_signups_activity_id_activities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signups'))
    )
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.create_index('ix_activity_signups_activity_status', ['activity_id', 'status', 'signed_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_signups_member_code'), ['member_code'], unique=False)
        batch_op.create_index('uq_activity_signups_live_member', ['activity_id', 'member_code'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))

    op.create_table('alliance_chair_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_alliance_chair_terms_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['membership_id'], ['alliance_parties.id'], name=op.f('fk_alliance_chair_terms_membership_id_alliance_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alliance_chair_terms')),
    sa.UniqueConstraint('alliance_id', 'starts_on', name='uq_alliance_chair_term')
    )
    with op.batch_alter_table('alliance_chair_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_chair_terms_alliance_id'), ['alliance_id'], unique=False)

    op.create_table('alliance_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('convened_by_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'held', name='alliance_meeting_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_alliance_meetings_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['convened_by_id'], ['alliance_parties.id'], name=op.f('fk_alliance_meetings_convened_by_id_alliance_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alliance_meetings'))
    )
    with op.batch_alter_table('alliance_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_meetings_alliance_id'), ['alliance_id'], unique=False)

    op.create_table('building_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('role', sa.Enum('leader', 'vice_leader', 'member', name='group_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'left', name='group_membership_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['building_groups.id'], name=op.f('fk_building_group_members_group_id_building_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_group_members'))
    )
    with op.batch_alter_table('building_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_group_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index('uq_building_group_members_active_member', ['member_code'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.create_index('uq_building_group_members_active_officer', ['group_id', 'role'], unique=True, sqlite_where=sa.text("status = 'active' AND role != 'member'"), postgresql_where=sa.text("status = 'active' AND role != 'member'"))

    op.create_table('mall_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('price_points', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_points > 0', name=op.f('ck_mall_items_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_mall_items_stock_non_negative')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_mall_items_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_items')),
    sa.UniqueConstraint('code', name=op.f('uq_mall_items_code'))
    )
    with op.batch_alter_table('mall_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mall_items_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('alliance_meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('representative', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['alliance_meetings.id'], name=op.f('fk_alliance_meeting_attendance_meeting_id_alliance_meetings')),
    sa.ForeignKeyConstraint(['membership_id'], ['alliance_parties.id'], name=op.f('fk_alliance_meeting_attendance_membership_id_alliance_parties')),
    sa.PrimaryKeyConstraint('meeting_id', 'membership_id', name=op.f('pk_alliance_meeting_attendance'))
    )
    op.create_table('linkage_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_linkage_meetings_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_meetings'))
    )
    with op.batch_alter_table('linkage_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_meetings_compound_id'), ['compound_id'], unique=False)

    op.create_table('property_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'ended', name='contract_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_property_contracts_period')),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_contracts_company_id_property_companies')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_property_contracts_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_contracts'))
    )
    with op.batch_alter_table('property_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_contracts_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_contracts_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index('uq_property_contracts_active_compound', ['compound_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('property_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('household', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_property_ratings_stars_range')),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_ratings_company_id_property_companies')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_property_ratings_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_ratings')),
    sa.UniqueConstraint('compound_id', 'household', 'period', name='uq_property_rating')
    )
    with op.batch_alter_table('property_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_property_ratings_company_period', ['company_id', 'period'], unique=False)

    op.create_table('property_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('scored_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_scores_company_id_property_companies')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_property_scores_compound_id_compounds')),
    sa.ForeignKeyConstraint(['criterion_id'], ['property_criteria.id'], name=op.f('fk_property_scores_criterion_id_property_criteria')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['property_scores.id'], name=op.f('fk_property_scores_supersedes_id_property_scores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_scores')),
    sa.UniqueConstraint('compound_id', 'company_id', 'criterion_id', 'revision', name='uq_property_score'),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_property_scores_supersedes_id'))
    )
    with op.batch_alter_table('property_scores', schema=None) as batch_op:
        batch_op.create_index('ix_property_scores_company', ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_scores_criterion_id'), ['criterion_id'], unique=False)

    op.create_table('redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('redeemed', 'collected', 'refunded', name='redemption_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('spend_entry_id', sa.Integer(), nullable=False),
    sa.Column('refund_entry_id', sa.Integer(), nullable=True),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('points > 0', name=op.f('ck_redemptions_points_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_redemptions_quantity_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['mall_items.id'], name=op.f('fk_redemptions_item_id_mall_items')),
    sa.ForeignKeyConstraint(['refund_entry_id'], ['points_entries.id'], name=op.f('fk_redemptions_refund_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['spend_entry_id'], ['points_entries.id'], name=op.f('fk_redemptions_spend_entry_id_points_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemptions'))
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemptions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_member_code'), ['member_code'], unique=False)

    op.create_table('building_group_buildings',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_building_group_buildings_building_id_buildings')),
    sa.ForeignKeyConstraint(['group_id'], ['building_groups.id'], name=op.f('fk_building_group_buildings_group_id_building_groups')),
    sa.PrimaryKeyConstraint('group_id', 'building_id', name=op.f('pk_building_group_buildings'))
    )
    with op.batch_alter_table('building_group_buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_group_buildings_building_id'), ['building_id'], unique=False)

    op.create_table('household_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=True),
    sa.Column('household', sa.String(length=32), nullable=True),
    sa.Column('assignee_kind', sa.Enum('member', 'resident', name='assignee_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('assignee_code', sa.String(length=120), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('active', 'ended', name='assignment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_household_assignments_building_id_buildings')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_household_assignments_community_id_communities')),
    sa.ForeignKeyConstraint(['group_id'], ['building_groups.id'], name=op.f('fk_household_assignments_group_id_building_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_assignments'))
    )
    with op.batch_alter_table('household_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_household_assignments_assignee', ['assignee_kind', 'assignee_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_assignments_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_assignments_community_id'), ['community_id'], unique=False)

    op.create_table('linkage_action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_party', sa.Enum('community', 'grid_branch', 'owners_committee', 'property_company', name='linkage_party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('owner_name', sa.String(length=60), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='action_item_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['linkage_meetings.id'], name=op.f('fk_linkage_action_items_meeting_id_linkage_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_action_items'))
    )
    with op.batch_alter_table('linkage_action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_action_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('service_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('ordered_by_subject', sa.String(length=120), nullable=False),
    sa.Column('ordered_by_role', sa.String(length=32), nullable=False),
    sa.Column('beneficiary_name', sa.String(length=60), nullable=True),
    sa.Column('status', sa.Enum('ordered', 'dispatched', 'accepted', 'closed', 'rated', 'confirmed', 'cancelled', name='order_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('taker_kind', sa.Enum('member', 'unit', name='taker_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('taker_code', sa.String(length=32), nullable=True),
    sa.Column('member_code', sa.String(length=32), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.CheckConstraint('hours IS NULL OR hours >= 0', name=op.f('ck_service_orders_hours_non_negative')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_service_orders_rating_range')),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_service_orders_building_id_buildings')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_service_orders_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_service_orders_community_id_communities')),
    sa.ForeignKeyConstraint(['demand_id'], ['demand_items.id'], name=op.f('fk_service_orders_demand_id_demand_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_orders'))
    )
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_orders_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_service_orders_community_status_due', ['community_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index('ix_service_orders_member_closed', ['member_code', 'closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_orders_ordered_by_subject'), ['ordered_by_subject'], unique=False)
        batch_op.create_index('ix_service_orders_taker', ['taker_kind', 'taker_code'], unique=False)

    with op.batch_alter_table('alliance_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_due_hours', sa.Integer(), server_default=sa.text('(72)'), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.drop_column('order_due_hours')

    with op.batch_alter_table('alliance_parties', schema=None) as batch_op:
        batch_op.drop_column('left_reason')
        batch_op.drop_column('left_on')

    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_service_orders_taker')
        batch_op.drop_index(batch_op.f('ix_service_orders_ordered_by_subject'))
        batch_op.drop_index('ix_service_orders_member_closed')
        batch_op.drop_index(batch_op.f('ix_service_orders_demand_id'))
        batch_op.drop_index('ix_service_orders_community_status_due')
        batch_op.drop_index(batch_op.f('ix_service_orders_category_id'))

    op.drop_table('service_orders')
    with op.batch_alter_table('linkage_action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_action_items_meeting_id'))

    op.drop_table('linkage_action_items')
    with op.batch_alter_table('household_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_assignments_community_id'))
        batch_op.drop_index(batch_op.f('ix_household_assignments_building_id'))
        batch_op.drop_index('ix_household_assignments_assignee')

    op.drop_table('household_assignments')
    with op.batch_alter_table('building_group_buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_group_buildings_building_id'))

    op.drop_table('building_group_buildings')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemptions_member_code'))
        batch_op.drop_index(batch_op.f('ix_redemptions_item_id'))

    op.drop_table('redemptions')
    with op.batch_alter_table('property_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_scores_criterion_id'))
        batch_op.drop_index('ix_property_scores_company')

    op.drop_table('property_scores')
    with op.batch_alter_table('property_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_property_ratings_company_period')

    op.drop_table('property_ratings')
    with op.batch_alter_table('property_contracts', schema=None) as batch_op:
        batch_op.drop_index('uq_property_contracts_active_compound', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_property_contracts_compound_id'))
        batch_op.drop_index(batch_op.f('ix_property_contracts_company_id'))

    op.drop_table('property_contracts')
    with op.batch_alter_table('linkage_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_meetings_compound_id'))

    op.drop_table('linkage_meetings')
    op.drop_table('alliance_meeting_attendance')
    with op.batch_alter_table('mall_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mall_items_merchant_id'))

    op.drop_table('mall_items')
    with op.batch_alter_table('building_group_members', schema=None) as batch_op:
        batch_op.drop_index('uq_building_group_members_active_officer', sqlite_where=sa.text("status = 'active' AND role != 'member'"), postgresql_where=sa.text("status = 'active' AND role != 'member'"))
        batch_op.drop_index('uq_building_group_members_active_member', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_building_group_members_group_id'))

    op.drop_table('building_group_members')
    with op.batch_alter_table('alliance_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alliance_meetings_alliance_id'))

    op.drop_table('alliance_meetings')
    with op.batch_alter_table('alliance_chair_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alliance_chair_terms_alliance_id'))

    op.drop_table('alliance_chair_terms')
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.drop_index('uq_activity_signups_live_member', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_activity_signups_member_code'))
        batch_op.drop_index('ix_activity_signups_activity_status')

    op.drop_table('activity_signups')
    with op.batch_alter_table('activity_check_in_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_check_in_codes_activity_id'))

    op.drop_table('activity_check_in_codes')
    with op.batch_alter_table('property_commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_commitments_company_id'))
        batch_op.drop_index(batch_op.f('ix_property_commitments_community_id'))

    op.drop_table('property_commitments')
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_points_entries_earned_source', sqlite_where=sa.text("kind = 'earn'"), postgresql_where=sa.text("kind = 'earn'"))
        batch_op.drop_index('ix_points_entries_member_time')
        batch_op.drop_index(batch_op.f('ix_points_entries_community_id'))

    op.drop_table('points_entries')
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchants_community_id'))

    op.drop_table('merchants')
    with op.batch_alter_table('member_evaluations', schema=None) as batch_op:
        batch_op.drop_index('uq_member_evaluations_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_member_evaluations_community_year')

    op.drop_table('member_evaluations')
    with op.batch_alter_table('building_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_groups_community_id'))

    op.drop_table('building_groups')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_status'))
        batch_op.drop_index('ix_activities_community_starts')
        batch_op.drop_index(batch_op.f('ix_activities_category_id'))

    op.drop_table('activities')
    with op.batch_alter_table('property_year_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_year_results_year'))
        batch_op.drop_index(batch_op.f('ix_property_year_results_company_id'))

    op.drop_table('property_year_results')
    op.drop_table('property_criteria')
    op.drop_table('property_award_tiers')
    op.drop_table('points_accounts')
    op.drop_table('point_rules')
