"""The audit log (审计日志): recorded at the end of each request, read by district and auditor."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from enum import Enum
from typing import Any, TypeAlias

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.scalars import JSON

from datasources import notification_relay, outbox
from datasources.audit import lists
from datasources.audit.events import AuditEvent as AuditEventModel
from datasources.audit.events import AuditKind as AuditKindModel
from datasources.base import Datasource
from resolvers.context import HubContext
from schema.base import HubNode, Info, loaded_by
from schema.errors import ErrorCode
from schema.extensions import INTERNAL_MESSAGE
from schema.pagination import DEFAULT_PAGE_SIZE, After, Connection, First, OrderDirection, paginate

logger = logging.getLogger("dualhub.audit")

strawberry.enum(
    AuditKindModel,
    name="AuditKind",
    description="What an audit event records (审计类型): READ_PERSONAL 读取个人信息, "
    "MUTATION 数据变更, DENIED 越权尝试.",
)
AuditKind: TypeAlias = AuditKindModel


class AuditedMutation(FieldExtension):
    """On every root mutation field (`schema.app.build_schema` adds it): while the field
    resolves, each write transaction it commits on a side carries its audit entry in an
    outbox row of that transaction (datasources/outbox.py). A new mutation needs nothing
    more: it cannot forget its audit entry."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        trail = info.context.audit
        operation = info.operation.name.value if info.operation.name else None
        with trail.mutation_field(str(info.path.key), info.field_name, operation):
            return await next_(source, info, **kwargs)


class AuditRecorder(SchemaExtension):
    """Write what the request did to the audit log: one insert, after it has resolved.

    The insert holds the reads and refusals (in memory only) and the entries the request's
    mutations committed to the sides' outboxes; those outbox rows are deleted afterwards.
    If the insert fails, a response that read personal fields or was refused is withheld;
    a change is not undone, and its entry stays in the outbox for the background delivery.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, HubContext):
            return
        if context.notifications_queued:
            await _relay_notifications(context)
        trail = context.audit
        events = trail.events(
            context.viewer,
            operation_name=self.execution_context.operation_name,
            request_id=context.request_id,
        )
        outboxed = trail.outbox_events()
        try:
            await context.sources.audit.record([*events, *(e for _, e in outboxed)])
        except Exception:
            logger.exception("request %s: audit log write failed", context.request_id)
            await _keep(context, outboxed)
            if trail.must_be_recorded:
                self._withhold(context)
            return
        await _settle(context, outboxed)

    def _withhold(self, context: HubContext) -> None:
        """A read that could not be audited must not reach the client."""
        result = self.execution_context.result
        if result is not None:
            result.data = None
            result.errors = [
                GraphQLError(
                    INTERNAL_MESSAGE,
                    extensions={
                        "code": ErrorCode.INTERNAL_SERVER_ERROR.value,
                        "requestId": context.request_id,
                    },
                )
            ]


async def _relay_notifications(context: HubContext) -> None:
    """Relay the notifications the request's units-side changes queued to the feed; if that
    fails, the background loop relays them later."""
    try:
        await notification_relay.relay(context.sources.units, context.sources.community)
    except Exception:
        logger.exception("request %s: notification outbox not relayed", context.request_id)


def _by_side(
    context: HubContext, outboxed: list[tuple[str, AuditEventModel]]
) -> list[tuple[Datasource, list[AuditEventModel]]]:
    sides: dict[str, Datasource] = {"units": context.sources.units,
                                    "community": context.sources.community}  # fmt: skip
    grouped: dict[str, list[AuditEventModel]] = {}
    for side, event in outboxed:
        grouped.setdefault(side, []).append(event)
    return [(sides[side], events) for side, events in grouped.items()]


async def _settle(context: HubContext, outboxed: list[tuple[str, AuditEventModel]]) -> None:
    """Delete the delivered outbox rows; if that fails, the background delivery finds the
    events in the log already and deletes them then."""
    for source, events in _by_side(context, outboxed):
        try:
            await outbox.settle(source, [e.event_id for e in events])
        except Exception:
            logger.exception("request %s: %s audit outbox not cleared", context.request_id,
                             source.name)  # fmt: skip


async def _keep(context: HubContext, outboxed: list[tuple[str, AuditEventModel]]) -> None:
    """Undelivered: store the full entries in the outbox rows for the background delivery
    (the rows hold the entries of the changes already, so a failure here loses detail only)."""
    for source, events in _by_side(context, outboxed):
        try:
            await outbox.keep(source, events)
        except Exception:
            logger.exception("request %s: %s audit outbox not updated", context.request_id,
                             source.name)  # fmt: skip


@strawberry.input(description="Filters for the audit log (审计日志筛选).")
class AuditEventFilter:
    subject: str | None = strawberry.field(default=None, description="Who (用户标识).")
    role: str | None = strawberry.field(default=None, description="Role, e.g. community.")
    kind: AuditKind | None = strawberry.field(default=None, description="What kind of event.")
    target_type: str | None = strawberry.field(default=None, description="e.g. Member.")
    target_id: str | None = strawberry.field(default=None, description="Id of a target.")
    operation_name: str | None = strawberry.field(default=None, description="GraphQL operation.")
    since: datetime | None = strawberry.field(default=None, description="From (inclusive).")
    until: datetime | None = strawberry.field(default=None, description="Until (exclusive).")

    def to_filter(self) -> lists.AuditEventFilter:
        return lists.AuditEventFilter(
            subject=self.subject, role=self.role, kind=self.kind, target_type=self.target_type,
            target_id=self.target_id, operation_name=self.operation_name, since=self.since,
            until=self.until,
        )  # fmt: skip


@strawberry.type(description="One audit event (审计记录): append-only, nobody can change it.")
class AuditEvent(HubNode):
    id_loader_of = loaded_by(lambda c: c.audit_log.event_by_id)

    id: relay.NodeID[int]
    occurred_at: datetime = strawberry.field(description="When (时间).")
    request_id: str | None = strawberry.field(description="Request id, as in the server log.")
    subject: str = strawberry.field(description="Who (用户标识).")
    role: str = strawberry.field(description="His role (角色).")
    scope: JSON = strawberry.field(description="His scope claims (权限范围).")
    operation_name: str | None = strawberry.field(description="GraphQL operation name.")
    kind: AuditKind = strawberry.field(description="What kind of event (审计类型).")
    target_type: str = strawberry.field(description="Type of the targets, e.g. Member.")
    target_ids: list[str] = strawberry.field(description="Ids of the targets (对象).")
    fields: list[str] = strawberry.field(description="Personal fields read (读取字段).")
    detail: JSON | None = strawberry.field(description="What changed, for mutations (详情).")


class _AuditOrder(Enum):
    OCCURRED_AT = "occurred_at"


@strawberry.type(description="Root fields of the audit log (审计日志).")
class AuditQuery:
    @strawberry.field(
        description="The audit log, newest first: for the district organisation department and "
        "the auditor; empty for everyone else."
    )
    async def audit_events(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: AuditEventFilter | None = None,
    ) -> Connection[AuditEvent]:
        return await paginate(
            info, info.context.audit_log.events, None, AuditEvent.from_row,
            first=first, after=after, order_by=_AuditOrder.OCCURRED_AT,
            direction=OrderDirection.DESC, filter=filter,
        )  # fmt: skip
