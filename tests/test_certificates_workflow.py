"""Volunteer-hours certificates (志愿服务时长证明) end to end, on both backends: a member, or
the district for him, is issued a certificate of the year's certified services and hours
(the appraisal's own count); anyone checks its code without a token and learns only the
masked name, period, totals and state; the totals are a snapshot; the district revokes one
issued in error, and verification then says so; the PDF is served to whoever may read the
certificate, and carries the code and the totals. Every step is in the history."""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import pypdf
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.units.seed_evaluations import EVALUATION_YEAR
from resolvers.personal import mask_name
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair
from tests.workflow import count, supporters, taken, workflow_fixtures

workflow_db, hub = workflow_fixtures("certificates")

ERRORS = "clientMutationId userErrors { code message field }"
CERTIFICATE = """id memberCode member { name } year periodFrom periodTo services hours status
  verificationCode issuerRole revokedReason pdfPath servicesByKind { kind count hours }
  history { action fromState toState actorRole note }"""
ISSUE = f"""mutation($input: IssueCertificateInput!) {{
  issueVolunteerCertificate(input: $input) {{ {ERRORS} certificate {{ {CERTIFICATE} }} }} }}"""
REVOKE = f"""mutation($input: RevokeCertificateInput!) {{
  revokeVolunteerCertificate(input: $input) {{ {ERRORS} certificate {{ {CERTIFICATE} }} }} }}"""
VERIFY = """query($code: String!) { verifyCertificate(code: $code) {
  verificationCode maskedName year periodFrom periodTo services hours status issuedOn } }"""
PERFORMANCE = """query($c: String!, $y: Int!) { member(code: $c) { name
  performance(year: $y) { totalServices totalHours } } }"""
LIST = """query($c: String!) { certificates(first: 50, filter: {memberCode: $c}) {
  totalCount edges { node { id status } } } }"""


async def _issue(client: GraphQLClient, **given: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.query(ISSUE, {"input": given}))[
        "issueVolunteerCertificate"
    ]
    return payload


async def _performance(client: GraphQLClient, member: str, year: int) -> tuple[str, int, float]:
    data = (await client.query(PERFORMANCE, {"c": member, "y": year}))["member"]
    return data["name"], data["performance"]["totalServices"], data["performance"]["totalHours"]


async def _served_member(pair: DatabasePair, hub: GraphQLClient) -> str:
    """A member who attended activities in the evaluation year, not used by another test."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT member_code FROM activity_signups WHERE status IN"
                    " ('attended', 'certified') GROUP BY member_code ORDER BY member_code"
                )
            )
            codes = [row[0] for row in rows]
    finally:
        await engine.dispose()
    used = taken(hub)
    for code in codes:
        if code in used:
            continue
        data = await hub.query(
            "query($c: String!, $y: Int!) { member(code: $c) { performance(year: $y) {"
            " activities { count } } } }",
            {"c": code, "y": EVALUATION_YEAR},
        )
        if data["member"]["performance"]["activities"]["count"] > 0:
            used.add(code)
            return str(code)
    raise AssertionError("the seeded year has no member with attended activities left")


async def _absent(pair: DatabasePair, member: str) -> None:
    """His attended activities of the year become absences, past the API (data changes)."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE activity_signups SET status = 'absent' WHERE member_code = :m"
                    " AND status IN ('attended', 'certified')"
                ),
                {"m": member},
            )
    finally:
        await engine.dispose()


async def test_seeded_certificates_say_what_the_hub_counts(hub: GraphQLClient) -> None:
    """The seeder's certificates carry the hub's own totals of their year, and verify."""
    data = await hub.query(
        """query($y: Int!) { certificates(first: 100, filter: {year: $y}) { totalCount
          edges { node { memberCode services hours status verificationCode
          history { action } } } } }""",
        {"y": EVALUATION_YEAR},
    )
    seeded = [e["node"] for e in data["certificates"]["edges"]]
    assert len(seeded) >= 5
    assert {c["status"] for c in seeded} == {"ISSUED", "REVOKED"}
    for cert in seeded[:8]:
        _name, services, hours = await _performance(hub, cert["memberCode"], EVALUATION_YEAR)
        assert (cert["services"], cert["hours"]) == (services, hours), cert["memberCode"]
        expected = ["issued"] if cert["status"] == "ISSUED" else ["issued", "revoked"]
        assert [e["action"] for e in cert["history"]] == expected
        seen = (await hub.anonymous().query(VERIFY, {"code": cert["verificationCode"]}))[
            "verifyCertificate"
        ]
        assert seen["status"] == cert["status"]


