"""The `dualhub` command: serve, migrate, seed, import and print the schema."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from datasources.community.source import CommunitySource
from datasources.scope import SCOPE_KEYS, InvalidScope, Role, Viewer
from datasources.seeding import SCALES, is_empty, seed_all
from datasources.units.source import UnitsSource
from gateway.auth import ConfigurationError, TokenLifetimeError, TokenVerifier, issue_token
from gateway.settings import Settings
from gateway.startup import HubGroup, explain_file, reaching

if TYPE_CHECKING:
    from resolvers.points_admin import Expiry


@click.group(cls=HubGroup)
@click.version_option(package_name="dualhub", prog_name="dualhub")
def main() -> None:
    """dualhub: the dual-reporting (双报到) GraphQL hub.

    A wrong setting or an unreachable database is one line on stderr and exit status 2.
    """


@main.group(invoke_without_command=True)
@click.option(
    "--client", is_flag=True,
    help="The client schema (schema.client.graphql): without federation's machinery.",
)  # fmt: skip
@click.pass_context
def schema(ctx: click.Context, client: bool) -> None:
    """Print the subgraph SDL (schema.graphql), or with --client the client schema."""
    if ctx.invoked_subcommand is not None:
        return
    from schema.app import build_schema
    from schema.sdl import client_sdl, subgraph_sdl

    sdl = subgraph_sdl(build_schema().as_str())
    click.echo(client_sdl(sdl) if client else sdl, nl=False)


@schema.command("check-breaking")
@click.option(
    "--against", "ref", default="HEAD~1", show_default=True,
    help="The git commit whose schema.graphql is the previous schema.",
)  # fmt: skip
@click.option(
    "--root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="The git checkout (with docs/schema-changes.md); the hub's own by default.",
)  # fmt: skip
def check_breaking(ref: str, root: Path | None) -> None:
    """Fail on a breaking schema change not listed, with its reason, in docs/schema-changes.md.

    Without a previous schema (a shallow clone, the first commit) there is nothing to
    compare: it says so and passes.
    """
    from schema.app import build_schema
    from schema.breaking import CHANGELOG, PreviousSchemaMissing, breaking_changes, schema_at
    from schema.breaking import unlisted as unlisted_changes

    root = root or Path(__file__).resolve().parent.parent
    try:
        previous = schema_at(ref, root)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except PreviousSchemaMissing as exc:
        click.echo(f"schema check: no schema.graphql at {ref} to compare with ({exc})", err=True)
        return
    changes = breaking_changes(previous, build_schema().as_str())
    changelog = root / CHANGELOG
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    unlisted = unlisted_changes(changes, text)
    for change in changes:
        mark = "unlisted" if change in unlisted else "listed"
        click.echo(f"breaking ({mark}): {change}", err=True)
    if unlisted:
        raise click.ClickException(
            f"{len(unlisted)} breaking schema change(s) since {ref} not listed in {CHANGELOG}; "
            "add a line per change: - `TYPE` `description`: reason"
        )
    click.echo(f"schema check: {len(changes)} breaking change(s) since {ref}, all listed", err=True)


@main.group()
def graphiql() -> None:
    """GraphiQL's files, served by the hub itself (no CDN at run time)."""


@graphiql.command("install")
def install_graphiql() -> None:
    """Fetch GraphiQL's files with `npm pack` and check their integrity hashes.

    `pip install` does this already when npm is on PATH; run it once after an install
    without npm, on a machine that reaches the npm registry.
    """
    from gateway import graphiql as assets

    still = assets.vendor()
    if still:
        raise click.ClickException(
            "GraphiQL files missing: " + ", ".join(asset.url_path for asset in still)
        )
    click.echo(f"GraphiQL's {len(assets.ASSETS)} files are in {assets.ASSET_DIR}", err=True)


@main.group()
def documents() -> None:
    """Trusted documents (persisted queries) of the frontends."""


@documents.command("build")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Manifest to write, for DUALHUB_TRUSTED_DOCUMENTS.",
)
def build_documents(files: tuple[str, ...], out: str) -> None:
    """Write the manifest {sha256: document} of the frontends' .graphql FILES.

    Each file is one document, hashed exactly as the frontend sends it; each must be
    valid against the schema.
    """
    from gateway.documents import build_manifest, schema_errors, write_manifest

    problems = [f"{name}: {error}" for name in files for error in schema_errors(name)]
    if problems:
        raise click.ClickException("invalid documents:\n" + "\n".join(problems))
    manifest = build_manifest(files)
    write_manifest(manifest, out)
    click.echo(f"{len(manifest)} trusted documents written to {out}", err=True)


