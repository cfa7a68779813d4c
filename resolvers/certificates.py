"""Volunteer-hours certificates (志愿服务时长证明): a member, or the district for him, is
issued a certificate of his certified hours and services for a year, as a PDF with a
verification code (核验码) that anyone may check without signing in.

The totals are the appraisal's own (`resolvers.performance.Performance.counted`: the record
types the year's policy counts; completed orders, attended activities, confirmed post duty
sessions, fulfilled wishes), read with the issuer's scope; a certificate keeps them as a
snapshot (period, totals, who issued it and when), so it verifies the same whatever the
records do later. Issued in error: the district revokes it with a reason, and verification
then says it is revoked. Nothing is deleted.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA, utcnow
from datasources.scope import Role
from datasources.units.master_history import Actor, event_row
from datasources.units.models import (
    CertificateStatus,
    MasterEvent,
    Member,
    VolunteerCertificate,
)
from datasources.units.policy import CERTIFICATE
from resolvers import performance as perf
from resolvers.context import HubContext
from resolvers.personal import mask_name
from resolvers.workflow import Refusal, RefusalCode, today_in_china, write_lock

ENTITY = CERTIFICATE
NOT_FOUND = "未找到该证明。"
MAX_REASON = 1000
# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L): a code is
# typed from paper. 12 of 31 symbols: about 2^59 codes, so guessing one is hopeless even
# before the per-address rate limit of anonymous requests.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_TYPED = re.compile(r"[\s\-_]")
KIND_NAMES = {
    "orders": "点单服务",
    "activities": "志愿活动",
    "posts": "岗位值守",
    "wishes": "微心愿",
}


def new_code() -> str:
    """A fresh verification code (stored without dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def printed(code: str) -> str:
    """The code as printed and typed: XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalised(typed: str) -> str | None:
    """A typed code as stored (dashes and spaces dropped, upper case); None if it cannot
    be one (then nothing is looked up)."""
    code = _TYPED.sub("", typed).upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def _year(year: int) -> int:
    if not 2000 <= year <= today_in_china().year:
        raise Refusal(RefusalCode.INVALID_INPUT, "证明年度须为本年度或以前年度。", "input.year")
    return year


def period_of(year: int, today: date) -> tuple[date, date]:
    """The certified period: the year, up to today while it runs."""
    return date(year, 1, 1), min(date(year, 12, 31), today)


def breakdown(performance: perf.Performance) -> dict[str, Any]:
    """The record types the year's policy counts (all without a policy), each with its
    count and hours: the parts of `Performance.counted`, in its order (their sums are its
    totals)."""
    p, f = performance.policy, performance.figures
    parts: dict[str, Any] = {}
    for kind, counts, totals in (
        ("orders", p is None or p.count_orders, f.orders),
        ("activities", p is None or p.count_activities, f.activities),
        ("posts", p is None or p.count_posts, f.posts),
    ):
        if counts:
            parts[kind] = {"count": totals.count, "hours": str(totals.hours)}
    if p is None or p.count_wishes:
        parts["wishes"] = {"count": f.wishes, "hours": "0"}
    return parts


async def _member(ctx: HubContext, session: AsyncSession, member_code: str | None) -> Member:
    """The certified member: the member himself; for the district any of its members."""
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER:
        if member_code is not None and member_code != viewer.member:
            raise PermissionError("a member is issued his own certificates only")
        member_code = viewer.member
    elif viewer.role is not Role.DISTRICT:
        raise PermissionError("only the member himself or the district issues a certificate")
    if not member_code:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写党员编号。", "input.memberCode")
    visible = await ctx.units.scope.where(Member)
    member = await session.scalar(select(Member).where(Member.code == member_code, *visible))
    if member is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该党员。", "input.memberCode")
    return member


async def _by_key(
    ctx: HubContext, session: AsyncSession, key: str | None
) -> VolunteerCertificate | None:
    """The certificate a retried request of this caller (his identity) issued the first
    time, read again through his scope."""
    if key is None:
        return None
    visible = await ctx.units.scope.where(VolunteerCertificate)
    found: VolunteerCertificate | None = await session.scalar(
        select(VolunteerCertificate).where(
            VolunteerCertificate.issuer_identity == ctx.viewer.identity_key,
            VolunteerCertificate.client_key == key,
            *visible,
        )
    )
    return found


async def issue(
    ctx: HubContext, *, member_code: str | None, year: int, key: str | None
) -> VolunteerCertificate:
    """Issue a certificate (开具志愿服务时长证明) of the member's certified hours and services
    in `year`: the member himself, or the district for any member."""
    viewer = ctx.viewer
    certified_year = _year(year)
    async with ctx.sources.units.session() as session:
        earlier = await _by_key(ctx, session, key)
        if earlier is not None:
            return earlier
        member = await _member(ctx, session, member_code)
    # The appraisal's own count, from the community side, before the units transaction.
    performance = await perf.member_performance(ctx, member, certified_year)
    services, hours = performance.counted()
    period_from, period_to = period_of(certified_year, today_in_china())
    try:
        async with ctx.sources.units.transaction() as session:
            if key is not None:
                await write_lock(session, VolunteerCertificate, f"{viewer.identity_key}:{key}")
                earlier = await _by_key(ctx, session, key)
                if earlier is not None:
                    return earlier
            row = VolunteerCertificate(
                code=new_code(), member_id=member.id, branch_id=member.branch_id,
                member_code=member.code, member_name=member.name, year=certified_year,
                period_from=period_from, period_to=period_to, services=services,
                hours=hours, breakdown=breakdown(performance),
                status=CertificateStatus.ISSUED, issued_at=utcnow(), issued_by=viewer.subject,
                issuer_role=viewer.role.value, issuer_identity=viewer.identity_key,
                client_key=key,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            session.add(MasterEvent(**event_row(
                Actor.of(viewer), ENTITY, row.id, "issued", None, CertificateStatus.ISSUED.value,
                {"year": {"from": None, "to": certified_year},
                 "services": {"from": None, "to": services},
                 "hours": {"from": None, "to": str(hours)}},
                note=f"{certified_year}年度：服务{services}次，{hours}小时",
            )))  # fmt: skip
        return row
    except IntegrityError:
        # The same retried request won the key concurrently (PostgreSQL): its certificate.
        async with ctx.sources.units.session() as session:
            earlier = await _by_key(ctx, session, key)
        if earlier is None:
            raise
        return earlier


async def revoke(ctx: HubContext, certificate_id: int, reason: str) -> VolunteerCertificate:
    """Revoke a certificate issued in error (撤销证明): the district, with a reason. The row
    stays; verification then answers REVOKED."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district revokes a certificate")
    why = reason.strip()
    if not why:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写撤销原因。", "input.reason")
    if len(why) > MAX_REASON:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{MAX_REASON}字。", "input.reason")
    async with ctx.sources.units.transaction() as session:
        await write_lock(session, VolunteerCertificate, certificate_id)
        visible = await ctx.units.scope.where(VolunteerCertificate)
        row = await session.scalar(
            select(VolunteerCertificate)
            .where(VolunteerCertificate.id == certificate_id, *visible)
            .with_for_update()
        )
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.certificateId")
        if row.status is not CertificateStatus.ISSUED:
            raise Refusal(RefusalCode.INVALID_STATE, "该证明已撤销。", "input.certificateId")
        row.status = CertificateStatus.REVOKED
        row.revoked_reason = why
        row.revoked_by = viewer.subject
        row.revoked_at = utcnow()
        session.add(MasterEvent(**event_row(
            Actor.of(viewer), ENTITY, row.id, "revoked", CertificateStatus.ISSUED.value,
            CertificateStatus.REVOKED.value, {}, note=why,
        )))  # fmt: skip
    return row


