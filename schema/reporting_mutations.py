"""Mutations of the reporting workflow (报到): report, confirm, return; and its history."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated

import strawberry
from strawberry import relay

from datasources.community.models import Report as ReportRow
from resolvers import reporting
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.enums import Availability, ReportEndReason
from schema.mutations import Change, UserError, mutate, mutate_node, not_found, refused
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


@strawberry.input(
    description="End a confirmed report (结束报到): the member left service (离职), or the "
    "community closes it for another reason (社区注销)."
)
class EndReportInput:
    report_id: relay.GlobalID = strawberry.field(description="The report (报到记录ID).")
    reason: ReportEndReason = strawberry.field(
        description="LEFT_SERVICE (离职) or CLOSED (社区注销); a move ends a report only "
        "when the new community confirms it, returning ends a pending one."
    )
    note: str | None = strawberry.field(default=None, description="Remark (说明).")
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


def _report(row: ReportRow) -> ReportPayload:
    return ReportPayload(report=Report.from_row(row))


@strawberry.type(description="Mutations of the reporting workflow (报到).")
class ReportingMutation:
    @strawberry.mutation(
        description="Report to your residence community (党员到居住地社区报到). A member only. "
        "While confirmed elsewhere this is a move (迁移): the old report stays active until "
        "the new community confirms; a pending report is replaced (改报)."
    )
    async def report_to_community(
        self,
        info: Info,
        input: Annotated[ReportToCommunityInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        action = reporting.report_to_community(
            info.context,
            community_code=input.community_code,
            building_code=input.building_code,
            skills=input.skills,
            availability=reduce(or_, (a.value for a in input.availability), 0),
            intentions=input.intentions,
            note=input.note,
            key=input.client_mutation_id,
        )
        change = Change(
            name="reportToCommunity",
            entity="Report",
            key=input.client_mutation_id,
            forbidden="只有党员本人可以报到。",
            detail={"community": input.community_code},
        )
        return await mutate(info, change, ReportPayload, action, _report)

    @strawberry.mutation(
        description="Confirm a pending report (确认报到): the community. Confirming a move "
        "ends the member's old report that day (迁出)."
    )
    async def confirm_report(
        self,
        info: Info,
        input: Annotated[ReviewReportInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        return await _review(info, input, confirm=True)

    @strawberry.mutation(
        description="Return a pending report with a reason (退回报到); a returned move "
        "leaves the old report active."
    )
    async def return_report(
        self,
        info: Info,
        input: Annotated[ReviewReportInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        if not (input.reason or "").strip():
            refusal = Refusal(RefusalCode.INVALID_INPUT, "退回报到须说明原因。", "input.reason")
            return refused(ReportPayload, refusal, input.client_mutation_id)
        return await _review(info, input, confirm=False)

    @strawberry.mutation(
        description="End a confirmed report (结束报到): the community when the member left "
        "service or for another reason, his unit branch when he left service (离职)."
    )
    async def end_report(
        self,
        info: Info,
        input: Annotated[EndReportInput, strawberry.argument(description="The report.")],
    ) -> ReportPayload:
        change = Change(
            name="endReport",
            entity="Report",
            key=input.client_mutation_id,
            forbidden="只能结束本社区（本网格）或本单位党员的报到。",
            detail={"reason": input.reason.value, "note": input.note},
        )
        return await mutate_node(
            info, change, ReportPayload, input.report_id,
            lambda report_id: reporting.end_report(
                info.context, report_id, reason=input.reason, note=input.note
            ),
            _report, unknown=not_found("未找到该报到记录。", "input.reportId"),
        )  # fmt: skip


async def _review(info: Info, input: ReviewReportInput, *, confirm: bool) -> ReportPayload:
    change = Change(
        name="confirmReport" if confirm else "returnReport",
        entity="Report",
        key=input.client_mutation_id,
        forbidden="只能审核报到到本社区（本网格）的党员。",
        detail={"reason": input.reason},
    )
    return await mutate_node(
        info, change, ReportPayload, input.report_id,
        lambda report_id: reporting.decide_report(
            info.context, report_id, confirm=confirm, reason=input.reason
        ),
        _report, unknown=not_found("未找到该报到记录。", "input.reportId"),
    )  # fmt: skip
