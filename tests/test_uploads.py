"""Evidence uploads (issue 15) through the real HTTP API: the GraphQL multipart request
spec on /graphql, the content checks, the CSRF preflight rule and the downloads."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.workflow import count, supporters

CATEGORY = "chancheng.epidemic"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
ORDER = """id status attachments { id fileName contentType size sha256 url uploadedByRole }"""
CLOSE = f"""mutation($input: CloseOrderInput!) {{ closeOrder(input: $input) {{
  userErrors {{ code message field }} serviceOrder {{ {ORDER} }} }} }}"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on ServiceOrder {{ {ORDER} }} }} }}"


@pytest.fixture(scope="module", params=BACKENDS)
def uploads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "uploads") as pair:
        yield pair


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
async def hub(uploads_db: DatabasePair, store: Path) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(
        uploads_db, rate_limit_per_ip="", rate_limit_per_token="", upload_dir=str(store),
        upload_max_file_bytes=200_000, upload_max_files=3,
    ):  # fmt: skip
        client.taken = _TAKEN.setdefault(uploads_db, set())  # type: ignore[attr-defined]
        yield client


_TAKEN: dict[DatabasePair, set[str]] = {}


def photo(color: tuple[int, int, int], *, gps: bool = False, size: int = 64) -> bytes:
    image = Image.new("RGB", (size, size * 3 // 4), color)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (23.0, 1.0, 30.0), 3: "E", 4: (113.0, 5.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), color).save(out, "PNG")
    return out.getvalue()


async def multipart(
    client: GraphQLClient, query: str, variables: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]], paths: dict[str, list[str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:  # fmt: skip
    """A request as apollo-upload-client sends it: `operations`, `map`, then the files."""
    data = {
        "operations": json.dumps({"query": query, "variables": variables}),
        "map": json.dumps(paths),
    }
    return await client.http.post(
        "/graphql", data=data, files=files,
        headers=client.headers if headers is None else headers,
    )  # fmt: skip


async def accepted_order(hub: GraphQLClient) -> tuple[str, GraphQLClient, str]:
    """An order of C001 accepted by a member: (its id, the member, the member's code)."""
    resident = hub.as_viewer("resident", "uploads-resident", community="C001")
    placed = await resident.query(
        """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
             userErrors { code } serviceOrder { id } } }""",
        {"i": {"communityCode": "C001", "categoryCode": CATEGORY, "title": "家中消杀"}},
    )
    order_id = placed["placeOrder"]["serviceOrder"]["id"]
    [member] = await supporters(hub, "C001", 1)
    committee = hub.as_viewer("community", community="C001")
    dispatched = await committee.query(
        """mutation($i: DispatchOrderInput!) { dispatchOrder(input: $i) { userErrors { code } } }""",
        {"i": {"orderId": order_id, "takerKind": "MEMBER", "takerCode": member}},
    )
    assert dispatched["dispatchOrder"]["userErrors"] == []
    me = hub.as_viewer("member", member=member)
    accepted = await me.query(
        """mutation($i: AcceptOrderInput!) { acceptOrder(input: $i) { userErrors { code } } }""",
        {"i": {"orderId": order_id}},
    )
    assert accepted["acceptOrder"]["userErrors"] == []
    return order_id, me, member


def closing(order_id: str, n: int) -> dict[str, Any]:
    return {"input": {"orderId": order_id, "summary": "已上门完成消杀", "hours": "2",
                      "photos": [None] * n}}  # fmt: skip


def mapping(n: int) -> dict[str, list[str]]:
    return {str(i): [f"variables.input.photos.{i}"] for i in range(n)}


def stored(store: Path) -> list[Path]:
    return [path for path in store.rglob("*") if path.is_file()] if store.exists() else []


async def attachments_in(pair: DatabasePair) -> int:
    return await count(pair, "SELECT COUNT(*) FROM attachments")


async def test_close_order_with_two_photos_downloads_for_its_readers_only(
    hub: GraphQLClient, uploads_db: DatabasePair, store: Path
) -> None:
    order_id, me, _member = await accepted_order(hub)
    red, blue = photo((200, 0, 0)), png((0, 0, 200))
    response = await multipart(
        me, CLOSE, closing(order_id, 2),
        {"0": ("现场.jpg", red, "image/jpeg"), "1": ("after.png", blue, "image/png")},
        mapping(2),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["closeOrder"]
    assert payload["userErrors"] == []
    order = payload["serviceOrder"]
    assert order["status"] == "CLOSED"
    files = order["attachments"]
    assert [(f["fileName"], f["contentType"], f["uploadedByRole"]) for f in files] == [
        ("现场.jpg", "image/jpeg", "member"), ("after.png", "image/png", "member"),
    ]  # fmt: skip
    assert len(stored(store)) == 2

    community = hub.as_viewer("community", community="C001")
    resident = hub.as_viewer("resident", "uploads-resident", community="C001")
    for viewer in (me, community, resident):
        for item in files:
            got = await viewer.http.get(item["url"], headers=viewer.headers)
            assert got.status_code == 200, got.text
            assert got.headers["content-type"] == item["contentType"]
            assert got.headers["x-content-type-options"] == "nosniff"
            assert len(got.content) == item["size"]
        seen = (await viewer.query(NODE, {"id": order_id}))["node"]
        assert [f["id"] for f in seen["attachments"]] == [f["id"] for f in files]

    neighbour = hub.as_viewer("resident", "uploads-neighbour", community="C001")
    assert (await neighbour.query(NODE, {"id": order_id}))["node"] is None
    for item in files:
        assert (await neighbour.http.get(item["url"], headers=neighbour.headers)).status_code == 404
    other = hub.as_viewer("community", community="C002")
    assert (await other.query(NODE, {"id": order_id}))["node"] is None
    for item in files:
        refused = await other.http.get(item["url"], headers=other.headers)
        assert refused.status_code == 404
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unknown = await other.http.get("/files/999999", headers=other.headers)
    assert (unknown.status_code, unknown.json()) == (refused.status_code, refused.json())
    anonymous = await hub.http.get(files[0]["url"])
    assert anonymous.status_code == 401

    # Every download was audited (the district reads the audit log).
    audited = await hub.query(
        """{ auditEvents(first: 50, filter: {targetType: "Attachment"}) {
             edges { node { kind targetType targetIds fields } } } }"""
    )
    events = [e["node"] for e in audited["auditEvents"]["edges"]]
    assert {tuple(e["targetIds"]) for e in events} >= {(f["id"],) for f in files}
    assert all(e["fields"] == ["Attachment.content"] for e in events)


async def test_gps_is_stripped_and_orientation_kept(hub: GraphQLClient) -> None:
    order_id, me, _ = await accepted_order(hub)
    original = photo((10, 200, 10), gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    response = await multipart(
        me, CLOSE, closing(order_id, 1), {"0": ("home.jpg", original, "image/jpeg")}, mapping(1)
    )
    [item] = response.json()["data"]["closeOrder"]["serviceOrder"]["attachments"]
    got = await me.http.get(item["url"], headers=me.headers)
    image = Image.open(io.BytesIO(got.content))
    exif = image.getexif()
    assert GPS_IFD not in exif
    assert exif.get_ifd(GPS_IFD) == {}
    assert exif[ORIENTATION] == 6
    assert image.size == (64, 48)
    assert got.headers["content-disposition"].startswith("inline;")


async def test_refused_uploads_write_nothing(
    hub: GraphQLClient, uploads_db: DatabasePair, store: Path
) -> None:
    order_id, me, _ = await accepted_order(hub)
    before = await attachments_in(uploads_db)
    good = photo((1, 2, 3))

    # A text file named .jpg: refused from its content, the order stays accepted.
    response = await multipart(
        me, CLOSE, closing(order_id, 2),
        {"0": ("a.jpg", good, "image/jpeg"), "1": ("b.jpg", b"not a photo at all", "image/jpeg")},
        mapping(2),
    )  # fmt: skip
    payload = response.json()["data"]["closeOrder"]
    assert payload["serviceOrder"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("FILE_TYPE_NOT_ALLOWED", "input.photos.1")

    # A JPEG header over garbage: it does not decode.
    response = await multipart(
        me, CLOSE, closing(order_id, 1),
        {"0": ("c.jpg", b"\xff\xd8\xff\xe0" + b"x" * 100, "image/jpeg")}, mapping(1),
    )  # fmt: skip
    assert response.json()["data"]["closeOrder"]["userErrors"][0]["code"] == (
        "FILE_TYPE_NOT_ALLOWED"
    )

    # A file over the per-file limit (200,000 bytes here).
    response = await multipart(
        me, CLOSE, closing(order_id, 1), {"0": ("big.jpg", good + b"\0" * 200_001, "image/jpeg")},
        mapping(1),
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "FILE_TOO_LARGE"

    # More files than the request limit (3 here).
    response = await multipart(
        me, CLOSE, closing(order_id, 4),
        {str(i): (f"{i}.jpg", good, "image/jpeg") for i in range(4)}, mapping(4),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_FILES"

    # Not preflighted: no bearer token and no Apollo preflight header (a plain HTML form).
    response = await multipart(
        me, CLOSE, closing(order_id, 1), {"0": ("a.jpg", good, "image/jpeg")}, mapping(1),
        headers={},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"

    assert await attachments_in(uploads_db) == before
    assert stored(store) == []
    node = (await me.query(NODE, {"id": order_id}))["node"]
    assert (node["status"], node["attachments"]) == ("ACCEPTED", [])


async def test_apollo_preflight_header_passes_the_csrf_rule(hub: GraphQLClient) -> None:
    """Anonymous but preflighted: past the CSRF rule, then refused as any anonymous caller."""
    response = await multipart(
        hub.anonymous(), CLOSE, closing("U2VydmljZU9yZGVyOjE=", 1),
        {"0": ("a.jpg", photo((5, 5, 5)), "image/jpeg")}, mapping(1),
        headers={"Apollo-Require-Preflight": "true"},
    )  # fmt: skip
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert "CSRF_PREFLIGHT_REQUIRED" not in codes


async def test_closing_without_files_is_unchanged(hub: GraphQLClient) -> None:
    order_id, me, _ = await accepted_order(hub)
    data = await me.query(
        CLOSE, {"input": {"orderId": order_id, "summary": "完成", "hours": "1",
                          "evidence": ["orders/x.jpg"]}},
    )  # fmt: skip
    assert data["closeOrder"]["userErrors"] == []
    assert data["closeOrder"]["serviceOrder"]["attachments"] == []


IMPORT = """mutation($input: ImportMasterDataInput!) { importMasterData(input: $input) {
  userErrors { code field } report { kind fileName format encoding dryRun rows created updated
  unchanged applied problems { row column code } } } }"""
UNIT_CSV = "code,name,kind,level,districtName,address\nUX901,区档案馆,机关,区直,禅城区,\n"


async def test_import_master_data_from_an_uploaded_csv(
    hub: GraphQLClient, uploads_db: DatabasePair
) -> None:
    district = hub  # signed in as the district (D01)
    units = "SELECT COUNT(*) FROM work_units WHERE code = 'UX901'"

    def variables(dry_run: bool) -> dict[str, Any]:
        return {"input": {"kind": "units", "file": None, "dryRun": dry_run}}

    paths = {"0": ["variables.input.file"]}
    data = UNIT_CSV.encode("gb18030")
    response = await multipart(district, IMPORT, variables(True),
                               {"0": ("单位.csv", data, "text/csv")}, paths)  # fmt: skip
    payload = response.json()["data"]["importMasterData"]
    assert payload["userErrors"] == [], payload
    report = payload["report"]
    assert (report["dryRun"], report["applied"], report["rows"], report["created"]) == (
        True, True, 1, 1,
    )  # fmt: skip
    assert report["format"] == "csv"
    assert await count(uploads_db, units, side="units") == 0

    # Named .xlsx, but CSV by its content: read as CSV.
    response = await multipart(district, IMPORT, variables(False),
                               {"0": ("单位.xlsx", data, "application/octet-stream")}, paths)  # fmt: skip
    report = response.json()["data"]["importMasterData"]["report"]
    assert (report["dryRun"], report["applied"], report["created"], report["format"]) == (
        False, True, 1, "csv",
    )  # fmt: skip
    assert await count(uploads_db, units, side="units") == 1

    # A photo is no import file, whatever its name.
    response = await multipart(district, IMPORT, variables(False),
                               {"0": ("units.csv", png((1, 1, 1)), "text/csv")}, paths)  # fmt: skip
    payload = response.json()["data"]["importMasterData"]
    assert payload["report"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FILE_TYPE_NOT_ALLOWED", "input.file")
    ]

    # Only the district imports.
    community = hub.as_viewer("community", community="C001")
    response = await multipart(community, IMPORT, variables(True),
                               {"0": ("u.csv", data, "text/csv")}, paths)  # fmt: skip
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


WISH = "id status attachments { fileName contentType url }"


async def test_fulfil_micro_wish_with_a_photo(hub: GraphQLClient) -> None:
    committee = hub.as_viewer("community", community="C001")
    [member] = await supporters(hub, "C001", 1)
    me = hub.as_viewer("member", member=member)
    published = await committee.query(
        f"""mutation($i: PublishMicroWishInput!) {{ publishMicroWish(input: $i) {{
              userErrors {{ code }} microWish {{ {WISH} }} }} }}""",
        {"i": {"communityCode": "C001", "title": "一副老花镜", "beneficiaryName": "李奶奶"}},
    )
    wish_id = published["publishMicroWish"]["microWish"]["id"]
    claimed = await me.query(
        """mutation($i: ClaimMicroWishInput!) { claimMicroWish(input: $i) { userErrors { code } } }""",
        {"i": {"wishId": wish_id}},
    )
    assert claimed["claimMicroWish"]["userErrors"] == []
    fulfil = f"""mutation($input: FulfilMicroWishInput!) {{ fulfilMicroWish(input: $input) {{
      userErrors {{ code field }} microWish {{ {WISH} }} }} }}"""
    response = await multipart(
        me, fulfil, {"input": {"wishId": wish_id, "note": "已送到", "photos": [None]}},
        {"0": ("送达.png", png((9, 9, 9)), "image/png")}, {"0": ["variables.input.photos.0"]},
    )  # fmt: skip
    payload = response.json()["data"]["fulfilMicroWish"]
    assert payload["userErrors"] == []
    wish = payload["microWish"]
    assert wish["status"] == "FULFILLED"
    [item] = wish["attachments"]
    assert (item["fileName"], item["contentType"]) == ("送达.png", "image/png")
    got = await committee.http.get(item["url"], headers=committee.headers)
    assert got.status_code == 200
    assert Image.open(io.BytesIO(got.content)).size == (20, 20)
    other = hub.as_viewer("community", community="C002")
    assert (await other.http.get(item["url"], headers=other.headers)).status_code == 404


async def test_record_activity_hours_with_a_scanned_sheet(hub: GraphQLClient) -> None:
    from datetime import UTC, datetime, timedelta

    committee = hub.as_viewer("community", community="C001")
    starts = datetime.now(UTC) + timedelta(minutes=20)
    published = await committee.query(
        """mutation($i: PublishActivityInput!) { publishActivity(input: $i) {
             userErrors { code } activity { id } } }""",
        {"i": {"communityCode": "C001", "categoryCode": "chancheng.culture_sports",
               "title": "垃圾分类宣传", "place": "社区广场", "startsAt": starts.isoformat(),
               "endsAt": (starts + timedelta(hours=1)).isoformat(), "capacity": 3}},
    )  # fmt: skip
    activity = published["publishActivity"]["activity"]["id"]
    [member] = await supporters(hub, "C001", 1)
    me = hub.as_viewer("member", member=member)
    signed = await me.query(
        """mutation($i: SignUpForActivityInput!) { signUpForActivity(input: $i) {
             userErrors { code } signup { id } } }""",
        {"i": {"activityId": activity}},
    )
    signup = signed["signUpForActivity"]["signup"]["id"]
    issued = await committee.query(
        """mutation($i: IssueCheckInCodeInput!) { issueCheckInCode(input: $i) { code } }""",
        {"i": {"activityId": activity}},
    )
    checked = await me.query(
        """mutation($i: CheckInInput!) { checkIn(input: $i) { userErrors { code } } }""",
        {"i": {"activityId": activity, "code": issued["issueCheckInCode"]["code"]}},
    )
    assert checked["checkIn"]["userErrors"] == []
    sheet = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    hours = """mutation($input: RecordActivityHoursInput!) { recordActivityHours(input: $input) {
      userErrors { code field } signup { hours attachments { fileName contentType url } } } }"""
    response = await multipart(
        committee, hours, {"input": {"signupId": signup, "hours": "1.5", "photos": [None]}},
        {"0": ("签到表.pdf", sheet, "application/pdf")}, {"0": ["variables.input.photos.0"]},
    )  # fmt: skip
    payload = response.json()["data"]["recordActivityHours"]
    assert payload["userErrors"] == []
    [item] = payload["signup"]["attachments"]
    assert (item["fileName"], item["contentType"]) == ("签到表.pdf", "application/pdf")
    got = await me.http.get(item["url"], headers=me.headers)
    assert got.status_code == 200
    assert got.content == sheet
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in got.headers["content-disposition"]


async def test_the_local_store_is_content_addressed(tmp_path: Path) -> None:
    from datasources.files.storage import LocalFileStore, key_of

    files = LocalFileStore(tmp_path / "store")
    data = photo((3, 3, 3))
    key = await files.put(data)
    assert key == key_of(data)
    assert await files.put(data) == key  # stored once
    assert stored(tmp_path / "store") == [tmp_path / "store" / key[:2] / key[2:4] / key]
    assert await files.exists(key)
    assert await files.open(key) == data
    assert not await files.exists("0" * 64)
    assert not await files.exists("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        await files.open("../" + key)


async def test_a_download_that_cannot_be_audited_is_not_served(
    hub: GraphQLClient, uploads_db: DatabasePair, store: Path
) -> None:
    order_id, me, _ = await accepted_order(hub)
    response = await multipart(
        me, CLOSE, closing(order_id, 1), {"0": ("a.jpg", photo((7, 7, 7)), "image/jpeg")},
        mapping(1),
    )  # fmt: skip
    [item] = response.json()["data"]["closeOrder"]["serviceOrder"]["attachments"]
    down = "postgresql+asyncpg://nobody@127.0.0.1:1/audit"
    async for broken in client_for(
        dataclasses.replace(uploads_db, audit_url=down), "community", upload_dir=str(store),
        rate_limit_per_ip="", rate_limit_per_token="",
    ):  # fmt: skip
        viewer = broken.as_viewer("community", community="C001")
        refused = await viewer.http.get(item["url"], headers=viewer.headers)
        assert refused.status_code == 503
        assert refused.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
        assert "content-disposition" not in refused.headers
