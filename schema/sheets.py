"""Spreadsheets over GraphQL: download a workbook, upload one back through the import engine."""

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import anyio
import sqlalchemy as sa
import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from resolvers.errors import Refused
from resolvers.permissions import can_read, can_write
from sync.importer import ImportOptions, ImportResult, OnConflict, import_workbook
from sync.registry import DEPARTMENTS, SHEETS, layout_for, select_layouts

strawberry.enum(OnConflict, name="OnConflict", description="Who wins where the sheet and Onebook both changed a field.")
UPLOAD_SUFFIXES = (".xlsx", ".csv")


@strawberry.type(description="Where to download a workbook; GET it with the same Authorization header.")
class WorkbookDownload:
    url: str = strawberry.field(description="Path on this server, e.g. /exports/workbook.xlsx?sheets=customers.")
    filename: str = strawberry.field(description="Suggested file name.")
    sheets: list[str] = strawberry.field(description="Titles of the sheets the workbook will hold.")


@strawberry.type(description="What an import did (or would do) to one sheet.")
class SheetImportPlan:
    title: str = strawberry.field(description="Sheet title.")
    created: int = strawberry.field(description="Rows created.")
    updated: int = strawberry.field(description="Rows updated.")
    unchanged: int = strawberry.field(description="Rows that needed no change.")
    deleted: int = strawberry.field(description="Rows deleted (only with deleteMissing).")
    conflicts: int = strawberry.field(description="Fields changed both in the sheet and in Onebook since the export.")


@strawberry.type(description="A problem with an imported workbook, at the cell to blame when there is one.")
class ImportProblem:
    sheet: str = strawberry.field(description="Sheet title (or file name).")
    cell: str = strawberry.field(description="Where, e.g. Customers!D7.")
    row: int | None = strawberry.field(description="Row number in the sheet.")
    message: str = strawberry.field(description="What is wrong.")


@strawberry.type(
    description="The outcome of an import: the plan per sheet and every problem; nothing is written "
    "unless errors is empty."
)
class ImportReport:
    applied: bool = strawberry.field(description="True when the changes were written (not a dry run, no errors).")
    batch_id: strawberry.ID | None = strawberry.field(description="The import batch, for `onebook import undo`.")
    plans: list[SheetImportPlan] = strawberry.field(description="Per sheet: created, updated, unchanged, ...")
    errors: list[ImportProblem] = strawberry.field(description="Problems that stopped the import, by cell.")
    conflicts: list[ImportProblem] = strawberry.field(description="Fields both sides changed, by cell.")
    warnings: list[str] = strawberry.field(description="Things ignored, such as unknown columns.")

    @classmethod
    def from_result(cls, result: ImportResult) -> "ImportReport":
        return cls(
            applied=result.applied,
            batch_id=strawberry.ID(str(result.batch_id)) if result.batch_id else None,
            plans=[SheetImportPlan(**vars(plan)) for plan in result.plans],
            errors=[ImportProblem(sheet=p.sheet, cell=p.cell, row=p.row, message=p.message) for p in result.errors],
            conflicts=[ImportProblem(sheet=c.sheet, cell=c.cell, row=c.row, message=str(c)) for c in result.conflicts],
            warnings=result.warnings,
        )


def _problem(message: str) -> ImportReport:
    return ImportReport(
        applied=False,
        batch_id=None,
        plans=[],
        errors=[ImportProblem(sheet="", cell="", row=None, message=message)],
        conflicts=[],
        warnings=[],
    )


@strawberry.type
class SheetQueries:
    @strawberry.field(description="A link to download a formatted workbook of the sheets you may read.")
    def export_workbook(
        self,
        info: strawberry.Info,
        sheets: Annotated[
            list[str] | None, strawberry.argument(description='Sheet titles or slugs, e.g. ["customers"].')
        ] = None,
        department: Annotated[
            str | None, strawberry.argument(description="Or every sheet a department uses: " + ", ".join(DEPARTMENTS))
        ] = None,
    ) -> WorkbookDownload:
        from schema.errors import Forbidden

        try:
            layouts = select_layouts(sheets, department)
        except KeyError as missing:
            raise ValueError(f"no sheet called {missing.args[0]!r}") from None
        roles = info.context.actor.roles
        if sheets:
            for name in sheets:
                if not can_read(roles, layout_for(name).model):
                    raise Forbidden(f"you may not read the {layout_for(name).title} sheet")
        layouts = [layout for layout in layouts if can_read(roles, layout.model)]
        if not layouts:
            raise Forbidden("none of these sheets is one you may read")
        query = urlencode({"sheets": ",".join(layout.slug for layout in layouts)})
        return WorkbookDownload(
            url=f"/exports/workbook.xlsx?{query}",
            filename="onebook.xlsx",
            sheets=[layout.title for layout in layouts],
        )


