"""The spreadsheet's rows come from one resolver function, whoever asks: the download and
`dualhub report` serve the same file, and the command's reads are audited as its own."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.cli import _report
from gateway.settings import Settings
from resolvers.reports import ReportNotFound
from tests.client import GraphQLClient
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair

AUDIT = """query($op: String!, $who: String!) {
  auditEvents(first: 5, filter: {operationName: $op, subject: $who}) {
    edges { node { kind role targetType targetIds detail } } } }"""


def _settings(pair: DatabasePair) -> Settings:
    assert pair.audit_url is not None
    return Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=pair.audit_url,
        jwt_secret=TEST_SECRET,
    )


async def _a_branch(client: GraphQLClient) -> str:
    data = await client.query("{ members(first: 1) { edges { node { branch { code } } } } }")
    code: str = data["members"]["edges"][0]["node"]["branch"]["code"]
    return code


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_the_command_writes_the_file_a_district_viewer_downloads(
    small_db: DatabasePair, client: GraphQLClient, fmt: str
) -> None:
    year = date.today().year
    branch = await _a_branch(client)
    response = await client.http.get(f"/reports/branch/{branch}.{fmt}?year={year}",
                                     headers=client.headers)  # fmt: skip
    assert response.status_code == 200, response.text
    written = await _report(_settings(small_db), "branch", branch, year, fmt)
    if fmt == "csv":
        assert written == response.content
    else:  # a workbook carries its creation time: compare the cells
        assert _cells(written) == _cells(response.content)


def _cells(xlsx: bytes) -> list[tuple[object, ...]]:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


async def test_the_command_audits_its_reads_as_its_own(
    small_db: DatabasePair, client: GraphQLClient
) -> None:
    year = date.today().year
    branch = await _a_branch(client)
    subject = f"cli:report:test-{small_db.backend}"
    await _report(_settings(small_db), "branch", branch, year, "csv", subject=subject)
    data = await client.query(AUDIT, {"op": f"report:branch:{branch}:{year}", "who": subject})
    mine = [edge["node"] for edge in data["auditEvents"]["edges"]]
    assert len(mine) == 1
    assert (mine[0]["kind"], mine[0]["role"], mine[0]["targetType"]) == (
        "READ_PERSONAL",
        "district",
        "Member",
    )
    assert mine[0]["targetIds"]
    assert "dualhub report" in str(mine[0]["detail"])


async def test_the_command_refuses_an_unknown_code(small_db: DatabasePair) -> None:
    with pytest.raises(ReportNotFound):
        await _report(_settings(small_db), "unit", "NO-SUCH-UNIT", 2026, "csv")
