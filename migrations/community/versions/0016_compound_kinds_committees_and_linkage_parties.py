"""Compound kinds, committees as records, and linkage meetings' parties as references

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00

Who meets for a compound follows what the compound is (`datasources.community.
linkage_forms`), so compounds get a kind, their committees become records and a
meeting's parties refer to the parties themselves. Existing rows are carried over:

- `compounds.kind`, derived from what is known, in this order: a company serving it
  (`property_company_id`, which follows the active contract, or an active contract row)
  -> `commercial`; an owner unit (`has_owner_unit`) -> `unit_built` (its
  `self_built_unit_code` is not known: null until the community sets it with
  `setCompoundKind`; until then a unit-built meeting is refused for want of the unit);
  no owners' committee either -> `three_no`; otherwise (an owners' committee without a
  company or an owner unit: most likely between two contracts) -> `commercial`, the
  fallback. `has_security` does not decide: security is no party at the table.
- `compound_committees`: a compound with `has_owners_committee` gets one owners'
  committee (业委会) named "<compound>业主委员会", with no term, no members and no contact
  (none were recorded): in office until the community records a term. 自管委 were never
  recorded, so none are created. The flag stays, kept true by recording a 业委会.
- `linkage_meetings.form`: every existing meeting was a four-party meeting (四方联动),
  also in compounds now derived as unit-built or 三无 (kept as history; new meetings there
  are refused in that form).
- `linkage_meetings.attendees` (JSON labels) become `linkage_meeting_parties` rows:
  community -> the compound's community; grid_branch -> the compound's grid, or the
  compound's own branch (`compound_branch`) when it has no grid but a branch name;
  owners_committee -> the committee created above; property_company -> the company whose
  contract covered the meeting day, else the compound's current company. What cannot be
  mapped keeps its party and name with no reference (`LinkageAttendee.referenced` is
  false): a grid branch of a compound with neither grid nor branch, an owners' committee
  of a compound without the flag, a company when no contract covered the day and none
  serves now. Entries that are not objects or carry a label outside the four old parties
  cannot be stored in the new model and are dropped; a missing name becomes "未记录".
- `linkage_action_items.owner_party` accepts the new parties.

Downgrading writes the attendees back as labels (new parties with an old label — compound
branch as grid_branch — kept, the others dropped), maps action items owned by new parties
to `community`, and drops the kinds, committees and party rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PARTIES = ('community', 'grid_branch', 'owners_committee', 'property_company')
NEW_PARTIES = (
    *OLD_PARTIES, 'compound_branch', 'self_built_unit', 'self_management_committee',
    'party_group', 'in_service_members', 'residents',
)
KINDS = ('commercial', 'unit_built', 'three_no')
FORMS = ('four_party', 'unit_built', 'three_party', 'four_party_council')


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_COMPOUNDS = sa.table(
    'compounds', sa.column('id', sa.Integer), sa.column('name', sa.String),
    sa.column('community_id', sa.Integer), sa.column('grid_id', sa.Integer),
    sa.column('property_company_id', sa.Integer), sa.column('has_owners_committee', sa.Boolean),
    sa.column('has_owner_unit', sa.Boolean), sa.column('party_branch_name', sa.String),
    sa.column('kind', sa.String),
)
_CONTRACTS = sa.table(
    'property_contracts', sa.column('compound_id', sa.Integer), sa.column('company_id', sa.Integer),
    sa.column('starts_on', sa.Date), sa.column('status', sa.String), sa.column('ended_on', sa.Date),
    sa.column('id', sa.Integer),
)
_MEETINGS = sa.table(
    'linkage_meetings', sa.column('id', sa.Integer), sa.column('compound_id', sa.Integer),
    sa.column('held_on', sa.Date), sa.column('attendees', sa.JSON),
)
_ITEMS = sa.table('linkage_action_items', sa.column('owner_party', sa.String))


def _committees_table() -> Any:
    return op.create_table('compound_committees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('owners', 'self_management', name='committee_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('term_starts_on', sa.Date(), nullable=True),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('term_ends_on >= term_starts_on', name=op.f('ck_compound_committees_term')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_compound_committees_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compound_committees'))
    )


def _parties_table() -> Any:
    return op.create_table('linkage_meeting_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.Enum(*NEW_PARTIES, name='linkage_party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('building_group_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['building_group_id'], ['building_groups.id'], name=op.f('fk_linkage_meeting_parties_building_group_id_building_groups')),
    sa.ForeignKeyConstraint(['committee_id'], ['compound_committees.id'], name=op.f('fk_linkage_meeting_parties_committee_id_compound_committees')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_linkage_meeting_parties_community_id_communities')),
    sa.ForeignKeyConstraint(['company_id'], ['property_companies.id'], name=op.f('fk_linkage_meeting_parties_company_id_property_companies')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_linkage_meeting_parties_grid_id_grids')),
    sa.ForeignKeyConstraint(['meeting_id'], ['linkage_meetings.id'], name=op.f('fk_linkage_meeting_parties_meeting_id_linkage_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_meeting_parties'))
    )


def _company_on(bind: Any, compound: Any, on: date) -> int | None:
    c = _CONTRACTS.c
    found = bind.execute(
        sa.select(c.company_id)
        .where(c.compound_id == compound.id, c.starts_on <= on,
               sa.or_(c.status == 'active', c.ended_on >= on))
        .order_by(c.starts_on.desc(), c.id.desc())
        .limit(1)
    ).scalar()
    return found if found is not None else compound.property_company_id


def _party_row(bind: Any, compound: Any, committee: int | None, held_on: date,
               entry: object) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or entry.get('party') not in OLD_PARTIES:
        return None
    name = str(entry.get('name') or '').strip()[:60] or '未记录'
    row: dict[str, Any] = {
        'party': entry['party'], 'name': name, 'community_id': None, 'grid_id': None,
        'committee_id': None, 'building_group_id': None, 'company_id': None, 'unit_code': None,
    }
    party = entry['party']
    if party == 'community':
        row['community_id'] = compound.community_id
    elif party == 'grid_branch':
        if compound.grid_id is not None:
            row['grid_id'] = compound.grid_id
        elif compound.party_branch_name:
            row['party'] = 'compound_branch'
    elif party == 'owners_committee':
        row['committee_id'] = committee
    else:
        row['company_id'] = _company_on(bind, compound, held_on)
    return row


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), server_default='commercial', nullable=False))
        batch_op.add_column(sa.Column('self_built_unit_code', sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(op.f('ck_compounds_compound_kind'), _in('kind', KINDS))
    k = _COMPOUNDS.c
    active = sa.select(_CONTRACTS.c.id).where(
        _CONTRACTS.c.compound_id == k.id, _CONTRACTS.c.status == 'active'
    ).exists()
    unserved = sa.and_(k.property_company_id.is_(None), ~active)
    bind.execute(_COMPOUNDS.update().where(unserved, k.has_owner_unit.is_(True))
                 .values(kind='unit_built'))
    bind.execute(_COMPOUNDS.update()
                 .where(unserved, k.has_owner_unit.is_(False), k.has_owners_committee.is_(False))
                 .values(kind='three_no'))

    committees = _committees_table()
    with op.batch_alter_table('compound_committees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compound_committees_compound_id'), ['compound_id'], unique=False)
    compounds = {row.id: row for row in bind.execute(sa.select(_COMPOUNDS)).all()}
    now = datetime.now(UTC)
    owners = [row for row in compounds.values() if row.has_owners_committee]
    if owners:
        op.bulk_insert(committees, [
            {'compound_id': row.id, 'kind': 'owners', 'name': f'{row.name}业主委员会'[:60],
             'term_starts_on': None, 'term_ends_on': None, 'members': [], 'contact_phone': None,
             'created_at': now}
            for row in owners
        ])
    committee_of = dict(bind.execute(
        sa.text("SELECT compound_id, min(id) FROM compound_committees GROUP BY compound_id")
    ).all())

    parties = _parties_table()
    with op.batch_alter_table('linkage_meeting_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_meeting_parties_meeting_id'), ['meeting_id'], unique=False)
    rows: list[dict[str, Any]] = []
    for meeting in bind.execute(sa.select(_MEETINGS).order_by(_MEETINGS.c.id)).all():
        compound = compounds.get(meeting.compound_id)
        entries = meeting.attendees if isinstance(meeting.attendees, list) else []
        for entry in entries if compound is not None else []:
            row = _party_row(bind, compound, committee_of.get(compound.id), meeting.held_on, entry)
            if row is not None:
                rows.append({**row, 'meeting_id': meeting.id})
    if rows:
        op.bulk_insert(parties, rows)

    with op.batch_alter_table('linkage_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=32), server_default='four_party', nullable=False))
        batch_op.create_check_constraint(op.f('ck_linkage_meetings_linkage_form'), _in('form', FORMS))
        batch_op.drop_column('attendees')
    with op.batch_alter_table('linkage_action_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_linkage_action_items_linkage_party'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_linkage_action_items_linkage_party'), _in('owner_party', NEW_PARTIES)
        )


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('linkage_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendees', sa.JSON(), nullable=True))
    labels: dict[int, list[dict[str, str]]] = {}
    for meeting_id, party, name in bind.execute(sa.text(
        "SELECT meeting_id, party, name FROM linkage_meeting_parties ORDER BY id"
    )).all():
        label = 'grid_branch' if party == 'compound_branch' else party
        if label in OLD_PARTIES:
            labels.setdefault(meeting_id, []).append({'party': label, 'name': name})
    for meeting_id in [row[0] for row in bind.execute(sa.select(_MEETINGS.c.id)).all()]:
        bind.execute(_MEETINGS.update().where(_MEETINGS.c.id == meeting_id)
                     .values(attendees=labels.get(meeting_id, [])))
    bind.execute(_ITEMS.update().where(_ITEMS.c.owner_party.not_in(OLD_PARTIES))
                 .values(owner_party='community'))
    with op.batch_alter_table('linkage_action_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_linkage_action_items_linkage_party'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_linkage_action_items_linkage_party'), _in('owner_party', OLD_PARTIES)
        )
    with op.batch_alter_table('linkage_meetings', schema=None) as batch_op:
        batch_op.alter_column('attendees', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(op.f('ck_linkage_meetings_linkage_form'), type_='check')
        batch_op.drop_column('form')
    with op.batch_alter_table('linkage_meeting_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_meeting_parties_meeting_id'))
    op.drop_table('linkage_meeting_parties')
    with op.batch_alter_table('compound_committees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compound_committees_compound_id'))
    op.drop_table('compound_committees')
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_compounds_compound_kind'), type_='check')
        batch_op.drop_column('self_built_unit_code')
        batch_op.drop_column('kind')
