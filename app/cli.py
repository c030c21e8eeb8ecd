"""The `onebook` command line: serve, migrate, seed demo data.

Exit status 0 on success, 1 when the input was refused (with the reasons printed), 2 on misuse.
"""

import contextlib
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from sqlalchemy.orm import Session

from app.settings import Settings
from resolvers.errors import Refused
from resolvers.permissions import Actor, Role

cli = typer.Typer(help="Onebook: CRM and ERP in one database, one GraphQL API.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema management.", no_args_is_help=True)
users_cli = typer.Typer(help="People who may use Onebook, and their roles.", no_args_is_help=True)
tokens_cli = typer.Typer(help="API tokens for `Authorization: Bearer <token>`.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
cli.add_typer(tokens_cli, name="tokens")
sheets_cli = typer.Typer(help="Google Sheets kept in two-way sync.", no_args_is_help=True)
cli.add_typer(sheets_cli, name="sheets")
console = Console(stderr=True)


@contextlib.contextmanager
def _domain_session() -> Iterator[Session]:
    """One transaction on the configured database; a refused operation prints its reasons and exits with 1."""
    from app.database import create_sync_engine, transaction

    engine = create_sync_engine(Settings.from_env().database_url)
    try:
        with transaction(engine) as session:
            yield session
    except Refused as refused:
        for error in refused.errors:
            # Messages quote user input: never read it as markup, never wrap it.
            console.print(escape(error.message), style="red", soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def parse_duration(text: str) -> timedelta:
    """'30d', '12h', '2w', '90m' -> a timedelta."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration like 30d, 12h, 2w or 90m")
    amount, unit = int(match.group(1)), match.group(2)
    unit_name = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]
    return timedelta(**{unit_name: amount})


def _serve(settings: Settings) -> None:
    import uvicorn

    console.print(f"Onebook on http://{settings.host}:{settings.port}/graphql (GraphiQL in a browser)")
    uvicorn.run(
        "app.web:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers if settings.workers > 1 else None,
        log_level="info",
    )


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than 1).")
    ] = None,
) -> None:
    """Serve the GraphQL API (and GraphiQL) over HTTP."""
    settings = Settings.from_env(host=host, port=port, workers=workers)
    if settings.workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[yellow]Several workers on SQLite share one file; PostgreSQL is the multi-worker setup.")
    _serve(settings)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from app.migrate import current, upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    console.print(f"Database at revision {current(settings.database_url)}.")


@cli.command()
def demo(
    size: Annotated[
        str,
        typer.Option(
            help="small (50 customers, 20 sales orders) or large (10,000 customers, 2,000 products, 50,000 sales"
            " orders with their invoices and payments)."
        ),
    ] = "small",
    serve_after: Annotated[bool, typer.Option("--serve", help="Serve the API once the data is in.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to serve on [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on [default: 8000].")] = None,
) -> None:
    """Migrate the database and seed deterministic demo data (same seed, same data)."""
    from app.database import create_sync_engine
    from app.demo import SIZES, DemoDataExists, issue_demo_tokens, seed
    from app.migrate import upgrade

    if size not in SIZES:
        console.print(f"[red]--size must be one of {', '.join(SIZES)}, not {size!r}")
        raise typer.Exit(2)
    settings = Settings.from_env(host=host, port=port)
    upgrade(settings.database_url)
    engine = create_sync_engine(settings.database_url)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"Seeding {size} demo data", total=None)  # tables written, not known ahead

            def report(label: str, count: int) -> None:
                progress.update(task, description=f"{label}: {count:,} rows")

            counts = seed(engine, size=size, progress=report)
        console.print("Demo data: " + ", ".join(f"{count:,} {table}" for table, count in counts.items()))
    except DemoDataExists as exc:
        console.print(f"[yellow]{exc}")
        if not serve_after:
            raise typer.Exit(1) from None
    try:
        _print_tokens(issue_demo_tokens(engine))
    finally:
        engine.dispose()
    if serve_after:
        _serve(settings)


def _print_tokens(issued: list[tuple[str, str, str]]) -> None:
    """Print whole tokens, one per line, so they can be copied (a table would cut them)."""
    console.print('Demo API tokens; in GraphiQL\'s Headers tab paste {"Authorization": "Bearer <token>"}:')
    for role, email, secret in issued:
        print(f"  {role:<11} {email:<34} {secret}")


@users_cli.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The user's email, used to sign tokens to them.")],
    role: Annotated[
        list[str], typer.Option("--role", help="A role; repeat for several: " + ", ".join(r.value for r in Role))
    ],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Add a user with one or more roles."""
    from resolvers.users import add_user

    with _domain_session() as session:
        user = add_user(session, email=email, roles=role, name=name, actor=Actor.system())
    typer.echo(f"Added {user.email} ({user.roles}).")  # once committed


@users_cli.command("list")
def users_list() -> None:
    """List users, their roles and whether they are active."""
    import sqlalchemy as sa

    from models.system import User

    with _domain_session() as session:
        for user in session.scalars(sa.select(User).order_by(User.email)):
            state = "active" if user.active else "deactivated"
            typer.echo(f"{user.email}\t{user.name or ''}\t{user.roles}\t{state}")  # tab-separated, unwrapped


@users_cli.command("deactivate")
def users_deactivate(email: Annotated[str, typer.Argument(help="Whose access ends now.")]) -> None:
    """Deactivate a user: their tokens stop working at once."""
    from resolvers.users import deactivate_user

    with _domain_session() as session:
        deactivate_user(session, email=email, actor=Actor.system())
    typer.echo(f"Deactivated {email}.")


@tokens_cli.command("create")
def tokens_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'BI export'.")] = "api",
    expires: Annotated[str | None, typer.Option(help="Lifetime such as 30d, 12h or 2w; none by default.")] = None,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from resolvers.users import create_token

    lifetime = parse_duration(expires) if expires else None
    with _domain_session() as session:
        token, secret = create_token(session, email=email, name=name, expires_in=lifetime, actor=Actor.system())
    # Only once committed: a secret printed for a token that was never stored would only confuse.
    console.print(escape(f"Token {token.id} for {email} ({name}); it is shown only now:"), soft_wrap=True)
    typer.echo(secret)  # whole, on a line of its own, however narrow the terminal


@tokens_cli.command("list")
def tokens_list(email: Annotated[str, typer.Argument(help="Whose tokens.")]) -> None:
    """List a user's tokens (never the secrets)."""
    from resolvers.users import list_tokens

    with _domain_session() as session:
        for token in list_tokens(session, email=email):
            state = "revoked" if token.revoked_at else "active"
            expires = token.expires_at.isoformat() if token.expires_at else "never"
            used = token.last_used_at.isoformat() if token.last_used_at else "never"
            typer.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}\texpires {expires}\tlast used {used}")


@tokens_cli.command("revoke")
def tokens_revoke(id: Annotated[int, typer.Argument(help="Token id, from `onebook tokens list`.")]) -> None:
    """Revoke a token: requests using it are refused from now on."""
    from resolvers.users import revoke_token

    with _domain_session() as session:
        revoke_token(session, id=id, actor=Actor.system())
    typer.echo(f"Revoked token {id}.")


@cli.command("export")
def export_command(
    file: Annotated[str, typer.Argument(help="The .xlsx file to write.")],
    sheets: Annotated[
        str | None, typer.Option(help="Comma-separated sheet titles or slugs, e.g. customers,contacts.")
    ] = None,
    department: Annotated[
        str | None, typer.Option(help="Every sheet a department uses: sales, purchasing, warehouse, finance, hr.")
    ] = None,
) -> None:
    """Export a formatted workbook that departments edit and import back."""
    from sync.export_command import ExportArgumentError, export_workbook_file

    if not file.lower().endswith(".xlsx"):
        console.print("[red]the export file must end in .xlsx")
        raise typer.Exit(2)
    settings = Settings.from_env()
    names = sheets.split(",") if sheets else None
    try:
        with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("Exporting", total=None)
            counts = export_workbook_file(
                file,
                database_url=settings.database_url,
                sheets=names,
                department=department,
                actor=Actor.system(),
                progress=lambda title, rows: progress.update(task, description=f"{title}: {rows:,} rows"),
            )
    except ExportArgumentError as error:
        console.print(escape(str(error)), style="red", soft_wrap=True)
        raise typer.Exit(2) from None
    typer.echo(f"Wrote {file}: " + ", ".join(f"{rows:,} {title}" for title, rows in counts.items()))


def _option_date(text: str | None, option: str) -> date | None:
    """A date option as ISO 8601 (2026-03-31); anything else is misuse: a message and exit status 2."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        console.print(escape(f"{option}: {text!r} is not a date such as 2026-03-31"), style="red", soft_wrap=True)
        raise typer.Exit(2) from None


@cli.command("report")
def report_command(
    file: Annotated[str, typer.Argument(help="The .xlsx file to write.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day of the period [default: January 1 of --to's year].")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of the period [default: today, UTC].")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day whose end balances and aging are taken at [default: --to].")
    ] = None,
) -> None:
    """Write the report workbook: profit and loss, liquidity, aging, sales, pipeline, inventory, each with a chart."""
    from sync.report_workbook import report_period, write_report_workbook

    if not file.lower().endswith(".xlsx"):
        console.print("[red]the report file must end in .xlsx")
        raise typer.Exit(2)
    try:
        period = report_period(_option_date(start, "--from"), _option_date(end, "--to"), _option_date(as_of, "--as-of"))
    except ValueError as error:
        console.print(escape(str(error)), style="red", soft_wrap=True)
        raise typer.Exit(2) from None
    with _domain_session() as session:
        sheets = write_report_workbook(session, file, *period)
    first, last, balances = period
    typer.echo(f"Wrote {file}: {len(sheets)} reports for {first} to {last}, balances at {balances}.")


def _print_import_result(result, *, dry_run: bool) -> None:
    """The plan per sheet, then warnings, conflicts and errors (each naming its cell)."""
    typer.echo("Imported:" if result.applied else "Plan (nothing written):")
    for plan in result.plans:
        typer.echo(
            f"  {plan.title}: {plan.created} created, {plan.updated} updated, {plan.unchanged} unchanged,"
            f" {plan.deleted} deleted, {plan.conflicts} conflicts"
        )
    for warning in result.warnings:
        console.print(escape(f"warning: {warning}"), style="yellow", soft_wrap=True)
    for error in result.errors:
        console.print(escape(str(error)), style="red", soft_wrap=True)
    if result.errors:
        console.print(f"[red]Nothing was imported: {len(result.errors)} problem(s).")
    elif dry_run:
        console.print("Dry run: nothing was written.")
    else:
        for conflict in result.conflicts:
            console.print(escape(f"conflict resolved: {conflict}"), style="yellow", soft_wrap=True)
        console.print(f"Imported as batch {result.batch_id} (undo with `onebook import undo {result.batch_id}`).")


@cli.command("import")
def import_command(
    file: Annotated[str, typer.Argument(help="An .xlsx or .csv file; or `undo` followed by a batch number.")],
    batch: Annotated[int | None, typer.Argument(help="With `undo`: the batch to revert.")] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Import only this sheet (title), or name a CSV file's sheet.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and write nothing.")] = False,
    on_conflict: Annotated[
        str, typer.Option(help="fail (default), sheet or database: who wins where both changed a field.")
    ] = "fail",
    delete_missing: Annotated[
        bool, typer.Option("--delete-missing", help="Delete exported rows that are no longer in the sheet.")
    ] = False,
    report: Annotated[
        str | None, typer.Option(help="Write a copy of the workbook with bad cells marked and an Import report sheet.")
    ] = None,
) -> None:
    """Import edits from a workbook, all or nothing; or `onebook import undo BATCH`."""
    from app.database import create_sync_engine
    from sync.importer import ImportOptions, OnConflict, import_workbook

    settings = Settings.from_env()
    if file == "undo":
        if batch is None:
            console.print("[red]usage: onebook import undo BATCH")
            raise typer.Exit(2)
        from sync.undo import undo_import

        with _domain_session() as session:
            counts = undo_import(session, batch, actor=Actor.system(via="import"))
        done = ", ".join(f"{n} {what}" for what, n in counts.items()) or "nothing to undo"
        typer.echo(f"Undid batch {batch}: {done}")
        return
    if batch is not None:
        console.print("[red]only `onebook import undo BATCH` takes a second argument")
        raise typer.Exit(2)
    try:
        policy = OnConflict(on_conflict.lower())
    except ValueError:
        console.print("[red]--on-conflict must be fail, sheet or database")
        raise typer.Exit(2) from None
    options = ImportOptions(
        dry_run=dry_run, on_conflict=policy, delete_missing=delete_missing, sheet=sheet, day_first=settings.day_first
    )
    engine = create_sync_engine(settings.database_url)
    try:
        with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("Reading", total=None)
            result = import_workbook(
                engine,
                file,
                actor=Actor.system(via="import"),
                options=options,
                progress=lambda title: progress.update(task, description=f"Importing {title}"),
            )
    finally:
        engine.dispose()
    if report:
        from sync.report import write_report

        write_report(file, report, result)
        console.print(f"Report written to {report}.")
    _print_import_result(result, dry_run=dry_run)
    if result.errors:
        raise typer.Exit(1)


def _sheets_client(settings: Settings):
    from sync.sheets_api import SheetsUnavailable, client_from_settings

    try:
        return client_from_settings(settings.google_credentials, api_url=settings.sheets_api_url)
    except SheetsUnavailable as unavailable:
        console.print(escape(str(unavailable)), style="red", soft_wrap=True)
        raise typer.Exit(1) from None


def _print_sync(report) -> None:
    typer.echo(f"{report.mode} of spreadsheet {report.spreadsheet_id} (link {report.link_id}):")
    for title, plan in report.pulled.items():
        typer.echo(
            f"  from sheet {title}: {plan['created']} created, {plan['updated']} updated, {plan['deleted']} deleted,"
            f" {plan['conflicts']} conflicts"
        )
    for title, rows in report.pushed.items():
        typer.echo(f"  to sheet {title}: {rows} rows")
    if report.created_tabs:
        typer.echo("  created tabs: " + ", ".join(report.created_tabs))
    for warning in report.warnings:
        console.print(escape(f"warning: {warning}"), style="yellow", soft_wrap=True)
    for conflict in report.conflicts:
        console.print(escape(f"conflict: {conflict}"), style="yellow", soft_wrap=True)
    for error in report.errors:
        console.print(escape(error), style="red", soft_wrap=True)
    state = "applied" if report.applied else "nothing changed"
    typer.echo(f"  {state}; {report.api_calls} Google Sheets API calls")


@sheets_cli.command("link")
def sheets_link(
    spreadsheet: Annotated[str, typer.Argument(help="The spreadsheet id (the long part of its URL).")],
    sheets: Annotated[str | None, typer.Option(help="Comma-separated sheets, e.g. customers,contacts.")] = None,
    department: Annotated[str | None, typer.Option(help="Or every sheet a department uses.")] = None,
    delete_missing: Annotated[
        bool, typer.Option("--delete-missing", help="Rows deleted in the sheet are deleted in Onebook.")
    ] = False,
) -> None:
    """Link a Google spreadsheet; its tabs are created on the first push or sync."""
    from sync.google import create_link

    with _domain_session() as session:
        link = create_link(
            session,
            spreadsheet_id=spreadsheet,
            sheets=sheets.split(",") if sheets else None,
            department=department,
            actor=Actor.system(via="sheets"),
            delete_missing=delete_missing,
        )
        link_id, titles = link.id, link.sheets
    typer.echo(f"Linked spreadsheet {spreadsheet} as link {link_id}: {titles.replace(',', ', ')}")


@sheets_cli.command("unlink")
def sheets_unlink(link: Annotated[str, typer.Argument(help="Link id or spreadsheet id.")]) -> None:
    """Forget a link (the spreadsheet itself is left as it is)."""
    from sync.google import find_link

    with _domain_session() as session:
        found = find_link(session, link)
        spreadsheet = found.spreadsheet_id
        session.delete(found)
    typer.echo(f"Unlinked spreadsheet {spreadsheet}.")


@sheets_cli.command("list")
def sheets_list() -> None:
    """List linked spreadsheets and how their last sync went."""
    import sqlalchemy as sa

    from models.system import SheetLink

    with _domain_session() as session:
        for link in session.scalars(sa.select(SheetLink).order_by(SheetLink.id)):
            last = link.last_synced_at.isoformat() if link.last_synced_at else "never"
            errors = len((link.last_report or {}).get("errors", []))
            typer.echo(f"{link.id}\t{link.spreadsheet_id}\t{link.sheets}\tlast synced {last}\t{errors} errors")


def _run_sync(link: str, mode_name: str, on_conflict: str) -> bool:
    from app.database import create_sync_engine
    from sync.google import Mode, find_link, sync_link
    from sync.importer import OnConflict

    try:
        policy = OnConflict(on_conflict.lower())
    except ValueError:
        console.print("[red]--on-conflict must be fail, sheet or database")
        raise typer.Exit(2) from None
    settings = Settings.from_env()
    client = _sheets_client(settings)
    with _domain_session() as session:
        link_id = find_link(session, link).id
    engine = create_sync_engine(settings.database_url)
    try:
        report = sync_link(
            engine,
            client,
            link_id,
            mode=Mode(mode_name),
            actor=Actor.system(via="sheets"),
            on_conflict=policy,
            day_first=settings.day_first,
        )
    finally:
        engine.dispose()
    _print_sync(report)
    return not report.errors


ON_CONFLICT_OPTION = typer.Option(help="fail (default), sheet or database: who wins where both changed a field.")


@sheets_cli.command("push")
def sheets_push(
    link: Annotated[str, typer.Argument(help="Link id or spreadsheet id.")],
) -> None:
    """Write the linked tabs from Onebook (edits made in the sheet since the last sync are overwritten)."""
    if not _run_sync(link, "push", "fail"):
        raise typer.Exit(1)


@sheets_cli.command("pull")
def sheets_pull(
    link: Annotated[str, typer.Argument(help="Link id or spreadsheet id.")],
    on_conflict: Annotated[str, ON_CONFLICT_OPTION] = "fail",
) -> None:
    """Import the linked tabs' edits (new rows get their ids written back)."""
    if not _run_sync(link, "pull", on_conflict):
        raise typer.Exit(1)


@sheets_cli.command("sync")
def sheets_sync(
    link: Annotated[str, typer.Argument(help="Link id or spreadsheet id.")],
    on_conflict: Annotated[str, ON_CONFLICT_OPTION] = "fail",
) -> None:
    """Pull and push as one three-way merge: each side gets the other's changes; conflicts are listed."""
    if not _run_sync(link, "sync", on_conflict):
        raise typer.Exit(1)


@sheets_cli.command("watch")
def sheets_watch(
    every: Annotated[int, typer.Option(min=5, help="Seconds between syncs.")] = 60,
    on_conflict: Annotated[str, ON_CONFLICT_OPTION] = "fail",
    times: Annotated[int | None, typer.Option(help="Stop after this many rounds (default: until stopped).")] = None,
) -> None:
    """Sync every link on a schedule until stopped (Ctrl-C); each round reports what changed."""
    import time

    import sqlalchemy as sa

    from models.system import SheetLink

    rounds = 0
    try:
        while times is None or rounds < times:
            with _domain_session() as session:
                links = [str(id) for id in session.scalars(sa.select(SheetLink.id).order_by(SheetLink.id))]
            for link in links:
                _run_sync(link, "sync", on_conflict)
            rounds += 1
            if times is None or rounds < times:
                time.sleep(every)
    except KeyboardInterrupt:
        typer.echo("Stopped.")


def main() -> None:
    cli()