@main.command()
@click.argument("kind", type=click.Choice(["branch", "unit", "community"]))
@click.option("--code", required=True, help="Code of the branch, unit or community (编码).")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The year (年度).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def report(kind: str, code: str, year: int, fmt: str, out: str) -> None:
    """Write the appraisal spreadsheet (评议台账) of a branch, unit or community: one row per
    member, headers in Chinese, the unmet rules spelled out. Reads as the district."""
    from resolvers.reports import AuditUnavailable, ReportNotFound

    try:
        body = asyncio.run(_report(Settings(), kind, code, year, fmt))
    except ReportNotFound as exc:
        raise click.ClickException(f"unknown {kind}: {code}") from exc
    except AuditUnavailable as exc:
        raise click.ClickException("the audit log cannot be written: no report") from exc
    with open(out, "wb") as handle:
        handle.write(body)
    click.echo(f"{kind} {code} {year}: {len(body)} bytes written to {out}", err=True)


async def _report(
    settings: Settings, kind: str, code: str, year: int, fmt: str, subject: str = "cli:report"
) -> bytes:
    """The operator holds the databases, so he reads as the district organisation
    department, in the context a request of that viewer gets; his reads are audited."""
    from gateway.app import Hub
    from gateway.reports import render, sheet_title
    from resolvers.reports import audited_rows

    hub = Hub(settings)
    try:
        ctx = hub.context(viewer=Viewer(Role.DISTRICT, subject=subject))
        rows = await audited_rows(ctx, kind, code, year, via="dualhub report")
    finally:
        await hub.dispose()
    return render(rows, fmt, sheet_title(year))


IMPORT_KINDS = (
    "units", "branches", "members", "streets", "communities", "grids", "compounds",
    "buildings", "households", "categories",
)  # fmt: skip


@main.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option(
    "--retire-missing",
    is_flag=True,
    help="members: the file is the full roster; members it does not list are marked "
    "out of service (不在职), with history. Never deleted.",
)
@click.option(
    "--template",
    "write_template",
    is_flag=True,
    help="Write the template of KIND to FILE (.xlsx or .csv; default KIND-template.xlsx).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def import_(
    kind: str,
    file: str | None,
    dry_run: bool,
    retire_missing: bool,
    write_template: bool,
    as_json: bool,
) -> None:
    """Import KIND (units, branches, members, streets, communities, grids, compounds,
    buildings, households, categories) from FILE, a CSV (UTF-8 or GB18030) or XLSX sheet
    whose header row names each column by its GraphQL input field or Chinese label.

    All or nothing: any invalid row means nothing is written, and every problem is listed
    by row, column, value and message. Exit status 0 only when the file was applied (or,
    with --dry-run, would be).

    `dualhub import --template KIND [FILE]` writes an empty template instead.
    """
    from pathlib import Path

    from gateway.importing import KINDS, TemplateExists, finish, load, template
    from gateway.importing.writing import ImportRefused, Source, write

    if write_template:
        target = Path(file or f"{kind}-template.xlsx")
        try:
            template(kind, target)
        except TemplateExists as exc:
            raise click.ClickException(f"{target} exists: not overwritten") from exc
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="FILE") from exc
        click.echo(f"{kind} template written to {target}", err=True)
        return
    if file is None:
        raise click.UsageError("FILE is required (or --template to write one)")
    if not Path(file).is_file():
        raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
    if retire_missing and kind != "members":
        raise click.UsageError("--retire-missing applies to members (a full roster) only")
    loaded = load(kind, file, dry_run=dry_run)
    report = loaded.report
    if not report.problems:
        source = Source(kind, Path(file).name, report.digest)
        try:
            applied = asyncio.run(write(Settings(), source, loaded.parsed.rows,
                                        dry_run=dry_run, retire_missing=retire_missing))  # fmt: skip
        except ImportRefused as exc:
            raise click.ClickException(str(exc)) from exc
        report = finish(loaded, applied)
    if as_json:
        import json

        click.echo(report.render(KINDS[kind].label), err=True)
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.render(KINDS[kind].label))
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("code")
@click.argument("name")
@click.option("--city", required=True, help="The city (市), e.g. 佛山市.")
def district(code: str, name: str, city: str) -> None:
    """Set the district (区) this hub serves: CODE (e.g. D01) and NAME (e.g. 禅城区). Run once
    on an empty hub before importing streets; again to correct the name or city."""
    from gateway.importing.writing import ImportRefused, set_district

    try:
        action = asyncio.run(set_district(Settings(), code, name, city))
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"district {code} {name} ({city}): {action}")


