"""Notifications of points about to expire (积分即将过期); notices to a street (街道)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 17:30:00

- The district announces an expiry ahead of running it (`announcePointsExpiry`): each
  member whose points it would take is told how many and when. The notification kind
  `points_expiring` joins the check constraint of `notifications.kind`.
- A street's Party working committee (街道党工委, the new role `street`) publishes notices to
  the communities of its street: the audience `street` joins the check constraint of
  `notices.audience`.

No row changes. Downgrading deletes the notifications and notices of the new values (they
cannot be stored under the old constraints, and the read marks of those notices with them)
and restores the constraints.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0026'
down_revision: str | Sequence[str] | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    'order_dispatched', 'order_accepted', 'order_declined', 'order_closed', 'order_rated',
    'order_cancelled', 'order_overdue', 'order_escalated', 'review_waiting', 'activity_changed',
    'activity_cancelled', 'waitlist_promoted', 'check_in_open', 'wish_claimed', 'wish_fulfilled',
    'points_earned', 'points_reversed', 'points_expired', 'report_confirmed', 'report_returned',
    'evaluation_written', 'action_item_due',
)
NEW_KINDS = (*OLD_KINDS, 'points_expiring')
OLD_AUDIENCES = (
    'district_all', 'community_residents', 'community_members', 'grid', 'community_partners',
    'branch_members',
)
NEW_AUDIENCES = ('district_all', 'street', *OLD_AUDIENCES[1:])


def _in(column: str, values: Sequence[str]) -> str:
    return f'{column} IN (' + ', '.join(f"'{value}'" for value in values) + ')'


def _constrain(table: str, constraint: str, column: str, values: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(constraint), type_='check')
        batch_op.create_check_constraint(op.f(constraint), _in(column, values))


def upgrade() -> None:
    _constrain('notifications', 'ck_notifications_notification_kind', 'kind', NEW_KINDS)
    _constrain('notices', 'ck_notices_notice_audience', 'audience', NEW_AUDIENCES)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM notifications WHERE kind = 'points_expiring'"))
    street = "SELECT id FROM notices WHERE audience = 'street'"
    bind.execute(sa.text(f"DELETE FROM notice_reads WHERE notice_id IN ({street})"))
    bind.execute(sa.text("DELETE FROM notices WHERE audience = 'street'"))
    _constrain('notices', 'ck_notices_notice_audience', 'audience', OLD_AUDIENCES)
    _constrain('notifications', 'ck_notifications_notification_kind', 'kind', OLD_KINDS)
