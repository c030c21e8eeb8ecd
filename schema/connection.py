"""The one connection shape every list uses: edges with opaque cursors, nodes, pageInfo and a lazy totalCount."""

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.listing import Page

Node = TypeVar("Node")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow the last one of this page.")
    has_previous_page: bool = strawberry.field(description="More items precede the first one of this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item, for `before`.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item, for `after`.")


@strawberry.type(description="An item in a list, with the cursor that points at it.")
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque position of this item; pass it as `after` or `before`.")
    node: Node = strawberry.field(description="The item.")


@strawberry.type(description="A page of items from a list, with cursors to move through it.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(description="The items of this page with their cursors.")
    nodes: list[Node] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Whether more pages exist, and the cursors at either end.")
    count_items: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match the filter in all pages (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count_items()

    @classmethod
    def from_page(cls, page: Page, count_items: Callable[[], Awaitable[int]]) -> "Connection":
        return cls(
            edges=[Edge(cursor=cursor, node=row) for cursor, row in zip(page.cursors, page.rows, strict=True)],
            nodes=page.rows,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            count_items=count_items,
        )