@main.command()
def migrate() -> None:
    """Upgrade every datasource (units, community, audit) to its newest revision."""
    _migrate(Settings())
    click.echo("units, community and audit databases migrated to head", err=True)


@main.command()
@click.option("--scale", type=click.Choice(["demo", "district"]), default="demo", show_default=True)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=42,
    show_default=True,
    help="Random seed; the same seed gives the same data.",
)
@click.option("--reset", is_flag=True, help="Delete existing rows of both databases first.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def seed(scale: str, seed_value: int, reset: bool, quiet: bool) -> None:
    """Fill both databases with generated, deterministic data."""
    settings = Settings()
    _migrate(settings)
    counts = asyncio.run(_seed(settings, scale, seed_value, reset, progress=not quiet))
    total = sum(counts.values())
    click.echo(f"seeded {total} rows at scale {scale!r} (seed {seed_value})", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option(
    "--migrate/--no-migrate",
    "run_migrations",
    default=True,
    show_default=True,
    help="Upgrade both databases before serving.",
)
@click.option("--demo", is_flag=True, help="Print one ready token per role for the demo data.")
@click.option(
    "--demo-data/--no-demo-data",
    default=None,
    help="Load the demo data set into empty databases "
    "[default: on for the embedded SQLite default, off otherwise].",
)
def serve(
    host: str, port: int, workers: int, run_migrations: bool, demo: bool, demo_data: bool | None
) -> None:
    """Serve GraphQL (with GraphiQL) at http://HOST:PORT/graphql."""
    import uvicorn

    from gateway import metrics
    from gateway.server import server_options

    settings = Settings()
    _check_configuration(settings)
    if run_migrations:
        _migrate(settings)
    else:
        _check_databases(settings)
    if demo_data if demo_data is not None else settings.embedded:
        asyncio.run(_seed_if_empty(settings))
    if demo:
        if settings.production:
            raise click.UsageError(
                "--demo issues tokens with the embedded secret: development only"
            )
        asyncio.run(_print_demo_tokens(settings))
    metrics.prepare_workers(workers)
    click.echo(f"dualhub serving GraphQL at http://{host}:{port}/graphql", err=True)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **server_options(settings),
    )


@main.command()
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role if role is not Role.ANONYMOUS]),
)
@click.option(
    "--scope",
    "scope_items",
    multiple=True,
    metavar="KEY=VALUE",
    help=f"Scope claim, repeatable; keys: {', '.join(SCOPE_KEYS)}.",
)
@click.option(
    "--subject",
    required=True,
    help="Who the token is for (sub), unique per person or system, e.g. a staff number. "
    "Required: tokens sharing a subject and scope are the same caller to the hub.",
)
@click.option(
    "--ttl",
    default="8h",
    show_default=True,
    help="Lifetime: 30m, 8h ... at most DUALHUB_JWT_MAX_LIFETIME_SECONDS (default 24h).",
)
def token(role: str, scope_items: tuple[str, ...], subject: str, ttl: str) -> None:
    """Issue a bearer token signed with the embedded HS256 secret."""
    scope = {}
    for item in scope_items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--scope")
        scope[key.strip()] = value.strip()
    try:
        click.echo(
            issue_token(Settings(), role=role, scope=scope, subject=subject, ttl=_duration(ttl))
        )
    except (InvalidScope, TokenLifetimeError, ConfigurationError) as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def points() -> None:
    """Points (积分) maintenance."""


@points.command("expire")
@click.option(
    "--before",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Points earned before this day (China time) and still unspent expire.",
)
def expire_points(before: datetime) -> None:
    """Expire every member's unspent points earned before --before (FIFO); idempotent."""
    settings = Settings()
    result = asyncio.run(_expire_points(settings, before.date()))
    click.echo(f"expired {result.points} points of {result.members} members "
               f"(earned before {before.date().isoformat()})")  # fmt: skip


