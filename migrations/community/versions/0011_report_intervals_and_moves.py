"""Reports are intervals with an end; a move completes only when the new community confirms

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00

A report (报到) now has `ended_on` (China date, exclusive: the first day he is no longer
reported there) and `end_reason`; a pending report that moves a member from his confirmed
one names it in `moves_from_id`. The one-active-report index becomes two: one confirmed
report per member and at most one pending, so a pending move coexists with the confirmed
report it replaces.

Existing rows, from the best evidence there is:

- A closed report ends on the China date of its last `closed` state event (workflow history,
  revision 0003); `withdrawn` when it was closed while still pending, `moved` otherwise.
  Without such an event (rows written before the history, or seeded without it): it ends on
  the report date of the member's next report, as the old code closed it when he filed that
  one; without a next report, on 1 January after its report date (it counts for the year it
  was made, never after). Reason `moved`.
- A returned report ends on the date of its `returned` event, else on its report date;
  reason `returned`.
- The old code closed a confirmed report as soon as the member filed a move. When the
  member's latest report is a move still pending, or a move the new community returned, and
  the report before it was closed from `confirmed`, that report is reopened (confirmed, no
  end) and the move names it: under the new rules he stays reported in the old community.
  A `closed -> confirmed` state event by `migration:0011` records that. When the latest
  report is a confirmed move, it names the closed one it replaced.

Downgrading drops the columns and restores the single index; reports reopened here are
closed again first (a member may not have two active reports under the old index).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timezone(timedelta(hours=8))
ACTOR = 'migration:0011'
REASONS = "end_reason IN ('moved', 'left_service', 'withdrawn', 'returned', 'closed')"

_REPORTS = sa.table(
    'reports', sa.column('id', sa.Integer), sa.column('member_code', sa.String),
    sa.column('reported_on', sa.Date), sa.column('status', sa.String),
    sa.column('ended_on', sa.Date), sa.column('end_reason', sa.String),
    sa.column('moves_from_id', sa.Integer),
)
_EVENTS = sa.table(
    'state_events', sa.column('id', sa.Integer), sa.column('entity_type', sa.String),
    sa.column('entity_id', sa.Integer), sa.column('from_state', sa.String),
    sa.column('to_state', sa.String), sa.column('actor_subject', sa.String),
    sa.column('actor_role', sa.String), sa.column('note', sa.Text),
    sa.column('occurred_at', sa.DateTime(timezone=True)),
)


def _china_date(value: Any) -> date:
    if isinstance(value, str):  # SQLite without type information
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).date()


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.drop_index('uq_reports_active_member', table_name='reports')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('moves_from_id', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('report_end_reason', sa.text(REASONS))
        batch_op.create_foreign_key(
            batch_op.f('fk_reports_moves_from_id_reports'), 'reports', ['moves_from_id'], ['id']
        )
    _fill()
    op.create_index(
        'uq_reports_confirmed_member', 'reports', ['member_code'], unique=True,
        sqlite_where=sa.text("status = 'confirmed'"),
        postgresql_where=sa.text("status = 'confirmed'"),
    )
    op.create_index(
        'uq_reports_pending_member', 'reports', ['member_code'], unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def _fill() -> None:
    bind = op.get_bind()
    by_member: dict[str, list[Any]] = defaultdict(list)
    for row in bind.execute(sa.select(_REPORTS).order_by(_REPORTS.c.id)).mappings():
        by_member[row['member_code']].append(dict(row))
    last_event: dict[tuple[int, str], Any] = {}  # (report id, to_state) -> its last event
    events = sa.select(_EVENTS).where(
        _EVENTS.c.entity_type == 'Report',
        _EVENTS.c.to_state.in_(('closed', 'returned', 'confirmed')),
    ).order_by(_EVENTS.c.id)
    for event in bind.execute(events).mappings():
        last_event[event['entity_id'], event['to_state']] = event
    updates: list[dict[str, Any]] = []
    reopened: list[int] = []
    for reports in by_member.values():
        for index, row in enumerate(reports):
            following = reports[index + 1] if index + 1 < len(reports) else None
            change = _ended(row, following, last_event)
            if change:
                row.update(change)
        _carry_moves(reports, last_event, reopened)
        updates += [
            {'rid': r['id'], 'status': r['status'], 'ended_on': r['ended_on'],
             'end_reason': r['end_reason'], 'moves_from_id': r['moves_from_id']}
            for r in reports if r['status'] in ('closed', 'returned') or r['moves_from_id']
            or r['id'] in reopened
        ]  # fmt: skip
    if updates:
        bind.execute(
            _REPORTS.update()
            .where(_REPORTS.c.id == sa.bindparam('rid'))
            .values(
                status=sa.bindparam('status'), ended_on=sa.bindparam('ended_on'),
                end_reason=sa.bindparam('end_reason'),
                moves_from_id=sa.bindparam('moves_from_id'),
            ),
            updates,
        )  # fmt: skip
    if reopened:
        now = datetime.now(UTC)
        op.bulk_insert(_EVENTS, [
            {'entity_type': 'Report', 'entity_id': rid, 'from_state': 'closed',
             'to_state': 'confirmed', 'actor_subject': ACTOR, 'actor_role': 'system',
             'note': '迁移尚未被新社区确认，原报到恢复有效', 'occurred_at': now}
            for rid in reopened
        ])  # fmt: skip


def _ended(row: Any, following: Any, last_event: dict[tuple[int, str], Any]) -> dict[str, Any]:
    reported_on = _as_date(row['reported_on'])
    if row['status'] == 'returned':
        event = last_event.get((row['id'], 'returned'))
        ended = _china_date(event['occurred_at']) if event else reported_on
        return {'ended_on': max(ended, reported_on), 'end_reason': 'returned'}
    if row['status'] != 'closed':
        return {}
    event = last_event.get((row['id'], 'closed'))
    if event is not None:
        reason = 'withdrawn' if event['from_state'] == 'pending' else 'moved'
        return {'ended_on': max(_china_date(event['occurred_at']), reported_on),
                'end_reason': reason}  # fmt: skip
    if following is not None:
        return {'ended_on': max(_as_date(following['reported_on']), reported_on),
                'end_reason': 'moved'}  # fmt: skip
    return {'ended_on': date(reported_on.year + 1, 1, 1), 'end_reason': 'moved'}


def _carry_moves(
    reports: list[Any], last_event: dict[tuple[int, str], Any], reopened: list[int]
) -> None:
    """The member's latest report and the one before it, as the new rules see a move."""
    if len(reports) < 2:
        return
    old, latest = reports[-2], reports[-1]
    closed = last_event.get((old['id'], 'closed'))
    if old['status'] != 'closed' or closed is None or closed['from_state'] != 'confirmed':
        return
    latest['moves_from_id'] = old['id']
    if latest['status'] in ('pending', 'returned'):
        old.update(status='confirmed', ended_on=None, end_reason=None)
        reopened.append(old['id'])
    elif latest['status'] == 'confirmed':
        confirmed = last_event.get((latest['id'], 'confirmed'))
        if confirmed is not None:  # the move completed on the new community's confirmation
            ended = _china_date(confirmed['occurred_at'])
            old['ended_on'] = max(ended, _as_date(old['reported_on']))


