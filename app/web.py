"""The Starlette application: GraphQL (with GraphiQL) at /graphql and a real database check at /health."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import sqlalchemy as sa
from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from app.auth import AuthenticationFailed, authenticate
from app.database import async_session_factory, create_async_db_engine, create_sync_engine
from app.exports import export_routes
from app.limits import BodySizeLimit
from app.settings import Settings
from resolvers.context import RequestContext
from resolvers.permissions import Actor
from schema import schema

ANONYMOUS = Actor(user_id=None, email=None)

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"


class OnebookGraphQL(GraphQL):
    """Strawberry's ASGI view with a per-request context, orjson output and GraphQL-over-HTTP status codes."""

    def __init__(self, engine: AsyncEngine, settings: Settings, sync_engine: sa.Engine):
        # Uploads are safe to accept: requests authenticate with a bearer header, never a cookie (no CSRF).
        super().__init__(schema, multipart_uploads_enabled=True)
        self.engine = engine
        self.sync_engine = sync_engine
        self.sessions = async_session_factory(engine)
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context = RequestContext(
            sessions=self.sessions,
            actor=getattr(request.state, "onebook_actor", ANONYMOUS),
            sync_engine=self.sync_engine,
            day_first=self.settings.day_first,
            settings=self.settings,
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
        )
        request.state.onebook_context = context
        return context

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # invalid UTF-8 is a JSONDecodeError here, which the view answers with 400

    def parse_json(self, data: str | bytes) -> Any:
        """A request body (or GET `variables`) must be a JSON object: anything else is the client's mistake, a 400."""
        parsed = super().parse_json(data)
        if parsed is None:
            return {}  # `null` gives nothing, like an omitted body or parameter
        if not isinstance(parsed, dict | list):
            kind = {str: "string", bool: "boolean", int: "number", float: "number"}.get(type(parsed), "value")
            raise HTTPException(400, f"expected a JSON object, got a JSON {kind}")
        return parsed

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            # A request error: the document failed to parse or validate, or its variables were wrong. A field
            # error (it has a path) can also leave data null, but execution ran: that stays a 200.
            request.state.onebook_request_error = True
        return await super().process_result(request, result)

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        if not _is_graphiql_page(request):
            try:
                request.state.onebook_actor = await authenticate(self.engine, request.headers.get("authorization"))
            except AuthenticationFailed as failure:
                return JSONResponse(
                    {"errors": [{"message": str(failure), "extensions": {"code": "UNAUTHENTICATED"}}]},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="onebook"'},
                )
            except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError):
                message = "the database is unavailable; try again shortly"
                return JSONResponse({"errors": [{"message": message}]}, status_code=503)
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


def _is_graphiql_page(request: Request) -> bool:
    """The GraphiQL page is open to anyone; the operations it sends are not."""
    accepts_html = "text/html" in request.headers.get("accept", "")
    return request.method == "GET" and accepts_html and "query" not in request.query_params


def _accepts_graphql_response(request: Any) -> bool:
    return GRAPHQL_RESPONSE_MEDIA_TYPE in request.headers.get("accept", "")


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app; the database engine lives as long as the app."""
    settings = settings or Settings.from_env()
    engine = create_async_db_engine(settings.database_url, echo=settings.sql_echo)
    sync_engine = create_sync_engine(settings.database_url, echo=settings.sql_echo)
    graphql = OnebookGraphQL(engine, settings, sync_engine)

    async def health(request: Request) -> JSONResponse:
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means "unavailable"
            detail = f"unavailable: {exc.__class__.__name__}"
            return JSONResponse({"status": "error", "database": detail}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()
        sync_engine.dispose()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *export_routes(engine, sync_engine),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    app.state.engine = engine
    app.state.settings = settings
    return app