async def _expire_points(settings: Settings, before: date) -> Expiry:
    """The change of `expirePoints`, audited like it: its entry commits with it (outbox) and
    is delivered at once, or by the hub's background delivery if the audit log is down."""
    from datasources import outbox
    from datasources.audit.source import AuditSource
    from datasources.scope import Viewer
    from resolvers.audit import AuditTrail
    from resolvers.points_admin import expire

    viewer = Viewer(Role.DISTRICT, subject="cli:points-expire")
    trail = AuditTrail(viewer)
    async with _sources(settings) as (_units, community):
        with trail.mutation_field("expirePoints", "expirePoints", "cli:points-expire"):
            async with community.transaction() as session:
                result = await expire(session, viewer, before)
        entries = [event for _side, event in trail.outbox_events()]
        if not entries:  # nothing expired, nothing changed
            return result
        audit = AuditSource(settings.audit_database_url)
        try:
            await audit.record(entries)
            await outbox.settle(community, [e.event_id for e in entries])
        except Exception as exc:  # the entries wait in the outbox
            click.echo(f"audit log not written yet ({type(exc).__name__}); the hub delivers "
                       "the entry later", err=True)  # fmt: skip
        finally:
            await audit.dispose()
    return result


@main.group()
def notifications() -> None:
    """Notifications (消息) maintenance."""


@notifications.command("sweep")
def sweep_notifications() -> None:
    """Write the time-based notifications now due (orders overdue, check-in windows open);
    idempotent: each is written once, also when the hub's background loop runs too."""
    written = asyncio.run(_sweep(Settings()))
    click.echo(f"wrote {written} notifications")


async def _sweep(settings: Settings) -> int:
    from datasources.community.notifications import sweep

    async with _sources(settings) as (_units, community):
        return await sweep(community)


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"([0-9]{1,6})([smhd])", text.strip())
    if not match:
        raise click.BadParameter(
            f"{text!r}: use up to six digits and s, m, h or d", param_hint="--ttl"
        )
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def _check_configuration(settings: Settings) -> None:
    try:
        TokenVerifier(settings)
    except ConfigurationError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc
    except OSError as exc:
        if settings.jwt_public_key_file and exc.filename == settings.jwt_public_key_file:
            raise explain_file(
                "read the token public key", "jwt_public_key_file",
                settings.jwt_public_key_file, exc, "point it at a readable PEM file",
            ) from exc  # fmt: skip
        raise explain_file(
            "write the signing secret into the data folder", "data_dir", settings.data_dir,
            exc, "make the folder writable, set DUALHUB_DATA_DIR to one that is, or set "
            "DUALHUB_JWT_SECRET",
        ) from exc  # fmt: skip


async def _print_demo_tokens(settings: Settings) -> None:
    from gateway.demo import demo_scopes, demo_subjects, demo_tokens

    async with _sources(settings) as (units, community):
        scopes = await demo_scopes(units, community)
        subjects = await demo_subjects(community, scopes)
    tokens = demo_tokens(settings, scopes, timedelta(hours=8), subjects)
    click.echo("Demo tokens (8h), send as 'Authorization: Bearer <token>':", err=True)
    for role, value in tokens.items():
        click.echo(f"  {role.value:<17} {scopes[role]}\n    {value}", err=True)


def _migrate(settings: Settings) -> None:
    from migrations.runner import upgrade

    for side in ("units", "community", "audit"):
        url = getattr(settings, f"{side}_database_url")
        with reaching(f"{side}_database_url", url):
            upgrade(side, url)


def _check_databases(settings: Settings) -> None:
    """Connect to each database once, so a wrong one is a line naming its setting."""
    from datasources.base import create_engine_for

    async def probe(url: str) -> None:
        engine = create_engine_for(url)
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        finally:
            await engine.dispose()

    for side in ("units", "community", "audit"):
        url = getattr(settings, f"{side}_database_url")
        with reaching(f"{side}_database_url", url):
            asyncio.run(probe(url))


@asynccontextmanager
async def _sources(settings: Settings) -> AsyncIterator[tuple[UnitsSource, CommunitySource]]:
    units = UnitsSource(settings.units_database_url)
    community = CommunitySource(settings.community_database_url)
    try:
        yield units, community
    finally:
        await units.dispose()
        await community.dispose()


async def _seed(
    settings: Settings, scale: str, seed_value: int, reset: bool, *, progress: bool
) -> dict[str, int]:
    async with _sources(settings) as (units, community):
        try:
            return await seed_all(
                units, community, SCALES[scale], seed=seed_value, reset=reset, progress=progress
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc


async def _seed_if_empty(settings: Settings) -> None:
    async with _sources(settings) as (units, community):
        if await is_empty(units, community):
            click.echo("empty databases: loading the demo data set", err=True)
            await seed_all(units, community, SCALES["demo"], progress=sys.stderr.isatty())
