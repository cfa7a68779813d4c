"""Red-property awards go to compounds from a yearly fund; company results state coverage

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:02:41

Qianjiang rewards compounds from an annual fund (150万元), so awards become rows per
compound within a fund the district sets (`property_award_funds`,
`property_compound_awards`). A company's yearly result now states its coverage: the
compounds it served that year and those scored; it decides the company's standing only
when conclusive (enough of them scored), so one compound's score no longer decides a
company serving many.

Existing rows: each yearly result gets the coverage computed from the contracts and the
current (not superseded) scores of its year, and `conclusive` by the default threshold
(half the compounds served). A company revoked by a result that now proves inconclusive
is certified again when the criteria hold on its last conclusive year (with a history
event). Amounts already granted to companies stay on their results
as history; no fund is invented for past years. Contracts are not rewritten: their state
(EXPIRED past the end date) is computed when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('property_award_funds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('min_coverage_percent', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=120), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_coverage_percent BETWEEN 0 AND 100', name=op.f('ck_property_award_funds_coverage_range')),
    sa.CheckConstraint('total_yuan >= 0', name=op.f('ck_property_award_funds_total_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_award_funds')),
    sa.UniqueConstraint('year', name=op.f('uq_property_award_funds_year'))
    )
    op.create_table('property_compound_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('tier_name', sa.String(length=60), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('compound_total', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('awarded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_yuan >= 0', name=op.f('ck_property_compound_awards_amount_not_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_property_compound_awards_company_id_property_companies')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_property_compound_awards_compound_id_compounds')),
    sa.ForeignKeyConstraint(['fund_id'], ['property_award_funds.id'], name=op.f('fk_property_compound_awards_fund_id_property_award_funds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_compound_awards')),
    sa.UniqueConstraint('fund_id', 'compound_id', name='uq_property_compound_award')
    )
    with op.batch_alter_table('property_compound_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_compound_awards_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_compound_awards_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_compound_awards_fund_id'), ['fund_id'], unique=False)

    with op.batch_alter_table('property_year_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compounds_served', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('compounds_scored', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('conclusive', sa.Boolean(), server_default=sa.true(), nullable=False))

    _carry_results()
    _restore_revoked()


# The default share of served compounds that must be scored (min_coverage_percent).
DEFAULT_COVERAGE_PERCENT = 50
SERVED = sa.text(
    "SELECT count(DISTINCT compound_id) FROM property_contracts WHERE company_id = :company"
    " AND starts_on <= :last AND (status = 'active' OR ended_on >= :first)"
).bindparams(sa.bindparam('first', type_=sa.Date()), sa.bindparam('last', type_=sa.Date()))
SCORED = sa.text(
    "SELECT count(DISTINCT s.compound_id) FROM property_scores s"
    " JOIN property_criteria k ON k.id = s.criterion_id"
    " WHERE s.company_id = :company AND k.year = :year AND NOT EXISTS"
    " (SELECT 1 FROM property_scores later WHERE later.supersedes_id = s.id)"
)


def _carry_results() -> None:
    """Coverage of every existing yearly result, from its year's contracts and scores."""
    bind = op.get_bind()
    results = bind.execute(sa.text('SELECT id, company_id, year FROM property_year_results'))
    for result_id, company_id, year in results.all():
        first, last = date(year, 1, 1), date(year, 12, 31)
        served = int(bind.execute(SERVED, {'company': company_id, 'first': first,
                                           'last': last}).scalar_one())  # fmt: skip
        scored = int(bind.execute(SCORED, {'company': company_id, 'year': year}).scalar_one())
        conclusive = served == 0 or scored * 100 >= DEFAULT_COVERAGE_PERCENT * served
        bind.execute(
            sa.text(
                'UPDATE property_year_results SET compounds_served = :served,'
                ' compounds_scored = :scored, conclusive = :conclusive WHERE id = :id'
            ).bindparams(sa.bindparam('conclusive', type_=sa.Boolean())),
            {'served': served, 'scored': scored, 'conclusive': conclusive, 'id': result_id},
        )



LATEST_CONCLUSIVE = sa.text(
    "SELECT year, passed FROM property_year_results WHERE company_id = :company"
    " AND conclusive = :yes ORDER BY year DESC LIMIT 1"
).bindparams(sa.bindparam('yes', type_=sa.Boolean()))
EVENT = sa.text(
    "INSERT INTO state_events (entity_type, entity_id, from_state, to_state, actor_subject,"
    " actor_role, note, occurred_at) VALUES ('PropertyCompany', :company, 'revoked',"
    " 'certified', 'migration-0011', 'system', :note, :at)"
).bindparams(sa.bindparam('at', type_=sa.DateTime(timezone=True)))


def _restore_revoked() -> None:
    """A company revoked by a result that now proves inconclusive (too few of its compounds
    scored) is certified again when the criteria hold on its last conclusive year (as
    `partner_models.status_by_criteria` decides): a Party organisation, commitments for
    that year or later, and that year passed. The change is kept as history."""
    bind = op.get_bind()
    revoked = bind.execute(sa.text(
        "SELECT id, has_party_branch, covered_by_sector_committee FROM property_companies"
        " WHERE red_property_status = 'revoked'"
    )).all()  # fmt: skip
    for company_id, branch, sector in revoked:
        latest = bind.execute(LATEST_CONCLUSIVE, {'company': company_id, 'yes': True}).first()
        if latest is None or not latest[1] or not (branch or sector):
            continue
        signed = bind.execute(
            sa.text('SELECT count(*) FROM property_commitments'
                    ' WHERE company_id = :company AND year >= :year'),
            {'company': company_id, 'year': latest[0]},
        ).scalar_one()  # fmt: skip
        if not signed:
            continue
        bind.execute(
            sa.text("UPDATE property_companies SET red_property_status = 'certified' WHERE id = :id"),
            {'id': company_id},
        )
        note = f'迁移：按覆盖率规则重新认定（依据{latest[0]}年度考评）'
        bind.execute(EVENT, {'company': company_id, 'note': note, 'at': datetime.now(UTC)})


def downgrade() -> None:
    with op.batch_alter_table('property_year_results', schema=None) as batch_op:
        batch_op.drop_column('conclusive')
        batch_op.drop_column('compounds_scored')
        batch_op.drop_column('compounds_served')

    with op.batch_alter_table('property_compound_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_compound_awards_fund_id'))
        batch_op.drop_index(batch_op.f('ix_property_compound_awards_compound_id'))
        batch_op.drop_index(batch_op.f('ix_property_compound_awards_company_id'))

    op.drop_table('property_compound_awards')
    op.drop_table('property_award_funds')
