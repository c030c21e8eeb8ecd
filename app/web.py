"""The Starlette application: GraphQL (with GraphiQL) at /graphql and a real database check at /health."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from app.database import async_session_factory, create_async_db_engine
from app.settings import Settings
from resolvers.context import RequestContext
from schema import schema

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"


class OnebookGraphQL(GraphQL):
    """Strawberry's ASGI view with a per-request context, orjson output and GraphQL-over-HTTP status codes."""

    def __init__(self, engine: AsyncEngine, settings: Settings):
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
        self.sessions = async_session_factory(engine)
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context = RequestContext(
            sessions=self.sessions,
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
        )
        request.state.onebook_context = context
        return context

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.data is None and result.errors:
            # No data at all: the document failed to parse or validate, or its variables were wrong.
            request.state.onebook_request_error = True
        return await super().process_result(request, result)

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            response = await super().run(request)
        finally:
            onebook_context = getattr(request.state, "onebook_context", None)
            if onebook_context is not None:
                await onebook_context.close()
        if isinstance(response, Response) and _accepts_graphql_response(request):
            # GraphQL over HTTP: with this media type a request error is a 400; with application/json it stays 200.
            response.headers["content-type"] = GRAPHQL_RESPONSE_MEDIA_TYPE
            if getattr(request.state, "onebook_request_error", False):
                response.status_code = 400
        return response


def _accepts_graphql_response(request: Any) -> bool:
    return GRAPHQL_RESPONSE_MEDIA_TYPE in request.headers.get("accept", "")


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app; the database engine lives as long as the app."""
    settings = settings or Settings.from_env()
    engine = create_async_db_engine(settings.database_url, echo=settings.sql_echo)
    graphql = OnebookGraphQL(engine, settings)

    async def health(request: Request) -> JSONResponse:
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure to reach the database is "unavailable"
            detail = f"unavailable: {exc.__class__.__name__}"
            return JSONResponse({"status": "error", "database": detail}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    return app
