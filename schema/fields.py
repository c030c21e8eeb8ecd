"""Field factories: the generic machinery that turns a model plus explicit GraphQL types into root fields,
relations and mutations. Each factory states which column, relation or query the field reads.
"""

import inspect
from collections.abc import Callable, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Annotated, Any

import sqlalchemy as sa
import strawberry
from sqlalchemy.orm import Session

from models.base import Base
from resolvers import crud
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.listing import (
    ListError,
    PageWindow,
    SortKey,
    compile_filter,
    compile_order,
    fields_used,
    make_page,
    page_query,
    relation_key_columns,
)
from resolvers.permissions import can_read, can_read_field
from resolvers.validation import fits_integer_column, label
from schema.connection import Connection
from schema.errors import Forbidden

FIRST = strawberry.argument(description="Page size from the start (or after `after`); default 50, at most 500.")
AFTER = strawberry.argument(description="Cursor after which the page starts.")
LAST = strawberry.argument(description="Page size from the end (or before `before`); at most 500.")
BEFORE = strawberry.argument(description="Cursor before which the page ends.")


def _context(info: strawberry.Info) -> RequestContext:
    return info.context


def model_of(table: sa.Table) -> type[Base]:
    """The model mapped to a table."""
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    raise LookupError(f"no model maps table {table.name}")


def require_read(info: strawberry.Info, model: type[Base]) -> None:
    """Every field that reads rows asks the permission table first; a refusal nulls the field with FORBIDDEN."""
    if not can_read(_context(info).actor.roles, model):
        raise Forbidden(f"you may not read {label(model)} records")


def require_readable_fields(info: strawberry.Info, model: type[Base], names: set[str]) -> None:
    """Filtering or sorting by a field reveals it: the caller must be allowed to read every field named."""
    roles = _context(info).actor.roles
    relations = relation_key_columns(model)
    for name in sorted(names):
        if name in model.__table__.c and not can_read_field(roles, model, name):
            raise Forbidden(f"you may not filter or sort by the {name.replace('_', ' ')} of a {label(model)}")
        if name in relations:
            require_read(info, model_of(relations[name][2].table))


def restricted(model: type[Base], name: str, *, description: str) -> Any:
    """A column that a field rule narrows (salary): null with a FORBIDDEN error for roles that may not read it."""

    def resolve(root: Any, info: strawberry.Info) -> Any:
        if not can_read_field(_context(info).actor.roles, model, name):
            raise Forbidden(f"you may not read the {name.replace('_', ' ')} of a {label(model)}")
        return getattr(root, name)

    return strawberry.field(resolver=resolve, description=description)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# --- relations -------------------------------------------------------------------------------------------------


def to_one(column: sa.Column, *, description: str) -> Any:
    """A many-to-one relation read through the request's loader for the referenced table (no N+1)."""
    (foreign_key,) = column.foreign_keys
    target = foreign_key.column
    target_model = model_of(target.table)

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        require_read(info, target_model)
        key = getattr(root, column.name)
        if key is None:
            return None
        return await _context(info).loaders.row(target).load(key)

    return strawberry.field(resolver=resolve, description=description)


def to_many(column: sa.Column, *, order: Sequence[SortKey], description: str) -> Any:
    """All rows referencing this one through `column`, batched for the whole page."""
    order = tuple(order)
    target_model = model_of(column.table)

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        require_read(info, target_model)
        return await _context(info).loaders.rows(column, order).load(root.id)

    return strawberry.field(resolver=resolve, description=description)


