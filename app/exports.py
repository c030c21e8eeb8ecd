"""Exports for BI tools: `GET /exports/<sheet-slug>.csv` and `.xlsx`, authenticated, filtered, streamed.

The query parameters are the GraphQL list field's arguments as JSON: `filter` is the filter input
(`{"status": {"in": ["ACTIVE"]}, "or": [...]}`) and `orderBy` the list of sort keys (`[{"name": "ASC"}]`). They are
compiled by the same list pipeline (`resolvers.listing`) and checked against the same permission table, so an export
shows exactly the rows and columns the caller could page through in GraphQL. Columns are the sheet layout's titles.

Rows are read with a synchronous connection in a worker thread, so a long export never blocks the event loop: CSV
is streamed as it is read; an xlsx file is written to a temporary file first (a zip can't be streamed as it's
built), then streamed.
"""

import re
import tempfile
from collections.abc import AsyncIterator, Generator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.auth import AuthenticationFailed, authenticate
from app.database import sync_url
from models.base import Base
from resolvers.listing import ListError, SortKey, compile_filter, compile_order, fields_used, relation_key_columns
from resolvers.permissions import Actor, can_read, can_read_field
from resolvers.validation import coerce_enum, fits_integer_column, label, python_type
from sync.export_command import ExportArgumentError, export_layouts
from sync.registry import Column, SheetLayout, layout_for
from sync.report_workbook import can_read_workbook, report_period, write_report_workbook
from sync.writing import ExportForbidden, csv_stream, readable_columns, write_workbook, xlsx_single_sheet

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: GraphQL operator names -> the attribute names `compile_filter` reads.
OPERATORS = {
    "eq": "eq",
    "ne": "ne",
    "in": "in_",
    "contains": "contains",
    "startsWith": "starts_with",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "isNull": "is_null",
}
COMBINATORS = {"and": "and_", "or": "or_", "not": "not_"}
TEXT_OPERATORS = frozenset({"eq", "ne", "in_", "contains", "starts_with", "is_null"})
ORDERED_OPERATORS = frozenset({"eq", "ne", "in_", "gt", "gte", "lt", "lte", "is_null"})
EQUALITY_OPERATORS = frozenset({"eq", "ne", "in_", "is_null"})
UNAVAILABLE = "the database is unavailable; try again shortly"
SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024
#: Byte chunks of a response body, made by blocking work (database reads, file reads) in worker threads.
Chunks = Generator[bytes, None, None]
#: Deeper and/or/not nesting than any real filter needs is refused rather than recursed into.
MAX_FILTER_DEPTH = 20


class ExportRequestError(Exception):
    """A request the export can't serve; answered with this status and message as a JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        headers = {"WWW-Authenticate": 'Bearer realm="onebook"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


def _bad_request(message: str) -> ExportRequestError:
    return ExportRequestError(400, "VALIDATION", message)


# --- query parameters -> the list pipeline's filter and ordering -------------------------------------------------


def snake(name: str) -> str:
    """'creditLimit' -> 'credit_limit', 'ownerEmail' -> 'owner_email'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class FilterField:
    """One field a filter may name: which operators it takes and how its values are read from JSON."""

    def __init__(self, name: str, column: sa.Column, *, is_id: bool = False) -> None:
        self.name = name
        self.column = column
        self.is_id = is_id
        column_type = column.type
        self.enum_class = column_type.enum_class if isinstance(column_type, sa.Enum) else None
        self.python_type = python_type(column_type)
        if is_id:
            self.operators = frozenset({"eq", "ne", "in_"})
        elif self.enum_class is not None or self.python_type is bool:
            self.operators = EQUALITY_OPERATORS
        elif self.python_type is str:
            self.operators = TEXT_OPERATORS
        else:
            self.operators = ORDERED_OPERATORS

    def value(self, operator: str, value: Any, where: str) -> Any:
        if operator == "is_null":
            if not isinstance(value, bool):
                raise _bad_request(f"{where} takes true or false")
            return value
        if operator == "in_":
            if not isinstance(value, list):
                raise _bad_request(f"{where} takes a list")
            return [self._scalar(item, where) for item in value]
        return self._scalar(value, where)

    def _scalar(self, value: Any, where: str) -> Any:
        """The JSON value as the column's Python type, so the comparison works on PostgreSQL as on SQLite."""
        if self.is_id:
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise _bad_request(f"{where} takes an id")
            return str(value)  # checked as an id by compile_filter
        if self.enum_class is not None:
            try:
                return coerce_enum(self.enum_class, _string(value, where))
            except ValueError:
                names = ", ".join(member.name for member in self.enum_class)
                raise _bad_request(f"{where}: {value!r} is not one of {names}") from None
        if self.python_type is str:
            return _string(value, where)
        if self.python_type is bool:
            if not isinstance(value, bool):
                raise _bad_request(f"{where} takes true or false")
            return value
        if self.python_type is int:
            if isinstance(value, bool) or not isinstance(value, int) or not fits_integer_column(self.column, value):
                raise _bad_request(f"{where} takes a whole number, got {value!r}")
            return value
        if self.python_type is Decimal:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise _bad_request(f'{where} takes a decimal number such as "1250.50", got {value!r}')
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                raise _bad_request(f'{where} takes a decimal number such as "1250.50", got {value!r}')
            return amount
        if self.python_type is datetime:
            try:
                return datetime.fromisoformat(_string(value, where))
            except ValueError:
                raise _bad_request(f"{where} takes an ISO 8601 time such as 2026-11-28T14:30:00Z") from None
        if self.python_type is date:
            try:
                return date.fromisoformat(_string(value, where))
            except ValueError:
                raise _bad_request(f"{where} takes a date such as 2026-11-28, got {value!r}") from None
        raise _bad_request(f"{where}: this field can't be filtered on")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _bad_request(f"{where} takes text, got {value!r}")
    if "\x00" in value:
        raise _bad_request(f"{where} contains a NUL character")
    return value


