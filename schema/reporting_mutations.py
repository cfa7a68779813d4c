"""Mutations of the reporting workflow (报到): report, confirm, return; and its history."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import reporting
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.enums import Availability
from schema.mutations import UserError, as_user_error, attempt, node_id_of
from schema.reporting import Report


@strawberry.input(description="A member reports to the community where he lives (党员报到).")
class ReportToCommunityInput:
    community_code: str = strawberry.field(description="The residence community (社区编码).")
    building_code: str | None = strawberry.field(
        default=None, description="The building he lives in (楼栋编码), in that community."
    )
    skills: list[str] = strawberry.field(
        default_factory=list, description="Skills he offers (特长); optional."
    )
    availability: list[Availability] = strawberry.field(
        default_factory=list, description="When he can serve (服务时间)."
    )
    intentions: list[str] = strawberry.field(
        default_factory=list, description="Service category codes he intends to serve in."
    )
    note: str | None = strawberry.field(default=None, description="A note (备注).")
    client_mutation_id: str | None = strawberry.field(
        default=None,
        description="Idempotency key: retrying with the same key returns the first result.",
    )


@strawberry.input(description="The community's decision on a pending report (审核报到).")
class ReviewReportInput:
    report_id: relay.GlobalID = strawberry.field(description="The report (报到记录ID).")
    reason: str | None = strawberry.field(
        default=None, description="Why; required when returning a report (退回原因)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.type(description="Result of a reporting mutation.")
class ReportPayload:
    report: Report | None = strawberry.field(description="The report; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(report: object, key: str | None) -> ReportPayload:
    return ReportPayload(report=Report.from_row(report), user_errors=[], client_mutation_id=key)


def _refused(refusal: Refusal | UserError, key: str | None) -> ReportPayload:
    return ReportPayload(report=None, user_errors=[as_user_error(refusal)], client_mutation_id=key)


@strawberry.type(description="Mutations of the reporting workflow (报到).")
class ReportingMutation:
    @strawberry.mutation(
        description="Report to your residence community (党员到居住地社区报到). A member only; "
        "reporting to a new community closes the old report."
    )
    async def report_to_community(
        self,
        info: Info,
        input: Annotated[ReportToCommunityInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        ctx = info.context
        report = await attempt(
            info, "reportToCommunity", "Report", [],
            reporting.report_to_community(
                ctx,
                community_code=input.community_code,
                building_code=input.building_code,
                skills=input.skills,
                availability=reduce(or_, (a.value for a in input.availability), 0),
                intentions=input.intentions,
                note=input.note,
                key=input.client_mutation_id,
            ),
            forbidden="只有党员本人可以报到。",
        )  # fmt: skip
        if isinstance(report, UserError):
            return _refused(report, input.client_mutation_id)
        ctx.audit.mutation("reportToCommunity", "Report", [str(report.id)],
                           community=input.community_code)  # fmt: skip
        return _payload(report, input.client_mutation_id)

    @strawberry.mutation(description="Confirm a pending report (确认报到): the community.")
    async def confirm_report(
        self,
        info: Info,
        input: Annotated[ReviewReportInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        return await _review(info, input, confirm=True)

    @strawberry.mutation(description="Return a pending report with a reason (退回报到).")
    async def return_report(
        self,
        info: Info,
        input: Annotated[ReviewReportInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        if not (input.reason or "").strip():
            refusal = Refusal(RefusalCode.INVALID_INPUT, "退回报到须说明原因。", "input.reason")
            return _refused(refusal, input.client_mutation_id)
        return await _review(info, input, confirm=False)


async def _review(info: Info, input: ReviewReportInput, *, confirm: bool) -> ReportPayload:
    ctx = info.context
    name = "confirmReport" if confirm else "returnReport"
    report_id = node_id_of(input.report_id, "Report")
    if report_id is None:
        return _refused(
            Refusal(RefusalCode.NOT_FOUND, "未找到该报到记录。", "input.reportId"), None
        )
    report = await attempt(
        info,
        name,
        "Report",
        [str(report_id)],
        reporting.decide_report(ctx, report_id, confirm=confirm, reason=input.reason),
        forbidden="只能审核报到到本社区（本网格）的党员。",
    )
    if isinstance(report, UserError):
        return _refused(report, input.client_mutation_id)
    ctx.audit.mutation(name, "Report", [str(report.id)], reason=input.reason)
    return _payload(report, input.client_mutation_id)
