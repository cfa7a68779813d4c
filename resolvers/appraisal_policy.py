"""Rules of the appraisal policy (民主评议规则): the district organisation department sets
it per year; each change appends a version, earlier versions stay as history."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from datasources.common import AppraisalGrade
from datasources.scope import Role
from datasources.units.models import AppraisalPolicy
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode


@dataclass(frozen=True)
class PolicyValues:
    year: int
    district_code: str
    reporting_deadline: date
    min_services: int
    min_hours: Decimal
    count_orders: bool
    count_activities: bool
    count_posts: bool
    count_wishes: bool
    ceiling_grade: AppraisalGrade
    include_activists: bool
    include_development_targets: bool
    note: str | None


def _validate(values: PolicyValues) -> None:
    if not 2000 <= values.year <= 2100:
        raise Refusal(RefusalCode.INVALID_INPUT, "年度须在 2000 至 2100 之间。", "input.year")
    if values.reporting_deadline.year not in (values.year - 1, values.year):
        raise Refusal(
            RefusalCode.INVALID_INPUT,
            "报到期限须在该年度内（或上一年度末）。",
            "input.reportingDeadline",
        )
    if values.min_services < 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "最少服务次数不能为负数。", "input.minServices")
    if values.min_hours < 0 or values.min_hours > 10000:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "最少服务时长须在 0 至 10000 小时之间。", "input.minHours"
        )
    if values.min_hours != values.min_hours.quantize(Decimal("0.1")):
        raise Refusal(RefusalCode.INVALID_INPUT, "服务时长最多保留一位小数。", "input.minHours")
    if not (values.count_orders or values.count_activities or values.count_posts
            or values.count_wishes):  # fmt: skip
        raise Refusal(
            RefusalCode.INVALID_INPUT, "至少选择一类计入服务的记录。", "input.countedRecordTypes"
        )
    if values.ceiling_grade is AppraisalGrade.EXCELLENT:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "未达标时的最高等次不能为“优秀”。", "input.ceilingGrade"
        )
    if values.district_code and len(values.district_code) > 32:
        raise Refusal(RefusalCode.INVALID_INPUT, "区编码过长。", "input.districtCode")


_COMPARED = (
    "reporting_deadline", "min_services", "min_hours", "count_orders", "count_activities",
    "count_posts", "count_wishes", "ceiling_grade", "include_activists",
    "include_development_targets", "note",
)  # fmt: skip


async def set_policy(ctx: HubContext, values: PolicyValues) -> AppraisalPolicy:
    """Append a version of the year's policy; the same values again add nothing."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district organisation department sets the policy")
    if values.district_code and viewer.district and values.district_code != viewer.district:
        raise PermissionError("a district sets only its own policy")
    _validate(values)
    for attempt in range(3):
        try:
            return await _append(ctx, values)
        except IntegrityError:  # a concurrent change took the version number: read again
            if attempt == 2:
                raise Refusal(
                    RefusalCode.DUPLICATE, "评议规则正在被同时修改，请稍后重试。", "input.year"
                ) from None
    raise AssertionError("unreachable")


async def _append(ctx: HubContext, values: PolicyValues) -> AppraisalPolicy:
    viewer = ctx.viewer
    async with ctx.sources.units.transaction() as session:
        current = await session.scalar(
            select(AppraisalPolicy)
            .where(
                AppraisalPolicy.year == values.year,
                AppraisalPolicy.district_code == values.district_code,
            )
            .order_by(AppraisalPolicy.version.desc())
            .limit(1)
            .with_for_update()
        )
        wanted = asdict(values)
        if current is not None and all(
            getattr(current, name) == wanted[name] for name in _COMPARED
        ):
            return current
        version = (
            await session.scalar(
                select(func.max(AppraisalPolicy.version)).where(
                    AppraisalPolicy.year == values.year,
                    AppraisalPolicy.district_code == values.district_code,
                )
            )
            or 0
        ) + 1
        row = AppraisalPolicy(**wanted, version=version, updated_by=viewer.subject)
        session.add(row)
        await session.flush()
        return row