def filter_fields(model: type[Base]) -> dict[str, FilterField]:
    """Every field a filter on this model may name: its columns, and its relations by natural key."""
    fields = {}
    for column in model.__table__.c:
        if isinstance(column.type, sa.JSON):
            continue
        fields[column.name] = FilterField(column.name, column, is_id=column.name == "id" or bool(column.foreign_keys))
    for name, (_local, _target_id, target_key) in relation_key_columns(model).items():
        fields[name] = FilterField(name, target_key)
    return fields


def parse_filter(model: type[Base], text: str | None) -> SimpleNamespace | None:
    """The `filter` parameter (the GraphQL filter input as JSON) as the object `compile_filter` reads."""
    if text is None or text.strip() == "":
        return None
    data = _json(text, "filter")
    if data is None:
        return None
    return _filter_object(filter_fields(model), data, "filter", depth=0)


def _filter_object(fields: dict[str, FilterField], data: Any, where: str, *, depth: int) -> SimpleNamespace:
    if depth > MAX_FILTER_DEPTH:
        raise _bad_request(f"{where}: filters may nest and/or/not at most {MAX_FILTER_DEPTH} deep")
    if not isinstance(data, dict):
        raise _bad_request(f'{where} must be a JSON object such as {{"name": {{"contains": "acme"}}}}')
    converted: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}"
        if value is None:
            continue  # like an omitted field, as in GraphQL
        if key in ("and", "or"):
            if not isinstance(value, list):
                raise _bad_request(f"{path} takes a list of filters")
            converted[COMBINATORS[key]] = [
                _filter_object(fields, item, f"{path}[{index}]", depth=depth + 1) for index, item in enumerate(value)
            ]
        elif key == "not":
            converted["not_"] = _filter_object(fields, value, path, depth=depth + 1)
        else:
            name = snake(key)
            field = fields.get(name)
            if field is None:
                raise _bad_request(f"{path}: there is no field {key!r} to filter on")
            converted[name] = _operators(field, value, path)
    return SimpleNamespace(**converted)


def _operators(field: FilterField, data: Any, where: str) -> SimpleNamespace:
    if not isinstance(data, dict):
        raise _bad_request(f'{where} must be an object of operators such as {{"eq": ...}}')
    converted = {}
    for key, value in data.items():
        operator = OPERATORS.get(key)
        if operator is None or operator not in field.operators:
            allowed = ", ".join(name for name, target in OPERATORS.items() if target in field.operators)
            raise _bad_request(f"{where}: unknown operator {key!r}; this field takes {allowed}")
        if value is not None:
            converted[operator] = field.value(operator, value, f"{where}.{key}")
    return SimpleNamespace(**converted)


def parse_order(model: type[Base], text: str | None) -> list[SimpleNamespace]:
    """The `orderBy` parameter (`[{"name": "ASC"}, {"createdAt": "DESC"}]`) as the objects `compile_order` reads."""
    if text is None or text.strip() == "":
        return []
    data = _json(text, "orderBy")
    if data is None:
        return []
    items = data if isinstance(data, list) else [data]
    table = model.__table__
    order = []
    for index, item in enumerate(items):
        where = f"orderBy[{index}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise _bad_request(f'{where} names exactly one field, e.g. [{{"name": "ASC"}}, {{"createdAt": "DESC"}}]')
        ((key, direction),) = item.items()
        name = snake(key)
        if name not in table.c or isinstance(table.c[name].type, sa.JSON):
            raise _bad_request(f"{where}: there is no field {key!r} to order by")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise _bad_request(f"{where}.{key} takes ASC or DESC")
        order.append(SimpleNamespace(**{name: direction.lower()}))
    return order


