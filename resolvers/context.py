"""Per-request state: one database session, used by one coroutine at a time, and the request's loaders."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.database import begin_writing
from resolvers.loaders import Loaders
from resolvers.permissions import Actor

T = TypeVar("T")


@dataclass
class RequestContext:
    """What every resolver of one GraphQL request shares. The session opens on first use and closes with the request."""

    sessions: async_sessionmaker[AsyncSession]
    actor: Actor
    default_page_size: int = 50
    max_page_size: int = 500
    #: A synchronous engine for bulk jobs run in a worker thread (workbook imports).
    sync_engine: sa.Engine | None = None
    day_first: bool = True
    #: The app's settings (Google credentials and API address for sheet syncs).
    settings: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaders: Loaders = field(init=False)
    _session: AsyncSession | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.execute)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.sessions()
        return self._session

    async def execute(self, statement: sa.Executable) -> list[sa.Row]:
        """Run a read on the request's session; loaders batch concurrently, so access is serialised."""
        async with self.lock:
            result = await self.session.execute(statement)
            return list(result.all())

    async def scalar(self, statement: sa.Executable) -> Any:
        async with self.lock:
            return await self.session.scalar(statement)

    async def write(self, operation: Callable[[Session], T]) -> T:
        """Run a domain operation in its own transaction; any exception (Refused included) rolls it all back."""
        async with self.lock:
            session = self.session
            await session.commit()  # end the read transaction so the write sees current data
            try:
                result = await session.run_sync(_writing, operation)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        self.loaders = Loaders(self.execute)  # cached reads may predate the write
        return result

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _writing(session: Session, operation: Callable[[Session], T]) -> T:
    begin_writing(session)
    return operation(session)
