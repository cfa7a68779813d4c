"""What an import says: every problem as (row, column, value, Chinese message) and the
counts, rendered in Chinese for the operator and as a JSON-ready dict for machines."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet program shows it; 0 for the file as a whole
    column: str  # the header as the file gives it ("" for the whole row or file)
    value: str  # the cell as typed, trimmed
    message: str  # Chinese, for the operator
    code: str  # machine-readable: BAD_DATE, DUPLICATE_CODE, UNKNOWN_BRANCH ...

    def render(self) -> str:
        where = "文件" if self.row == 0 else f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」"
        value = f"“{self.value}”" if self.value else ""
        return f"{where}{value}：{self.message}"


@dataclass(frozen=True)
class RowProblem:
    """A problem the writing step found in a row (an unknown branch code ...): `index` into
    the rows it was given, `field` the GraphQL input field name ("" for the whole row)."""

    index: int
    field: str
    message: str
    code: str
    value: Any = None  # as the writer saw it; by default the row's value of `field`


@dataclass
class Applied:
    """What the writing step (`apply(rows, dry_run)`) did, or would do on a dry run. Any
    problem means it wrote nothing (all or nothing per file)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0  # members missing from a full roster, marked out of service
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    file: str
    digest: str  # sha256 of the file's bytes, for the audit entry
    format: str
    encoding: str | None
    dry_run: bool
    rows: int = 0  # data rows read (blank rows not counted)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    problems: list[Problem] = field(default_factory=list)
    # True once the writing step ran without problems (on a dry run: it would apply).
    applied: bool = False

    @property
    def errors(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        """Applied (or, with --dry-run, would be): the command's exit status is 0."""
        return self.applied and not self.problems

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = self.errors
        data["ok"] = self.ok
        return data

    def render(self, kind_label: str = "") -> str:
        """The report in Chinese, with the English counts line the issue asks for."""
        title = f"{kind_label or self.kind}导入" + ("（试运行，未写入）" if self.dry_run else "")
        counts = (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
            + (f", retired {self.retired}" if self.retired else "")
            + f", errors {self.errors}"
        )
        lines = [f"{title}：{self.file}（{self.rows} 行，sha256 {self.digest[:12]}）"]
        lines.append(
            f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
            + (f"，转为不在职 {self.retired}" if self.retired else "")
            + f"，错误 {self.errors}"
        )
        lines.append(counts)
        if self.problems:
            lines.append("文件未导入，没有写入任何数据。请改正以下问题后重新导入：")
            lines.extend(f"  {problem.render()}" for problem in self.problems)
        elif self.applied and not (self.created or self.updated or self.retired):
            lines.append("与现有数据一致，没有任何变化。")
        elif self.applied:
            lines.append("可以导入：以上为将要写入的变化。" if self.dry_run else "导入完成。")
        return "\n".join(lines)