def _json(text: str, parameter: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _bad_request(f"{parameter} is not valid JSON: {error}") from None


def check_readable(actor: Actor, model: type[Base], names: set[str]) -> None:
    """Filtering or sorting by a field reveals it: the caller must be allowed to read every field named."""
    relations = relation_key_columns(model)
    for name in sorted(names):
        if name in model.__table__.c and not can_read_field(actor.roles, model, name):
            message = f"you may not filter or sort by the {name.replace('_', ' ')} of a {label(model)}"
            raise ExportRequestError(403, "FORBIDDEN", message)
        if name in relations:
            target = relations[name][2].table
            target_model = next(mapper.class_ for mapper in Base.registry.mappers if mapper.local_table is target)
            if not can_read(actor.roles, target_model):
                raise ExportRequestError(403, "FORBIDDEN", f"you may not read {label(target_model)} records")


# --- the endpoints ------------------------------------------------------------------------------------------------


class ExportReader:
    """Reads export rows with a synchronous engine: the app's, or one made for the async engine's database (without
    a pool, as nothing would dispose of it; exports are few and long, so a connection each costs nothing)."""

    def __init__(self, engine: AsyncEngine, sync_engine: sa.Engine | None = None) -> None:
        self.url = sync_url(engine.url)
        self._engine = sync_engine

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.url, poolclass=NullPool)
        return self._engine

    def csv(self, layout: SheetLayout, columns: list[Column], where: Any, order: list[SortKey]) -> Chunks:
        with self.engine.connect() as connection:
            yield from csv_stream(connection, layout, columns, where=where, order_by=order)

    def workbook(self, layouts: list[SheetLayout], actor: Actor) -> Chunks:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 - closed by _file_chunks
        try:
            with self.engine.connect() as connection:
                write_workbook(spool, connection, layouts, actor=actor)
        except ExportForbidden as forbidden:
            spool.close()
            raise ExportRequestError(403, "FORBIDDEN", str(forbidden)) from None
        spool.seek(0)
        return _file_chunks(spool)

    def xlsx(self, layout: SheetLayout, columns: list[Column], where: Any, order: list[SortKey]) -> Chunks:
        with self.engine.connect() as connection:
            return xlsx_single_sheet(connection, layout, columns, where=where, order_by=order)


def _file_chunks(spool: Any, size: int = 256 * 1024) -> Chunks:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


async def _chunks(first: bytes, rest: Chunks) -> AsyncIterator[bytes]:
    """Stream chunks made by a blocking iterator in worker threads; close it (and its connection) however it ends."""
    try:
        yield first
        while (chunk := await run_in_threadpool(next, rest, None)) is not None:
            yield chunk
    finally:
        rest.close()


