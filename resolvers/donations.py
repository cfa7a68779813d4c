"""Donations (爱心捐赠, 捐款捐物): a member reported to a community, a unit paired with it or
a resident of it offers goods or money; the community (committee or grid roles) accepts or
declines it with a reason; an accepted donation is handed over (交接) to one household of
the community with who handed it over, when, and a note as evidence, or passed on (转赠)
to another community or organisation with a reason.

Exactly one hand-over or passing-on per donation: each takes the donation's row `FOR
UPDATE` (and its advisory lock) before reading its state, so on PostgreSQL the second of
two concurrent hand-overs waits for the first and then finds the donation handed over;
SQLite serialises the writers anyway. Every step is a state event (the history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from datasources.common import utcnow
from datasources.community.donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    DonorKind,
)
from datasources.community.household_models import Household
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.spaces import text
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    is_paired,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

ENTITY = "Donation"
NOT_FOUND = "未找到该捐赠。"
HOUSEHOLD_NOT_FOUND = "未找到该受助家庭，或其不属于本社区。"
# Pieces or whole yuan: GraphQL's 32-bit Int must hold the sum of a thousand of them.
MAX_QUANTITY = 2_000_000


@dataclass(frozen=True)
class Offer:
    community_code: str
    kind: DonationKind
    description: str
    quantity: int


@dataclass(frozen=True)
class HandOver:
    household_id: int
    handed_over_by: str | None
    handed_over_at: datetime | None
    note: str


def _donor(ctx: HubContext) -> tuple[DonorKind, str | None]:
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER and viewer.member:
        return DonorKind.MEMBER, viewer.member
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return DonorKind.UNIT, viewer.unit
    if viewer.role is Role.RESIDENT and viewer.community:
        return DonorKind.RESIDENT, None
    raise PermissionError("a member, a resident or a unit branch offers a donation")


async def _may_offer(ctx: HubContext, session: Any, code: str, community_id: int,
                     kind: DonorKind) -> None:  # fmt: skip
    viewer = ctx.viewer
    if kind is DonorKind.RESIDENT:
        if code != viewer.community:
            raise PermissionError("a resident donates to his own community")
    elif kind is DonorKind.MEMBER:
        if not await is_supporter(session, viewer.member or "", community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "您未向该社区报到，不能向其捐赠。",
                          "input.communityCode")  # fmt: skip
    elif not await is_paired(session, viewer.unit or "", community_id):
        raise Refusal(RefusalCode.NOT_PAIRED, "本单位未与该社区结对，不能向其捐赠。",
                      "input.communityCode")  # fmt: skip


async def offer(ctx: HubContext, given: Offer, key: str | None) -> Donation:
    """Offer a donation (发起捐赠): goods (pieces) or money (yuan) to a community."""
    kind, code = _donor(ctx)
    description = text(given.description, "请填写捐赠内容。", "input.description")
    if not 1 <= given.quantity <= MAX_QUANTITY:
        raise Refusal(RefusalCode.INVALID_INPUT, "数量或金额应为正整数。", "input.quantity")
    mutation = "offerDonation"
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Donation, mutation, key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, given.community_code)
        await _may_offer(ctx, session, given.community_code, community_id, kind)
        row = Donation(
            community_id=community_id, donor_kind=kind, donor_code=code,
            donor_identity=ctx.viewer.identity_key, donor_subject=ctx.viewer.subject,
            kind=given.kind, description=description, quantity=given.quantity,
            status=DonationStatus.OFFERED, offered_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, ctx.viewer, ENTITY, row.id, None, DonationStatus.OFFERED.value,
               description)  # fmt: skip
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


async def _managed(ctx: HubContext, session: Any, donation_id: int) -> Donation:
    """The donation, locked for this transaction; its community's roles only."""
    await write_lock(session, Donation, donation_id)
    row: Donation | None = await session.get(Donation, donation_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.donationId")
    if not manages_community(ctx.viewer, await community_code_of(session, row.community_id)):
        raise PermissionError("only the donation's community handles it")
    return row


def _expect(row: Donation, state: DonationStatus, message: str) -> None:
    if row.status is not state:
        raise Refusal(RefusalCode.INVALID_STATE, message, "input.donationId")


async def decide(ctx: HubContext, donation_id: int, accept: bool, reason: str | None) -> Donation:
    """Accept (接收) or decline (婉拒, with a reason) an offered donation, once."""
    why = None if accept else text(reason or "", "婉拒时请填写原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        row = await _managed(ctx, session, donation_id)
        _expect(row, DonationStatus.OFFERED, "该捐赠已处理过。")
        row.status = DonationStatus.ACCEPTED if accept else DonationStatus.DECLINED
        row.decided_by, row.decided_at, row.declined_reason = ctx.viewer.subject, utcnow(), why
        record(session, ctx.viewer, ENTITY, row.id, DonationStatus.OFFERED.value,
               row.status.value, why)  # fmt: skip
    return row


async def hand_over(ctx: HubContext, donation_id: int, given: HandOver) -> Donation:
    """Hand an accepted donation over (交接) to a household of the community, once."""
    note = text(given.note, "请填写交接凭证说明。", "input.note")
    now = utcnow()
    at = given.handed_over_at or now
    if at > now + timedelta(minutes=5):
        raise Refusal(RefusalCode.INVALID_INPUT, "交接时间不能晚于当前时间。",
                      "input.handedOverAt")  # fmt: skip
    async with ctx.sources.community.transaction() as session:
        row = await _managed(ctx, session, donation_id)
        _expect(row, DonationStatus.ACCEPTED, "只有已接收且未交接、未转赠的捐赠可以交接。")
        if at < row.offered_at:
            raise Refusal(RefusalCode.INVALID_INPUT, "交接时间不能早于捐赠时间。",
                          "input.handedOverAt")  # fmt: skip
        household = await session.scalar(
            select(Household.id).where(
                Household.id == given.household_id,
                Household.community_id == row.community_id,
                Household.retired_on.is_(None),
            )
        )
        if household is None:
            raise Refusal(RefusalCode.NOT_FOUND, HOUSEHOLD_NOT_FOUND, "input.householdId")
        by = (given.handed_over_by or "").strip() or ctx.viewer.subject
        row.status, row.recipient_household_id = DonationStatus.HANDED_OVER, household
        row.handed_over_by, row.handed_over_at = by[:120], at
        row.handover_note, row.recorded_by = note, ctx.viewer.subject
        # The history notes the evidence, not the household (personal data).
        record(session, ctx.viewer, ENTITY, row.id, DonationStatus.ACCEPTED.value,
               DonationStatus.HANDED_OVER.value, note)  # fmt: skip
    return row


async def pass_on(ctx: HubContext, donation_id: int, to: str, reason: str) -> Donation:
    """Pass an accepted donation on (转赠) to another community or organisation, once."""
    target = text(to, "请填写转赠对象。", "input.passedTo", 200)
    why = text(reason, "请填写转赠原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        row = await _managed(ctx, session, donation_id)
        _expect(row, DonationStatus.ACCEPTED, "只有已接收且未交接、未转赠的捐赠可以转赠。")
        row.status, row.passed_to, row.passed_reason = DonationStatus.PASSED_ON, target, why
        row.recorded_by, row.handed_over_at = ctx.viewer.subject, utcnow()
        record(session, ctx.viewer, ENTITY, row.id, DonationStatus.ACCEPTED.value,
               DonationStatus.PASSED_ON.value, f"{target}：{why}")  # fmt: skip
    return row
