"""Bulk import of master data from spreadsheets (批量导入): reading CSV and XLSX files,
checking them without a database, templates and reports.

    readers     a file's rows of raw cells (CSV in UTF-8/GB18030, XLSX)
    kinds       each kind's columns: GraphQL input field names and Chinese labels
    cells       cell parsers: codes, dates, enums, yes/no, phones, lists
    labels      the enums' Chinese labels, from the GraphQL enum descriptions
    validation  headers matched, cells parsed, problems found
    templates   the template of a kind (.xlsx or .csv)
    report      problems and counts, in Chinese and as a dict
    run         one import: load, apply (injected), report

Writing the rows is the master-data services' job: `writing.write` (the command's step),
or any `apply` given to `run.run_import`.
"""

from gateway.importing.kinds import KINDS, Column, Kind
from gateway.importing.report import Applied, ImportReport, Problem, RowProblem
from gateway.importing.run import finish, load, run_import, run_import_async
from gateway.importing.templates import TemplateExists, template, template_bytes

__all__ = [
    "KINDS",
    "Applied",
    "Column",
    "ImportReport",
    "Kind",
    "Problem",
    "RowProblem",
    "TemplateExists",
    "finish",
    "load",
    "run_import",
    "run_import_async",
    "template",
    "template_bytes",
]
