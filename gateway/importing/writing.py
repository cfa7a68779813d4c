"""The writing step of `dualhub import`: checked rows into the master-data services, in
one transaction per file, with one audit entry.

Units, branches and members go to `datasources.units.master` (upsert by code); the
community side's kinds and the service categories to `datasources.community.master`. The
operator holds the databases, so he imports as the district organisation department
(`cli:import`), like `dualhub report`.

All or nothing: the service refuses the whole list when any row has a problem, and the
transaction is rolled back. A dry run does the same work in a transaction that is always
rolled back, so it reports exactly what the import would do. `--retire-missing` (members)
marks members of the district who are in the Party and in service but absent from the
roster as out of service (`end_service`), with history, in the same transaction.

The import is one audit event (kind, file name, sha256 digest, counts), committed with the
change through the side's outbox and then delivered; an import that changed nothing is
still recorded, straight into the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.scope import Role, Viewer
from gateway.importing.report import Applied
from gateway.importing.run import Rows
from gateway.importing.services import applied_from
from gateway.settings import Settings

UNITS_KINDS = frozenset({"units", "branches", "members"})
CLI_SUBJECT = "cli:import"
RETIRE_REASON = "导入名册中未列出，标记为不在职"


@dataclass(frozen=True)
class Source:
    """The file an import came from, as its audit entry names it."""

    kind: str
    file: str
    digest: str


class ImportRefused(Exception):
    """The database cannot take this import at all (a message in Chinese for the user)."""


class _RollBack(Exception):
    """Leaves the transaction without committing (a dry run, or rows refused)."""

    def __init__(self, applied: Applied) -> None:
        self.applied = applied


async def write(
    settings: Settings | None, source: Source, rows: Rows, *, dry_run: bool,
    retire_missing: bool, viewer: Viewer | None = None, sources: Any = None,
    request_id: str | None = None,
) -> Applied:  # fmt: skip
    """Write `rows` of `source.kind` (or, on a dry run, count what would change): with the
    databases of `settings` (the command), or the running hub's `sources` (units,
    community, audit: the `importMasterData` mutation, as the signed-in `viewer`)."""
    from datasources import outbox
    from datasources.audit.source import AuditSource
    from datasources.community.source import CommunitySource
    from datasources.units.source import UnitsSource
    from resolvers.audit import AuditTrail

    viewer = viewer or Viewer(Role.DISTRICT, subject=CLI_SUBJECT)
    trail = AuditTrail(viewer, request_id)
    side = "units" if source.kind in UNITS_KINDS else "community"
    own = sources is None
    if sources is None:
        assert settings is not None
        sources = (
            UnitsSource(settings.units_database_url),
            CommunitySource(settings.community_database_url),
            AuditSource(settings.audit_database_url),
        )
    units, community, audit = sources
    datasource = units if side == "units" else community
    operation = "dualhub import" if own else "importMasterData"
    try:
        with trail.mutation_field("import", "import", operation):
            try:
                async with datasource.transaction() as session:
                    if side == "units":
                        applied = await _units(session, viewer, source.kind, rows,
                                               retire_missing=retire_missing)  # fmt: skip
                    else:
                        applied = await _community(session, viewer, source.kind, rows)
                    if applied.problems or dry_run:
                        raise _RollBack(applied)
                    trail.mutation(
                        "import", "Import", [source.digest], kind=source.kind,
                        file=source.file, digest=source.digest, created=applied.created,
                        updated=applied.updated, unchanged=applied.unchanged,
                        retired=applied.retired,
                    )  # fmt: skip
            except _RollBack as stop:
                return stop.applied
        committed = [event for _side, event in trail.outbox_events()]
        unmatched = trail.events(viewer, operation_name=operation, request_id=request_id)
        try:
            await audit.record([*committed, *unmatched])
            await outbox.settle(datasource, [e.event_id for e in committed])
        except Exception:
            if unmatched:  # no outbox holds it: the import must not pass unrecorded
                raise
            # The committed entry waits in the outbox; the hub delivers it later.
        return applied
    finally:
        if own:
            await units.dispose()
            await community.dispose()
            await audit.dispose()


async def set_district(settings: Settings, code: str, name: str, city: str) -> str:
    """The deployment's district (区) on the community side: created once, its name and city
    corrected later (the code never changes). Streets are imported into it. Audited like an
    import; returns what happened (created, updated, unchanged)."""
    from datasources import outbox
    from datasources.audit.source import AuditSource
    from datasources.community.models import District
    from datasources.community.source import CommunitySource
    from resolvers.audit import AuditTrail

    viewer = Viewer(Role.DISTRICT, subject=CLI_SUBJECT)
    trail = AuditTrail(viewer)
    community = CommunitySource(settings.community_database_url)
    try:
        with trail.mutation_field("district", "setDistrict", "dualhub district"):
            async with community.transaction() as session:
                rows = list(await session.scalars(select(District).limit(2)))
                found = next((row for row in rows if row.code == code), None)
                if found is None and rows:
                    raise ImportRefused(f"本库已有区 {rows[0].code}，一个部署只服务一个区。")
                if found is None:
                    session.add(District(code=code, name=name, city=city))
                    action = "created"
                elif (found.name, found.city) != (name, city):
                    found.name, found.city = name, city
                    action = "updated"
                else:
                    return "unchanged"
                await session.flush()
                trail.mutation("district", "District", [code], districtName=name, city=city,
                               action=action)  # fmt: skip
        committed = [event for _side, event in trail.outbox_events()]
        audit = AuditSource(settings.audit_database_url)
        try:
            await audit.record(committed)
            await outbox.settle(community, [e.event_id for e in committed])
        except Exception:  # noqa: S110 - the entry waits in the outbox; the hub delivers it
            pass
        finally:
            await audit.dispose()
        return action
    finally:
        await community.dispose()


async def _units(
    session: AsyncSession, viewer: Viewer, kind: str, rows: Rows, *, retire_missing: bool
) -> Applied:
    from datasources.units import master
    from datasources.units.master_status import Dated, end_service
    from resolvers.master_units import writer_of

    writer = writer_of(viewer)
    call = master.Call(master.Mode.UPSERT, mutation="import")
    save = {"units": master.save_units, "branches": master.save_branches,
            "members": master.save_members}[kind]  # fmt: skip
    applied = applied_from(await save(session, writer, rows, call))
    if applied.problems or not retire_missing:
        return applied
    missing = await _members_not_listed(session, [row.get("code") for row in rows])
    if missing:
        ended = await end_service(
            session, writer, missing, Dated(writer.today, RETIRE_REASON), call
        )
        if ended.problems:  # not expected: they were selected as in service
            return applied_from(ended)
        applied.retired = len(missing)
    return applied


async def _members_not_listed(session: AsyncSession, listed: Sequence[Any]) -> list[str]:
    """Members in the Party and in service whom the roster does not list."""
    from datasources.units.models import Member, MemberStatus

    codes = {str(code) for code in listed if code}
    found = await session.scalars(
        select(Member.code).where(Member.status == MemberStatus.ACTIVE, Member.in_service)
    )
    return sorted(code for code in found if code not in codes)


async def _community(session: AsyncSession, viewer: Viewer, kind: str, rows: Rows) -> Applied:
    from datasources.community import master

    spec = master.KINDS[kind]
    fixed = {"district_id": await _only_district(session)} if kind == "streets" else None
    total = Applied()
    for wave in _waves(kind, rows):
        outcome = await master.apply(session, spec, [rows[i] for i in wave], viewer,
                                     mode="upsert", fixed=fixed)  # fmt: skip
        part = applied_from(outcome)
        if part.problems:  # indices of the wave back to the file's
            return Applied(problems=[replace(p, index=wave[p.index]) for p in part.problems])
        total.created += part.created
        total.updated += part.updated
        total.unchanged += part.unchanged
    return total


def _waves(kind: str, rows: Rows) -> list[list[int]]:
    """Row indices in the order they can be written: a grid after its parent when the file
    holds both (a grid tree arrives in one sheet); one wave for every other kind."""
    if kind != "grids":
        return [list(range(len(rows)))]
    index_of = {row.get("code"): i for i, row in enumerate(rows) if row.get("code")}
    depth: dict[int, int] = {}

    def depth_of(i: int, seen: frozenset[int] = frozenset()) -> int:
        if i in depth:
            return depth[i]
        parent = index_of.get(rows[i].get("parentCode"))
        # A parent outside the file, or a cycle (the service then reports the parent
        # missing): the first wave.
        found = 0 if parent is None or parent in seen else depth_of(parent, seen | {i}) + 1
        depth[i] = found
        return found

    waves: dict[int, list[int]] = {}
    for i in range(len(rows)):
        waves.setdefault(depth_of(i), []).append(i)
    return [waves[d] for d in sorted(waves)]


async def _only_district(session: AsyncSession) -> int:
    """The district new streets belong to: the hub serves one."""
    from datasources.community.models import District

    ids = list(await session.scalars(select(District.id).order_by(District.id).limit(2)))
    if len(ids) != 1:
        raise ImportRefused(f"导入街道前须有且仅有一个区（当前数据库中有 {len(ids)} 个）。")
    return ids[0]
