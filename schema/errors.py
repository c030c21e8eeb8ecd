"""The error values every mutation payload carries."""

import strawberry
from graphql import GraphQLError

from resolvers.errors import ErrorCode

strawberry.enum(ErrorCode, description="What kind of problem a UserError reports.")


@strawberry.type(description="A problem with the request that the user can fix; nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"]; null when no single field is.'
    )
    message: str = strawberry.field(description="What is wrong, in words a user can act on.")
    code: ErrorCode = strawberry.field(description="Kind of problem.")


class Forbidden(GraphQLError):
    """Raised by a field the caller's roles may not read: the field comes back null with this error at its path."""

    def __init__(self, message: str):
        super().__init__(message, extensions={"code": "FORBIDDEN"})