def nested_connection(
    column: sa.Column,
    *,
    order: Sequence[SortKey],
    description: str,
    where: sa.ColumnElement[bool] | None = None,
    readable_as: type[Base] | None = None,
) -> Any:
    """A paginated to-many relation: one ranked query serves the pages of every parent in the page.

    `where` narrows the child rows (the history of one entity type); `readable_as` names the model whose read
    permission governs the field when it is not the child's own (whoever may read a customer reads its history).
    """
    order = tuple(order)
    governing_model = readable_as or model_of(column.table)

    async def resolve(
        root: Any,
        info: strawberry.Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Any:
        require_read(info, governing_model)
        context = _context(info)
        window = PageWindow.from_arguments(
            first=first, after=after, default_size=context.default_page_size, max_size=context.max_page_size
        )
        loaders = context.loaders
        page = await loaders.page(column, order, window, where).load(root.id)
        return Connection.from_page(page, lambda: loaders.count(column, where).load(root.id))

    return strawberry.field(resolver=resolve, description=description)


# --- root query fields -----------------------------------------------------------------------------------------


def list_field(
    model: type[Base],
    node: type,
    filter_type: type,
    order_type: type,
    *,
    description: str,
    default_order: Sequence[SortKey] = (),
) -> Any:
    """The connection field for an entity: filter, orderBy, first/after/last/before, totalCount."""
    table = model.__table__

    async def resolve(
        info: strawberry.Info,
        filter: Annotated[  # the GraphQL argument is called filter
            filter_type | None, strawberry.argument(description="Only items matching all these conditions.")
        ] = None,
        order_by: Annotated[
            list[order_type] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Sort keys applied in order, e.g. [{name: ASC}]; id breaks ties."),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[node]:  # type: ignore[valid-type]
        require_read(info, model)
        require_readable_fields(info, model, fields_used(filter, order_by))
        context = _context(info)
        window = PageWindow.from_arguments(
            first=first,
            after=after,
            last=last,
            before=before,
            default_size=context.default_page_size,
            max_size=context.max_page_size,
        )
        where = compile_filter(model, filter)
        keys = compile_order(model, order_by, default_order)
        page = make_page(await context.execute(page_query(table, where, keys, window)), keys, window)

        async def count_items() -> int:
            return await context.scalar(sa.select(sa.func.count()).select_from(table).where(where))

        return Connection.from_page(page, count_items)

    return strawberry.field(resolver=resolve, description=description)


def get_field(model: type[Base], node: type, *, description: str) -> Any:
    """One object by `id` or by its natural key (`code`, `email`, `number`; relations as `customerCode`)."""
    table = model.__table__
    key_arguments: dict[str, sa.ColumnElement] = {}
    for name in model.__natural_key__:
        if name in table.c:
            key_arguments[name] = table.c[name]
        else:
            relation = sa.inspect(model).relationships[name]
            target = relation.mapper.class_
            (target_key,) = target.__natural_key__
            (local,) = relation.local_columns
            key_arguments[f"{name}_{target_key}"] = (local, target.__table__.c.id, target.__table__.c[target_key])

    async def resolve(info: strawberry.Info, **arguments: Any) -> Any:
        require_read(info, model)
        given = {name: value for name, value in arguments.items() if value is not None}
        conditions = []
        if "id" in given:
            try:
                id_ = int(given.pop("id"))
            except ValueError:
                return None
            if not fits_integer_column(table.c.id, id_):
                return None  # no row can have it; comparing would be a database error
            conditions.append(table.c.id == id_)
        if given and set(given) != set(key_arguments):
            raise ListError(f"give id, or all of: {', '.join(camel(name) for name in key_arguments)}")
        if not conditions and not given:
            raise ListError(f"give id or {', '.join(camel(name) for name in key_arguments)}")
        for name, value in given.items():
            key = key_arguments[name]
            column = key[2] if isinstance(key, tuple) else key
            if column.info.get("format") == "email":
                value = value.strip().lower()  # stored lowercased by validation
            if isinstance(key, tuple):
                local, target_id, target_key = key
                conditions.append(local.in_(sa.select(target_id).where(target_key == value)))
            else:
                conditions.append(key == value)
        rows = await _context(info).execute(sa.select(table).where(*conditions).limit(1))
        return rows[0] if rows else None

    parameters = [
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
        inspect.Parameter(
            "id",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[strawberry.ID | None, strawberry.argument(description=f"The {label(model)}'s id.")],
        ),
    ]
    for name, key in key_arguments.items():
        argument = strawberry.argument(description=f"Natural key part: the {label(model)}'s {name.replace('_', ' ')}.")
        column = key[2] if isinstance(key, tuple) else key
        python_type = int if column.type.python_type is int else str  # a line number is an Int, a code a String
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[python_type | None, argument]
            )
        )
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=node | None)  # type: ignore[attr-defined]
    return strawberry.field(resolver=resolve, description=description)


