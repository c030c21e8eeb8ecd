"""Users and API tokens: adding people with roles, issuing, listing and revoking bearer tokens."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import utcnow
from models.system import ApiToken, User
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor, Role

TOKEN_PREFIX = "ob_"


def hash_token(secret: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_roles(roles: str | list[str]) -> list[Role]:
    names = roles.replace(",", " ").split() if isinstance(roles, str) else roles
    parsed = []
    for name in names:
        try:
            parsed.append(Role(name.strip().lower()))
        except ValueError:
            allowed = ", ".join(role.value for role in Role)
            raise Refused.one(f"unknown role {name!r}; roles are {allowed}", ErrorCode.VALIDATION, "roles") from None
    return parsed


def find_user(session: Session, email: str) -> User:
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise Refused.one(f"no user with email {email!r}", ErrorCode.NOT_FOUND, "email")
    return user


def add_user(session: Session, *, email: str, roles: list[str] | str, name: str | None = None, actor: Actor) -> User:
    """Create a user with these roles (at least one)."""
    parsed = parse_roles(roles)
    if not parsed:
        raise Refused.one("give the user at least one role", ErrorCode.VALIDATION, "roles")
    values = {"email": email, "name": name, "roles": " ".join(role.value for role in parsed)}
    return crud.create(session, User, values, actor=actor)


def deactivate_user(session: Session, *, email: str, actor: Actor) -> User:
    """A deactivated user's tokens stop working at once; nothing is deleted."""
    user = find_user(session, email)
    return crud.update(session, User, user.id, {"active": False}, actor=actor)


def create_token(
    session: Session, *, email: str, name: str = "api", expires_in: timedelta | None = None, actor: Actor
) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its hash is kept."""
    user = find_user(session, email)
    if not user.active:
        raise Refused.one(f"user {user.email} is deactivated", ErrorCode.INVALID_STATE, "email")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=utcnow() + expires_in if expires_in else None,
    )
    session.add(token)
    session.flush()
    shown = {"user": [None, user.email], "name": [None, name], "prefix": [None, token.prefix]}
    if token.expires_at is not None:
        shown["expires_at"] = [None, token.expires_at.isoformat()]
    crud.record(session, actor=actor, action="create", model=ApiToken, entries=[(token.id, shown)])
    return token, secret


def list_tokens(session: Session, *, email: str) -> list[ApiToken]:
    user = find_user(session, email)
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, *, id: int, actor: Actor) -> ApiToken:
    """Revoke a token; requests using it are refused from now on. Audited (never the hash)."""
    token = session.get(ApiToken, id)
    if token is None:
        raise Refused.one(f"no token with id {id}", ErrorCode.NOT_FOUND, "id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        changes = {"revoked_at": [None, token.revoked_at.isoformat()]}
        crud.record(session, actor=actor, action="revoke", model=ApiToken, entries=[(token.id, changes)])
    return token