@strawberry.type
class SheetMutations:
    @strawberry.mutation(description="Import an .xlsx or .csv workbook, all or nothing, with every bad cell named.")
    async def import_workbook(
        self,
        info: strawberry.Info,
        file: Annotated[Upload, strawberry.argument(description="The workbook (multipart upload).")],
        dry_run: Annotated[bool, strawberry.argument(description="Report the plan, write nothing.")] = False,
        on_conflict: Annotated[
            OnConflict, strawberry.argument(description="Who wins where both sides changed a field.")
        ] = OnConflict.FAIL,
        delete_missing: Annotated[
            bool, strawberry.argument(description="Delete exported rows that are no longer in the sheet.")
        ] = False,
        sheet: Annotated[str | None, strawberry.argument(description="Import only this sheet.")] = None,
    ) -> ImportReport:
        from schema.errors import Forbidden

        context = info.context
        if not any(can_write(context.actor.roles, layout.model) for layout in SHEETS if layout.importable):
            raise Forbidden("you may not change any records, so you may not import")
        name = Path(getattr(file, "filename", None) or "upload.xlsx").name
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            return _problem(f"{name} must be an .xlsx or .csv file")
        options = ImportOptions(
            dry_run=dry_run,
            on_conflict=on_conflict,
            delete_missing=delete_missing,
            sheet=sheet,
            day_first=context.day_first,
        )
        with tempfile.TemporaryDirectory(prefix="onebook-upload-") as directory:
            path = Path(directory) / name
            with path.open("wb") as target:
                await anyio.to_thread.run_sync(shutil.copyfileobj, file.file, target)

            def run() -> ImportResult:
                return import_workbook(context.sync_engine, path, actor=context.actor, options=options, filename=name)

            result = await anyio.to_thread.run_sync(run)
        return ImportReport.from_result(result)


@strawberry.type(description="A Google spreadsheet kept in two-way sync with Onebook.")
class SheetLink:
    id: strawberry.ID = strawberry.field(description="Link id.")
    spreadsheet_id: str = strawberry.field(description="The Google spreadsheet id.")
    delete_missing: bool = strawberry.field(description="Whether rows deleted in the sheet are deleted in Onebook.")
    last_synced_at: datetime | None = strawberry.field(description="When the last successful sync ended (UTC).")

    @strawberry.field(description="The linked tabs, in sync order.")
    def sheets(self) -> list[str]:
        return [title for title in self.sheets.split(",") if title]  # type: ignore[attr-defined]

    @strawberry.field(description="What the last sync did (the same report syncSheet returns).")
    def last_report(self) -> JSON:
        return self.last_report  # type: ignore[attr-defined]


@strawberry.type(description="What one sync did: rows pulled from and pushed to each tab, conflicts and errors.")
class SheetSyncReport:
    applied: bool = strawberry.field(description="True when both sides were written.")
    batch_id: strawberry.ID | None = strawberry.field(description="The import batch of the pulled changes.")
    api_calls: int = strawberry.field(description="Google Sheets API requests this sync made.")
    created_tabs: list[str] = strawberry.field(description="Tabs created in the spreadsheet.")
    pulled: JSON = strawberry.field(description="Per tab: created, updated, unchanged, deleted, conflicts.")
    pushed: JSON = strawberry.field(description="Per tab: rows written to the sheet.")
    conflicts: list[str] = strawberry.field(description="Fields changed on both sides, by cell.")
    errors: list[str] = strawberry.field(description="Problems that stopped the sync, by cell where possible.")
    warnings: list[str] = strawberry.field(description="Things to know, such as a tab that was renamed.")


@strawberry.type
class SheetLinkQueries:
    @strawberry.field(description="Linked Google spreadsheets (admin only).")
    async def sheet_links(self, info: strawberry.Info) -> list[SheetLink]:
        from models.system import SheetLink as SheetLinkModel
        from schema.fields import require_read

        require_read(info, SheetLinkModel)
        table = SheetLinkModel.__table__
        return await info.context.execute(sa.select(table).order_by(table.c.id))


@strawberry.type
class SheetLinkMutations:
    @strawberry.mutation(description="Sync one linked spreadsheet now: pull its edits, push Onebook's, list conflicts.")
    async def sync_sheet(
        self,
        info: strawberry.Info,
        link_id: Annotated[strawberry.ID, strawberry.argument(description="The link (see sheetLinks).")],
        on_conflict: Annotated[
            OnConflict, strawberry.argument(description="Who wins where both sides changed a field.")
        ] = OnConflict.FAIL,
    ) -> SheetSyncReport:
        from schema.errors import Forbidden
        from sync.google import Mode, sync_link
        from sync.sheets_api import SheetsUnavailable, client_from_settings

        context = info.context
        if not any(can_write(context.actor.roles, layout.model) for layout in SHEETS if layout.importable):
            raise Forbidden("you may not change any records, so you may not sync a sheet")
        settings = context.settings

        def run() -> SheetSyncReport:
            try:
                client = client_from_settings(settings.google_credentials, api_url=settings.sheets_api_url)
                report = sync_link(
                    context.sync_engine,
                    client,
                    int(link_id),
                    mode=Mode.SYNC,
                    actor=context.actor,
                    on_conflict=on_conflict,
                    day_first=context.day_first,
                )
            except (SheetsUnavailable, Refused, ValueError) as problem:
                message = "; ".join(e.message for e in problem.errors) if isinstance(problem, Refused) else str(problem)
                return SheetSyncReport(
                    applied=False,
                    batch_id=None,
                    api_calls=0,
                    created_tabs=[],
                    pulled={},
                    pushed={},
                    conflicts=[],
                    errors=[message],
                    warnings=[],
                )
            return SheetSyncReport(
                applied=report.applied,
                batch_id=strawberry.ID(str(report.batch_id)) if report.batch_id else None,
                api_calls=report.api_calls,
                created_tabs=report.created_tabs,
                pulled=report.pulled,
                pushed=report.pushed,
                conflicts=report.conflicts,
                errors=report.errors,
                warnings=report.warnings,
            )

        return await anyio.to_thread.run_sync(run)