async def verify(ctx: HubContext, typed: str) -> VolunteerCertificate | None:
    """The certificate a code names, for anyone (核验): read past the viewer's scope on
    purpose, so the caller must show only what the certificate prints of it publicly
    (`public_name`, period, totals, state). None for a code that names none."""
    code = normalised(typed)
    if code is None:
        return None
    async with ctx.sources.units.session() as session:
        found: VolunteerCertificate | None = await session.scalar(
            select(VolunteerCertificate).where(VolunteerCertificate.code == code)
        )
    return found


def public_name(row: VolunteerCertificate) -> str:
    """The member's name as verification shows it: 张** (resolvers.personal.mask_name)."""
    return mask_name(row.member_name)


async def readable(ctx: HubContext, certificate_id: int) -> VolunteerCertificate | None:
    """The certificate, if the viewer's scope lets him read it (the PDF route)."""
    visible = await ctx.units.scope.where(VolunteerCertificate)
    async with ctx.sources.units.session() as session:
        found: VolunteerCertificate | None = await session.scalar(
            select(VolunteerCertificate).where(
                and_(VolunteerCertificate.id == certificate_id, *visible)
            )
        )
    return found


def hours_text(hours: Decimal) -> str:
    """Hours as printed: 12.5, 3 (no trailing zeros)."""
    return format(Decimal(hours).normalize(), "f")


def issued_on(row: VolunteerCertificate) -> date:
    """The day of issue in China."""
    return row.issued_at.astimezone(CHINA).date()