# --- mutations -------------------------------------------------------------------------------------------------


def input_values(data: Any) -> dict[str, Any]:
    """The fields a client gave in an input object (omitted ones are UNSET and left out); ids become integers."""
    values = {}
    for item in dataclass_fields(data):
        value = getattr(data, item.name)
        if value is strawberry.UNSET:
            continue
        if item.name.endswith("_id") and value is not None:
            try:
                value = int(value)
            except ValueError:
                raise Refused.one(f"{value!r} is not a valid id", ErrorCode.VALIDATION, item.name) from None
        values[item.name] = value
    return values


def _graphql_error(error: UserError, arguments: set[str]) -> UserError:
    """Name the field as the client wrote it: top-level arguments as is, the rest inside `input`."""
    if not error.field:
        return error
    head = error.field[0]
    path = (camel(head),) if head in arguments else ("input", camel(head))
    return replace(error, field=path + tuple(camel(part) for part in error.field[1:]))


def parse_id(model: type[Base], value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refused.one(f"no {label(model)} with id {value!r}", ErrorCode.NOT_FOUND, "id") from None


async def run_mutation(
    info: strawberry.Info,
    payload: type,
    operation: Callable[[Session], Base],
    *,
    arguments: set[str] = frozenset({"id", "version"}),
) -> Any:
    """Run a write in one transaction; user errors roll it back and come back in the payload, never as a 500."""
    (object_field, *_) = (item.name for item in dataclass_fields(payload) if item.name != "errors")
    try:
        row = await _context(info).write(operation)
    except Refused as refused:
        errors = [_graphql_error(error, set(arguments)) for error in refused.errors]
        return payload(**{object_field: None, "errors": errors})
    return payload(**{object_field: row, "errors": []})


def create_mutation(model: type[Base], input_type: type, payload: type, *, description: str) -> Any:
    async def resolve(
        info: strawberry.Info,
        input: Annotated[input_type, strawberry.argument(description="Values for the new object.")],
    ) -> payload:  # type: ignore[valid-type]
        def operation(session: Session) -> Base:
            return crud.create(session, model, input_values(input), actor=_context(info).actor)

        return await run_mutation(info, payload, operation)

    return strawberry.mutation(resolver=resolve, description=description)


VERSION = strawberry.argument(
    description="The version you last read; if the object changed since, nothing is written and CONFLICT is returned."
)


def update_mutation(model: type[Base], input_type: type, payload: type, *, description: str) -> Any:
    async def resolve(
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Which object to change.")],
        input: Annotated[
            input_type, strawberry.argument(description="Fields to change; omitted fields stay, null clears.")
        ],
        version: Annotated[int | None, VERSION] = None,
    ) -> payload:  # type: ignore[valid-type]
        def operation(session: Session) -> Base:
            values = input_values(input)
            return crud.update(session, model, parse_id(model, id), values, actor=_context(info).actor, version=version)

        return await run_mutation(info, payload, operation)

    return strawberry.mutation(resolver=resolve, description=description)


def delete_mutation(model: type[Base], payload: type, *, description: str) -> Any:
    async def resolve(
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Which object to delete.")],
        version: Annotated[int | None, VERSION] = None,
    ) -> payload:  # type: ignore[valid-type]
        def operation(session: Session) -> Base:
            return crud.delete(session, model, parse_id(model, id), actor=_context(info).actor, version=version)

        return await run_mutation(info, payload, operation)

    return strawberry.mutation(resolver=resolve, description=description)
