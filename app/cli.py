"""The `onebook` command line: serve, migrate, seed demo data.

Exit status 0 on success, 1 when the input was refused (with the reasons printed), 2 on misuse.
"""

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from app.settings import Settings

cli = typer.Typer(help="Onebook: CRM and ERP in one database, one GraphQL API.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema management.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
console = Console(stderr=True)


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
    size: Annotated[str, typer.Option(help="small (about 50 customers) or large (10,000 customers).")] = "small",
    serve_after: Annotated[bool, typer.Option("--serve", help="Serve the API once the data is in.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to serve on [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on [default: 8000].")] = None,
) -> None:
    """Migrate the database and seed deterministic demo data (same seed, same data)."""
    from app.database import create_sync_engine
    from app.demo import SIZES, DemoDataExists, seed
    from app.migrate import upgrade

    if size not in SIZES:
        console.print(f"[red]--size must be one of {', '.join(SIZES)}, not {size!r}")
        raise typer.Exit(2)
    settings = Settings.from_env(host=host, port=port)
    upgrade(settings.database_url)
    engine = create_sync_engine(settings.database_url)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"Seeding {size} demo data", total=len(SIZES[size]))

            def report(label: str, count: int) -> None:
                progress.update(task, advance=1, description=f"{label}: {count:,} rows")

            counts = seed(engine, size=size, progress=report)
        console.print("Demo data: " + ", ".join(f"{count:,} {table}" for table, count in counts.items()))
    except DemoDataExists as exc:
        console.print(f"[yellow]{exc}")
        if not serve_after:
            raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if serve_after:
        _serve(settings)


def main() -> None:
    cli()
