"""Bearer-token authentication for HTTP requests. Failures all read alike: nothing tells whether a token exists."""

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from models.base import utcnow
from models.system import ApiToken, User
from resolvers.permissions import Actor, Role
from resolvers.users import hash_token

BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-\.~+/]+=*)$")
LAST_USED_RESOLUTION = timedelta(minutes=1)

MISSING = "authentication required: send the header 'Authorization: Bearer <token>'"
MALFORMED = "malformed Authorization header: expected 'Bearer <token>'"
REJECTED = "invalid, expired or revoked token"


class AuthenticationFailed(Exception):
    """The request carries no usable credentials; answered with HTTP 401 and this message."""


async def authenticate(engine: AsyncEngine, authorization: str | None, *, via: str = "api") -> Actor:
    """The actor behind an `Authorization: Bearer` header, or AuthenticationFailed."""
    if not authorization:
        raise AuthenticationFailed(MISSING)
    match = BEARER.match(authorization.strip())
    if match is None:
        raise AuthenticationFailed(MALFORMED)
    now = utcnow()
    tokens, users = ApiToken.__table__, User.__table__
    query = (
        sa.select(
            tokens.c.id.label("token_id"),
            tokens.c.expires_at,
            tokens.c.revoked_at,
            tokens.c.last_used_at,
            users.c.id.label("user_id"),
            users.c.email,
            users.c.active,
            users.c.roles,
        )
        .join(users, users.c.id == tokens.c.user_id)
        .where(tokens.c.token_hash == hash_token(match.group(1)))
    )
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
        usable = (
            row is not None
            and row.active
            and row.revoked_at is None
            and (row.expires_at is None or row.expires_at > now)
        )
        if not usable:
            raise AuthenticationFailed(REJECTED)
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            await connection.execute(tokens.update().where(tokens.c.id == row.token_id).values(last_used_at=now))
            await connection.commit()
    known = {role.value for role in Role}
    roles = frozenset(Role(name) for name in row.roles.split() if name in known)  # an unknown name grants nothing
    return Actor(user_id=row.user_id, email=row.email, roles=roles, via=via)