def downgrade() -> None:
    bind = op.get_bind()
    reopened = sa.select(_EVENTS.c.entity_id).where(
        _EVENTS.c.entity_type == 'Report', _EVENTS.c.actor_subject == ACTOR
    )
    # A member with a confirmed report and a pending move: the old index allows one of them.
    pending = sa.select(_REPORTS.c.moves_from_id).where(
        _REPORTS.c.status == 'pending', _REPORTS.c.moves_from_id.is_not(None)
    )
    bind.execute(
        _REPORTS.update()
        .where(_REPORTS.c.status == 'confirmed',
               sa.or_(_REPORTS.c.id.in_(reopened), _REPORTS.c.id.in_(pending)))
        .values(status='closed')
    )  # fmt: skip
    bind.execute(
        _EVENTS.delete().where(_EVENTS.c.entity_type == 'Report', _EVENTS.c.actor_subject == ACTOR)
    )
    op.drop_index('uq_reports_pending_member', table_name='reports')
    op.drop_index('uq_reports_confirmed_member', table_name='reports')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_moves_from_id_reports'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_reports_report_end_reason'), type_='check')
        batch_op.drop_column('moves_from_id')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_on')
    op.create_index(
        'uq_reports_active_member', 'reports', ['member_code'], unique=True,
        sqlite_where=sa.text("status IN ('pending', 'confirmed')"),
        postgresql_where=sa.text("status IN ('pending', 'confirmed')"),
    )