def export_routes(engine: AsyncEngine, sync_engine: sa.Engine | None = None) -> list[Route]:
    """`GET /exports/{slug}.csv` and `GET /exports/{slug}.xlsx`: tokens checked on `engine`, rows read with
    `sync_engine` (the same database) in worker threads."""
    reader = ExportReader(engine, sync_engine)

    async def prepare(request: Request) -> tuple[SheetLayout, list[Column], Any, list[SortKey]]:
        try:
            actor = await authenticate(engine, request.headers.get("authorization"))
        except AuthenticationFailed as failure:
            raise ExportRequestError(401, "UNAUTHENTICATED", str(failure)) from None
        except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError) as error:
            raise ExportRequestError(503, "UNAVAILABLE", UNAVAILABLE) from error
        try:
            layout = layout_for(request.path_params["slug"])
        except KeyError:
            raise ExportRequestError(404, "NOT_FOUND", f"no sheet called {request.path_params['slug']!r}") from None
        try:
            columns = readable_columns(layout, actor)
        except ExportForbidden as forbidden:
            raise ExportRequestError(403, "FORBIDDEN", str(forbidden)) from None
        model = layout.model
        filter_ = parse_filter(model, request.query_params.get("filter"))
        order = parse_order(model, request.query_params.get("orderBy"))
        check_readable(actor, model, fields_used(filter_, order))
        try:
            return layout, columns, compile_filter(model, filter_), compile_order(model, order)
        except ListError as error:
            raise _bad_request(str(error)) from None

    def attachment(layout: SheetLayout, extension: str) -> dict[str, str]:
        return {
            "Content-Disposition": f'attachment; filename="{layout.slug}.{extension}"',
            "Cache-Control": "no-store",
        }

    async def export_csv(request: Request) -> Response:
        try:
            layout, columns, where, order = await prepare(request)
            rows = reader.csv(layout, columns, where, order)
            first = await _read_first(rows)  # runs the query: a refusal is still an error response, not a cut stream
        except ExportRequestError as error:
            return error.response()
        return StreamingResponse(_chunks(first, rows), media_type=CSV_MEDIA_TYPE, headers=attachment(layout, "csv"))

    async def export_xlsx(request: Request) -> Response:
        try:
            layout, columns, where, order = await prepare(request)
            chunks = await _database_call(reader.xlsx, layout, columns, where, order)
            first = await _read_first(chunks)
        except ExportRequestError as error:
            return error.response()
        headers = attachment(layout, "xlsx")
        return StreamingResponse(_chunks(first, chunks), media_type=XLSX_MEDIA_TYPE, headers=headers)

    async def export_workbook(request: Request) -> Response:
        """The formatted, re-importable workbook of several sheets (what `exportWorkbook` links to)."""
        try:
            actor = await _authenticated(request)
            names = [name for name in request.query_params.get("sheets", "").split(",") if name.strip()]
            try:
                layouts = export_layouts(names or None, request.query_params.get("department"))
            except ExportArgumentError as error:
                raise _bad_request(str(error)) from None
            chunks = await _database_call(reader.workbook, layouts, actor)
            first = await _read_first(chunks)
        except ExportRequestError as error:
            return error.response()
        headers = {"Content-Disposition": 'attachment; filename="onebook.xlsx"', "Cache-Control": "no-store"}
        return StreamingResponse(_chunks(first, chunks), media_type=XLSX_MEDIA_TYPE, headers=headers)

    async def export_reports(request: Request) -> Response:
        """The report workbook (`onebook report`): `?from=&to=&asOf=` as dates, defaults the year to date."""
        try:
            actor = await _authenticated(request)
            if not can_read_workbook(actor.roles):
                raise ExportRequestError(403, "FORBIDDEN", "you may not read the reports in this workbook")
            dates = []
            for name in ("from", "to", "asOf"):
                text = request.query_params.get(name, "").strip()
                try:
                    dates.append(date.fromisoformat(text) if text else None)
                except ValueError:
                    raise _bad_request(f"{name}: {text!r} is not a date such as 2026-03-31") from None
            try:
                start, end, as_of = report_period(*dates)
            except ValueError as error:
                raise _bad_request(str(error)) from None

            def write() -> Chunks:
                spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 - _file_chunks
                try:
                    with Session(reader.engine) as session:
                        write_report_workbook(session, spool, start, end, as_of)
                except BaseException:
                    spool.close()
                    raise
                spool.seek(0)
                return _file_chunks(spool)

            chunks = await _database_call(write)
            first = await _read_first(chunks)
        except ExportRequestError as error:
            return error.response()
        headers = {"Content-Disposition": 'attachment; filename="reports.xlsx"', "Cache-Control": "no-store"}
        return StreamingResponse(_chunks(first, chunks), media_type=XLSX_MEDIA_TYPE, headers=headers)

    async def _authenticated(request: Request) -> Actor:
        try:
            return await authenticate(engine, request.headers.get("authorization"))
        except AuthenticationFailed as failure:
            raise ExportRequestError(401, "UNAUTHENTICATED", str(failure)) from None
        except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError) as error:
            raise ExportRequestError(503, "UNAVAILABLE", UNAVAILABLE) from error

    return [
        Route("/exports/workbook.xlsx", export_workbook, methods=["GET"]),
        Route("/exports/reports.xlsx", export_reports, methods=["GET"]),
        Route("/exports/{slug}.csv", export_csv, methods=["GET"]),
        Route("/exports/{slug}.xlsx", export_xlsx, methods=["GET"]),
    ]


async def _read_first(chunks: Chunks) -> bytes:
    try:
        return await _database_call(next, chunks, b"")
    except BaseException:
        chunks.close()
        raise


async def _database_call(function: Any, *arguments: Any) -> Any:
    """Run blocking database work in a worker thread; an unreachable database is a 503, a refused value a 400."""
    try:
        return await run_in_threadpool(function, *arguments)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        raise ExportRequestError(503, "UNAVAILABLE", UNAVAILABLE) from error
    except sa.exc.DataError as error:
        raise _bad_request("the database refused a value in this filter") from error
