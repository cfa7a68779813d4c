"""Notifications of points about to expire (积分即将过期)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 17:30:00

The district announces an expiry ahead of running it (`announcePointsExpiry`): each member
whose points it would take is told how many and when. The notification kind
`points_expiring` joins the check constraint of `notifications.kind`; no row changes.
Downgrading deletes the notifications of that kind (they cannot be stored under the old
constraint) and restores it.
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
CONSTRAINT = 'ck_notifications_notification_kind'


def _in(kinds: Sequence[str]) -> str:
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def _constrain(kinds: Sequence[str]) -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(CONSTRAINT), _in(kinds))


def upgrade() -> None:
    _constrain(NEW_KINDS)


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM notifications WHERE kind = 'points_expiring'"))
    _constrain(OLD_KINDS)
