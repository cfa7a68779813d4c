"""Bulk import of master data through the API (批量导入): `importMasterData`, the upload
counterpart of `dualhub import KIND FILE [--dry-run] [--retire-missing]` (docs/importing.md).

The file arrives by the GraphQL multipart request spec; its format is decided from its
content (CSV or XLSX, `datasources.files.checks`), then it is read, checked and written
exactly as the command does (`gateway.importing`: all or nothing, a dry run always rolled
back), as the signed-in district organisation department, the identity the command imports
as. The answer is the command's report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import strawberry

from datasources.files.checks import EXTENSIONS, SPREADSHEETS
from resolvers.attachments import prepare
from resolvers.workflow import Refusal, RefusalCode
from schema.attachments import Upload
from schema.base import Info
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import Audited, Change, UserError, mutate


@strawberry.input(description="A master-data file to import (批量导入).")
class ImportMasterDataInput:
    kind: str = strawberry.field(
        description="What the file holds (导入类型): units, branches, members, streets, "
        "communities, grids, compounds, buildings, households or categories."
    )
    file: Upload = strawberry.field(
        description="The file (导入文件): CSV (UTF-8 or GB18030) or XLSX, decided from its "
        "content, uploaded by the GraphQL multipart request spec."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="Check and count only (试运行): nothing is written, the report says what "
        "the import would do.",
    )
    retire_missing: bool = strawberry.field(
        default=False,
        description="members only: mark members in service whom the roster does not list as "
        "out of service (未列出的党员转为不在职).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="One problem of an import (导入问题): where, what, why.")
class ImportProblem:
    row: int = strawberry.field(description="Row as a spreadsheet shows it; 0: the whole file.")
    column: str = strawberry.field(description="The column as the file heads it (列).")
    value: str = strawberry.field(description="The cell as typed (单元格内容).")
    message: str = strawberry.field(description="Why, in Chinese (问题说明).")
    code: str = strawberry.field(description="Machine-readable reason, e.g. BAD_DATE.")


@strawberry.type(
    description="What an import did, or on a dry run would do (导入报告): the same report "
    "as `dualhub import`."
)
class ImportReport:
    kind: str = strawberry.field(description="导入类型.")
    file_name: str = strawberry.field(description="The uploaded file's name (文件名).")
    digest: str = strawberry.field(description="SHA-256 of the file (校验值), as audited.")
    format: str = strawberry.field(description="csv or xlsx, from the content (文件格式).")
    encoding: str | None = strawberry.field(description="A CSV file's encoding (编码).")
    dry_run: bool = strawberry.field(description="试运行.")
    rows: int = strawberry.field(description="Data rows read (数据行数).")
    created: int = strawberry.field(description="新增.")
    updated: int = strawberry.field(description="更新.")
    unchanged: int = strawberry.field(description="未变.")
    retired: int = strawberry.field(description="转为不在职 (members with retireMissing).")
    applied: bool = strawberry.field(
        description="Written (on a dry run: would be) without problems (导入成功)."
    )
    problems: list[ImportProblem] = strawberry.field(
        description="Every problem; any one means nothing was written (问题列表)."
    )
    text: str = strawberry.field(description="The report as the command prints it (报告全文).")


@strawberry.type(description="The result of importMasterData.")
class ImportMasterDataPayload:
    report: ImportReport | None = strawberry.field(
        default=None, description="The import's report; null when the request was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the file was not read at all."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


def _report(found: Any, label: str) -> ImportReport:
    return ImportReport(
        kind=found.kind, file_name=found.file, digest=found.digest, format=found.format,
        encoding=found.encoding, dry_run=found.dry_run, rows=found.rows,
        created=found.created, updated=found.updated, unchanged=found.unchanged,
        retired=found.retired, applied=found.ok,
        problems=[ImportProblem(row=p.row, column=p.column, value=p.value, message=p.message,
                                code=p.code) for p in found.problems],
        text=found.render(label),
    )  # fmt: skip


async def import_master_data(info: Info, input: ImportMasterDataInput) -> Any:
    """Read, check and write the uploaded file; the import's report."""
    from gateway.importing import KINDS, run_import_async
    from gateway.importing.writing import ImportRefused, Source, write

    ctx = info.context
    if input.kind not in KINDS:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"未知的导入类型，可选：{'、'.join(KINDS)}。", "input.kind")  # fmt: skip
    if input.retire_missing and input.kind != "members":
        raise Refusal(RefusalCode.INVALID_INPUT,
                      "只有党员名册（members）可以将未列出的党员转为不在职。",
                      "input.retireMissing")  # fmt: skip
    [checked] = await prepare(ctx, [input.file], SPREADSHEETS, "input.file", single=True)
    stem = Path(checked.file_name).stem or input.kind
    # The reader tells CSV from XLSX by the name's suffix: the one the content decided.
    name = f"{stem}.{EXTENSIONS[checked.content_type]}"
    sources = (ctx.sources.units, ctx.sources.community, ctx.sources.audit)

    async def apply(rows: Any, dry_run: bool) -> Any:
        import hashlib

        source = Source(input.kind, name, hashlib.sha256(checked.data).hexdigest())
        return await write(
            None, source, rows, dry_run=dry_run, retire_missing=input.retire_missing,
            viewer=ctx.viewer, sources=sources, request_id=ctx.request_id,
        )  # fmt: skip

    try:
        found = await run_import_async(
            input.kind, name, input.dry_run, input.retire_missing, apply, data=checked.data,
            progress=False,
        )  # fmt: skip
    except ImportRefused as exc:
        raise Refusal(RefusalCode.INVALID_STATE, str(exc), "input.file") from exc
    return _report(found, KINDS[input.kind].label)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import a master-data file (批量导入): the district organisation "
        "department, as `dualhub import` does. All or nothing: any problem in the file or "
        "against the database means nothing is written, and every problem is in the report "
        "(`report.applied` false). `dryRun` checks and counts only."
    )
    async def import_master_data(
        self,
        info: Info,
        input: Annotated[ImportMasterDataInput, strawberry.argument(description="The file.")],
    ) -> ImportMasterDataPayload:
        change = Change(name="importMasterData", entity="Import", key=input.client_mutation_id,
                        forbidden="只有区委组织部可以批量导入。",
                        detail={"kind": input.kind, "dryRun": input.dry_run})  # fmt: skip
        return await mutate(
            info, change, ImportMasterDataPayload, import_master_data(info, input),
            lambda report: ImportMasterDataPayload(report=report),
            audited=lambda report: Audited("Import", [report.digest],
                                           {"kind": report.kind, "dryRun": report.dry_run,
                                            "applied": report.applied}),
        )  # fmt: skip