async def test_member_issues_anyone_verifies_district_revokes(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    member = await _served_member(workflow_db, hub)
    me = hub.as_viewer("member", member=member)
    name, services, hours = await _performance(me, member, EVALUATION_YEAR)
    assert services > 0
    assert hours > 0

    before = (await me.query(LIST, {"c": member}))["certificates"]["totalCount"]  # seeded ones
    payload = await _issue(me, year=EVALUATION_YEAR, clientMutationId="cert-1")
    assert payload["userErrors"] == [], payload
    cert = payload["certificate"]
    # The appraisal's own count, not a second rule.
    assert (cert["services"], cert["hours"]) == (services, hours)
    assert sum(part["count"] for part in cert["servicesByKind"]) == services
    assert abs(sum(part["hours"] for part in cert["servicesByKind"]) - hours) < 1e-9
    assert (cert["memberCode"], cert["member"]["name"], cert["status"]) == (member, name, "ISSUED")
    assert (cert["periodFrom"], cert["periodTo"]) == (
        f"{EVALUATION_YEAR}-01-01",
        f"{EVALUATION_YEAR}-12-31",
    )
    assert cert["issuerRole"] == "member"
    assert [e["action"] for e in cert["history"]] == ["issued"]
    code = cert["verificationCode"]
    assert len(code) == 14
    assert code.count("-") == 2
    assert member not in code

    # The same key again: the same certificate, nothing new.
    again = await _issue(me, year=EVALUATION_YEAR, clientMutationId="cert-1")
    assert again["certificate"]["id"] == cert["id"]
    assert again["clientMutationId"] == "cert-1"
    listed = (await me.query(LIST, {"c": member}))["certificates"]
    assert listed["totalCount"] == before + 1

    # Anyone, without a token: masked name, period, totals, state; typed loosely.
    anyone = hub.anonymous()
    for typed in (code, code.replace("-", "").lower(), f" {code.replace('-', ' ')} "):
        seen = (await anyone.query(VERIFY, {"code": typed}))["verifyCertificate"]
        assert seen["verificationCode"] == code
        assert seen["maskedName"] == mask_name(name)
        assert seen["maskedName"] != name
        assert (seen["services"], seen["hours"], seen["status"]) == (services, hours, "ISSUED")
        assert seen["year"] == EVALUATION_YEAR
    for wrong in ("ABCD-EFGH-JKMN", code[:-1], "", "x" * 30, member):
        assert (await anyone.query(VERIFY, {"code": wrong}))["verifyCertificate"] is None
    # The anonymous check over plain HTTP, where the QR code points.
    response = await hub.http.get(f"/certificates/verify/{code}")
    assert response.status_code == 200
    body = response.json()["data"]
    assert (body["maskedName"], body["services"], body["status"]) == (
        mask_name(name),
        services,
        "ISSUED",
    )
    assert name not in response.text
    assert member not in response.text
    assert (await hub.http.get("/certificates/verify/ABCD-EFGH-JKMN")).status_code == 404
    # Anonymous readers get no certificate list.
    listed_anonymously = await anyone.query(LIST, {"c": member})
    assert listed_anonymously["certificates"]["totalCount"] == 0

    # A snapshot: the records change, the certificate does not.
    await _absent(workflow_db, member)
    _, services_now, hours_now = await _performance(me, member, EVALUATION_YEAR)
    assert (services_now, hours_now) != (services, hours)
    seen = (await anyone.query(VERIFY, {"code": code}))["verifyCertificate"]
    assert (seen["services"], seen["hours"]) == (services, hours)

    # Issued in error: the district revokes it with a reason, once; verification says so.
    district = hub.as_viewer("district", district="D01")
    blank = (await district.query(REVOKE, {"input": {"certificateId": cert["id"], "reason": " "}}))[
        "revokeVolunteerCertificate"
    ]
    assert [e["code"] for e in blank["userErrors"]] == ["INVALID_INPUT"]
    revoked = (
        await district.query(
            REVOKE, {"input": {"certificateId": cert["id"], "reason": "年度填写有误"}}
        )
    )["revokeVolunteerCertificate"]
    assert revoked["userErrors"] == [], revoked
    assert (revoked["certificate"]["status"], revoked["certificate"]["revokedReason"]) == (
        "REVOKED",
        "年度填写有误",
    )
    assert [(e["action"], e["actorRole"]) for e in revoked["certificate"]["history"]] == [
        ("issued", "member"),
        ("revoked", "district"),
    ]
    twice = (
        await district.query(REVOKE, {"input": {"certificateId": cert["id"], "reason": "再次"}})
    )["revokeVolunteerCertificate"]
    assert [e["code"] for e in twice["userErrors"]] == ["INVALID_STATE"]
    seen = (await anyone.query(VERIFY, {"code": code}))["verifyCertificate"]
    assert seen["status"] == "REVOKED"
    # Nothing deleted: the row stays, revoked.
    left = await count(
        workflow_db,
        "SELECT count(*) FROM volunteer_certificates WHERE id = :i AND status = 'revoked'",
        side="units",
        i=int(_row_id(cert["id"])),
    )
    assert left == 1
    # Each change is one audit entry on the certificate: issued (once), revoked.
    events = await district.query(
        """query($f: AuditEventFilter) { auditEvents(first: 100, filter: $f) {
          edges { node { role targetIds detail } } } }""",
        {"f": {"targetType": "VolunteerCertificate", "kind": "MUTATION"}},
    )
    mine = [
        e["node"]
        for e in events["auditEvents"]["edges"]
        if _row_id(cert["id"]) in e["node"]["targetIds"]
    ]
    assert sorted(e["role"] for e in mine) == ["district", "member", "member"]
    # The member cannot revoke.
    refused = await me.error(REVOKE, {"input": {"certificateId": cert["id"], "reason": "x"}})
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_who_may_issue(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    member, other = await supporters(hub, "C001", 2)
    me = hub.as_viewer("member", member=member)
    # Not for another member.
    refused = await me.error(ISSUE, {"input": {"year": EVALUATION_YEAR, "memberCode": other}})
    assert refused["extensions"]["code"] == "FORBIDDEN"
    # A year still to come, or too early: refused with the field.
    future = await _issue(me, year=2100)
    assert [(e["code"], e["field"]) for e in future["userErrors"]] == [
        ("INVALID_INPUT", "input.year")
    ]
    assert future["certificate"] is None
    # The unit branch, the community: not issuers.
    for role, scope in (("unit_branch", {"unit": "U001"}), ("community", {"community": "C001"})):
        error = await hub.as_viewer(role, **scope).error(
            ISSUE, {"input": {"year": EVALUATION_YEAR, "memberCode": member}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN"
    # The district, for any member; an unknown one NOT_FOUND.
    district = hub.as_viewer("district", district="D01")
    unknown = await _issue(district, year=EVALUATION_YEAR, memberCode="NOPE")
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    before = (await district.query(LIST, {"c": other}))["certificates"]["totalCount"]
    issued = await _issue(district, year=EVALUATION_YEAR, memberCode=other)
    assert issued["userErrors"] == [], issued
    assert issued["certificate"]["issuerRole"] == "district"
    _name, services, hours = await _performance(district, other, EVALUATION_YEAR)
    assert (issued["certificate"]["services"], issued["certificate"]["hours"]) == (services, hours)
    # The member reads his own (issued by the district); another member does not.
    his = (await hub.as_viewer("member", member=other).query(LIST, {"c": other}))["certificates"]
    assert his["totalCount"] == before + 1
    assert (await me.query(LIST, {"c": other}))["certificates"]["totalCount"] == 0


async def test_pdf_carries_code_and_totals_for_those_who_may_read(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    # A member of a unit with more than one branch, so another branch of it can be asked.
    for member in await supporters(hub, "C002", 6):
        unit, branch = await _organisation_of(hub, member)
        other_branch = await _other_branch(hub, unit, branch)
        if other_branch is not None:
            break
    assert other_branch is not None, "no supporter of C002 in a unit with two branches"
    me = hub.as_viewer("member", member=member)
    cert = (await _issue(me, year=EVALUATION_YEAR))["certificate"]
    path = cert["pdfPath"]
    response = await hub.http.get(path, headers=me.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    content = reader.pages[0].extract_text()
    assert cert["verificationCode"] in content
    assert cert["member"]["name"] in content
    assert f"服务 {cert['services']} 次" in content
    hours = cert["hours"]
    shown = str(int(hours)) if hours == int(hours) else f"{hours:g}"
    assert f"服务时长 {shown} 小时" in content
    assert "已撤销" not in content
    # His unit (branch) and the district read it too; another member, anonymous: no.
    readers = (
        hub.as_viewer("unit_branch", unit=unit),
        hub.as_viewer("unit_branch", unit=unit, branch=branch),
        hub.as_viewer("auditor"),
        hub,
    )
    for reader_client in readers:
        assert (await hub.http.get(path, headers=reader_client.headers)).status_code == 200
    outside = hub.as_viewer("unit_branch", unit=unit, branch=other_branch)  # not his branch
    assert (await hub.http.get(path, headers=outside.headers)).status_code == 404
    community = hub.as_viewer("community", community="C002")
    assert (await hub.http.get(path, headers=community.headers)).status_code == 404
    (stranger,) = await supporters(hub, "C003", 1)
    other = hub.as_viewer("member", member=stranger)
    assert (await hub.http.get(path, headers=other.headers)).status_code == 404
    assert (await hub.http.get(path)).status_code == 401
    assert (await hub.http.get("/certificates/999999.pdf", headers=me.headers)).status_code == 404
    assert (await hub.http.get("/certificates/x.pdf", headers=me.headers)).status_code == 404
    # The download is audited as a read of his name.
    assert await _audited_reads(workflow_db, f"certificate:{_row_id(cert['id'])}") >= 1
    # Revoked: the PDF says so.
    revoked = (
        await hub.query(REVOKE, {"input": {"certificateId": cert["id"], "reason": "开错了人"}})
    )["revokeVolunteerCertificate"]
    assert revoked["userErrors"] == []
    again = await hub.http.get(path, headers=me.headers)
    assert "已撤销" in pypdf.PdfReader(io.BytesIO(again.content)).pages[0].extract_text()


async def test_one_key_twice_at_once_gives_one_certificate(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    (member,) = await supporters(hub, "C001", 1)
    me = hub.as_viewer("member", member=member)
    given = {"year": EVALUATION_YEAR, "clientMutationId": "same-request"}
    first, second = await asyncio.gather(_issue(me, **given), _issue(me, **given))
    assert (first["userErrors"], second["userErrors"]) == ([], []), (first, second)
    assert first["certificate"]["id"] == second["certificate"]["id"]
    rows = await count(
        workflow_db,
        "SELECT count(*) FROM volunteer_certificates WHERE member_code = :m AND client_key = :k",
        side="units",
        m=member,
        k="same-request",
    )
    assert rows == 1
    # Without a key, two requests are two certificates (each a snapshot of its time).
    third = await _issue(me, year=EVALUATION_YEAR)
    assert third["certificate"]["id"] != first["certificate"]["id"]


async def test_verification_is_rate_limited_per_address(workflow_db: DatabasePair) -> None:
    async for client in client_for(workflow_db, rate_limit_per_ip="3/minute"):
        anyone = client.anonymous()
        statuses = []
        for _ in range(4):
            response = await anyone.http.post(
                "/graphql", json={"query": VERIFY, "variables": {"code": "ABCD-EFGH-JKMN"}}
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 429]
        public = await anyone.http.get("/certificates/verify/ABCD-EFGH-JKMN")
        assert public.status_code == 429


async def _audited_reads(pair: DatabasePair, operation: str) -> int:
    """Audit entries of `operation` (the audit log, past the API)."""
    assert pair.audit_url is not None
    engine = create_async_engine(pair.audit_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT count(*) FROM audit_events WHERE operation_name = :op"),
                {"op": operation},
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


def _row_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[1]


async def _organisation_of(hub: GraphQLClient, member: str) -> tuple[str, str]:
    """(unit code, branch code) of the member."""
    data = await hub.query(
        """query($c: String!) { member(code: $c) { unit { code } branch { code } } }""",
        {"c": member},
    )
    return data["member"]["unit"]["code"], data["member"]["branch"]["code"]


async def _other_branch(hub: GraphQLClient, unit: str, branch: str) -> str | None:
    """Another branch of the unit, if it has one."""
    data = await hub.query(
        """query($u: String!) { workUnit(code: $u) { branches(first: 20) {
          edges { node { code } } } } }""",
        {"u": unit},
    )
    codes = [e["node"]["code"] for e in data["workUnit"]["branches"]["edges"]]
    return next((code for code in codes if code != branch), None)
